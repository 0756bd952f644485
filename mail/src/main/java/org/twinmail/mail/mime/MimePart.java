package org.twinmail.mail.mime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawBody;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.stream.RawFieldParser;
import org.apache.james.mime4j.util.MimeParameterMapping;
import org.twinmail.mail.header.EncodedWords;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.HeaderField;
import org.twinmail.mail.header.MailCharsets;

/**
 * One MIME entity of a message (RFC 2045, 2046) with its byte offsets in the message: the part
 * tree IMAP serves BODY[1.2], BODYSTRUCTURE sizes and line counts from, and the filters read
 * bodies from. Bodies are not copied: {@link #body()} and {@link #decodedBody()} stream from the
 * message's octets. The structure is found by scanning for boundaries; header fields are
 * {@link Header}'s, Content-Type and Content-Disposition parameters (RFC 2231 continuations and
 * charsets) are parsed with Apache mime4j. Broken MIME never throws: a missing boundary ends the
 * part at the end of its parent, as Dovecot and mail clients read it; a multipart without a
 * boundary parameter has no children.
 *
 * <p>Why not mime4j's own parser for the structure: mime4j's {@code MimeTokenStream} gives no
 * byte offsets of parts, and IMAP must answer BODY[section] with the exact octets of the stored
 * message, so the boundary scan is ours; everything inside a header field is mime4j's.
 */
public final class MimePart {
    /** Deeper nesting is treated as an opaque body: a message bomb must not exhaust the stack. */
    static final int MAX_DEPTH = 50;

    private final byte[] data;
    final int headerStart;
    final int bodyStart;
    final int end;
    final Header header;
    final String type;
    final String subtype;
    final Map<String, String> params;
    final List<MimePart> children;
    /** For message/rfc822 (and message/global): the enclosed message. */
    final MimePart message;

    private MimePart(byte[] data, int headerStart, int bodyStart, int end, Header header, String type, String subtype,
                     Map<String, String> params, List<MimePart> children, MimePart message) {
        this.data = data;
        this.headerStart = headerStart;
        this.bodyStart = bodyStart;
        this.end = end;
        this.header = header;
        this.type = type;
        this.subtype = subtype;
        this.params = params;
        this.children = children;
        this.message = message;
    }

    /** Parses a whole message. */
    public static MimePart parse(byte[] data) {
        return parse(data, 0, data.length, false, 0);
    }

    static MimePart parse(byte[] data, int start, int end, boolean digestChild, int depth) {
        Header header = Header.parse(data, start, end);
        int bodyStart = header.bodyStart();
        String type = digestChild ? "message" : "text";
        String subtype = digestChild ? "rfc822" : "plain";
        Map<String, String> params = new LinkedHashMap<>();
        String ct = header.value("Content-Type");
        if (ct != null) {
            RawBody body = RawFieldParser.DEFAULT.parseRawBody(new RawField("Content-Type", ct));
            String v = body.getValue() == null ? "" : body.getValue().strip().toLowerCase(Locale.ROOT);
            int slash = v.indexOf('/');
            if (slash > 0 && slash < v.length() - 1 && v.indexOf('/', slash + 1) < 0) {
                type = v.substring(0, slash).strip();
                subtype = v.substring(slash + 1).strip();
                params = parameters(body.getParams());
            }
        }
        if (!params.containsKey("charset") && type.equals("text")) params.put("charset", "us-ascii");
        List<MimePart> children = List.of();
        MimePart message = null;
        if (depth < MAX_DEPTH) {
            if (type.equals("multipart") && params.get("boundary") != null && !params.get("boundary").isEmpty()) {
                children = splitMultipart(data, bodyStart, end, params.get("boundary"), subtype.equals("digest"), depth);
            } else if (type.equals("message") && (subtype.equals("rfc822") || subtype.equals("global"))) {
                message = parse(data, bodyStart, end, false, depth + 1);
            }
        }
        return new MimePart(data, start, bodyStart, end, header, type, subtype, params, children, message);
    }

