package org.twinmail.push.crypto;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.KeyAgreement;

/**
 * NIST P-256 keys as Web Push writes them (the JDK's providers do the arithmetic): a public key
 * is the 65-octet uncompressed point {@code 04 || X || Y} (SEC 1 2.3.3; RFC 8291 and RFC 8292
 * send it base64url-encoded), a private key the 32-octet scalar. Also base64url without
 * padding, the encoding of every value in these RFCs.
 */
public final class P256 {
    private static final ECParameterSpec PARAMS;

    static {
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec("secp256r1"));
            PARAMS = p.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private P256() {
    }

    public static KeyPair generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The uncompressed point of {@code key} (65 octets). */
    public static byte[] encode(ECPublicKey key) {
        byte[] out = new byte[65];
        out[0] = 4;
        fixed(key.getW().getAffineX(), out, 1);
        fixed(key.getW().getAffineY(), out, 33);
        return out;
    }

    /** The 32-octet scalar of {@code key}. */
    public static byte[] encode(ECPrivateKey key) {
        byte[] out = new byte[32];
        fixed(key.getS(), out, 0);
        return out;
    }

    /** The public key of an uncompressed point; IllegalArgumentException when it is not one on the curve. */
    public static ECPublicKey publicKey(byte[] point) {
        if (point == null || point.length != 65 || point[0] != 4) throw new IllegalArgumentException("not an uncompressed P-256 point");
        ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(point, 1, 33)), new BigInteger(1, Arrays.copyOfRange(point, 33, 65)));
        try {
            return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, PARAMS));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a P-256 point: " + e.getMessage(), e);
        }
    }

    /** The private key of a 32-octet scalar. */
    public static ECPrivateKey privateKey(byte[] scalar) {
        if (scalar == null || scalar.length != 32) throw new IllegalArgumentException("not a P-256 private key");
        try {
            return (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(new BigInteger(1, scalar), PARAMS));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The key pair of a private scalar and its public point (both as stored). */
    public static KeyPair keyPair(byte[] scalar, byte[] point) {
        return new KeyPair(publicKey(point), privateKey(scalar));
    }

    /** ECDH: the shared secret (the X coordinate, 32 octets). The JDK checks that {@code theirs} is on the curve. */
    public static byte[] agree(ECPrivateKey ours, ECPublicKey theirs) {
        try {
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(ours);
            ka.doPhase(theirs, true);
            return ka.generateSecret();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("ECDH failed: " + e.getMessage(), e);
        }
    }

    public static String base64url(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Decodes base64url with or without padding (browsers send either); IllegalArgumentException on other input. */
    public static byte[] unbase64url(String s) {
        String t = s.strip();
        while (t.endsWith("=")) t = t.substring(0, t.length() - 1);
        return Base64.getUrlDecoder().decode(t);
    }

    private static void fixed(BigInteger v, byte[] out, int offset) {
        byte[] b = v.toByteArray();
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, out, offset + 32 - n, n);
    }
}
