package org.twinmail.sms.gateway.http;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HMAC signature of the HTTP gateway, both ways: a request carries {@code X-Timestamp} (Unix
 * seconds) and {@code X-Signature: sha256=<hex>}, the HMAC-SHA256 with the shared secret of the
 * timestamp, a dot and the body's octets. We sign our requests with {@code auth: hmac}, and
 * refuse a webhook call whose signature does not match (compared in constant time) or whose
 * timestamp is further than the allowed skew from our clock (a replayed call).
 */
public final class WebhookSignature {
    public static final String TIMESTAMP = "X-Timestamp";
    public static final String SIGNATURE = "X-Signature";

    private WebhookSignature() {
    }

    /** The signature header's value for {@code body} at {@code timestamp} (Unix seconds). */
    public static String sign(String secret, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Why a call is refused, or null when its signature is good and fresh. */
    public static String check(String secret, String timestamp, String signature, byte[] body, Instant now, Duration maxSkew) {
        if (secret == null || secret.isEmpty()) return "no webhook secret configured";
        if (timestamp == null || signature == null) return "unsigned";
        long ts;
        try {
            ts = Long.parseLong(timestamp.strip());
        } catch (NumberFormatException e) {
            return "bad timestamp";
        }
        if (Math.abs(now.getEpochSecond() - ts) > maxSkew.toSeconds()) return "timestamp outside the allowed skew";
        byte[] expected = sign(secret, ts, body).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, signature.strip().getBytes(StandardCharsets.US_ASCII))) return "bad signature";
        return null;
    }
}
