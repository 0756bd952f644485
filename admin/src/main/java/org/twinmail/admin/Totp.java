package org.twinmail.admin;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), the second factor of an
 * administrator's console login: 6 digits, 30-second steps, HMAC-SHA1 as every authenticator
 * app expects (SHA-256 and SHA-512 for the RFC's test vectors). Secrets travel as RFC 4648
 * base32 in an {@code otpauth://} URI, the format the apps scan as a QR code.
 */
public final class Totp {
    /** Seconds per step (RFC 6238's X). */
    public static final int STEP_SECONDS = 30;
    public static final int DIGITS = 6;
    /** A code of the step before or after is accepted too: a phone whose clock is off by up to 30 s still works. */
    public static final int WINDOW = 1;
    private static final int[] POW10 = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};
    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Totp() { }

    /** A new 160-bit secret (RFC 4226 section 4 recommends 160 bits), as base32. */
    public static String newSecret() {
        byte[] b = new byte[20];
        RANDOM.nextBytes(b);
        return base32(b);
    }

    /** The code of time step {@code step} ({@code unixSeconds / 30}), {@code digits} long, with {@code algorithm} (HmacSHA1, HmacSHA256, HmacSHA512). */
    public static String code(byte[] key, long step, int digits, String algorithm) {
        byte[] h;
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key, algorithm));
            h = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " is missing from this JDK", e);
        }
        int offset = h[h.length - 1] & 0x0f; // RFC 4226 5.3 dynamic truncation
        int binary = (h[offset] & 0x7f) << 24 | (h[offset + 1] & 0xff) << 16 | (h[offset + 2] & 0xff) << 8 | (h[offset + 3] & 0xff);
        String s = Integer.toString(binary % POW10[digits]);
        return "0".repeat(digits - s.length()) + s;
    }

    /** The 6-digit SHA-1 code of the base32 {@code secret} at {@code unixSeconds}. */
    public static String code(String secret, long unixSeconds) {
        return code(base32Decode(secret), Math.floorDiv(unixSeconds, STEP_SECONDS), DIGITS, "HmacSHA1");
    }

    /**
     * The step whose code {@code code} is, within {@link #WINDOW} steps of {@code unixSeconds}, or
     * -1. The caller refuses a step not after the last one it accepted, so a code works once.
     */
    public static long matchingStep(String secret, String code, long unixSeconds) {
        if (code == null) return -1;
        String c = code.strip();
        if (c.length() != DIGITS || !c.chars().allMatch(ch -> ch >= '0' && ch <= '9')) return -1;
        byte[] key = base32Decode(secret);
        long now = Math.floorDiv(unixSeconds, STEP_SECONDS);
        long found = -1;
        for (long step = now - WINDOW; step <= now + WINDOW; step++) { // every step compared: the time does not say which matched
            if (java.security.MessageDigest.isEqual(code(key, step, DIGITS, "HmacSHA1").getBytes(StandardCharsets.US_ASCII),
                    c.getBytes(StandardCharsets.US_ASCII))) {
                found = step;
            }
        }
        return found;
    }

    /** The URI authenticator apps read (Google's key-uri format): {@code otpauth://totp/Issuer:name?secret=...&issuer=Issuer}. */
    public static String uri(String issuer, String account, String secret) {
        String label = enc(issuer) + ":" + enc(account);
        return "otpauth://totp/" + label + "?secret=" + secret + "&issuer=" + enc(issuer) + "&algorithm=SHA1&digits=" + DIGITS
                + "&period=" + STEP_SECONDS;
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** RFC 4648 base32 without padding. */
    public static String base32(byte[] bytes) {
        StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        for (byte b : bytes) {
            buffer = buffer << 8 | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(BASE32.charAt(buffer >> (bits - 5) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) out.append(BASE32.charAt(buffer << (5 - bits) & 31));
        return out.toString();
    }

    /** Decodes base32, ignoring case, spaces and padding; IllegalArgumentException on any other character. */
    public static byte[] base32Decode(String text) {
        String s = text.replace(" ", "").replace("=", "").toUpperCase(Locale.ROOT);
        ByteBuffer out = ByteBuffer.allocate(s.length() * 5 / 8);
        int buffer = 0, bits = 0;
        for (int i = 0; i < s.length(); i++) {
            int v = BASE32.indexOf(s.charAt(i));
            if (v < 0) throw new IllegalArgumentException("not base32: " + s.charAt(i));
            buffer = buffer << 5 | v;
            bits += 5;
            if (bits >= 8) {
                out.put((byte) (buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return out.array();
    }
}
