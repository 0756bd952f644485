package org.twinmail.mail.dkim;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * A key record fetched from {@code selector._domainkey.domain} (RFC 6376 3.6.1; ed25519 per
 * RFC 8463), parsed strictly: {@link #parse} throws only {@link DkimSyntaxException}.
 *
 * @param keyType k=: {@code rsa} or {@code ed25519}
 * @param key the public key; null when p= is empty (the key was revoked)
 * @param testing t=y: the domain is testing DKIM, failures are not to be held against it
 * @param strict t=s: i= must be exactly d=, no subdomain
 * @param hashes h= (acceptable hash algorithms), empty for any
 */
public record DkimPublicKey(String keyType, PublicKey key, boolean testing, boolean strict, List<String> hashes) {
    /** RFC 8301 3.2: verifiers must not accept RSA keys shorter than this. */
    public static final int MIN_RSA_BITS = 1024;
    private static final byte[] ED25519_SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    public static DkimPublicKey parse(String record) throws DkimSyntaxException {
        Map<String, String> tags = DkimTags.parse(record, "key record");
        String v = tags.get("v");
        if (v != null && !v.equals("DKIM1")) throw new DkimSyntaxException("key record: unknown version");
        String k = DkimTags.lower(tags.getOrDefault("k", "rsa"));
        String p = tags.get("p");
        if (p == null) throw new DkimSyntaxException("key record: no p= tag");
        String s = tags.getOrDefault("s", "*");
        boolean email = false;
        for (String service : DkimTags.compact(s).split(":")) email |= service.equals("*") || service.equals("email");
        if (!email) throw new DkimSyntaxException("key record: not for email (s=)");
        String flags = DkimTags.compact(tags.getOrDefault("t", ""));
        List<String> flagList = flags.isEmpty() ? List.of() : List.of(flags.split(":"));
        String h = DkimTags.compact(tags.getOrDefault("h", ""));
        List<String> hashes = h.isEmpty() ? List.of() : List.of(DkimTags.lower(h).split(":"));
        byte[] der;
        try {
            der = Base64.getDecoder().decode(DkimTags.compact(p));
        } catch (IllegalArgumentException e) {
            throw new DkimSyntaxException("key record: p= is not base64");
        }
        PublicKey key = der.length == 0 ? null : switch (k) {
            case "rsa" -> rsa(der);
            case "ed25519" -> ed25519(der);
            default -> throw new DkimSyntaxException("key record: unknown key type k=" + (k.length() > 20 ? k.substring(0, 20) : k));
        };
        return new DkimPublicKey(k, key, flagList.contains("y"), flagList.contains("s"), hashes);
    }

    /** A SubjectPublicKeyInfo, or (as some publish) a bare PKCS#1 RSAPublicKey. */
    private static PublicKey rsa(byte[] der) throws DkimSyntaxException {
        KeyFactory f;
        try {
            f = KeyFactory.getInstance("RSA");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no RSA", e);
        }
        RSAPublicKey key;
        try {
            key = (RSAPublicKey) f.generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            try {
                byte[] spki = new SubjectPublicKeyInfo(new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE), der).getEncoded();
                key = (RSAPublicKey) f.generatePublic(new X509EncodedKeySpec(spki));
            } catch (Exception e2) {
                throw new DkimSyntaxException("key record: p= is not an RSA public key");
            }
        }
        if (key.getModulus().bitLength() < MIN_RSA_BITS) throw new DkimSyntaxException("key record: RSA key shorter than " + MIN_RSA_BITS + " bits");
        return key;
    }

    /** RFC 8463 3: p= is the raw 32-octet public key. */
    private static PublicKey ed25519(byte[] raw) throws DkimSyntaxException {
        if (raw.length != 32) throw new DkimSyntaxException("key record: an ed25519 key is 32 octets");
        byte[] spki = new byte[ED25519_SPKI_PREFIX.length + 32];
        System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
        System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, 32);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException e) {
            throw new DkimSyntaxException("key record: invalid ed25519 key");
        }
    }
}
