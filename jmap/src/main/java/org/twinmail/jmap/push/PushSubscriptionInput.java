package org.twinmail.jmap.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.twinmail.jmap.core.SetResult;
import org.twinmail.push.Subscriptions;
import org.twinmail.push.crypto.P256;

/**
 * Reads PushSubscription/set's create and update objects (RFC 8620 7.2, 7.2.2) into typed
 * values, and nothing else: every check of what a client may give is here, each refusal a
 * SetError ({@link Refused}). Execution is {@link PushSubscriptionMethods}.
 */
public final class PushSubscriptionInput {
    private static final int MAX_URL = 2048;
    private static final int MAX_DEVICE_CLIENT_ID = 255;
    private static final Set<String> CREATE = Set.of("deviceClientId", "url", "keys", "verificationCode", "expires", "types");
    private static final Set<String> IMMUTABLE = Set.of("id", "deviceClientId", "url", "keys");

    /** A create or update refused, as the SetError to answer. */
    public static final class Refused extends Exception {
        private final String type;
        private final String[] properties;

        Refused(String type, String description, String... properties) {
            super(description, null, false, false);
            this.type = type;
            this.properties = properties;
        }

        public ObjectNode error() {
            return SetResult.error(type, getMessage(), properties);
        }
    }

    /** A create, checked; {@code expires} and {@code types} null when not given. */
    public record Create(String deviceClientId, String url, byte[] p256dh, byte[] auth, Instant expires, Set<String> types) { }

    /** An update, checked: each field only when its {@code given} flag is set ({@code expires} and {@code types} may be null then). */
    public record Update(String verificationCode, boolean expiresGiven, Instant expires, boolean typesGiven, Set<String> types) { }

    /**
     * Which URLs we POST to: https only (RFC 8620 7.2), and, when {@code allowLoopbackHttp}
     * ({@code jmap.pushAllowLoopbackHttp}, for tests), http on a loopback address; the host under
     * {@code push.endpointHosts} when that is set (the Web Push check, RFC 8620 8.6's advice).
     */
    public record UrlPolicy(boolean allowLoopbackHttp, List<String> hosts) {
        public UrlPolicy {
            hosts = List.copyOf(hosts);
        }
    }

    private PushSubscriptionInput() {
    }

    public static Create create(JsonNode o, UrlPolicy policy, Instant now) throws Refused {
        if (o == null || !o.isObject()) throw new Refused("invalidProperties", "a PushSubscription is an object");
        for (Map.Entry<String, JsonNode> p : o.properties()) {
            if (!CREATE.contains(p.getKey())) {
                throw new Refused("invalidProperties", p.getKey().equals("id") ? "id is set by the server" : "unknown property " + p.getKey(), p.getKey());
            }
        }
        if (o.hasNonNull("verificationCode")) throw new Refused("invalidProperties", "verificationCode is null on create (RFC 8620 7.2)", "verificationCode");
        JsonNode device = o.get("deviceClientId");
        if (device == null || !device.isTextual() || device.asText().isEmpty() || device.asText().length() > MAX_DEVICE_CLIENT_ID) {
            throw new Refused("invalidProperties", "deviceClientId is a string of 1 to " + MAX_DEVICE_CLIENT_ID + " characters", "deviceClientId");
        }
        JsonNode url = o.get("url");
        if (url == null || !url.isTextual()) throw new Refused("invalidProperties", "url is required", "url");
        checkUrl(url.asText(), policy);
        byte[] p256dh = null;
        byte[] auth = null;
        JsonNode keys = o.get("keys");
        if (keys != null && !keys.isNull()) {
            if (!keys.isObject() || !keys.path("p256dh").isTextual() || !keys.path("auth").isTextual() || keys.size() != 2) {
                throw new Refused("invalidProperties", "keys is {\"p256dh\":..., \"auth\":...} or null", "keys");
            }
            try {
                p256dh = P256.unbase64url(keys.get("p256dh").asText());
                auth = P256.unbase64url(keys.get("auth").asText());
                P256.publicKey(p256dh); // a point on the curve
            } catch (IllegalArgumentException e) {
                throw new Refused("invalidProperties", "keys.p256dh is a P-256 point, base64url (RFC 8291)", "keys");
            }
            if (auth.length != 16) throw new Refused("invalidProperties", "keys.auth is 16 octets, base64url (RFC 8291)", "keys");
        }
        return new Create(device.asText(), url.asText(), p256dh, auth, expires(o.get("expires"), now), types(o.get("types")));
    }

