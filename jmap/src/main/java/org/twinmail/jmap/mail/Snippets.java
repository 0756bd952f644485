package org.twinmail.jmap.mail;

import java.util.List;
import java.util.Locale;

/** SearchSnippet text (RFC 8621 5): the matched terms marked with {@code <mark>}, everything else HTML-escaped. */
final class Snippets {
    private static final int CONTEXT = 120;

    private Snippets() {
    }

    /** The text with the first match's neighbourhood marked; null when no term matches. */
    static String highlight(String text, List<String> terms, boolean excerpt) {
        if (terms.isEmpty() || text == null) return null;
        String flat = text.replaceAll("\\s+", " ").strip();
        String lower = flat.toLowerCase(Locale.ROOT);
        int first = -1;
        for (String t : terms) {
            int i = lower.indexOf(t.toLowerCase(Locale.ROOT));
            if (i >= 0 && (first < 0 || i < first)) first = i;
        }
        if (first < 0) return null;
        int from = excerpt ? Math.max(0, first - CONTEXT / 4) : 0;
        int to = excerpt ? Math.min(flat.length(), from + CONTEXT * 2) : flat.length();
        String part = flat.substring(from, to);
        String partLower = lower.substring(from, to);
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < part.length()) {
            int hit = -1;
            int len = 0;
            for (String t : terms) {
                String tl = t.toLowerCase(Locale.ROOT);
                if (!tl.isEmpty() && partLower.startsWith(tl, i) && tl.length() > len) {
                    hit = i;
                    len = tl.length();
                }
            }
            if (hit >= 0) {
                b.append("<mark>").append(escape(part.substring(i, i + len))).append("</mark>");
                i += len;
            } else {
                b.append(escape(String.valueOf(part.charAt(i))));
                i++;
            }
        }
        return b.toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
