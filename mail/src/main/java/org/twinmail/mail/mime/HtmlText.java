package org.twinmail.mail.mime;

import java.util.Locale;
import java.util.Map;

/**
 * The readable text of an HTML document, for previews and search: tags dropped (a block
 * element becomes a line break), {@code <script>}, {@code <style>}, {@code <head>} and
 * comments removed with their content, character references decoded (numeric ones and the
 * common named ones). Not an HTML parser: a lenient, linear scan that never fails.
 */
public final class HtmlText {
    private HtmlText() {}

    private static final Map<String, String> NAMED = Map.ofEntries(
            Map.entry("amp", "&"), Map.entry("lt", "<"), Map.entry("gt", ">"), Map.entry("quot", "\""),
            Map.entry("apos", "'"), Map.entry("nbsp", "\u00a0"), Map.entry("copy", "\u00a9"), Map.entry("reg", "\u00ae"),
            Map.entry("hellip", "\u2026"), Map.entry("mdash", "\u2014"), Map.entry("ndash", "\u2013"),
            Map.entry("lsquo", "\u2018"), Map.entry("rsquo", "\u2019"), Map.entry("ldquo", "\u201c"),
            Map.entry("rdquo", "\u201d"), Map.entry("euro", "\u20ac"), Map.entry("trade", "\u2122"));

    /** Elements whose start or end is a line break in the text. */
    private static final java.util.Set<String> BLOCK = java.util.Set.of("p", "div", "br", "li", "tr", "h1", "h2", "h3",
            "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "hr", "section", "article", "header", "footer");

    /** Elements dropped with everything inside them. */
    private static final java.util.Set<String> SKIPPED = java.util.Set.of("script", "style", "head", "title");

    public static String of(String html) {
        StringBuilder out = new StringBuilder(html.length() / 2);
        int i = 0;
        int n = html.length();
        while (i < n) {
            char c = html.charAt(i);
            if (c == '<') {
                if (html.startsWith("<!--", i)) {
                    int end = html.indexOf("-->", i + 4);
                    i = end < 0 ? n : end + 3;
                    continue;
                }
                int end = html.indexOf('>', i + 1);
                if (end < 0) break; // an unterminated tag: the rest is markup
                String name = tagName(html, i + 1, end);
                boolean closing = i + 1 < n && html.charAt(i + 1) == '/';
                i = end + 1;
                if (!closing && SKIPPED.contains(name)) {
                    int close = html.toLowerCase(Locale.ROOT).indexOf("</" + name, i);
                    if (close < 0) break;
                    int closeEnd = html.indexOf('>', close);
                    i = closeEnd < 0 ? n : closeEnd + 1;
                    continue;
                }
                if (BLOCK.contains(name)) out.append('\n');
                else if (name.equals("td") || name.equals("th")) out.append(' ');
                continue;
            }
            if (c == '&') {
                int semi = html.indexOf(';', i + 1);
                if (semi > 0 && semi - i <= 10) {
                    String ref = html.substring(i + 1, semi);
                    String decoded = reference(ref);
                    if (decoded != null) {
                        out.append(decoded);
                        i = semi + 1;
                        continue;
                    }
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    private static String tagName(String html, int from, int end) {
        int i = from;
        if (i < end && html.charAt(i) == '/') i++;
        int start = i;
        while (i < end && Character.isLetterOrDigit(html.charAt(i))) i++;
        return html.substring(start, i).toLowerCase(Locale.ROOT);
    }

    private static String reference(String ref) {
        if (ref.startsWith("#")) {
            try {
                int cp = ref.length() > 1 && (ref.charAt(1) == 'x' || ref.charAt(1) == 'X')
                        ? Integer.parseInt(ref.substring(2), 16) : Integer.parseInt(ref.substring(1));
                return Character.isValidCodePoint(cp) && cp != 0 ? Character.toString(cp) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return NAMED.get(ref.toLowerCase(Locale.ROOT));
    }
}
