package org.twinmail.push.vapid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.twinmail.push.crypto.P256;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The server's VAPID identity (RFC 8292): one P-256 key pair for the whole node, kept in the
 * store's records (kind {@value #KIND}, global scope) so both nodes of a pair push with the same
 * key and the browsers' subscriptions, bound to that key, survive a failover. The first node that
 * needs it creates it (compare-and-set: two racing nodes end with the one stored).
 *
 * <p>Each push request carries {@code Authorization: vapid t=<JWT>, k=<public key>}: a JWT (RFC
 * 7519) signed with ES256 (RFC 7518 3.4: r || s, 64 octets) whose claims are {@code aud} (the
 * push service's origin), {@code exp} (at most 24 hours ahead) and {@code sub} (a contact URI).
 */
public final class Vapid {
    public static final String KIND = "push.vapid";
    public static final String NAME = "p256";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HEADER = P256.base64url("{\"typ\":\"JWT\",\"alg\":\"ES256\"}".getBytes(StandardCharsets.US_ASCII));

    private final KeyPair keys;
    private final byte[] publicKey;

    private Vapid(KeyPair keys) {
        this.keys = keys;
        this.publicKey = P256.encode((ECPublicKey) keys.getPublic());
    }

    /** This node's key pair from {@code records}, created and stored on first use. */
    public static Vapid load(Records records) {
        for (int i = 0; i < 3; i++) {
            Optional<StoredRecord> r = records.record(KIND, "", NAME);
            if (r.isPresent()) return decode(r.get().value());
            KeyPair k = P256.generate();
            Vapid v = new Vapid(k);
            if (records.putRecordIf(KIND, "", NAME, 0, v.encode(), 0).isPresent()) return v;
        }
        throw new IllegalStateException("the VAPID key could not be stored");
    }

    /** The key pair itself (for tests and tools). */
    public static Vapid of(KeyPair keys) {
        return new Vapid(keys);
    }

    private byte[] encode() {
        ObjectNode o = JSON.createObjectNode();
        o.put("d", P256.base64url(P256.encode((ECPrivateKey) keys.getPrivate())));
        o.put("x", P256.base64url(publicKey));
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Vapid decode(byte[] value) {
        try {
            JsonNode o = JSON.readTree(value);
            return new Vapid(P256.keyPair(P256.unbase64url(o.path("d").asText()), P256.unbase64url(o.path("x").asText())));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("the stored VAPID key is unreadable: " + e.getMessage(), e);
        }
    }

    /** The public key, uncompressed (65 octets): the browser's {@code applicationServerKey}. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    public String publicKeyBase64() {
        return P256.base64url(publicKey);
    }

    /** The {@code Authorization} header value for a request to {@code endpoint}, valid until {@code expires}. */
    public String authorization(URI endpoint, String subject, Instant expires) {
        return "vapid t=" + token(audience(endpoint), subject, expires) + ", k=" + publicKeyBase64();
    }

    /** The signed JWT with claims {@code aud}, {@code exp} and {@code sub}. */
    public String token(String audience, String subject, Instant expires) {
        ObjectNode claims = JSON.createObjectNode();
        claims.put("aud", audience);
        claims.put("exp", expires.getEpochSecond());
        claims.put("sub", subject);
        String signingInput = HEADER + "." + P256.base64url(claims.toString().getBytes(StandardCharsets.UTF_8));
        try {
            Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
            s.initSign(keys.getPrivate());
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + P256.base64url(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The origin of {@code endpoint} (RFC 6454: scheme, host, and port when not the scheme's default): the JWT's audience. */
    public static String audience(URI endpoint) {
        String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
        int port = endpoint.getPort();
        boolean standard = port < 0 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
        return scheme + "://" + endpoint.getHost().toLowerCase(Locale.ROOT) + (standard ? "" : ":" + port);
    }
}
