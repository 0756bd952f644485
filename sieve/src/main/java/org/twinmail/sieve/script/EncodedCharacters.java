package org.twinmail.sieve.script;

import org.twinmail.sieve.SieveException;

/**
 * RFC 5228 2.4.2.4: {@code ${hex: 41 42}} and {@code ${unicode: 263a}} in strings, when the
 * script requires "encoded-character". A sequence that does not parse stays as it is written;
 * a Unicode value that is not a scalar value is an error.
 */
final class EncodedCharacters {
    private EncodedCharacters() {}

    static String decode(String s, int line) throws SieveException {
        if (!s.contains("${")) return s;
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int start = s.indexOf("${", i);
            if (start < 0) break;
            out.append(s, i, start);
            int colon = s.indexOf(':', start);
            int close = s.indexOf('}', start);
            String kind = colon > 0 && (close < 0 || colon < close) ? s.substring(start + 2, colon).toLowerCase(java.util.Locale.ROOT) : "";
            if (close < 0 || !(kind.equals("hex") || kind.equals("unicode"))) {
                out.append("${");
                i = start + 2;
                continue;
            }
            String body = s.substring(colon + 1, close).strip();
            String decoded = body.isEmpty() ? null : kind.equals("hex") ? hex(body) : unicode(body, line);
            if (decoded == null) {
                out.append("${");
                i = start + 2;
                continue;
            }
            out.append(decoded);
            i = close + 1;
        }
        out.append(s, i, s.length());
        return out.toString();
    }

    private static String hex(String body) {
        byte[] bytes = new byte[body.length()];
        int n = 0;
        for (String h : body.split("[ \t\r\n]+")) {
            if (!h.matches("[0-9A-Fa-f]{1,2}")) return null;
            bytes[n++] = (byte) Integer.parseInt(h, 16);
        }
        return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String unicode(String body, int line) throws SieveException {
        StringBuilder b = new StringBuilder();
        for (String h : body.split("[ \t\r\n]+")) {
            if (!h.matches("[0-9A-Fa-f]{1,6}")) return null;
            int cp = Integer.parseInt(h, 16);
            if (cp > 0x10FFFF || cp >= 0xD800 && cp <= 0xDFFF) throw new SieveException(line, "${unicode:" + h + "} is not a character");
            b.appendCodePoint(cp);
        }
        return b.toString();
    }
}
