package org.twinmail.imap.mime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawBody;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.stream.RawFieldParser;
import org.apache.james.mime4j.util.MimeParameterMapping;

/**
 * One MIME entity of a message with the byte offsets IMAP needs (BODY[1.2], sizes and
 * line counts in BODYSTRUCTURE). The structure is found here by scanning for boundaries;
 * header fields and their parameters (RFC 2045, RFC 2231 continuations and charsets) are
 * parsed with Apache mime4j. Broken MIME never throws: a missing boundary ends the part at
 * the end of its parent, as Dovecot and mail clients read it.
 */
public final class MimePart {
    /** Deeper nesting is treated as an opaque body: a message bomb must not exhaust the stack. */
    static final int MAX_DEPTH = 50;

    private final byte[] data;
    final int headerStart;
    final int bodyStart;
    final int end;
    final List<Field> fields;
    final String type;
    final String subtype;
    final Map<String, String> params;
    final List<MimePart> children;
    /** For message/rfc822 (and message/global): the enclosed message. */
    final MimePart message;

    public record Field(String name, String value, int start, int end) { }

    private MimePart(byte[] data, int headerStart, int bodyStart, int end, List<Field> fields, String type, String subtype,
                     Map<String, String> params, List<MimePart> children, MimePart message) {
        this.data = data;
        this.headerStart = headerStart;
        this.bodyStart = bodyStart;
        this.end = end;
        this.fields = fields;
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
        int bodyStart = headerEnd(data, start, end);
        List<Field> fields = fields(data, start, bodyStart);
        String type = digestChild ? "message" : "text";
        String subtype = digestChild ? "rfc822" : "plain";
        Map<String, String> params = new LinkedHashMap<>();
        String ct = value(fields, "Content-Type");
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
        return new MimePart(data, start, bodyStart, end, fields, type, subtype, params, children, message);
    }

    /** Parameters with RFC 2231 continuations joined and charsets decoded (mime4j). */
    private static Map<String, String> parameters(List<NameValuePair> pairs) {
        MimeParameterMapping mapping = new MimeParameterMapping();
        for (NameValuePair p : pairs) mapping.addParameter(p.getName(), p.getValue() == null ? "" : p.getValue());
        Map<String, String> out = new LinkedHashMap<>();
        mapping.getParameters().forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), v));
        return out;
    }

    /** Offset of the body: after the blank line that ends the header (or the end, if there is none). */
    static int headerEnd(byte[] d, int start, int end) {
        int i = start;
        while (i < end) {
            // At the start of a line here.
            if (d[i] == '\n') return i + 1;
            if (d[i] == '\r' && i + 1 < end && d[i + 1] == '\n') return i + 2;
            while (i < end && d[i] != '\n') i++;
            i++;
        }
        return end;
    }

    private static List<Field> fields(byte[] d, int start, int end) {
        List<Field> out = new ArrayList<>();
        int i = start;
        while (i < end) {
            int fieldStart = i;
            int lineEnd = nextLine(d, i, end);
            int fieldEnd = lineEnd;
            while (fieldEnd < end && (d[fieldEnd] == ' ' || d[fieldEnd] == '\t')) fieldEnd = nextLine(d, fieldEnd, end);
            int colon = -1;
            for (int k = fieldStart; k < fieldEnd; k++) {
                if (d[k] == ':') {
                    colon = k;
                    break;
                }
            }
            if (colon > fieldStart) {
                String name = new String(d, fieldStart, colon - fieldStart, StandardCharsets.ISO_8859_1).strip();
                String value = new String(d, colon + 1, fieldEnd - colon - 1, StandardCharsets.UTF_8)
                        .replaceAll("\r?\n", "").strip();
                out.add(new Field(name, value, fieldStart, fieldEnd));
            }
            i = fieldEnd;
        }
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

    static String value(List<Field> fields, String name) {
        for (Field f : fields) if (f.name().equalsIgnoreCase(name)) return f.value();
        return null;
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

    public List<Field> fields() {
        return fields;
    }

    /** The first value of a header field (unfolded), or null. */
    public String header(String name) {
        return value(fields, name);
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

    public String encoding() {
        String e = header("Content-Transfer-Encoding");
        return e == null || e.isBlank() ? "7bit" : e.strip().toLowerCase(Locale.ROOT);
    }

    /** Decoded header text (RFC 2047 encoded words), for SEARCH. */
    public static String decodeWords(String raw) {
        return org.apache.james.mime4j.codec.DecoderUtil.decodeEncodedWords(raw, org.apache.james.mime4j.codec.DecodeMonitor.SILENT);
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
