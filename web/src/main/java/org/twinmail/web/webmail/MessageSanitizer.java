package org.twinmail.web.webmail;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.owasp.html.AttributePolicy;
import org.owasp.html.HtmlPolicyBuilder;
import org.owasp.html.HtmlStreamEventReceiver;
import org.owasp.html.HtmlStreamEventReceiverWrapper;
import org.owasp.html.PolicyFactory;

/**
 * Message HTML made safe to show, on the server, with the OWASP Java HTML Sanitizer: an allow
 * list of formatting elements and attributes; no script, event handler, {@code <style>},
 * {@code <base>}, {@code <form>}, {@code <svg>}, {@code <math>}, {@code <object>},
 * {@code srcset} or namespaced attribute survives; CSS only in {@code style} attributes and
 * only properties without {@code url()}; links only to http(s) and mailto, opened in a new
 * window with {@code rel="noopener noreferrer"}; images only from the message's own parts
 * ({@code cid:}, inlined as {@code data:} URLs by the caller) and raster {@code data:} URLs, and
 * remote (http/https) images only when the reader asked for them: otherwise dropped and
 * counted. The output is re-serialised by the sanitiser (attribute values quoted and escaped),
 * so what the browser parses is what was checked (no mXSS through re-parsing).
 * The result is shown in a sandboxed frame without scripts under a strict CSP (see
 * {@link Webmail}): the sanitiser is one of two walls.
 */
public final class MessageSanitizer {
    private static final Pattern DATA_IMAGE = Pattern.compile("(?i)data:image/(png|gif|jpeg|jpg|webp|bmp);base64,[A-Za-z0-9+/=\\s]+");
    private static final Pattern REMOTE = Pattern.compile("(?i)https?://[^\\s\"'<>`]+");
    private static final Pattern LINK = Pattern.compile("(?i)(https?://|mailto:)[^\\s\"'<>`]+");

    /** The safe HTML and how many remote images were left out. */
    public record Result(String html, int blockedImages) { }

    private MessageSanitizer() {
    }

    /**
     * @param inline       {@code cid:} references (without the scheme, lower case) to the {@code data:} URL of that part
     * @param remoteImages true when the reader chose to load remote images (for this view only)
     */
    public static Result sanitize(String html, Map<String, String> inline, boolean remoteImages) {
        AtomicInteger blocked = new AtomicInteger();
        AttributePolicy imageSource = (element, attribute, value) -> {
            String v = value.strip();
            String lower = v.toLowerCase(Locale.ROOT);
            if (lower.startsWith("cid:")) return inline.get(lower.substring(4).replaceAll("^<|>$", ""));
            if (DATA_IMAGE.matcher(v).matches()) return v;
            if (REMOTE.matcher(v).matches()) {
                if (remoteImages) return v;
                blocked.incrementAndGet();
                return null;
            }
            return null;
        };
        AttributePolicy linkTarget = (element, attribute, value) -> LINK.matcher(value.strip()).matches() ? value.strip() : null;
        PolicyFactory policy = new HtmlPolicyBuilder()
                .allowElements("a", "abbr", "b", "big", "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup",
                        "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
                        "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
                        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var")
                .allowUrlProtocols("http", "https", "mailto", "cid", "data")
                .allowAttributes("href").matching(linkTarget).onElements("a")
                .allowAttributes("src").matching(imageSource).onElements("img")
                .allowAttributes("alt", "width", "height").onElements("img")
                .allowAttributes("align", "valign", "bgcolor", "width", "height", "colspan", "rowspan", "cellpadding", "cellspacing",
                        "border").onElements("table", "tbody", "thead", "tfoot", "tr", "td", "th", "col", "colgroup", "div", "p", "img", "hr")
                .allowAttributes("color", "face", "size").onElements("font")
                .allowAttributes("title", "dir", "lang").globally()
                .allowStyling()
                .requireRelsOnLinks("noopener", "noreferrer")
                .withPostprocessor(NewWindowLinks::new)
                .toFactory();
        String safe = policy.sanitize(html == null ? "" : html);
        return new Result(safe, blocked.get());
    }

    /** Plain text as HTML: escaped, line breaks kept (by the frame's CSS), nothing else. */
    public static String text(String text) {
        StringBuilder b = new StringBuilder(text.length() + 32).append("<div class=\"tm-text\">");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&#34;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.append("</div>").toString();
    }

    /** Every link opens in a new window (the frame is sandboxed; popups escape the sandbox, not the rel). */
    private static final class NewWindowLinks extends HtmlStreamEventReceiverWrapper {
        NewWindowLinks(HtmlStreamEventReceiver underlying) {
            super(underlying);
        }

        @Override
        public void openTag(String elementName, List<String> attrs) {
            if (elementName.equals("a")) {
                attrs = new ArrayList<>(attrs);
                attrs.add("target");
                attrs.add("_blank");
            }
            super.openTag(elementName, attrs);
        }
    }
}