    /** Parameters with RFC 2231 continuations joined and charsets decoded (mime4j). */
    private static Map<String, String> parameters(List<NameValuePair> pairs) {
        MimeParameterMapping mapping = new MimeParameterMapping();
        for (NameValuePair p : pairs) mapping.addParameter(p.getName(), p.getValue() == null ? "" : p.getValue());
        Map<String, String> out = new LinkedHashMap<>();
        mapping.getParameters().forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), v));
        return out;
    }

    private static int nextLine(byte[] d, int i, int end) {
        while (i < end && d[i] != '\n') i++;
        return Math.min(end, i + 1);
    }

    private static List<MimePart> splitMultipart(byte[] d, int start, int end, String boundary, boolean digest, int depth) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<MimePart> parts = new ArrayList<>();
        int partStart = -1;
        int i = start;
        while (i < end) {
            int lineEnd = nextLine(d, i, end);
            if (startsWith(d, i, lineEnd, delimiter)) {
                int after = i + delimiter.length;
                boolean close = after + 1 < lineEnd && d[after] == '-' && d[after + 1] == '-';
                if (onlyWhitespace(d, close ? after + 2 : after, lineEnd)) {
                    // The CRLF before the delimiter belongs to the delimiter (RFC 2046 5.1.1).
                    if (partStart >= 0) parts.add(parse(d, partStart, beforeLineBreak(d, partStart, i), digest, depth + 1));
                    if (close) return parts;
                    partStart = lineEnd;
                }
            }
            i = lineEnd;
        }
        if (partStart >= 0) parts.add(parse(d, partStart, end, digest, depth + 1));
        return parts;
    }

    private static boolean startsWith(byte[] d, int i, int end, byte[] prefix) {
        if (end - i < prefix.length) return false;
        for (int k = 0; k < prefix.length; k++) if (d[i + k] != prefix[k]) return false;
        return true;
    }

    private static boolean onlyWhitespace(byte[] d, int from, int to) {
        for (int k = from; k < to; k++) if (d[k] != ' ' && d[k] != '\t' && d[k] != '\r' && d[k] != '\n') return false;
        return true;
    }

    private static int beforeLineBreak(byte[] d, int floor, int i) {
        if (i > floor && d[i - 1] == '\n') i--;
        if (i > floor && d[i - 1] == '\r') i--;
        return i;
    }

    // ---- accessors ----

    public String type() {
        return type;
    }

    public String subtype() {
        return subtype;
    }

    public Map<String, String> params() {
        return params;
    }

    public boolean isMultipart() {
        return !children.isEmpty() || type.equals("multipart");
    }

    public List<MimePart> children() {
        return children;
    }

    public MimePart message() {
        return message;
    }

    /** The entity's header section. */
    public Header headerSection() {
        return header;
    }

    /** The entity's header fields, in order. */
    public List<HeaderField> fields() {
        return header.fields();
    }

    /** The first value of a header field (unfolded), or null. */
    public String header(String name) {
        return header.value(name);
    }

    public byte[] data() {
        return data;
    }

    public int headerStart() {
        return headerStart;
    }

    public int bodyStart() {
        return bodyStart;
    }

    public int end() {
        return end;
    }

    public int bodySize() {
        return end - bodyStart;
    }

    /** Lines of the body: CRLFs, plus one for a last line without one. */
    public int bodyLines() {
        int lines = 0;
        for (int i = bodyStart; i < end; i++) if (data[i] == '\n') lines++;
        if (end > bodyStart && data[end - 1] != '\n') lines++;
        return lines;
    }

    /** The Content-Transfer-Encoding, lower case; "7bit" when absent. */
    public String encoding() {
        return TransferEncoding.normalize(header("Content-Transfer-Encoding"));
    }

    /** The body's octets as stored (transfer encoding not undone), streamed from the message: no copy. */
    public InputStream body() {
        return new ByteArrayInputStream(data, bodyStart, end - bodyStart);
    }

    /**
     * The body with its Content-Transfer-Encoding undone, as a stream (FETCH BINARY, RFC 3516;
     * a filter's view of an attachment); empty for an encoding we do not know.
     */
    public Optional<InputStream> decodedBody() {
        return TransferEncoding.decode(body(), encoding());
    }

    /** The charset of a text part's content: its charset parameter, UTF-8 when absent, unknown or US-ASCII. */
    public Charset charset() {
        return MailCharsets.forName(params.get("charset"), StandardCharsets.UTF_8);
    }

    /**
     * A leaf part's content as text: transfer encoding undone, then its charset (as
     * {@link #charset()}); for an unknown transfer encoding, the raw octets in that charset.
     */
    public String text() {
        try (InputStream in = decodedBody().orElseGet(this::body)) {
            return new String(in.readAllBytes(), charset());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory streams do not fail
        }
    }

    /** Every leaf part below (and including) this one, depth first; an enclosed message's parts included. */
    public List<MimePart> leaves() {
        List<MimePart> out = new ArrayList<>();
        collectLeaves(this, out);
        return out;
    }

    private static void collectLeaves(MimePart p, List<MimePart> out) {
        if (p.isMultipart()) {
            for (MimePart c : p.children) collectLeaves(c, out);
        } else if (p.message != null) {
            collectLeaves(p.message, out);
        } else {
            out.add(p);
        }
    }

    /** Decoded header text (RFC 2047 encoded words). */
    public static String decodeWords(String raw) {
        return EncodedWords.decode(raw);
    }

    /** The language tags of Content-Language (RFC 3282: a comma-separated list; comments dropped), empty if none. */
    public List<String> languages() {
        String lang = header("Content-Language");
        if (lang == null) return List.of();
        List<String> out = new ArrayList<>();
        StringBuilder tag = new StringBuilder();
        int depth = 0;
        for (int i = 0; i <= lang.length(); i++) {
            char c = i < lang.length() ? lang.charAt(i) : ',';
            if (c == '(') depth++;
            else if (c == ')' && depth > 0) depth--;
            else if (depth > 0) continue;
            else if (c == ',') {
                if (!tag.toString().isBlank()) out.add(tag.toString().strip());
                tag.setLength(0);
            } else if (!Character.isWhitespace(c)) tag.append(c);
        }
        return out;
    }

    /** The disposition ("attachment", "inline") and its parameters, or null. */
    public Map.Entry<String, Map<String, String>> disposition() {
        String cd = header("Content-Disposition");
        if (cd == null) return null;
        RawBody body = RawFieldParser.DEFAULT.parseRawBody(new RawField("Content-Disposition", cd));
        if (body.getValue() == null || body.getValue().isBlank()) return null;
        return Map.entry(body.getValue().strip().toLowerCase(Locale.ROOT), parameters(body.getParams()));
    }
}
