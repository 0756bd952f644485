package org.twinmail.filter.auth;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A DMARC record (RFC 7489 6.3), parsed strictly: {@link #parse} throws only
 * {@link DmarcSyntaxException}. Tags other than those below (ruf, fo, rf, ri) are read
 * over and ignored here. Bounded: {@link #MAX_LENGTH} characters, {@link #MAX_TAGS} tags.
 *
 * <p>rua= (6.4) is lenient, as 6.3 asks of everything after p=: a URI that is not
 * {@code mailto:} or not a valid address is left out rather than failing the record, and at
 * most {@link #MAX_REPORT_URIS} are kept (RFC 7489 6.2 lets a receiver limit them).
 *
 * @param policy p=
 * @param subdomainPolicy sp= (p= when absent)
 * @param pct pct= (100 when absent)
 * @param strictDkim adkim=s
 * @param strictSpf aspf=s
 * @param rua where aggregate reports go (rua=), possibly empty
 */
public record DmarcRecord(Policy policy, Policy subdomainPolicy, int pct, boolean strictDkim, boolean strictSpf, List<ReportUri> rua) {
    public static final int MAX_LENGTH = 4096;
    public static final int MAX_TAGS = 32;
    public static final int MAX_REPORT_URIS = 2;

    public DmarcRecord {
        rua = List.copyOf(rua);
    }

    /** A record without report addresses. */
    public DmarcRecord(Policy policy, Policy subdomainPolicy, int pct, boolean strictDkim, boolean strictSpf) {
        this(policy, subdomainPolicy, pct, strictDkim, strictSpf, List.of());
    }

    /**
     * A {@code mailto:} report URI.
     *
     * @param address  the mailbox, lower-cased domain
     * @param maxBytes the largest report it accepts ({@code !10m}), 0 = no limit given
     */
    public record ReportUri(String address, long maxBytes) {
        /** The domain of the address. */
        public String domain() {
            return address.substring(address.lastIndexOf('@') + 1);
        }
    }

    public enum Policy {
        NONE, QUARANTINE, REJECT;

        public String token() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Whether a TXT record is meant as a DMARC record: it starts with {@code v=DMARC1}. */
    public static boolean isDmarc(String txt) {
        return txt.strip().replace(" ", "").startsWith("v=DMARC1");
    }

    public static DmarcRecord parse(String txt) throws DmarcSyntaxException {
        if (txt.length() > MAX_LENGTH) throw new DmarcSyntaxException("record longer than " + MAX_LENGTH + " characters");
        Map<String, String> tags = new HashMap<>();
        String first = null;
        int n = 0;
        for (String spec : txt.split(";", -1)) {
            if (spec.isBlank()) continue;
            if (++n > MAX_TAGS) throw new DmarcSyntaxException("more than " + MAX_TAGS + " tags");
            int eq = spec.indexOf('=');
            if (eq < 0) throw new DmarcSyntaxException("tag without '='");
            String name = spec.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            if (!name.matches("[a-z][a-z0-9_]*")) throw new DmarcSyntaxException("invalid tag name");
            String value = spec.substring(eq + 1).strip();
            if (first == null) first = name;
            if (tags.putIfAbsent(name, value) != null) throw new DmarcSyntaxException("tag " + name + " given twice");
        }
        if (!"v".equals(first) || !"DMARC1".equals(tags.get("v"))) throw new DmarcSyntaxException("v=DMARC1 must come first");
        if (!tags.containsKey("p")) throw new DmarcSyntaxException("no p= tag");
        Policy p = policy(tags.get("p"), "p");
        Policy sp = tags.containsKey("sp") ? policy(tags.get("sp"), "sp") : p;
        int pct = 100;
        if (tags.containsKey("pct")) {
            String v = tags.get("pct");
            if (!v.matches("[0-9]{1,3}") || Integer.parseInt(v) > 100) throw new DmarcSyntaxException("invalid pct=");
            pct = Integer.parseInt(v);
        }
        return new DmarcRecord(p, sp, pct, mode(tags.get("adkim"), "adkim"), mode(tags.get("aspf"), "aspf"),
                reportUris(tags.getOrDefault("rua", "")));
    }

    private static final Pattern REPORT_URI = Pattern.compile("(?i)mailto:([^!]+)(?:!([0-9]{1,15})([kmgt]?))?");
    private static final Pattern MAILBOX = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9.-]{1,253}");

    /** The valid mailto: URIs of a rua= value, at most {@link #MAX_REPORT_URIS}; the others are left out. */
    static List<ReportUri> reportUris(String value) {
        List<ReportUri> uris = new ArrayList<>();
        for (String part : value.split(",", MAX_TAGS)) {
            if (uris.size() == MAX_REPORT_URIS) break;
            Matcher m = REPORT_URI.matcher(part.strip());
            if (!m.matches()) continue;
            String address = percentDecoded(m.group(1));
            if (address == null || !MAILBOX.matcher(address).matches()) continue;
            int at = address.lastIndexOf('@');
            address = address.substring(0, at + 1) + address.substring(at + 1).toLowerCase(Locale.ROOT);
            long size = 0;
            if (m.group(2) != null) {
                int shift = switch (m.group(3).toLowerCase(Locale.ROOT)) {
                    case "k" -> 10; case "m" -> 20; case "g" -> 30; case "t" -> 40; default -> 0;
                };
                long n = Long.parseLong(m.group(2));
                size = n > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : n << shift;
            }
            uris.add(new ReportUri(address, size));
        }
        return uris;
    }

    /** %XX decoded (RFC 3986), or null when an escape is malformed or decodes to a non-ASCII or control byte. */
    private static String percentDecoded(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) return null;
                int hi = Character.digit(s.charAt(i + 1), 16), lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) return null;
                c = (char) (hi * 16 + lo);
                i += 2;
            }
            if (c <= 0x20 || c >= 0x7f) return null;
            b.append(c);
        }
        return b.toString();
    }

    private static Policy policy(String v, String tag) throws DmarcSyntaxException {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "none" -> Policy.NONE;
            case "quarantine" -> Policy.QUARANTINE;
            case "reject" -> Policy.REJECT;
            default -> throw new DmarcSyntaxException("invalid " + tag + "=");
        };
    }

    private static boolean mode(String v, String tag) throws DmarcSyntaxException {
        if (v == null || v.equalsIgnoreCase("r")) return false;
        if (v.equalsIgnoreCase("s")) return true;
        throw new DmarcSyntaxException("invalid " + tag + "=");
    }
}
