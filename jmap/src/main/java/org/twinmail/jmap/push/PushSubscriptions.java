package org.twinmail.jmap.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.twinmail.jmap.core.Json;
import org.twinmail.push.crypto.P256;
import org.twinmail.push.delivery.PushTarget;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * JMAP PushSubscriptions (RFC 8620 7.2) as records: kind {@value #KIND}, scope the user's
 * account ({@code account:<id>}: a subscription is the user's, not an account's, and goes with
 * the user), named by the subscription id; the record expires with the subscription, so the
 * purge of expired records removes it. They are in the store, so they survive a restart and a
 * takeover. The value is this module's JSON ({@link Subscription#encode}).
 */
public final class PushSubscriptions {
    public static final String KIND = "jmap.push";

    /**
     * One subscription.
     *
     * @param code             the verification code the server sent in its PushVerification
     * @param verificationCode what the client set (null until it did); pushes go only when it equals {@code code}
     * @param types            the data types wanted, null for all
     * @param expiresMillis    when it ends (always set: clamped to {@code jmap.pushSubscriptionMaxLifetime})
     */
    public record Subscription(String id, String deviceClientId, String url, byte[] p256dh, byte[] auth, String code,
                               String verificationCode, long expiresMillis, Set<String> types) {
        public boolean verified() {
            return verificationCode != null && verificationCode.equals(code);
        }

        public PushTarget target() {
            return new PushTarget(URI.create(url), p256dh, auth);
        }

        public Subscription withVerificationCode(String v) {
            return new Subscription(id, deviceClientId, url, p256dh, auth, code, v, expiresMillis, types);
        }

        public Subscription withExpires(long millis) {
            return new Subscription(id, deviceClientId, url, p256dh, auth, code, verificationCode, millis, types);
        }

        public Subscription withTypes(Set<String> t) {
            return new Subscription(id, deviceClientId, url, p256dh, auth, code, verificationCode, expiresMillis, t);
        }

        byte[] encode() {
            ObjectNode o = Json.object();
            o.put("id", id);
            o.put("deviceClientId", deviceClientId);
            o.put("url", url);
            if (p256dh == null) o.putNull("keys");
            else o.putObject("keys").put("p256dh", P256.base64url(p256dh)).put("auth", P256.base64url(auth));
            o.put("code", code);
            if (verificationCode == null) o.putNull("verificationCode");
            else o.put("verificationCode", verificationCode);
            o.put("expires", expiresMillis);
            if (types == null) o.putNull("types");
            else o.set("types", Json.array(List.copyOf(types)));
            return o.toString().getBytes(StandardCharsets.UTF_8);
        }

        static Optional<Subscription> decode(byte[] value) {
            try {
                JsonNode o = Json.parse(value);
                JsonNode keys = o.path("keys");
                Set<String> types = null;
                if (o.path("types").isArray()) {
                    types = new TreeSet<>();
                    for (JsonNode t : o.get("types")) types.add(t.asText());
                }
                return Optional.of(new Subscription(o.path("id").asText(), o.path("deviceClientId").asText(), o.path("url").asText(),
                        keys.isObject() ? P256.unbase64url(keys.path("p256dh").asText()) : null,
                        keys.isObject() ? P256.unbase64url(keys.path("auth").asText()) : null,
                        o.path("code").asText(), o.path("verificationCode").isTextual() ? o.get("verificationCode").asText() : null,
                        o.path("expires").asLong(), types));
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }
    }

    private final Records records;

    public PushSubscriptions(Records records) {
        this.records = records;
    }

    /** The user's subscriptions that have not expired at {@code nowMillis}. */
    public List<Subscription> of(long accountId, long nowMillis) {
        List<Subscription> out = new ArrayList<>();
        for (StoredRecord r : records.records(KIND, Records.accountScope(accountId))) {
            if (live(r, nowMillis)) Subscription.decode(r.value()).ifPresent(out::add);
        }
        return out;
    }

    /** The user's subscription {@code id}, unless it expired. */
    public Optional<Subscription> get(long accountId, String id, long nowMillis) {
        return read(Records.accountScope(accountId), id, nowMillis);
    }

    Optional<Subscription> read(String scope, String id, long nowMillis) {
        if (id == null || id.isEmpty() || id.length() > 512) return Optional.empty();
        return records.record(KIND, scope, id).filter(r -> live(r, nowMillis)).flatMap(r -> Subscription.decode(r.value()));
    }

    /** Creates or replaces {@code s} for the user. */
    public void put(long accountId, Subscription s) {
        records.putRecord(KIND, Records.accountScope(accountId), s.id(), s.encode(), s.expiresMillis());
    }

    public boolean delete(long accountId, String id) {
        return records.deleteRecord(KIND, Records.accountScope(accountId), id);
    }

    boolean delete(String scope, String id) {
        return records.deleteRecord(KIND, scope, id);
    }

    /** Every live subscription, by scope (the consumer's view at start). */
    List<StoredRecord> all() {
        return records.records(KIND);
    }

    static boolean live(StoredRecord r, long nowMillis) {
        return r.expiresMillis() == 0 || r.expiresMillis() > nowMillis;
    }
}
