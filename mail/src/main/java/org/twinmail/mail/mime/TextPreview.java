package org.twinmail.mail.mime;

import java.util.Locale;

/**
 * A short plain-text preview of a message (IMAP PREVIEW, RFC 8970; JMAP's Email preview):
 * the first text/plain part that is not an attachment, else the first text/html one as
 * text ({@link HtmlText}); white space runs folded to one space, at most {@code max}
 * characters (code points, so no surrogate pair is split). Empty when the message has no
 * such part.
 */
public final class TextPreview {
    private TextPreview() {}

    /** RFC 8970 3.1: a preview is at most 256 characters. */
    public static final int MAX = 256;

    public static String of(MimePart message) {
        return of(message, MAX);
    }

    public static String of(MimePart message, int max) {
        return fold(text(message), max);
    }

    /**
     * The whole text a preview is taken from, line ends kept (for callers that strip quoted
     * replies or signatures before folding, as the SMS notice does): the first text/plain part
     * that is not an attachment, else the first text/html one as text; empty when none.
     */
    public static String text(MimePart message) {
        MimePart html = null;
        for (MimePart leaf : message.leaves()) {
            if (!leaf.type().equals("text") || attachment(leaf)) continue;
            if (leaf.subtype().equals("plain")) return leaf.text();
            if (html == null && leaf.subtype().equals("html")) html = leaf;
        }
        return html == null ? "" : HtmlText.of(html.text());
    }

    private static boolean attachment(MimePart p) {
        var d = p.disposition();
        return d != null && d.getKey().toLowerCase(Locale.ROOT).equals("attachment");
    }

    /** White space (any Unicode space, line ends, NBSP) folded to single spaces, trimmed, cut to {@code max} code points. */
    public static String fold(String text, int max) {
        StringBuilder b = new StringBuilder(Math.min(text.length(), max * 2));
        int count = 0;
        boolean space = false;
        for (int i = 0; i < text.length() && count < max; ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || Character.isISOControl(cp)) {
                space = b.length() > 0;
                continue;
            }
            if (space) {
                if (count + 1 >= max) break; // no trailing space
                b.append(' ');
                count++;
                space = false;
            }
            b.appendCodePoint(cp);
            count++;
        }
        return b.toString();
    }
}