    public static Update update(JsonNode patch, Instant now) throws Refused {
        if (patch == null || !patch.isObject()) throw new Refused("invalidPatch", "a patch is an object");
        String code = null;
        boolean expiresGiven = false;
        Instant expires = null;
        boolean typesGiven = false;
        Set<String> types = null;
        for (Map.Entry<String, JsonNode> p : patch.properties()) {
            String k = p.getKey();
            switch (k) {
                case "verificationCode" -> {
                    if (!p.getValue().isTextual()) throw new Refused("invalidProperties", "verificationCode is the code the server pushed", k);
                    code = p.getValue().asText();
                }
                case "expires" -> {
                    expiresGiven = true;
                    expires = expires(p.getValue(), now);
                }
                case "types" -> {
                    typesGiven = true;
                    types = types(p.getValue());
                }
                default -> {
                    if (IMMUTABLE.contains(k)) throw new Refused("invalidProperties", k + " cannot change: destroy the subscription and create another", k);
                    if (k.contains("/")) throw new Refused("invalidPatch", "no patch path into " + k.substring(0, k.indexOf('/')), k);
                    throw new Refused("invalidProperties", "unknown property " + k, k);
                }
            }
        }
        return new Update(code, expiresGiven, expires, typesGiven, types);
    }

    private static void checkUrl(String url, UrlPolicy policy) throws Refused {
        if (url.length() > MAX_URL) throw new Refused("invalidProperties", "url is longer than " + MAX_URL, "url");
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw new Refused("invalidProperties", "url is not a URL", "url");
        }
        if (!u.isAbsolute()) throw new Refused("invalidProperties", "url is an absolute https URL", "url");
        boolean http = "http".equalsIgnoreCase(u.getScheme());
        boolean loopbackHttp = http && policy.allowLoopbackHttp() && loopback(u.getHost());
        try {
            new Subscriptions.EndpointPolicy(loopbackHttp, policy.hosts()).check(u);
        } catch (Subscriptions.Invalid e) {
            throw new Refused("invalidProperties", http ? "url must begin with https:// (RFC 8620 7.2)" : e.getMessage(), "url");
        }
    }

    /** A loopback literal or localhost (no name lookup). */
    private static boolean loopback(String host) {
        if (host == null) return false;
        if (host.equalsIgnoreCase("localhost")) return true;
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (!h.matches("[0-9.]+|[0-9A-Fa-f:.]+")) return false; // a literal only: never resolve a name here
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static Instant expires(JsonNode v, Instant now) throws Refused {
        if (v == null || v.isNull()) return null;
        Instant t;
        try {
            if (!v.isTextual() || !v.asText().endsWith("Z")) throw new DateTimeParseException("not a UTCDate", v.asText(), 0);
            t = Instant.parse(v.asText());
        } catch (DateTimeParseException e) {
            throw new Refused("invalidProperties", "expires is a UTCDate (RFC 8620 1.4)", "expires");
        }
        if (!t.isAfter(now)) throw new Refused("invalidProperties", "expires is in the past", "expires");
        return t;
    }

    private static Set<String> types(JsonNode v) throws Refused {
        if (v == null || v.isNull()) return null;
        if (!v.isArray()) throw new Refused("invalidProperties", "types is a list of type names or null", "types");
        Set<String> out = new TreeSet<>();
        for (JsonNode t : v) {
            if (!t.isTextual() || !StateChanges.TYPES.contains(t.asText())) {
                throw new Refused("invalidProperties", "types names data types this server pushes: " + new TreeSet<>(StateChanges.TYPES), "types");
            }
            out.add(t.asText());
        }
        return out;
    }
}
