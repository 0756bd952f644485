package org.twinmail.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.twinmail.push.crypto.P256;
import org.twinmail.push.delivery.PushTarget;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The browsers that asked to be told of an account's new mail: one record per push endpoint
 * (kind {@value #KIND}, scope {@code account:<id>}, named by the SHA-256 of the endpoint), so
 * they go with the account and move with the store in a pair. A subscription is what the
 * browser's {@code PushSubscription.toJSON()} gives ({@code endpoint}, {@code keys.p256dh},
 * {@code keys.auth}), read and checked in {@link #parse} and nowhere else.
 */
public final class Subscriptions {
    public static final String KIND = "push.subscription";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ENDPOINT = 2048;

    /** One browser's subscription; {@code p256dh} the 65-octet point, {@code auth} the 16-octet secret. */
    public record Subscription(String endpoint, byte[] p256dh, byte[] auth, long createdMillis) {
        /** The record's name: SHA-256 of the endpoint, hex. */
        public String name() {
            return nameOf(endpoint);
        }

        public URI uri() {
            return URI.create(endpoint);
        }

        /** Where its messages go: the endpoint with its keys. */
        public PushTarget target() {
            return new PushTarget(uri(), p256dh, auth);
        }

        byte[] encode() {
            ObjectNode o = JSON.createObjectNode();
            o.put("endpoint", endpoint);
            o.putObject("keys").put("p256dh", P256.base64url(p256dh)).put("auth", P256.base64url(auth));
            o.put("created", createdMillis);
            return o.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** A subscription we refuse, with the reason for the browser. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    /** Which endpoints we POST to: https only unless {@code allowHttp} (tests); host names under {@code hosts} when it is not empty. */
    public record EndpointPolicy(boolean allowHttp, List<String> hosts) {
        public EndpointPolicy {
            hosts = hosts.stream().map(h -> h.strip().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty()).toList();
        }

        /** Refuses {@code u} when it is not a URL we may POST to. */
        public void check(URI u) throws Invalid {
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) throw new Invalid("the endpoint must be an https URL");
            if (u.getHost() == null || u.getRawUserInfo() != null || u.getRawFragment() != null) throw new Invalid("the endpoint must name a host");
            String host = u.getHost().toLowerCase(Locale.ROOT);
            if (!hosts.isEmpty() && hosts.stream().noneMatch(h -> host.equals(h) || host.endsWith("." + h))) {
                throw new Invalid("push service not allowed here: " + host);
            }
        }
    }

    private final Records records;
    private final int maxPerAccount;

    public Subscriptions(Records records, int maxPerAccount) {
        this.records = records;
        this.maxPerAccount = maxPerAccount;
    }

    public static String scope(long accountId) {
        return "account:" + accountId;
    }

    /** Reads a browser's {@code PushSubscription.toJSON()}; {@link Invalid} for anything else. */
    public static Subscription parse(byte[] json, EndpointPolicy policy, long nowMillis) throws Invalid {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (IOException e) {
            throw new Invalid("the body is a PushSubscription in JSON");
        }
        if (o == null || !o.path("endpoint").isTextual() || !o.path("keys").path("p256dh").isTextual() || !o.path("keys").path("auth").isTextual()) {
            throw new Invalid("the body is {\"endpoint\":..., \"keys\":{\"p256dh\":..., \"auth\":...}}");
        }
        String endpoint = o.get("endpoint").asText();
        if (endpoint.length() > MAX_ENDPOINT) throw new Invalid("the endpoint is too long");
        URI u;
        try {
            u = new URI(endpoint);
        } catch (URISyntaxException e) {
            throw new Invalid("the endpoint is not a URL");
        }
        policy.check(u);
        if (o.path("expirationTime").isNumber() && o.get("expirationTime").asLong() <= nowMillis) throw new Invalid("the subscription has expired");
        byte[] p256dh;
        byte[] auth;
        try {
            p256dh = P256.unbase64url(o.get("keys").get("p256dh").asText());
            auth = P256.unbase64url(o.get("keys").get("auth").asText());
            P256.publicKey(p256dh); // on the curve
        } catch (IllegalArgumentException e) {
            throw new Invalid("keys.p256dh must be a P-256 point and keys.auth 16 octets, base64url");
        }
        if (auth.length != 16) throw new Invalid("keys.auth must be 16 octets");
        return new Subscription(endpoint, p256dh, auth, nowMillis);
    }

    /** Stores {@code s} for {@code accountId} (replacing one with its endpoint); {@link Invalid} when the account has its maximum. */
    public void add(long accountId, Subscription s) throws Invalid {
        List<StoredRecord> existing = records.records(KIND, scope(accountId));
        boolean replaces = existing.stream().anyMatch(r -> r.name().equals(s.name()));
        if (!replaces && existing.size() >= maxPerAccount) throw new Invalid("at most " + maxPerAccount + " browsers per account; remove one first");
        records.putRecord(KIND, scope(accountId), s.name(), s.encode(), 0);
    }

    /** The account's subscriptions (unreadable records skipped). */
    public List<Subscription> of(long accountId) {
        List<Subscription> out = new ArrayList<>();
        for (StoredRecord r : records.records(KIND, scope(accountId))) decode(r.value()).ifPresent(out::add);
        return out;
    }

    public boolean has(long accountId) {
        return !records.records(KIND, scope(accountId)).isEmpty();
    }

    /** Removes the subscription of {@code endpoint}; true if there was one. */
    public boolean remove(long accountId, String endpoint) {
        return records.deleteRecord(KIND, scope(accountId), nameOf(endpoint));
    }

    static Optional<Subscription> decode(byte[] value) {
        try {
            JsonNode o = JSON.readTree(value);
            return Optional.of(new Subscription(o.path("endpoint").asText(), P256.unbase64url(o.path("keys").path("p256dh").asText()),
                    P256.unbase64url(o.path("keys").path("auth").asText()), o.path("created").asLong()));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static String nameOf(String endpoint) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(endpoint.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
