package org.twinmail.imap.protocol;

import java.nio.charset.StandardCharsets;

/** How a string goes into a response (RFC 9051 4.3): an atom-safe quoted string where possible, else a literal. */
public final class Strings {
    private Strings() {}

    /**
     * A quoted string if the text is 7-bit (or {@code utf8} allows 8-bit) without CR, LF
     * or NUL and not too long; otherwise a literal.
     */
    public static String string(String s, boolean utf8) {
        if (s.length() > 1000) return literal(s);
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || (c >= 0x80 && !utf8)) return literal(s);
            if (c == '"' || c == '\\') b.append('\\');
            b.append(c);
        }
        return b.append('"').toString();
    }

    public static String nstring(String s, boolean utf8) {
        return s == null ? "NIL" : string(s, utf8);
    }

    /** A synchronizing literal announcement plus the text (the server never waits for a "+"). */
    public static String literal(String s) {
        return "{" + s.getBytes(StandardCharsets.UTF_8).length + "}\r\n" + s;
    }

    /** An astring for mailbox names and the like: an atom when the text is one, else {@link #string}. */
    public static String astring(String s, boolean utf8) {
        if (s.isEmpty() || s.equalsIgnoreCase("NIL")) return string(s, utf8);
        for (int i = 0; i < s.length(); i++) {
            if (!ArgReader.atomChar(s.charAt(i), true)) return string(s, utf8);
        }
        return s;
    }
}
