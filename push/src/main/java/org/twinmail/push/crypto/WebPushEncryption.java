package org.twinmail.push.crypto;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Message encryption for Web Push (RFC 8291) in the {@code aes128gcm} content coding (RFC 8188):
 * an ephemeral P-256 key pair per message, ECDH with the browser's {@code p256dh} key, the
 * browser's 16-octet {@code auth} secret and a random salt through HKDF-SHA-256, one record of
 * AES-128-GCM. The body is {@code salt(16) || rs(4) || idlen(1) || keyid(65: our ephemeral
 * public key) || ciphertext}, ready to POST with {@code Content-Encoding: aes128gcm}.
 */
public final class WebPushEncryption {
    /** The record size we write (RFC 8188 2.1): larger than any payload we allow. */
    public static final int RECORD_SIZE = 4096;
    /**
     * Most plaintext octets: a push service need not take more than 4096 octets of body (RFC 8030
     * 7.2), less the 86-octet header, the padding delimiter and the 16-octet tag (RFC 8291 4).
     */
    public static final int MAX_PLAINTEXT = 3993;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] KEY_INFO = "WebPush: info\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CEK_INFO = "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONCE_INFO = "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII);

    private WebPushEncryption() {
    }

    /** Encrypts {@code plaintext} for the browser whose subscription keys are {@code uaPublic} (65 octets) and {@code authSecret} (16). */
    public static byte[] encrypt(byte[] plaintext, byte[] uaPublic, byte[] authSecret) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return encrypt(plaintext, uaPublic, authSecret, salt, P256.generate());
    }

    /** As {@link #encrypt(byte[], byte[], byte[])} with the salt and our ephemeral key pair given (the RFC's test vector fixes both). */
    public static byte[] encrypt(byte[] plaintext, byte[] uaPublic, byte[] authSecret, byte[] salt, KeyPair asKeys) {
        if (plaintext.length > MAX_PLAINTEXT) throw new IllegalArgumentException("push payload over " + MAX_PLAINTEXT + " octets");
        if (authSecret.length != 16) throw new IllegalArgumentException("the auth secret is 16 octets");
        if (salt.length != 16) throw new IllegalArgumentException("the salt is 16 octets");
        byte[] asPublic = P256.encode((ECPublicKey) asKeys.getPublic());
        byte[][] keys = keys(P256.agree((ECPrivateKey) asKeys.getPrivate(), P256.publicKey(uaPublic)), authSecret, uaPublic, asPublic, salt);
        byte[] record = Arrays.copyOf(plaintext, plaintext.length + 1);
        record[plaintext.length] = 2; // the last (and only) record's delimiter, no further padding
        byte[] sealed = gcm(Cipher.ENCRYPT_MODE, keys[0], keys[1], record);
        ByteArrayOutputStream out = new ByteArrayOutputStream(86 + sealed.length);
        out.writeBytes(salt);
        out.writeBytes(ByteBuffer.allocate(4).putInt(RECORD_SIZE).array());
        out.write(asPublic.length);
        out.writeBytes(asPublic);
        out.writeBytes(sealed);
        return out.toByteArray();
    }

    /**
     * Decrypts a body as a browser does, with its private key and auth secret: the receiving side
     * of RFC 8291, for tests and tools (one record, as RFC 8291 requires of senders).
     */
    public static byte[] decrypt(byte[] body, KeyPair uaKeys, byte[] authSecret) {
        if (body.length < 21) throw new IllegalArgumentException("too short for an aes128gcm header");
        byte[] salt = Arrays.copyOfRange(body, 0, 16);
        int rs = ByteBuffer.wrap(body, 16, 4).getInt();
        int idlen = body[20] & 0xff;
        if (body.length < 21 + idlen + 17 || body.length - 21 - idlen > rs) throw new IllegalArgumentException("not one aes128gcm record");
        byte[] asPublic = Arrays.copyOfRange(body, 21, 21 + idlen);
        byte[] uaPublic = P256.encode((ECPublicKey) uaKeys.getPublic());
        byte[][] keys = keys(P256.agree((ECPrivateKey) uaKeys.getPrivate(), P256.publicKey(asPublic)), authSecret, uaPublic, asPublic, salt);
        byte[] record = gcm(Cipher.DECRYPT_MODE, keys[0], keys[1], Arrays.copyOfRange(body, 21 + idlen, body.length));
        int end = record.length - 1;
        while (end >= 0 && record[end] == 0) end--;
        if (end < 0 || record[end] != 2) throw new IllegalArgumentException("no last-record delimiter");
        return Arrays.copyOf(record, end);
    }

    /** RFC 8291 3.4 then RFC 8188 2.2 and 2.3: the content encryption key and the nonce. */
    private static byte[][] keys(byte[] ecdhSecret, byte[] authSecret, byte[] uaPublic, byte[] asPublic, byte[] salt) {
        byte[] keyInfo = concat(KEY_INFO, uaPublic, asPublic);
        byte[] ikm = expand(extract(authSecret, ecdhSecret), keyInfo, 32);
        byte[] prk = extract(salt, ikm);
        return new byte[][] {expand(prk, CEK_INFO, 16), expand(prk, NONCE_INFO, 12)};
    }

    /** HKDF-Extract (RFC 5869 2.2) with SHA-256. */
    static byte[] extract(byte[] salt, byte[] ikm) {
        return hmac(salt, ikm);
    }

    /** HKDF-Expand (RFC 5869 2.3) with SHA-256, for at most 32 octets (one block: all Web Push needs). */
    static byte[] expand(byte[] prk, byte[] info, int length) {
        if (length > 32) throw new IllegalArgumentException("one block only");
        return Arrays.copyOf(hmac(prk, concat(info, new byte[] {1})), length);
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] gcm(int mode, byte[] key, byte[] nonce, byte[] input) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce)); // sequence number 0: the nonce as derived
            return c.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("AES-GCM failed: " + e.getMessage(), e);
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
