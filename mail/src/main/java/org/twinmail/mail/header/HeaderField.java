package org.twinmail.mail.header;

/**
 * One header field (RFC 5322 2.2) of a parsed header section.
 *
 * @param name  the field name as written (whitespace before the colon dropped)
 * @param raw   the value as written: everything after the colon up to the end of the field,
 *              folding (CRLF + whitespace) included, octets read as UTF-8 (RFC 6532) or, if not
 *              valid UTF-8, in the section's fallback charset
 * @param start offset of the field's first octet in the parsed bytes
 * @param end   offset just past the field's last line break (or the end of the section)
 */
public record HeaderField(String name, String raw, int start, int end) {

    /** True if this field is named {@code other}, ignoring case. */
    public boolean is(String other) {
        return name.equalsIgnoreCase(other);
    }

    /** The value unfolded (RFC 5322 2.2.3: every line break removed) without surrounding whitespace. */
    public String value() {
        return unfold(raw).strip();
    }

    /** {@link #value()} with RFC 2047 encoded words decoded: the text a user reads. */
    public String decoded() {
        return EncodedWords.decode(value());
    }

    /** Removes the line breaks of folded text (CRLF or a bare LF, and a stray CR), keeping the whitespace after them. */
    public static String unfold(String text) {
        if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) return text;
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\r' && c != '\n') b.append(c);
        }
        return b.toString();
    }
}
