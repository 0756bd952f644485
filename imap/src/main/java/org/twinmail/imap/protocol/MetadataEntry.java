package org.twinmail.imap.protocol;

import java.util.Locale;

/**
 * METADATA entry names (RFC 5464 3.2, 5): a path under {@code /private} or {@code /shared},
 * slash-separated, with no empty component, no trailing slash, no {@code *} or {@code %} and
 * only printable ASCII. Compared case-insensitively, so kept in lower case. Pure.
 */
public final class MetadataEntry {
    private MetadataEntry() {}

    /**
     * The entry name normalised (lower case), or a syntax error for the client. With
     * {@code root}, the roots {@code /private} and {@code /shared} themselves are accepted (a
     * GETMETADATA with DEPTH asks for what is below them; nothing is ever stored there).
     */
    public static String parse(String name, int maxLength, boolean root) throws ImapSyntaxException {
        String n = name.toLowerCase(Locale.ROOT);
        if (root && (n.equals("/private") || n.equals("/shared"))) return n;
        if (!n.startsWith("/private/") && !n.startsWith("/shared/")) {
            throw ImapSyntaxException.syntax("metadata entry names start with /private/ or /shared/: " + name);
        }
        if (n.length() > maxLength) throw ImapSyntaxException.syntax("metadata entry name longer than " + maxLength);
        if (n.endsWith("/") || n.contains("//")) throw ImapSyntaxException.syntax("empty component in metadata entry " + name);
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '*' || c == '%') {
                throw ImapSyntaxException.syntax("invalid character in metadata entry " + name);
            }
        }
        return n;
    }

    /** {@code /shared/...} rather than {@code /private/...}. */
    public static boolean shared(String entry) {
        return entry.startsWith("/shared/");
    }

    /**
     * GETMETADATA's DEPTH (RFC 5464 4.2.2): {@code candidate} is {@code asked} itself, or with
     * depth 1 one level below it, or with depth -1 (infinity) any level below it.
     */
    public static boolean within(String candidate, String asked, int depth) {
        if (candidate.equals(asked)) return true;
        if (depth == 0 || !candidate.startsWith(asked + "/")) return false;
        return depth < 0 || candidate.indexOf('/', asked.length() + 1) < 0;
    }
}
