package org.twinmail.imap.mime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.twinmail.mail.header.HeaderField;
import org.twinmail.mail.mime.MimePart;

/**
 * What BODY[...], RFC822 and RFC822.TEXT send of a message whose parts hold NUL octets
 * (Content-Transfer-Encoding: binary, or 8-bit data with NULs). A plain literal must not
 * carry NUL (RFC 9051 4.3; literal8 is for BINARY only, RFC 3516 4.2), and RFC 9051 6.4.5
 * says non-textual data "MUST be transfer encoded into a textual form, such as base64, prior
 * to being sent". So such a leaf part is sent base64-encoded (its content with the transfer
 * encoding undone, 76-character lines), its header saying {@code Content-Transfer-Encoding:
 * base64}, and BODYSTRUCTURE describes it the same way. Messages without NUL are sent as stored.
 */
public final class TextualForm {
    private TextualForm() {}

    private static final byte[] CTE = "Content-Transfer-Encoding: base64\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    public static boolean hasNul(byte[] d, int from, int to) {
        for (int i = from; i < to; i++) if (d[i] == 0) return true;
        return false;
    }

    public static boolean hasNul(byte[] d) {
        return hasNul(d, 0, d.length);
    }

    /** Whether a leaf part is sent base64-encoded (its body holds NUL). */
    public static boolean encoded(MimePart leaf) {
        return !leaf.isMultipart() && leaf.message() == null && hasNul(leaf.data(), leaf.bodyStart(), leaf.end());
    }

    /** The body of an {@link #encoded} leaf as sent: base64 of its content, in lines of 76 characters. */
    public static byte[] base64Body(MimePart leaf) {
        byte[] content;
        try (InputStream in = leaf.decodedBody().orElseGet(leaf::body)) {
            content = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory streams do not fail
        }
        return Base64.getMimeEncoder().encode(content);
    }

    /** Lines of {@link #base64Body} (BODYSTRUCTURE's body-fld-lines for text parts). */
    public static int base64Lines(byte[] body) {
        if (body.length == 0) return 0;
        int lines = 1;
        for (int i = 0; i + 1 < body.length; i++) if (body[i] == '\r' && body[i + 1] == '\n') lines++;
        return lines;
    }

    /**
     * Octets {@code [from, to)} of the message, with every {@link #encoded} leaf in the range
     * replaced by its textual form: its header (when in the range) with the transfer
     * encoding changed to base64, its body base64-encoded.
     */
    public static byte[] of(MimePart root, int from, int to) {
        byte[] d = root.data();
        if (!hasNul(d, from, to)) return java.util.Arrays.copyOfRange(d, from, Math.max(from, to));
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from + 256);
        int cursor = from;
        for (MimePart leaf : root.leaves()) {
            if (leaf.bodyStart() < cursor || leaf.end() > to || !encoded(leaf)) continue;
            if (leaf.headerStart() >= cursor) {
                out.write(d, cursor, leaf.headerStart() - cursor);
                for (HeaderField f : leaf.fields()) {
                    if (!f.name().equalsIgnoreCase("Content-Transfer-Encoding")) out.write(d, f.start(), f.end() - f.start());
                }
                out.writeBytes(CTE);
            } else {
                out.write(d, cursor, leaf.bodyStart() - cursor);
            }
            out.writeBytes(base64Body(leaf));
            cursor = leaf.end();
        }
        out.write(d, cursor, to - cursor);
        return out.toByteArray();
    }
}
