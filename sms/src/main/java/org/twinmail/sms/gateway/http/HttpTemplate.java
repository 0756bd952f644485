package org.twinmail.sms.gateway.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request template of the HTTP gateway: {@code {name}} placeholders replaced by values escaped
 * for where they stand (a URL or form field, a JSON string, a header field). An unknown
 * placeholder is an error when the gateway starts, not when it sends.
 */
public final class HttpTemplate {
    /** The placeholders a template may use. */
    public static final java.util.Set<String> NAMES = java.util.Set.of("to", "toDigits", "from", "text", "id", "ref");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z]+)\\}");

    /** How values are escaped. */
    public enum Escape { URL, JSON, HEADER }

    private final String template;
    private final Escape escape;

    public HttpTemplate(String template, Escape escape) {
        this.template = template == null ? "" : template;
        this.escape = escape;
        Matcher m = PLACEHOLDER.matcher(this.template);
        while (m.find()) {
            if (!NAMES.contains(m.group(1))) throw new IllegalArgumentException("unknown placeholder {" + m.group(1) + "} in " + template);
        }
    }

    public String fill(Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder b = new StringBuilder();
        while (m.find()) m.appendReplacement(b, Matcher.quoteReplacement(escape(values.getOrDefault(m.group(1), ""))));
        m.appendTail(b);
        return b.toString();
    }

    private String escape(String v) {
        return switch (escape) {
            case URL -> URLEncoder.encode(v, StandardCharsets.UTF_8);
            case JSON -> json(v);
            case HEADER -> v.replaceAll("[\\r\\n]+", " ");
        };
    }

    /** The inside of a JSON string (RFC 8259 7): quotes, backslashes and control characters escaped. */
    static String json(String v) {
        StringBuilder b = new StringBuilder(v.length() + 8);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }
}
