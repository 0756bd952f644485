package org.twinmail.mail.dkim;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One DKIM-Signature field, parsed strictly (RFC 6376 3.5): every required tag present and
 * well-formed, i= within d=, h= naming From. {@link #parse} throws only
 * {@link DkimSyntaxException}; the signature is then a permerror.
 *
 * @param algorithm a=, lower case: {@code rsa-sha256}, {@code ed25519-sha256} (or another the verifier refuses)
 * @param headerCanon c= header part: {@code simple} or {@code relaxed}
 * @param bodyCanon c= body part
 * @param domain d=, lower case
 * @param selector s=, lower case
 * @param identity i= (default {@code @d})
 * @param signedHeaders h=, lower case, in order
 * @param bodyHash bh= decoded
 * @param signature b= decoded
 * @param length l= when present
 * @param timestamp t= when present
 * @param expiration x= when present
 */
public record DkimSignature(String algorithm, String headerCanon, String bodyCanon, String domain, String selector, String identity,
        List<String> signedHeaders, byte[] bodyHash, byte[] signature, OptionalLong length, OptionalLong timestamp, OptionalLong expiration) {
    /** h= names at most this many fields. */
    public static final int MAX_SIGNED_HEADERS = 256;

    public static DkimSignature parse(String value) throws DkimSyntaxException {
        Map<String, String> tags = DkimTags.parse(value, "DKIM-Signature");
        String v = required(tags, "v");
        if (!v.equals("1")) throw new DkimSyntaxException("DKIM-Signature: unknown version v=" + clip(v));
        String a = DkimTags.lower(required(tags, "a"));
        if (!a.matches("[a-z][a-z0-9]*-[a-z][a-z0-9]*")) throw new DkimSyntaxException("DKIM-Signature: invalid a=");
        String c = DkimTags.lower(tags.getOrDefault("c", "simple/simple"));
        String hc;
        String bc;
        int slash = c.indexOf('/');
        if (slash < 0) {
            hc = c;
            bc = "simple";
        } else {
            hc = c.substring(0, slash);
            bc = c.substring(slash + 1);
        }
        if (!canon(hc) || !canon(bc)) throw new DkimSyntaxException("DKIM-Signature: unknown canonicalization c=" + clip(c));
        String d = DkimTags.lower(required(tags, "d"));
        if (!d.matches("[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_][a-z0-9_-]{0,62})*") || d.length() > 253)
            throw new DkimSyntaxException("DKIM-Signature: invalid d=");
        String s = DkimTags.lower(required(tags, "s"));
        if (!s.matches("[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_][a-z0-9_-]{0,62})*") || s.length() > 253)
            throw new DkimSyntaxException("DKIM-Signature: invalid s=");
        String i = tags.containsKey("i") ? tags.get("i") : "@" + d;
        int at = i.lastIndexOf('@');
        if (at < 0) throw new DkimSyntaxException("DKIM-Signature: i= without '@'");
        String iDomain = DkimTags.lower(i.substring(at + 1));
        if (!iDomain.equals(d) && !iDomain.endsWith("." + d)) throw new DkimSyntaxException("DKIM-Signature: i= not within d=");
        String hValue = DkimTags.compact(required(tags, "h"));
        List<String> h = new ArrayList<>();
        for (String name : hValue.split(":", -1)) {
            if (name.isEmpty() || !name.matches("[\\x21-\\x39\\x3b-\\x7e]+")) throw new DkimSyntaxException("DKIM-Signature: invalid h=");
            if (h.size() >= MAX_SIGNED_HEADERS) throw new DkimSyntaxException("DKIM-Signature: h= names more than " + MAX_SIGNED_HEADERS + " fields");
            h.add(DkimTags.lower(name));
        }
        if (!h.contains("from")) throw new DkimSyntaxException("DKIM-Signature: h= does not sign From");
        byte[] bh = base64(required(tags, "bh"), "bh");
        byte[] b = base64(required(tags, "b"), "b");
        if (b.length == 0) throw new DkimSyntaxException("DKIM-Signature: empty b=");
        OptionalLong l = number(tags, "l", 76);
        OptionalLong t = number(tags, "t", 12);
        OptionalLong x = number(tags, "x", 12);
        if (t.isPresent() && x.isPresent() && x.getAsLong() < t.getAsLong()) throw new DkimSyntaxException("DKIM-Signature: x= before t=");
        return new DkimSignature(a, hc, bc, d, s, i, List.copyOf(h), bh, b, l, t, x);
    }

    private static boolean canon(String c) {
        return c.equals("simple") || c.equals("relaxed");
    }

    private static String required(Map<String, String> tags, String name) throws DkimSyntaxException {
        String v = tags.get(name);
        if (v == null) throw new DkimSyntaxException("DKIM-Signature: no " + name + "= tag");
        return v;
    }

    private static byte[] base64(String value, String tag) throws DkimSyntaxException {
        try {
            return Base64.getDecoder().decode(DkimTags.compact(value));
        } catch (IllegalArgumentException e) {
            throw new DkimSyntaxException("DKIM-Signature: " + tag + "= is not base64");
        }
    }

    /** A decimal of at most {@code digits} digits (l= is 76, t= and x= 12 in RFC 6376); l= beyond a long is refused. */
    private static OptionalLong number(Map<String, String> tags, String name, int digits) throws DkimSyntaxException {
        String v = tags.get(name);
        if (v == null) return OptionalLong.empty();
        if (!v.matches("[0-9]{1," + Math.min(digits, 18) + "}")) throw new DkimSyntaxException("DKIM-Signature: invalid " + name + "=");
        return OptionalLong.of(Long.parseLong(v));
    }

    private static String clip(String s) {
        return s.length() > 20 ? s.substring(0, 20) + "..." : s;
    }
}
