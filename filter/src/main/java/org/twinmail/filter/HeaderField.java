package org.twinmail.filter;

import java.nio.charset.StandardCharsets;

/**
 * A header field a check asks to prepend to the stored message (Authentication-Results,
 * X-Spam-Status ...). The name is RFC 5322 ftext; the value may be folded (CRLF followed by
 * white space) but holds no other CR or LF, so a check cannot inject a header section of its own.
 */
public record HeaderField(String name, String value) {
    public HeaderField {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a header field needs a name");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == ':') throw new IllegalArgumentException("not a header field name: " + name);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' && (i + 2 >= value.length() || value.charAt(i + 1) != '\n'
                    || value.charAt(i + 2) != ' ' && value.charAt(i + 2) != '\t')) {
                throw new IllegalArgumentException("header field value with a CR that does not fold: " + name);
            }
            if (c == '\n' && (i == 0 || value.charAt(i - 1) != '\r')) {
                throw new IllegalArgumentException("header field value with a bare LF: " + name);
            }
        }
    }

    /** {@code Name: value}, without the final CRLF. */
    public String text() {
        return name + ": " + value;
    }

    /** {@code Name: value} and CRLF, in UTF-8 (RFC 6532). */
    public byte[] bytes() {
        return (name + ": " + value + "\r\n").getBytes(StandardCharsets.UTF_8);
    }
}
