package org.twinmail.mail.header;

import java.util.ArrayList;
import java.util.List;

/**
 * The message identifiers of a Message-ID, In-Reply-To or References field (RFC 5322 3.6.4),
 * without their angle brackets: {@code <left@right>}, with the obsolete forms of 4.5.4 read
 * too (comments and whitespace inside the brackets dropped, as in
 * {@code <1234 @ local(blah) .machine .example>}). Comments outside the brackets are skipped, so
 * an address in a comment is not taken for an identifier; text that is not an identifier
 * (obs-phrase in In-Reply-To) is ignored. Never throws.
 */
public final class MessageIds {
    private MessageIds() {
    }

    public static List<String> parse(String value) {
        List<String> out = new ArrayList<>();
        if (value == null) return out;
        int n = value.length();
        int i = 0;
        while (i < n) {
            char c = value.charAt(i);
            if (c == '(') {
                i = skipComment(value, i);
                continue;
            }
            if (c != '<') {
                i++;
                continue;
            }
            StringBuilder id = new StringBuilder();
            int k = i + 1;
            boolean closed = false;
            while (k < n) {
                char d = value.charAt(k);
                if (d == '>') {
                    closed = true;
                    break;
                }
                if (d == '<') break; // a new "<" starts over
                if (d == '(') {
                    k = skipComment(value, k);
                    continue;
                }
                if (!Character.isWhitespace(d)) id.append(d);
                k++;
            }
            if (!closed) {
                i = k;
                continue;
            }
            int at = id.indexOf("@");
            if (at > 0 && at < id.length() - 1) out.add(id.toString());
            i = k + 1;
        }
        return out;
    }

    /** Offset after the comment that starts at {@code i} (nested, with quoted pairs). */
    private static int skipComment(String s, int i) {
        int depth = 0;
        while (i < s.length()) {
            char c = s.charAt(i++);
            if (c == '\\') i++;
            else if (c == '(') depth++;
            else if (c == ')' && --depth == 0) break;
        }
        return Math.min(i, s.length());
    }
}
