package org.twinmail.filter.content;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.twinmail.mail.mime.HtmlText;

/**
 * What the content rules need of an HTML body: its links (target and visible text) and how much
 * text is hidden by inline style ({@code display:none}, {@code visibility:hidden},
 * {@code font-size:0}). The document is walked by the mail library's one HTML tokenizer
 * ({@link HtmlText#scan}: tags and text runs, comments and script, style, head and title passed
 * over), so it never fails and reads each character a bounded number of times; this class only
 * reads what the tags and runs say.
 */
final class Html {
    /** A link: its href and the text shown for it (tags dropped, at most 200 characters). */
    record Link(String href, String text) { }

    private static final int MAX_LINKS = 1000;
    private static final int MAX_LINK_TEXT = 200;

    final List<Link> links = new ArrayList<>();
    /** Characters of text (not white space) inside elements styled as invisible. */
    int hiddenChars;

    private Html() {
    }

    static Html scan(String html) {
        Html h = new Html();
        Reader reader = h.new Reader();
        HtmlText.scan(html, reader);
        reader.endLink();
        return h;
    }

    /** The state of one walk: the link open now and how deep inside hidden elements the text is. */
    private final class Reader implements HtmlText.Visitor {
        private String href;
        private final StringBuilder linkText = new StringBuilder();
        private int hiddenDepth;

        @Override
        public void tag(String name, boolean closing, String tag) {
            if (name.equals("a")) {
                endLink();
                if (!closing) {
                    href = attribute(tag, "href");
                    linkText.setLength(0);
                }
            }
            if (!closing && !tag.endsWith("/") && hidden(attribute(tag, "style"))) hiddenDepth++;
            else if (closing && hiddenDepth > 0) hiddenDepth--;
        }

        @Override
        public void text(String html, int from, int to) {
            if (hiddenDepth > 0) {
                for (int k = from; k < to; k++) if (!Character.isWhitespace(html.charAt(k))) hiddenChars++;
            }
            if (href != null && linkText.length() < MAX_LINK_TEXT) {
                String shown = HtmlText.of(html.substring(from, to));
                linkText.append(shown, 0, Math.min(shown.length(), MAX_LINK_TEXT - linkText.length()));
            }
        }

        /** The open link, if any, taken as it is (at an {@code <a>}, an {@code </a>} or the end). */
        void endLink() {
            if (href != null && links.size() < MAX_LINKS) links.add(new Link(href, linkText.toString().strip()));
            href = null;
        }
    }

    /** The value of attribute {@code name} in a tag's text, or null; quotes removed, character references decoded. */
    static String attribute(String tag, String name) {
        String lower = tag.toLowerCase(Locale.ROOT);
        int from = 0;
        while (true) {
            int at = lower.indexOf(name, from);
            if (at < 0) return null;
            from = at + name.length();
            if (at > 0 && !Character.isWhitespace(lower.charAt(at - 1))) continue;
            int k = from;
            while (k < lower.length() && Character.isWhitespace(lower.charAt(k))) k++;
            if (k >= lower.length() || lower.charAt(k) != '=') continue;
            k++;
            while (k < lower.length() && Character.isWhitespace(lower.charAt(k))) k++;
            if (k >= lower.length()) return "";
            char q = tag.charAt(k);
            int end;
            if (q == '"' || q == '\'') {
                end = tag.indexOf(q, k + 1);
                if (end < 0) end = tag.length();
                return HtmlText.of(tag.substring(k + 1, end)).strip();
            }
            end = k;
            while (end < tag.length() && !Character.isWhitespace(tag.charAt(end))) end++;
            return HtmlText.of(tag.substring(k, end)).strip();
        }
    }

    /** Inline style that hides its element. */
    static boolean hidden(String style) {
        if (style == null) return false;
        StringBuilder s = new StringBuilder(style.length());
        for (int k = 0; k < style.length(); k++) {
            char c = style.charAt(k);
            if (!Character.isWhitespace(c)) s.append(Character.toLowerCase(c));
        }
        String t = s.toString();
        if (t.contains("display:none") || t.contains("visibility:hidden")) return true;
        for (int at = t.indexOf("font-size:"); at >= 0; at = t.indexOf("font-size:", at + 1)) {
            int k = at + "font-size:".length();
            if (k < t.length() && (t.charAt(k) == '0' || t.charAt(k) == '1')) {
                boolean zero = t.charAt(k) == '0';
                k++;
                if (k == t.length() || !(Character.isDigit(t.charAt(k)) || t.charAt(k) == '.')) {
                    if (zero || t.startsWith("px", k)) return true; // 0, 0px, 0pt..., or 1px
                }
            }
        }
        return false;
    }
}
