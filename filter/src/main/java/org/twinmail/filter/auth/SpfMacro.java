package org.twinmail.filter.auth;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * SPF macro expansion (RFC 7208 7): {@code %{s l o d i p h v}} and, in exp= text only,
 * {@code c r t}; transformers (a count of parts to keep from the right, {@code r} to reverse),
 * delimiters {@code .-+,/_=}, {@code %%}, {@code %_}, {@code %-}; an upper-case letter
 * URL-escapes. {@code %{p}} expands to {@code unknown} (RFC 7208 7.3 allows it; it would cost
 * DNS lookups outside the limit, and the RFC says not to use it).
 */
final class SpfMacro {
    /** What the macros stand for. */
    record Context(String sender, String localPart, String senderDomain, String domain, InetAddress ip, String helo, String receiver, long timestamp) {}

    private SpfMacro() {}

    /** Checks the syntax only (at parse time). */
    static void validate(String spec, boolean exp) throws SpfSyntaxException {
        expand(spec, null, exp);
    }

    /** Expands {@code spec}; with a null context only validates. */
    static String expand(String spec, Context ctx, boolean exp) throws SpfSyntaxException {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (c != '%') {
                if (c < 0x21 || c > 0x7e) {
                    if (!(exp && c == ' ')) throw new SpfSyntaxException("invalid character in a macro string");
                }
                out.append(c);
                continue;
            }
            if (++i >= spec.length()) throw new SpfSyntaxException("'%' at the end of a macro string");
            char n = spec.charAt(i);
            switch (n) {
                case '%' -> out.append('%');
                case '_' -> out.append(' ');
                case '-' -> out.append("%20");
                case '{' -> {
                    int close = spec.indexOf('}', i);
                    if (close < 0) throw new SpfSyntaxException("unterminated macro");
                    out.append(macro(spec.substring(i + 1, close), ctx, exp));
                    i = close;
                }
                default -> throw new SpfSyntaxException("invalid '%" + n + "' in a macro string");
            }
        }
        return out.toString();
    }

    private static String macro(String body, Context ctx, boolean exp) throws SpfSyntaxException {
        if (body.isEmpty()) throw new SpfSyntaxException("empty macro");
        char letter = body.charAt(0);
        char lower = Character.toLowerCase(letter);
        if ("slodiphv".indexOf(lower) < 0 && !(exp && "crt".indexOf(lower) >= 0)) throw new SpfSyntaxException("unknown macro letter " + letter);
        int i = 1;
        int digitsStart = i;
        while (i < body.length() && Character.isDigit(body.charAt(i))) i++;
        int keep = -1;
        if (i > digitsStart) {
            if (i - digitsStart > 3) throw new SpfSyntaxException("macro transformer too large");
            keep = Integer.parseInt(body.substring(digitsStart, i));
            if (keep == 0) throw new SpfSyntaxException("macro transformer 0");
        }
        boolean reverse = false;
        if (i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R')) {
            reverse = true;
            i++;
        }
        String delimiters = body.substring(i);
        for (int k = 0; k < delimiters.length(); k++)
            if (".-+,/_=".indexOf(delimiters.charAt(k)) < 0) throw new SpfSyntaxException("invalid macro delimiter");
        if (ctx == null) return "";
        String value = switch (lower) {
            case 's' -> ctx.sender();
            case 'l' -> ctx.localPart();
            case 'o' -> ctx.senderDomain();
            case 'd' -> ctx.domain();
            case 'i' -> dotted(ctx.ip());
            case 'p' -> "unknown";
            case 'h' -> ctx.helo();
            case 'v' -> ctx.ip() instanceof Inet4Address ? "in-addr" : "ip6";
            case 'c' -> ctx.ip().getHostAddress();
            case 'r' -> ctx.receiver();
            case 't' -> Long.toString(ctx.timestamp());
            default -> throw new AssertionError(letter);
        };
        if (delimiters.isEmpty()) delimiters = ".";
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int k = 0; k < value.length(); k++) {
            if (delimiters.indexOf(value.charAt(k)) >= 0) {
                parts.add(value.substring(start, k));
                start = k + 1;
            }
        }
        parts.add(value.substring(start));
        if (reverse) Collections.reverse(parts);
        if (keep > 0 && keep < parts.size()) parts = parts.subList(parts.size() - keep, parts.size());
        String result = String.join(".", parts);
        if (Character.isUpperCase(letter)) result = URLEncoder.encode(result, StandardCharsets.UTF_8).replace("+", "%20");
        return result;
    }

    /** %{i}: dotted quad, or an IPv6 address as 32 dot-separated nibbles. */
    static String dotted(InetAddress ip) {
        if (ip instanceof Inet4Address) return ip.getHostAddress();
        StringBuilder b = new StringBuilder(63);
        for (byte x : ip.getAddress()) {
            if (!b.isEmpty()) b.append('.');
            b.append(Character.forDigit((x >> 4) & 0xf, 16)).append('.').append(Character.forDigit(x & 0xf, 16));
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }
}
