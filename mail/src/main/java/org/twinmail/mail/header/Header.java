package org.twinmail.mail.header;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.stream.RawFieldParser;

/**
 * A header section (RFC 5322 2.2): its fields in order, each with its offsets in the bytes it
 * was parsed from. Works on octets: line ends may be CRLF or a bare LF; a field's octets are
 * read as UTF-8 when they are valid UTF-8 (RFC 6532), else in a fallback charset (the
 * section's declared Content-Type charset, else windows-1252), so 8-bit headers from legacy
 * mailers come out readable and never throw.
 *
 * <p>A line with no colon, or whose name is not a field name (contains whitespace, as an mbox
 * "From " line does), is not a field and is skipped, as are folded lines before the first field.
 */
public final class Header {
    /** What an unlabelled 8-bit header is most likely in, when it is not UTF-8 (a superset of ISO-8859-1). */
    public static final Charset DEFAULT_FALLBACK = Charset.forName("windows-1252");

    private final byte[] data;
    private final int start;
    private final int end;
    private final int bodyStart;
    private final List<HeaderField> fields;
    private final boolean truncated;

    private Header(byte[] data, int start, int end, int bodyStart, List<HeaderField> fields, boolean truncated) {
        this.data = data;
        this.start = start;
        this.end = end;
        this.bodyStart = bodyStart;
        this.fields = fields;
        this.truncated = truncated;
    }

    /** The header section at the start of a message. */
    public static Header parse(byte[] message) {
        return parse(message, 0, message.length);
    }

    /** The header section of the entity in {@code data[from, to)}. */
    public static Header parse(byte[] data, int from, int to) {
        int blank = blankLine(data, from, to);
        int sectionEnd = blank < 0 ? to : blank;
        int bodyStart = blank < 0 ? to : nextLine(data, blank, to);
        return new Header(data, from, sectionEnd, bodyStart, fields(data, from, sectionEnd), false);
    }

