package org.twinmail.mail.mime;

import java.util.Locale;
import java.util.Map;

/**
 * The one HTML tokenizer of the server, and what it gives: {@link #scan} walks a document as
 * tags and text runs for whoever needs more than the text (the content filter's links and
 * hidden text); {@link #of} is the readable text of it, for previews and search: tags dropped
 * (a block element becomes a line break), {@code <script>}, {@code <style>}, {@code <head>},
 * {@code <title>} and comments removed with their content, character references decoded
 * (numeric ones and the common named ones). Not an HTML parser: a lenient, linear scan that
 * never fails.
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

    /** What {@link #scan} meets, in document order. */
    public interface Visitor {
        /**
         * A start or end tag.
         *
         * @param name    the element's name in lower case ("" when the tag starts with no letter or digit: {@code <!DOCTYPE>})
         * @param closing an end tag ({@code </a>})
         * @param tag     the text between {@code <} and {@code >} as written (the slash of an end tag included)
         */
        void tag(String name, boolean closing, String tag);

        /** Text between tags, {@code html[from, to)}, character references not decoded (see {@link #of}). */
        void text(String html, int from, int to);
    }

    /**
     * Walks {@code html}: comments are passed over, {@code <script>}, {@code <style>},
     * {@code <head>} and {@code <title>} elements are passed over whole (their tags included), an
     * unterminated tag ends the document (the rest is markup). Linear in the length of
     * {@code html}: each character is read a bounded number of times.
     */
    public static void scan(String html, Visitor visitor) {
        int i = 0;
        int n = html.length();
        while (i < n) {
            if (html.charAt(i) != '<') {
                int next = html.indexOf('<', i);
                if (next < 0) next = n;
                visitor.text(html, i, next);
                i = next;
                continue;
            }
            if (html.startsWith("<!--", i)) {
                int end = html.indexOf("-->", i + 4);
                i = end < 0 ? n : end + 3;
                continue;
            }
            int end = html.indexOf('>', i + 1);
            if (end < 0) break; // an unterminated tag: the rest is markup
            boolean closing = html.charAt(i + 1) == '/';
            String name = tagName(html, i + 1, end);
            String tag = html.substring(i + 1, end);
            i = end + 1;
            if (!closing && SKIPPED.contains(name)) {
                int close = indexOfIgnoreCase(html, "</" + name, i);
                if (close < 0) break;
                int closeEnd = html.indexOf('>', close);
                i = closeEnd < 0 ? n : closeEnd + 1;
                continue;
            }
            visitor.tag(name, closing, tag);
        }
    }

    /** The readable text of {@code html}. */
    public static String of(String html) {
        StringBuilder out = new StringBuilder(html.length() / 2);
        scan(html, new Visitor() {
            @Override
            public void tag(String name, boolean closing, String tag) {
                if (BLOCK.contains(name)) out.append('\n');
                else if (name.equals("td") || name.equals("th")) out.append(' ');
            }

            @Override
            public void text(String html, int from, int to) {
                decode(html, from, to, out);
            }
        });
        return out.toString();
    }

    /** {@code html[from, to)} with its character references decoded, onto {@code out} (an unknown one stays as written). */
    private static void decode(String html, int from, int to, StringBuilder out) {
        int i = from;
        while (i < to) {
            char c = html.charAt(i);
            if (c == '&') {
                int semi = -1;
                for (int k = i + 1, limit = Math.min(to, i + 11); k < limit; k++) {
                    if (html.charAt(k) == ';') {
                        semi = k;
                        break;
                    }
                }
                if (semi > 0) {
                    String decoded = reference(html.substring(i + 1, semi));
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
    }

    private static int indexOfIgnoreCase(String s, String what, int from) {
        int last = s.length() - what.length();
        for (int k = from; k <= last; k++) {
            if (s.regionMatches(true, k, what, 0, what.length())) return k;
        }
        return -1;
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
