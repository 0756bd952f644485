package org.twinmail.jmap.mail;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How store objects are named in JMAP. Ids are immutable (RFC 8620 1.2):
 * <ul>
 *   <li>account {@code a<id>}, mailbox {@code m<id>} (a rename keeps the store's id);</li>
 *   <li>Email {@code e<first 24 hex digits of the SHA-256 of its content>}: the store shares one
 *       content-addressed body among the copies of a message, and a copy or move keeps it, so
 *       the copies of one message in several mailboxes are one Email with several
 *       {@code mailboxIds}, and moving it keeps its id;</li>
 *   <li>blob {@code b<SHA-256>} for a whole message or an upload, {@code b<SHA-256>.<partId>}
 *       for one MIME part of a message (its decoded body);</li>
 *   <li>Thread {@code t<24 hex digits of the SHA-256 of its root Message-ID>}.</li>
 * </ul>
 */
public final class Ids {
    private Ids() {
    }

    public static String account(long id) {
        return "a" + id;
    }

    /** The store id of account id {@code s}, or -1. */
    public static long accountOf(String s) {
        return number(s, 'a');
    }

    public static String mailbox(long id) {
        return "m" + id;
    }

    public static long mailboxOf(String s) {
        return number(s, 'm');
    }

    public static String email(String sha256) {
        return "e" + sha256.substring(0, 24);
    }

    public static String blob(String sha256) {
        return "b" + sha256;
    }

    public static String thread(String key) {
        return "t" + sha256Hex(key).substring(0, 24);
    }

    /** The content address of blob id {@code s} (its part, if any, after a '.'), or null. */
    public static String blobSha(String s) {
        if (s == null || s.length() < 65 || s.charAt(0) != 'b') return null;
        String sha = s.substring(1, 65);
        for (int i = 0; i < sha.length(); i++) {
            char c = sha.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return null;
        }
        if (s.length() > 65 && s.charAt(65) != '.') return null;
        return sha;
    }

    /** The part id of a part blob id, or null for a whole message. */
    public static String blobPart(String s) {
        return s.length() > 66 ? s.substring(66) : null;
    }

    public static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long number(String s, char prefix) {
        if (s == null || s.length() < 2 || s.length() > 19 || s.charAt(0) != prefix) return -1;
        long v = 0;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
