package org.twinmail.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.function.BooleanSupplier;
import org.twinmail.push.crypto.P256;
import org.twinmail.push.crypto.WebPushEncryption;

/**
 * A push service in the test's process (loopback HTTP): records every POST, answers each path
 * with the statuses queued for it (then 201), and plays the browser too: {@link #newBrowser}
 * makes a key pair and auth secret, {@link Browser#subscriptionJson} the JSON a browser's
 * {@code PushSubscription.toJSON()} gives, and {@link Browser#decrypt} reads a body as the
 * browser would. {@link #verifyVapid} checks an Authorization header's ES256 signature and claims.
 */
public final class TestPushService implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One POST as received. */
    public record Received(String path, Map<String, List<String>> headers, byte[] body, long nanos) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
                    .map(e -> e.getValue().getFirst()).orElse(null);
        }
    }

    /** A browser: its subscription keys, and the endpoint path it was given. */
    public record Browser(String endpoint, KeyPair keys, byte[] auth) {
        public String subscriptionJson() {
            return "{\"endpoint\":\"" + endpoint + "\",\"expirationTime\":null,\"keys\":{\"p256dh\":\""
                    + P256.base64url(P256.encode((ECPublicKey) keys.getPublic())) + "\",\"auth\":\"" + P256.base64url(auth) + "\"}}";
        }

        public byte[] decrypt(byte[] body) {
            return WebPushEncryption.decrypt(body, keys, auth);
        }
    }

    /** The claims of a verified VAPID token, and the key it named. */
    public record Vapid(JsonNode claims, String key) { }

    public final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, LinkedBlockingDeque<int[]>> answers = new ConcurrentHashMap<>();
    private final HttpServer server;

    public TestPushService() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            String path = ex.getRequestURI().getPath();
            int[] answer = answers.getOrDefault(path, new LinkedBlockingDeque<>()).poll();
            int status = answer == null ? 201 : answer[0];
            if (answer != null && answer.length > 1) ex.getResponseHeaders().add("Retry-After", Integer.toString(answer[1]));
            received.add(new Received(path, Map.copyOf(ex.getRequestHeaders()), body, System.nanoTime()));
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
    }

    public String origin() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A new browser whose endpoint is {@code path} on this service. */
    public Browser newBrowser(String path) {
        byte[] auth = new byte[16];
        RANDOM.nextBytes(auth);
        return new Browser(origin() + path, P256.generate(), auth);
    }

    /** The next POSTs to {@code path} are answered with these statuses ({status} or {status, retryAfterSeconds}). */
    public void answer(String path, int[]... statuses) {
        LinkedBlockingDeque<int[]> q = answers.computeIfAbsent(path, p -> new LinkedBlockingDeque<>());
        for (int[] s : statuses) q.add(s);
    }

    public List<Received> to(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    /**
     * Checks {@code Authorization: vapid t=<JWT>, k=<key>}: ES256 over the JWT with key k, header
     * {@code {"typ":"JWT","alg":"ES256"}}; returns the claims. AssertionError on any fault.
     */
    public static Vapid verifyVapid(String authorization) {
        if (authorization == null || !authorization.startsWith("vapid ")) throw new AssertionError("not a vapid Authorization: " + authorization);
        String t = null;
        String k = null;
        for (String part : authorization.substring(6).split(",")) {
            String p = part.strip();
            if (p.startsWith("t=")) t = p.substring(2);
            if (p.startsWith("k=")) k = p.substring(2);
        }
        if (t == null || k == null) throw new AssertionError("t= and k= expected: " + authorization);
        String[] jwt = t.split("\\.");
        if (jwt.length != 3) throw new AssertionError("a JWT has three parts");
        try {
            JsonNode header = JSON.readTree(P256.unbase64url(jwt[0]));
            if (!header.path("alg").asText().equals("ES256") || !header.path("typ").asText().equals("JWT")) throw new AssertionError("header " + header);
            Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
            s.initVerify(P256.publicKey(P256.unbase64url(k)));
            s.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
            byte[] sig = P256.unbase64url(jwt[2]);
            if (sig.length != 64 || !s.verify(sig)) throw new AssertionError("the VAPID signature does not verify");
            return new Vapid(JSON.readTree(P256.unbase64url(jwt[1])), k);
        } catch (java.security.GeneralSecurityException | IOException e) {
            throw new AssertionError(e);
        }
    }

    public static void await(BooleanSupplier condition, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not reached in " + within.toSeconds() + " s");
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
