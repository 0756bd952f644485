package org.twinmail.jmap.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.twinmail.jmap.core.Call;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.core.MethodError;
import org.twinmail.jmap.core.SetResult;
import org.twinmail.jmap.mail.MessageBuilder;
import org.twinmail.jmap.mail.ParsedMessage;
import org.twinmail.jmap.push.PushSubscriptions.Subscription;

/**
 * PushSubscription/get and PushSubscription/set (RFC 8620 7.2.1, 7.2.2): no accountId and no
 * state (a subscription is the authenticated user's, not an account's); {@code url} and
 * {@code keys} are never returned. A created subscription is unverified: the change-log
 * consumer {@link StateChangePusher} POSTs its PushVerification, and pushes StateChanges only
 * after the client has set the {@code verificationCode} it carried. {@code expires} is cut to
 * {@code jmap.pushSubscriptionMaxLifetime} from now (and set to that when not given).
 */
public final class PushSubscriptionMethods {
    private static final Set<String> PROPERTIES = Set.of("id", "deviceClientId", "verificationCode", "expires", "types");
    private static final Set<String> PRIVATE = Set.of("url", "keys");

    private final PushSubscriptions subscriptions;
    private final PushSubscriptionInput.UrlPolicy policy;
    private final Duration maxLifetime;
    private final int maxPerUser;
    private final int maxObjectsInGet;
    private final int maxObjectsInSet;
    private final Clock clock;

    public PushSubscriptionMethods(PushSubscriptions subscriptions, PushSubscriptionInput.UrlPolicy policy, Duration maxLifetime,
                                   int maxPerUser, int maxObjectsInGet, int maxObjectsInSet, Clock clock) {
        this.subscriptions = subscriptions;
        this.policy = policy;
        this.maxLifetime = maxLifetime;
        this.maxPerUser = maxPerUser;
        this.maxObjectsInGet = maxObjectsInGet;
        this.maxObjectsInSet = maxObjectsInSet;
        this.clock = clock;
    }

    public ObjectNode get(Call c) {
        long now = clock.millis();
        Set<String> props = new LinkedHashSet<>(List.of("id", "deviceClientId", "verificationCode", "expires", "types"));
        JsonNode p = c.args().get("properties");
        if (p != null && !p.isNull()) {
            if (!p.isArray()) throw MethodError.invalidArguments("properties is a list of property names");
            props.clear();
            props.add("id");
            for (JsonNode n : p) {
                if (PRIVATE.contains(n.asText())) throw new MethodError("forbidden", n.asText() + " is never returned (RFC 8620 7.2.1)");
                if (!PROPERTIES.contains(n.asText())) throw MethodError.invalidArguments("unknown property " + n.asText());
                props.add(n.asText());
            }
        }
        List<Subscription> found = new ArrayList<>();
        ArrayNode notFound = Json.array();
        JsonNode ids = c.args().get("ids");
        if (ids == null || ids.isNull()) {
            found.addAll(subscriptions.of(c.accountId(), now));
        } else {
            if (!ids.isArray()) throw MethodError.invalidArguments("ids is a list of ids or null");
            if (ids.size() > maxObjectsInGet) throw MethodError.requestTooLarge("at most " + maxObjectsInGet + " ids in one /get");
            for (JsonNode id : ids) {
                String real = c.id(id.asText());
                Optional<Subscription> s = subscriptions.get(c.accountId(), real, now);
                if (s.isPresent()) found.add(s.get());
                else notFound.add(id.asText());
            }
        }
        ObjectNode r = Json.object();
        ArrayNode list = r.putArray("list");
        for (Subscription s : found) list.add(object(s, props));
        r.set("notFound", notFound);
        return r;
    }

