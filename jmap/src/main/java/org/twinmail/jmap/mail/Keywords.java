package org.twinmail.jmap.mail;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * IMAP flags and JMAP keywords are one thing stored once (RFC 8621 4.1.1): {@code \Seen} is
 * {@code $seen}, {@code \Flagged} {@code $flagged}, {@code \Answered} {@code $answered},
 * {@code \Draft} {@code $draft}; other keywords are the same atoms, compared case-insensitively
 * and shown in lower case. {@code \Deleted} (an IMAP state, not a JMAP keyword) is not shown
 * and is kept when JMAP replaces the keywords.
 */
public final class Keywords {
    private Keywords() {
    }

    public static String keyword(String flag) {
        return switch (flag.toLowerCase(Locale.ROOT)) {
            case "\\seen" -> "$seen";
            case "\\flagged" -> "$flagged";
            case "\\answered" -> "$answered";
            case "\\draft" -> "$draft";
            case "\\deleted", "\\recent" -> null;
            default -> flag.startsWith("\\") ? null : flag.toLowerCase(Locale.ROOT);
        };
    }

    /** The IMAP flag of a JMAP keyword. */
    public static String flag(String keyword) {
        return switch (keyword.toLowerCase(Locale.ROOT)) {
            case "$seen" -> "\\Seen";
            case "$flagged" -> "\\Flagged";
            case "$answered" -> "\\Answered";
            case "$draft" -> "\\Draft";
            default -> keyword.toLowerCase(Locale.ROOT);
        };
    }

    public static Set<String> keywords(Set<String> flags) {
        Set<String> out = new TreeSet<>();
        for (String f : flags) {
            String k = keyword(f);
            if (k != null) out.add(k);
        }
        return out;
    }

    /** RFC 8621 4.1.1: 1-255 octets of %x21-%x7E except ( ) { ] % * " \ . */
    public static boolean valid(String keyword) {
        if (keyword.isEmpty() || keyword.length() > 255) return false;
        for (int i = 0; i < keyword.length(); i++) {
            char c = keyword.charAt(i);
            if (c < 0x21 || c > 0x7e || "(){]%*\"\\".indexOf(c) >= 0) return false;
        }
        return true;
    }

    /** Whether {@code flags} hold {@code keyword}. */
    public static boolean has(Set<String> flags, String keyword) {
        String k = keyword.toLowerCase(Locale.ROOT);
        for (String f : flags) {
            if (k.equals(keyword(f))) return true;
        }
        return false;
    }
}
