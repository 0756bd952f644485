package org.twinmail.mail.dkim;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The tag-list of RFC 6376 3.2 ({@code tag=value; tag=value}), shared by DKIM-Signature fields
 * and key records: tag names are ALPHA *(ALPHA / DIGIT / "_"), values are printable ASCII
 * without ';' with folding whitespace inside, a tag given twice is an error. Bounded: at most
 * {@link #MAX_TAGS} tags in at most {@link #MAX_LENGTH} characters.
 */
final class DkimTags {
    static final int MAX_TAGS = 32;
    static final int MAX_LENGTH = 16 * 1024;

    private DkimTags() {}

    /** Tag name (lower case as written: tag names are case-sensitive) to value with FWS at both ends removed. */
    static Map<String, String> parse(String list, String what) throws DkimSyntaxException {
        if (list.length() > MAX_LENGTH) throw new DkimSyntaxException(what + " longer than " + MAX_LENGTH + " characters");
        Map<String, String> tags = new LinkedHashMap<>();
        int i = 0;
        int n = list.length();
        while (i < n) {
            int end = list.indexOf(';', i);
            if (end < 0) end = n;
            String spec = list.substring(i, end);
            i = end + 1;
            if (spec.isBlank()) {
                if (end == n) break; // a trailing ';' is allowed
                throw new DkimSyntaxException(what + ": empty tag");
            }
            int eq = spec.indexOf('=');
            if (eq < 0) throw new DkimSyntaxException(what + ": tag without '='");
            String name = spec.substring(0, eq).strip();
            if (!validName(name)) throw new DkimSyntaxException(what + ": invalid tag name");
            String value = spec.substring(eq + 1).strip();
            for (int k = 0; k < value.length(); k++) {
                char c = value.charAt(k);
                if (c > 0x7e || (c < 0x21 && c != ' ' && c != '\t' && c != '\r' && c != '\n'))
                    throw new DkimSyntaxException(what + ": invalid character in tag " + name);
            }
            if (tags.size() >= MAX_TAGS) throw new DkimSyntaxException(what + ": more than " + MAX_TAGS + " tags");
            if (tags.putIfAbsent(name, value) != null) throw new DkimSyntaxException(what + ": tag " + name + " given twice");
        }
        return tags;
    }

    private static boolean validName(String name) {
        if (name.isEmpty() || name.length() > 32 || !Character.isLetter(name.charAt(0)) || name.charAt(0) > 0x7e) return false;
        for (int k = 0; k < name.length(); k++) {
            char c = name.charAt(k);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
        }
        return true;
    }

    /** A value with every whitespace removed (base64 and colon lists carry folding whitespace). */
    static String compact(String value) {
        StringBuilder b = new StringBuilder(value.length());
        for (int k = 0; k < value.length(); k++) {
            char c = value.charAt(k);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') b.append(c);
        }
        return b.toString();
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