    public ObjectNode set(Call c) {
        SetResult.checkSize(c.args(), maxObjectsInSet);
        Instant now = clock.instant();
        SetResult r = new SetResult();
        int count = subscriptions.of(c.accountId(), now.toEpochMilli()).size();
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "create")) {
            PushSubscriptionInput.Create in;
            try {
                in = PushSubscriptionInput.create(e.getValue(), policy, now);
            } catch (PushSubscriptionInput.Refused refused) {
                r.notCreated(e.getKey(), refused.error());
                continue;
            }
            if (count >= maxPerUser) {
                r.notCreated(e.getKey(), SetResult.error("overQuota", "at most " + maxPerUser + " push subscriptions; destroy one first"));
                continue;
            }
            Instant expires = clamp(in.expires(), now);
            String id = "p" + HexFormat.of().formatHex(MessageBuilder.random(12));
            String code = HexFormat.of().formatHex(MessageBuilder.random(16));
            subscriptions.put(c.accountId(), new Subscription(id, in.deviceClientId(), in.url(), in.p256dh(), in.auth(), code, null,
                    expires.toEpochMilli(), in.types()));
            count++;
            c.createdIds().put(e.getKey(), id);
            ObjectNode shown = Json.object();
            shown.put("id", id);
            shown.put("expires", ParsedMessage.utc(expires)); // server-set, or cut to the longest lifetime
            r.created(e.getKey(), shown);
        }
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "update")) {
            String id = c.id(e.getKey());
            Optional<Subscription> old = subscriptions.get(c.accountId(), id, now.toEpochMilli());
            if (old.isEmpty()) {
                r.notUpdated(e.getKey(), SetResult.error("notFound", null));
                continue;
            }
            PushSubscriptionInput.Update in;
            try {
                in = PushSubscriptionInput.update(e.getValue(), now);
            } catch (PushSubscriptionInput.Refused refused) {
                r.notUpdated(e.getKey(), refused.error());
                continue;
            }
            Subscription s = old.get();
            if (in.verificationCode() != null) {
                if (!in.verificationCode().equals(s.code())) {
                    r.notUpdated(e.getKey(), SetResult.error("invalidProperties", "verificationCode does not match the one pushed", "verificationCode"));
                    continue;
                }
                s = s.withVerificationCode(in.verificationCode());
            }
            ObjectNode changed = null;
            if (in.expiresGiven()) {
                Instant expires = clamp(in.expires(), now);
                s = s.withExpires(expires.toEpochMilli());
                if (in.expires() == null || !expires.equals(in.expires().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))) {
                    changed = Json.object();
                    changed.put("expires", ParsedMessage.utc(expires));
                }
            }
            if (in.typesGiven()) s = s.withTypes(in.types());
            subscriptions.put(c.accountId(), s);
            r.updated(e.getKey(), changed == null ? NullNode.getInstance() : changed);
        }
        JsonNode destroy = c.args().get("destroy");
        if (destroy != null && destroy.isArray()) {
            for (JsonNode d : destroy) {
                String id = c.id(d.asText());
                if (subscriptions.get(c.accountId(), id, now.toEpochMilli()).isPresent() && subscriptions.delete(c.accountId(), id)) {
                    r.destroyed(d.asText());
                } else {
                    r.notDestroyed(d.asText(), SetResult.error("notFound", null));
                }
            }
        }
        ObjectNode out = r.toJson("", null, "");
        out.remove(List.of("accountId", "oldState", "newState")); // RFC 8620 7.2.2: none of them
        return out;
    }

    /** The expiry to keep: at most {@code maxLifetime} from now, that when none was given (RFC 8620 7.2: the server may shorten it). */
    private Instant clamp(Instant asked, Instant now) {
        Instant latest = now.plus(maxLifetime).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        if (asked == null || asked.isAfter(latest)) return latest;
        return asked.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    private static ObjectNode object(Subscription s, Set<String> props) {
        ObjectNode o = Json.object();
        for (String p : props) {
            switch (p) {
                case "id" -> o.put("id", s.id());
                case "deviceClientId" -> o.put("deviceClientId", s.deviceClientId());
                case "verificationCode" -> {
                    if (s.verificationCode() == null) o.putNull("verificationCode");
                    else o.put("verificationCode", s.verificationCode());
                }
                case "expires" -> o.put("expires", ParsedMessage.utc(Instant.ofEpochMilli(s.expiresMillis())));
                case "types" -> {
                    if (s.types() == null) o.putNull("types");
                    else o.set("types", Json.array(List.copyOf(s.types())));
                }
                default -> { }
            }
        }
        return o;
    }
}
