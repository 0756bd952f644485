package org.twinmail.sieve.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.twinmail.sieve.script.Args;

/**
 * Comparators (RFC 4790: i;octet, i;ascii-casemap, i;ascii-numeric) and match types (RFC 5228
 * 2.7.1 :is, :contains, :matches; RFC 5231 :value and :count) as one test's arguments choose
 * them. :matches is a glob without backtracking blow-up (linear in the value per pattern) and
 * keeps what each wildcard matched for ${1}..${9} (RFC 5229 3.2).
 */
final class Matcher {
    enum Comparator { OCTET, CASEMAP, NUMERIC }

    enum Type { IS, CONTAINS, MATCHES, VALUE, COUNT }

    final Comparator comparator;
    final Type type;
    final String relation;

    private Matcher(Comparator comparator, Type type, String relation) {
        this.comparator = comparator;
        this.type = type;
        this.relation = relation;
    }

    static Matcher of(Args a) {
        String c = a.tagString("comparator");
        Comparator comparator = c == null || c.equals("i;ascii-casemap") ? Comparator.CASEMAP
                : c.equals("i;octet") ? Comparator.OCTET : Comparator.NUMERIC;
        if (a.has("contains")) return new Matcher(comparator, Type.CONTAINS, null);
        if (a.has("matches")) return new Matcher(comparator, Type.MATCHES, null);
        if (a.has("value")) return new Matcher(comparator, Type.VALUE, a.tagString("value").toLowerCase(Locale.ROOT));
        if (a.has("count")) return new Matcher(comparator, Type.COUNT, a.tagString("count").toLowerCase(Locale.ROOT));
        return new Matcher(comparator, Type.IS, null);
    }

    /**
     * Whether any value matches any key. For :count, the number of values is compared with
     * each key. {@code captures} receives ${0}..${9} of the first :matches success.
     */
    boolean test(List<String> values, List<String> keys, List<String> captures) {
        if (type == Type.COUNT) {
            String n = Integer.toString(values.size());
            for (String k : keys) if (relate(compare(n, k))) return true;
            return false;
        }
        for (String v : values) {
            for (String k : keys) {
                switch (type) {
                    case IS -> { if (equal(v, k)) return true; }
                    case CONTAINS -> { if (fold(v).contains(fold(k))) return true; }
                    case VALUE -> { if (relate(compare(v, k))) return true; }
                    case MATCHES -> {
                        List<String> groups = glob(fold(v), fold(k), v);
                        if (groups != null) {
                            if (captures != null) {
                                captures.clear();
                                captures.add(v);
                                captures.addAll(groups);
                            }
                            return true;
                        }
                    }
                    case COUNT -> { }
                }
            }
        }
        return false;
    }

    private boolean relate(int c) {
        return switch (relation) {
            case "gt" -> c > 0;
            case "ge" -> c >= 0;
            case "lt" -> c < 0;
            case "le" -> c <= 0;
            case "eq" -> c == 0;
            default -> c != 0; // ne
        };
    }

    private boolean equal(String a, String b) {
        return compare(a, b) == 0;
    }

    /** The comparator's ordering. */
    int compare(String a, String b) {
        return switch (comparator) {
            case OCTET -> compareOctets(a, b);
            case CASEMAP -> compareOctets(fold(a), fold(b));
            case NUMERIC -> {
                String x = digits(a), y = digits(b);
                if (x == null || y == null) yield x == null ? (y == null ? 0 : 1) : -1; // no number = positive infinity
                x = x.replaceFirst("^0+(?=.)", "");
                y = y.replaceFirst("^0+(?=.)", "");
                yield x.length() != y.length() ? Integer.compare(x.length(), y.length()) : x.compareTo(y);
            }
        };
    }

    private static int compareOctets(String a, String b) {
        byte[] x = a.getBytes(java.nio.charset.StandardCharsets.UTF_8), y = b.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return java.util.Arrays.compareUnsigned(x, y);
    }

    private static String digits(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
        return i == 0 ? null : s.substring(0, i);
    }

    /** i;ascii-casemap folds ASCII letters only (RFC 4790 9.2); the other comparators compare as written. */
    String fold(String s) {
        if (comparator != Comparator.CASEMAP) return s;
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'a' && c <= 'z') {
                if (b == null) b = new StringBuilder(s);
                b.setCharAt(i, (char) (c - 32));
            }
        }
        return b == null ? s : b.toString();
    }

    /**
     * Glob of RFC 5228 2.7.1: '*' any run, '?' one character, '\' quotes the next. Returns what
     * each wildcard matched (from {@code original}, not folded), or null. Greedy-free: each '*'
     * takes the shortest run that lets the rest match, found by the classic two-pointer walk
     * with one backtrack point, so the time is O(value x pattern) at worst.
     */
    static List<String> glob(String value, String pattern, String original) {
        List<Character> kinds = new ArrayList<>(); // '*', '?', or 'c' for a literal
        StringBuilder lits = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\' && i + 1 < pattern.length()) {
                kinds.add('c');
                lits.append(pattern.charAt(++i));
            } else if (c == '*' || c == '?') {
                kinds.add(c);
                lits.append(c);
            } else {
                kinds.add('c');
                lits.append(c);
            }
        }
        int n = kinds.size();
        int[] starStart = new int[n];
        int[] pos = new int[n + 1];
        int p = 0, v = 0, starP = -1, starV = -1;
        while (v < value.length() || p < n) {
            if (p < n) {
                char k = kinds.get(p);
                if (k == '*') {
                    starP = p;
                    starV = v;
                    starStart[p] = v;
                    pos[p] = v;
                    p++;
                    continue;
                }
                if (v < value.length() && (k == '?' || lits.charAt(p) == value.charAt(v))) {
                    pos[p] = v;
                    p++;
                    v++;
                    continue;
                }
            }
            if (starP < 0 || starV >= value.length()) return null;
            p = starP + 1;
            v = ++starV;
        }
        List<String> groups = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            char k = kinds.get(i);
            if (k == 'c') continue;
            int from = pos[i];
            int to = i + 1 < n ? pos[i + 1] : value.length();
            if (k == '?') to = from + 1;
            groups.add(original.substring(from, Math.min(to, original.length())));
        }
        return groups;
    }
}
