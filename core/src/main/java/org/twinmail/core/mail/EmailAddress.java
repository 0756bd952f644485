package org.twinmail.core.mail;

import java.util.Locale;

/**
 * A mailbox address {@code local@domain} as used in SMTP envelopes and in the directory.
 * The domain is kept in lower case; the local part keeps its case (RFC 5321 2.4) but
 * lookups compare it case-insensitively, as every mail administrator expects.
 * UTF-8 is allowed in both parts (RFC 6531); control characters, spaces and
 * unquoted specials are not.
 */
public record EmailAddress(String localPart, String domain) {

    /** RFC 5321 4.5.3.1: local part at most 64 octets, domain at most 255, path at most 256. */
    public static final int MAX_LOCAL_PART = 64;
    public static final int MAX_DOMAIN = 255;

    public EmailAddress {
        if (localPart == null || localPart.isEmpty()) throw new IllegalArgumentException("empty local part");
        if (domain == null || domain.isEmpty()) throw new IllegalArgumentException("empty domain");
        domain = domain.toLowerCase(Locale.ROOT);
    }

    /** Parses {@code local@domain}; throws {@link IllegalArgumentException} with a readable reason. */
    public static EmailAddress parse(String text) {
        if (text == null) throw new IllegalArgumentException("no address");
        String s = text.strip();
        int at = s.lastIndexOf('@');
        if (at <= 0 || at == s.length() - 1) throw new IllegalArgumentException("not an address of the form user@domain: " + text);
        String local = s.substring(0, at);
        String domain = s.substring(at + 1);
        validateLocalPart(local);
        validateDomain(domain);
        return new EmailAddress(local, domain);
    }

    public static void validateLocalPart(String local) {
        if (utf8Length(local) > MAX_LOCAL_PART) throw new IllegalArgumentException("local part longer than 64 octets");
        if (local.startsWith("\"") && local.endsWith("\"") && local.length() >= 2) {
            for (int i = 1; i < local.length() - 1; i++) {
                char c = local.charAt(i);
                if (c < 0x20 || c == 0x7f) throw new IllegalArgumentException("control character in local part");
                if (c == '\\') i++;
            }
            return;
        }
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) throw new IllegalArgumentException("misplaced dot in local part");
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c >= 0x80) continue; // UTF-8 local parts (RFC 6531)
            if (Character.isLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".indexOf(c) >= 0) continue;
            throw new IllegalArgumentException("character not allowed in local part: '" + Printable.of(String.valueOf(c)) + "'");
        }
    }

    public static void validateDomain(String domain) {
        if (utf8Length(domain) > MAX_DOMAIN) throw new IllegalArgumentException("domain longer than 255 octets");
        if (domain.startsWith("[") && domain.endsWith("]")) return; // address literal
        String[] labels = domain.split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty()) throw new IllegalArgumentException("empty label in domain: " + Printable.of(domain));
            if (label.length() > 63) throw new IllegalArgumentException("domain label longer than 63 characters");
            if (label.startsWith("-") || label.endsWith("-")) throw new IllegalArgumentException("domain label starts or ends with '-': " + Printable.of(domain));
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (c >= 0x80 || Character.isLetterOrDigit(c) || c == '-') continue;
                throw new IllegalArgumentException("character not allowed in domain: " + Printable.of(domain));
            }
        }
    }

    /** Normalised form used as the directory key: lower-cased local part and domain. */
    public String key() {
        return localPart.toLowerCase(Locale.ROOT) + "@" + domain;
    }

    @Override
    public String toString() {
        return localPart + "@" + domain;
    }

    private static int utf8Length(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
}