    /**
     * Reads a header section from a stream, through the blank line that ends it, leaving the
     * stream at the first octet of the body: a streaming view of a message whose body is then
     * read from the same stream. At most {@code maxBytes} are read; a longer section is
     * {@link #truncated()} and holds the fields that were complete within the limit.
     */
    public static Header read(InputStream in, int maxBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBytes, 8192));
        int prev = -1;
        int prev2 = -1;
        int c;
        boolean truncated = false;
        while (true) {
            if (out.size() >= maxBytes) {
                truncated = true;
                break;
            }
            c = in.read();
            if (c < 0) break;
            out.write(c);
            if (c == '\n' && (prev == '\n' || (prev == '\r' && prev2 == '\n') || out.size() == 1 || (out.size() == 2 && prev == '\r'))) break;
            prev2 = prev;
            prev = c;
        }
        byte[] d = out.toByteArray();
        if (!truncated) return parse(d, 0, d.length);
        // the last field may be cut anywhere: keep only the fields that ended within the limit
        int lastBreak = d.length;
        while (lastBreak > 0 && d[lastBreak - 1] != '\n') lastBreak--;
        List<HeaderField> all = fields(d, 0, lastBreak);
        List<HeaderField> complete = new ArrayList<>(all);
        if (!complete.isEmpty() && complete.getLast().end() == lastBreak) complete.removeLast(); // it may continue on a folded line
        return new Header(d, 0, d.length, d.length, List.copyOf(complete), true);
    }

    /** Offset of the body: after the blank line that ends the header (or {@code end}, if there is none). */
    public static int headerEnd(byte[] d, int start, int end) {
        int blank = blankLine(d, start, end);
        return blank < 0 ? end : nextLine(d, blank, end);
    }

    /** Offset of the blank line (LF or CRLF alone) that ends the header section, or -1. */
    private static int blankLine(byte[] d, int start, int end) {
        int i = start;
        while (i < end) {
            // at the start of a line here
            if (d[i] == '\n') return i;
            if (d[i] == '\r' && i + 1 < end && d[i + 1] == '\n') return i;
            while (i < end && d[i] != '\n') i++;
            i++;
        }
        return -1;
    }

    private static List<HeaderField> fields(byte[] d, int start, int end) {
        record Slice(String name, int valueStart, int start, int end) { }
        List<Slice> slices = new ArrayList<>();
        int i = start;
        boolean nonAscii = false;
        while (i < end) {
            int fieldStart = i;
            int fieldEnd = nextLine(d, i, end);
            while (fieldEnd < end && (d[fieldEnd] == ' ' || d[fieldEnd] == '\t')) fieldEnd = nextLine(d, fieldEnd, end);
            int colon = -1;
            for (int k = fieldStart; k < fieldEnd; k++) {
                if (d[k] == ':') {
                    colon = k;
                    break;
                }
            }
            if (colon > fieldStart && d[fieldStart] != ' ' && d[fieldStart] != '\t') {
                int nameEnd = colon;
                while (nameEnd > fieldStart && (d[nameEnd - 1] == ' ' || d[nameEnd - 1] == '\t')) nameEnd--; // obs-optional (RFC 5322 4.5.8)
                if (isFieldName(d, fieldStart, nameEnd)) {
                    slices.add(new Slice(new String(d, fieldStart, nameEnd - fieldStart, java.nio.charset.StandardCharsets.ISO_8859_1),
                            colon + 1, fieldStart, fieldEnd));
                    if (!nonAscii && !MailCharsets.isAscii(d, colon + 1, fieldEnd)) nonAscii = true;
                }
            }
            i = fieldEnd;
        }
        Charset fallback = DEFAULT_FALLBACK;
        if (nonAscii) {
            // the charset the entity declares for its text is the best guess for its raw 8-bit header octets
            for (Slice s : slices) {
                if (!s.name.equalsIgnoreCase("Content-Type")) continue;
                String ct = new String(d, s.valueStart, s.end - s.valueStart, java.nio.charset.StandardCharsets.ISO_8859_1);
                var body = RawFieldParser.DEFAULT.parseRawBody(new RawField("Content-Type", HeaderField.unfold(ct)));
                String cs = body.getParams().stream().filter(p -> p.getName().equalsIgnoreCase("charset") && p.getValue() != null).map(p -> p.getValue()).findFirst().orElse(null);
                Optional<Charset> declared = MailCharsets.forName(cs);
                if (declared.isPresent() && !declared.get().name().equals("UTF-8") && !declared.get().name().equals("US-ASCII")) fallback = declared.get();
                break;
            }
        }
        List<HeaderField> out = new ArrayList<>(slices.size());
        for (Slice s : slices) out.add(new HeaderField(s.name, MailCharsets.decode(d, s.valueStart, s.end, fallback), s.start, s.end));
        return List.copyOf(out);
    }

    /** RFC 5322 3.6.8: printable US-ASCII except the colon; 8-bit octets are let through (broken mailers). */
    private static boolean isFieldName(byte[] d, int from, int to) {
        if (to <= from) return false;
        for (int k = from; k < to; k++) {
            int c = d[k];
            if (c >= 0 && c <= ' ') return false;
            if (c == 0x7f) return false;
        }
        return true;
    }

    private static int nextLine(byte[] d, int i, int end) {
        while (i < end && d[i] != '\n') i++;
        return Math.min(end, i + 1);
    }

    // ---- accessors ----

    /** Every field, in order. */
    public List<HeaderField> fields() {
        return fields;
    }

    /** The first field named {@code name} (any case). */
    public Optional<HeaderField> first(String name) {
        for (HeaderField f : fields) if (f.is(name)) return Optional.of(f);
        return Optional.empty();
    }

    /** Every field named {@code name} (any case), in order. */
    public List<HeaderField> all(String name) {
        List<HeaderField> out = new ArrayList<>();
        for (HeaderField f : fields) if (f.is(name)) out.add(f);
        return out;
    }

    /** The unfolded value of the first field named {@code name}, or null if there is none. */
    public String value(String name) {
        for (HeaderField f : fields) if (f.is(name)) return f.value();
        return null;
    }

    /** The octets the offsets refer to (not copied: do not change them). */
    public byte[] data() {
        return data;
    }

    /** Offset of the section's first octet. */
    public int start() {
        return start;
    }

    /** Offset just past the section's last field (before the blank line). */
    public int end() {
        return end;
    }

    /**
     * Offset of the body: just past the blank line (or the end, if the section has none). For a
     * {@link #truncated()} section read from a stream, where reading stopped: the body was not reached.
     */
    public int bodyStart() {
        return bodyStart;
    }

    /** The header section as it was written, without the blank line that ends it. */
    public byte[] bytes() {
        return Arrays.copyOfRange(data, start, end);
    }

    /** A field exactly as written (name, colon, value, folding and its final line break). */
    public byte[] bytes(HeaderField field) {
        return Arrays.copyOfRange(data, field.start(), field.end());
    }

    /** True if any octet of the section is 8-bit (the message then needs 8BITMIME or SMTPUTF8 to travel). */
    public boolean nonAscii() {
        return !MailCharsets.isAscii(data, start, end);
    }

    /** True if {@link #read} stopped at its limit before the end of the section. */
    public boolean truncated() {
        return truncated;
    }
}
