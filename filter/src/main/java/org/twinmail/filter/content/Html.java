package org.twinmail.filter.content;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.twinmail.mail.mime.HtmlText;

/**
 * What the content rules need of an HTML body: its links (target and visible text) and how much
 * text is hidden by inline style ({@code display:none}, {@code visibility:hidden},
 * {@code font-size:0}). A lenient, linear scan, as the mail library's {@link HtmlText}: it
 * never fails and reads each character a bounded number of times.
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
        int n = html.length();
        int i = 0;
        String href = null;
        StringBuilder linkText = new StringBuilder();
        int hiddenDepth = 0;
        while (i < n) {
            char c = html.charAt(i);
            if (c == '<') {
                if (html.startsWith("<!--", i)) {
                    int end = html.indexOf("-->", i + 4);
                    i = end < 0 ? n : end + 3;
                    continue;
                }
                int end = html.indexOf('>', i + 1);
                if (end < 0) break;
                String tag = html.substring(i + 1, end);
                i = end + 1;
                boolean closing = tag.startsWith("/");
                String name = tagName(closing ? tag.substring(1) : tag);
                if (name.equals("script") || name.equals("style")) {
                    if (!closing) {
                        int close = indexOfIgnoreCase(html, "</" + name, i);
                        i = close < 0 ? n : close;
                    }
                    continue;
                }
                if (name.equals("a")) {
                    if (closing) {
                        if (href != null && h.links.size() < MAX_LINKS) h.links.add(new Link(href, linkText.toString().strip()));
                        href = null;
                    } else {
                        if (href != null && h.links.size() < MAX_LINKS) h.links.add(new Link(href, linkText.toString().strip()));
                        href = attribute(tag, "href");
                        linkText.setLength(0);
                    }
                }
                if (!closing && !tag.endsWith("/") && hidden(attribute(tag, "style"))) hiddenDepth++;
                else if (closing && hiddenDepth > 0) hiddenDepth--;
                continue;
            }
            int next = html.indexOf('<', i);
            if (next < 0) next = n;
            String text = html.substring(i, next);
            i = next;
            if (hiddenDepth > 0) {
                for (int k = 0; k < text.length(); k++) if (!Character.isWhitespace(text.charAt(k))) h.hiddenChars++;
            }
            if (href != null && linkText.length() < MAX_LINK_TEXT) {
                String shown = HtmlText.of(text);
                linkText.append(shown, 0, Math.min(shown.length(), MAX_LINK_TEXT - linkText.length()));
            }
        }
        if (href != null && h.links.size() < MAX_LINKS) h.links.add(new Link(href, linkText.toString().strip()));
        return h;
    }

    private static String tagName(String tag) {
        int k = 0;
        while (k < tag.length() && (Character.isLetterOrDigit(tag.charAt(k)))) k++;
        return tag.substring(0, k).toLowerCase(Locale.ROOT);
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

    private static int indexOfIgnoreCase(String s, String what, int from) {
        int n = s.length() - what.length();
        for (int k = from; k <= n; k++) {
            if (s.regionMatches(true, k, what, 0, what.length())) return k;
        }
        return -1;
    }
}
