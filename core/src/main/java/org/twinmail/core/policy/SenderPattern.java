package org.twinmail.core.policy;

import java.util.Locale;

/**
 * The sender an administrator's rule matches, on the envelope sender and the header From:
 * <ul>
 *   <li>{@code alice@spam.example}: that address (case-insensitive);</li>
 *   <li>{@code spam.example}, {@code @spam.example} or {@code *@spam.example}: every address
 *       of that domain (not its subdomains);</li>
 *   <li>{@code *.example}: every address of every subdomain of {@code example};</li>
 *   <li>any other {@code *} is a wildcard for any run of characters ({@code news-*@shop.example}).</li>
 * </ul>
 * Written in one normal form ({@link #text()}, lower case, {@code *@domain}, {@code *@*.domain})
 * which is the rule's name in the store. Matching is linear in practice and bounded by the
 * lengths (at most 320 and 512 characters), never a regular expression.
 */
public record SenderPattern(String text) {
    public static final int MAX_LENGTH = 320;

    public SenderPattern {
        if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) throw new IllegalArgumentException("a sender pattern has 1 to " + MAX_LENGTH + " characters");
    }

    /** @throws IllegalArgumentException with a message fit for the operator */
    public static SenderPattern parse(String written) {
        String s = written == null ? "" : written.strip().toLowerCase(Locale.ROOT);
        if (s.isEmpty()) throw new IllegalArgumentException("no sender pattern given");
        if (s.length() > MAX_LENGTH) throw new IllegalArgumentException("sender pattern longer than " + MAX_LENGTH + " characters");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == '"') {
                throw new IllegalArgumentException("not a sender pattern (address, domain or wildcard like *@spam.example): " + written.strip());
            }
        }
        if (s.startsWith("@")) s = "*" + s;
        else if (s.indexOf('@') < 0) s = "*@" + s; // a domain, or *.domain
        int at = s.lastIndexOf('@');
        if (at == 0 || at == s.length() - 1 || s.indexOf('@') != at) {
            throw new IllegalArgumentException("not a sender pattern (address, domain or wildcard like *@spam.example): " + written.strip());
        }
        if (s.equals("*@*")) throw new IllegalArgumentException("a pattern matching every sender is not a sender rule: " + written.strip());
        return new SenderPattern(s);
    }

    /** Whether {@code address} ({@code local@domain}) matches; the null sender matches nothing. */
    public boolean matches(String address) {
        if (address == null || address.isEmpty()) return false;
        return glob(text, address.toLowerCase(Locale.ROOT));
    }

    /** 3 for an exact address, 2 for a whole domain, 1 for other wildcards: the more specific rule wins. */
    public int specificity() {
        int star = text.indexOf('*');
        if (star < 0) return 3;
        return text.startsWith("*@") && text.indexOf('*', 1) < 0 ? 2 : 1;
    }

    /** Glob with '*' only: the classic two-pointer match with one backtrack point, O(n*m) at worst, no recursion. */
    static boolean glob(String p, String s) {
        int pi = 0, si = 0, star = -1, mark = 0;
        while (si < s.length()) {
            if (pi < p.length() && p.charAt(pi) != '*' && p.charAt(pi) == s.charAt(si)) {
                pi++;
                si++;
            } else if (pi < p.length() && p.charAt(pi) == '*') {
                star = pi++;
                mark = si;
            } else if (star >= 0) {
                pi = star + 1;
                si = ++mark;
            } else {
                return false;
            }
        }
        while (pi < p.length() && p.charAt(pi) == '*') pi++;
        return pi == p.length();
    }

    @Override
    public String toString() {
        return text;
    }
}
