package org.twinmail.web.webmail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Clock;
import org.twinmail.http.Exchange;
import org.twinmail.jmap.auth.Principal;
import org.twinmail.push.PushSettings;
import org.twinmail.push.Subscriptions;
import org.twinmail.push.vapid.Vapid;
import org.twinmail.store.Records;
import org.twinmail.web.session.ContentSecurityPolicy;

/**
 * The webmail's Web Push routes (docs/clients.md), for the session's own account; the session
 * and, on a POST, its CSRF token are checked by {@link Webmail} before these run:
 * <ul>
 *   <li>{@code GET /mail/api/push}: {@code {"publicKey": <VAPID key, base64url>, "subscriptions": n}},
 *       the key the browser's {@code PushManager.subscribe} needs as {@code applicationServerKey};</li>
 *   <li>{@code POST /mail/api/push/subscribe} with the browser's {@code PushSubscription.toJSON()}:
 *       stored (201), or 400 with the reason ({@link Subscriptions#parse});</li>
 *   <li>{@code POST /mail/api/push/unsubscribe} {@code {"endpoint": ...}}: this browser's subscription removed.</li>
 * </ul>
 * Logout everywhere removes every subscription of the account ({@link #forgetAll}).
 */
public final class PushRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PushSettings settings;
    private final Clock clock;

    public PushRoutes(PushSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /** Answers {@code rest} (after {@code /mail/api/push}: "", "/subscribe" or "/unsubscribe"). */
    void handle(Exchange ex, Records records, Principal p, String rest) throws IOException {
        ContentSecurityPolicy.securityHeaders(ex);
        ex.setHeader("Cache-Control", "no-store");
        Subscriptions subs = new Subscriptions(records, settings.maxSubscriptionsPerAccount());
        switch (rest) {
            case "" -> {
                if (!method(ex, "GET")) return;
                ObjectNode r = JSON.createObjectNode();
                r.put("publicKey", Vapid.load(records).publicKeyBase64());
                r.put("subscriptions", subs.of(p.accountId()).size());
                send(ex, 200, r);
            }
            case "/subscribe" -> {
                if (!method(ex, "POST")) return;
                try {
                    Subscriptions.Subscription s = Subscriptions.parse(ex.readBody(), settings.endpoints(), clock.millis());
                    subs.add(p.accountId(), s);
                    ObjectNode r = JSON.createObjectNode();
                    r.put("subscribed", true);
                    send(ex, 201, r);
                } catch (Subscriptions.Invalid e) {
                    send(ex, 400, error(e.getMessage()));
                }
            }
            case "/unsubscribe" -> {
                if (!method(ex, "POST")) return;
                JsonNode body;
                try {
                    body = JSON.readTree(ex.readBody());
                } catch (IOException e) {
                    body = null;
                }
                if (body == null || !body.path("endpoint").isTextual()) {
                    send(ex, 400, error("the body is {\"endpoint\": ...}"));
                    return;
                }
                ObjectNode r = JSON.createObjectNode();
                r.put("removed", subs.remove(p.accountId(), body.get("endpoint").asText()));
                send(ex, 200, r);
            }
            default -> send(ex, 404, error("no such page"));
        }
    }

    /** Removes every subscription of {@code accountId} (logout everywhere); returns how many. */
    int forgetAll(Records records, long accountId) {
        Subscriptions subs = new Subscriptions(records, settings.maxSubscriptionsPerAccount());
        int n = 0;
        for (Subscriptions.Subscription s : subs.of(accountId)) if (subs.remove(accountId, s.endpoint())) n++;
        return n;
    }

    private static boolean method(Exchange ex, String allowed) throws IOException {
        if (ex.method().equals(allowed) || (allowed.equals("GET") && ex.method().equals("HEAD"))) return true;
        ex.setHeader("Allow", allowed);
        send(ex, 405, error(ex.method() + " is not allowed here"));
        return false;
    }

    private static ObjectNode error(String message) {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", message);
        return o;
    }

    private static void send(Exchange ex, int status, JsonNode body) throws IOException {
        ex.send(status, "application/json", JSON.writeValueAsBytes(body));
    }
}
