package org.twinmail.imap.mime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.james.mime4j.codec.Base64InputStream;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.QuotedPrintableInputStream;

/** The text of a message as SEARCH BODY/TEXT compares it: text parts with transfer encoding and charset undone (mime4j codecs). */
public final class MessageText {
    private MessageText() {}

    /** All text/* leaf parts, decoded, joined by newlines. */
    public static String body(MimePart root) {
        StringBuilder b = new StringBuilder();
        collect(root, b);
        return b.toString();
    }

    private static void collect(MimePart p, StringBuilder b) {
        if (p.isMultipart()) {
            for (MimePart c : p.children()) collect(c, b);
            return;
        }
        if (p.message() != null) {
            b.append(headers(p.message())).append('\n');
            collect(p.message(), b);
            return;
        }
        if (!p.type().equals("text")) return;
        b.append(decode(p)).append('\n');
    }

    /** A leaf part's content as text: transfer encoding undone, then its charset (UTF-8 if unknown). */
    public static String decode(MimePart p) {
        byte[] bytes = decodedBody(p);
        return new String(bytes == null ? java.util.Arrays.copyOfRange(p.data(), p.bodyStart(), p.end()) : bytes,
                charset(p.params().get("charset")));
    }

    /**
     * A part's body with its Content-Transfer-Encoding undone (mime4j codecs): FETCH BINARY
     * (RFC 3516). Null for an encoding we do not know ([UNKNOWN-CTE]).
     */
    public static byte[] decodedBody(MimePart p) {
        byte[] raw = java.util.Arrays.copyOfRange(p.data(), p.bodyStart(), p.end());
        InputStream in = new ByteArrayInputStream(raw);
        switch (p.encoding()) {
            case "base64" -> in = new Base64InputStream(in, DecodeMonitor.SILENT);
            case "quoted-printable" -> in = new QuotedPrintableInputStream(in, DecodeMonitor.SILENT);
            case "7bit", "8bit", "binary" -> { }
            default -> {
                return null;
            }
        }
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    static Charset charset(String name) {
        if (name == null) return StandardCharsets.UTF_8;
        String n = name.strip().toLowerCase(Locale.ROOT);
        // GB2312 mail is usually GBK in practice; GB18030 is a superset of both.
        if (n.equals("gb2312") || n.equals("gbk") || n.equals("x-gbk")) n = "gb18030";
        if (n.equals("us-ascii")) return StandardCharsets.UTF_8;
        try {
            return Charset.forName(n);
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** Header fields with encoded words decoded, one per line. */
    public static String headers(MimePart p) {
        StringBuilder b = new StringBuilder();
        for (MimePart.Field f : p.fields()) b.append(f.name()).append(": ").append(MimePart.decodeWords(f.value())).append('\n');
        return b.toString();
    }
}
