package org.twinmail.filter.auth;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A DMARC record (RFC 7489 6.3), parsed strictly: {@link #parse} throws only
 * {@link DmarcSyntaxException}. Tags other than those below (rua, ruf, fo, rf, ri) are read
 * over and ignored here. Bounded: {@link #MAX_LENGTH} characters, {@link #MAX_TAGS} tags.
 *
 * @param policy p=
 * @param subdomainPolicy sp= (p= when absent)
 * @param pct pct= (100 when absent)
 * @param strictDkim adkim=s
 * @param strictSpf aspf=s
 */
public record DmarcRecord(Policy policy, Policy subdomainPolicy, int pct, boolean strictDkim, boolean strictSpf) {
    public static final int MAX_LENGTH = 4096;
    public static final int MAX_TAGS = 32;

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
        return new DmarcRecord(p, sp, pct, mode(tags.get("adkim"), "adkim"), mode(tags.get("aspf"), "aspf"));
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
