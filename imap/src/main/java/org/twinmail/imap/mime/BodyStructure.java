package org.twinmail.imap.mime;

import org.twinmail.mail.mime.MimePart;
import java.util.Locale;
import java.util.Map;
import org.twinmail.imap.protocol.Strings;

/**
 * BODY and BODYSTRUCTURE (RFC 9051 7.5.2) of a parsed message. BODYSTRUCTURE adds the
 * extension data (MD5, disposition, language, location; for multiparts the parameters);
 * BODY is the same without it.
 */
public final class BodyStructure {
    private BodyStructure() {}

    public static String of(MimePart part, boolean extensible) {
        StringBuilder b = new StringBuilder(256);
        write(b, part, extensible);
        return b.toString();
    }

    private static void write(StringBuilder b, MimePart p, boolean ext) {
        b.append('(');
        if (p.isMultipart()) {
            if (p.children().isEmpty()) {
                // A multipart without parts (no boundary found): describe it as an empty text part, as Dovecot does.
                b.append("\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)");
                return;
            }
            for (MimePart c : p.children()) write(b, c, ext);
            b.append(' ').append(q(p.subtype()));
            if (ext) {
                b.append(' ').append(params(p.params()));
                extension(b, p);
            }
            b.append(')');
            return;
        }
        b.append(q(p.type())).append(' ').append(q(p.subtype())).append(' ').append(params(p.params()));
        b.append(' ').append(n(p.header("Content-ID")));
        b.append(' ').append(n(p.header("Content-Description")));
        // A part holding NUL octets is sent base64-encoded (TextualForm): described as it is sent.
        byte[] base64 = TextualForm.encoded(p) ? TextualForm.base64Body(p) : null;
        b.append(' ').append(q(base64 != null ? "base64" : p.encoding()));
        b.append(' ').append(base64 != null ? base64.length : p.bodySize());
        if (p.message() != null) {
            b.append(' ').append(Envelope.of(p.message()));
            b.append(' ');
            write(b, p.message(), ext);
            b.append(' ').append(p.bodyLines());
        } else if (p.type().equals("text")) {
            b.append(' ').append(base64 != null ? TextualForm.base64Lines(base64) : p.bodyLines());
        }
        if (ext) {
            b.append(' ').append(n(p.header("Content-MD5")));
            extension(b, p);
        }
        b.append(')');
    }

    /** body-fld-dsp, body-fld-lang, body-fld-loc. */
    private static void extension(StringBuilder b, MimePart p) {
        Map.Entry<String, Map<String, String>> d = p.disposition();
        b.append(' ');
        if (d == null) b.append("NIL");
        else b.append('(').append(q(d.getKey())).append(' ').append(params(d.getValue())).append(')');
        java.util.List<String> tags = p.languages();
        b.append(' ');
        if (tags.isEmpty()) {
            b.append("NIL");
        } else if (tags.size() == 1) {
            b.append(q(tags.getFirst()));
        } else {
            b.append('(');
            for (int i = 0; i < tags.size(); i++) b.append(i > 0 ? " " : "").append(q(tags.get(i)));
            b.append(')');
        }
        b.append(' ').append(n(p.header("Content-Location")));
    }

    private static String params(Map<String, String> params) {
        if (params.isEmpty()) return "NIL";
        StringBuilder b = new StringBuilder("(");
        boolean first = true;
        for (Map.Entry<String, String> e : params.entrySet()) {
            if (!first) b.append(' ');
            first = false;
            String key = e.getKey().toLowerCase(Locale.ROOT);
            String value = e.getValue();
            if (value.chars().allMatch(c -> c < 0x80)) {
                b.append(q(key)).append(' ').append(q(value));
            } else {
                // IMAP strings are 7-bit here (no UTF8=ACCEPT): keep the RFC 2231 form clients decode.
                b.append(q(key + "*")).append(' ').append(q("utf-8''" + percent(value)));
            }
        }
        return b.append(')').toString();
    }

    private static String percent(String value) {
        StringBuilder b = new StringBuilder();
        for (byte x : value.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) b.append((char) c);
            else b.append('%').append(String.format("%02X", c));
        }
        return b.toString();
    }

    static String q(String s) {
        return Strings.string(s, false);
    }

    static String n(String s) {
        return s == null ? "NIL" : q(s);
    }
}
