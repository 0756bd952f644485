package org.twinmail.jmap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.jmap.core.Json;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.store.Delivery;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreAuthenticator;
import org.twinmail.store.embedded.StoreOptions;

/** A real embedded store, a JMAP service on it, and in-memory HTTP exchanges to drive it. */
final class JmapFixture implements AutoCloseable {
    static final String DOMAIN = "example.com";
    static final String PASSWORD = "correct horse";
    static final List<String> USING = List.of("urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail");
    private static final PasswordHasher HASHER = new PasswordHasher(1024, 1, 1);
    private static final AtomicInteger USERS = new AtomicInteger();

    final MailStore store;
    final JmapService jmap;
    final TwinmailConfig config;
    private final boolean owner;

    JmapFixture(Path dataDir) {
        this(dataDir, c -> { });
    }

    /** The same store and configuration with another service on it (closing it leaves the store open). */
    private JmapFixture(JmapFixture base, JmapService other) {
        this.store = base.store;
        this.config = base.config;
        this.jmap = other;
        this.owner = false;
    }

    JmapFixture with(JmapService other) {
        return new JmapFixture(this, other);
    }

    JmapFixture(Path dataDir, java.util.function.Consumer<TwinmailConfig> tweak) {
        this(dataDir, tweak, java.time.Clock.systemUTC());
    }

    /** The store in {@code dataDir} (opened again if a fixture used it before), JMAP with {@code clock}. */
    JmapFixture(Path dataDir, java.util.function.Consumer<TwinmailConfig> tweak, java.time.Clock clock) {
        owner = true;
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
        if (store.findDomain(DOMAIN).isEmpty()) store.addDomain(DOMAIN);
        config = new TwinmailConfig();
        config.jmap.pushCoalesce = Duration.ZERO;
        tweak.accept(config);
        jmap = new JmapService(config, store, new StoreAuthenticator(store, Duration.ofMinutes(5)), AuthGuard.disabled(),
                new org.twinmail.filter.Pipeline(org.twinmail.filter.Chains.submission(config, store),
                        new org.twinmail.filter.FilterMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry())), null, clock);
    }

    Account account() {
        return store.addAccount(EmailAddress.parse("user" + USERS.incrementAndGet() + "@" + DOMAIN), HASHER.hash(PASSWORD.toCharArray()), 0, 0);
    }

    static String basic(Account a) {
        return "Basic " + Base64.getEncoder().encodeToString((a.address() + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    }

    static String accountId(Account a) {
        return "a" + a.id();
    }

    long deliver(Account a, String content) {
        return deliver(a, content, Instant.parse("2024-03-05T10:20:30Z"));
    }

    long deliver(Account a, String content, Instant at) {
        return store.deliver(new Delivery(List.of(a.id()), MessageSpool.of(content.getBytes(StandardCharsets.UTF_8)), at))
                .placed().getFirst().uid();
    }

    Mailbox inbox(Account a) {
        return store.mailbox(a.id(), "INBOX").orElseThrow();
    }

    static String message(String subject, String body) {
        return "From: \"Sender Name\" <sender@example.org>\r\nTo: someone@example.com\r\nSubject: " + subject
                + "\r\nDate: Tue, 05 Mar 2024 10:20:30 +0000\r\nMessage-ID: <" + Math.abs(subject.hashCode()) + "." + body.hashCode()
                + "@example.org>\r\n\r\n" + body;
    }

    // ---- HTTP exchanges in memory ----

    /** A response as the client sees it. */
    record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        JsonNode json() {
            try {
                return Json.parse(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + new String(body, StandardCharsets.UTF_8), e);
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    Reply http(String method, String path, String authorization, byte[] body, Map<String, String> headers) throws IOException {
        return http(method, path, authorization, body, headers, false);
    }

    Reply http(String method, String path, String authorization, byte[] body, Map<String, String> headers, boolean secure) throws IOException {
        Fake ex = new Fake(method, path, authorization, body, headers, secure);
        jmap.serve(ex);
        return new Reply(ex.status, ex.contentType, ex.out.toByteArray(), ex.responseHeaders);
    }

    Reply get(String path, Account a) throws IOException {
        return http("GET", path, basic(a), new byte[0], Map.of());
    }

    /** POSTs a request to the API and returns the Response object. */
    JsonNode api(Account a, String methodCalls) throws IOException {
        return api(a, USING, methodCalls);
    }

    JsonNode api(Account a, List<String> using, String methodCalls) throws IOException {
        String body = "{\"using\":" + Json.array(using) + ",\"methodCalls\":" + methodCalls.replace("$ACCOUNT", accountId(a)) + "}";
        Reply r = http("POST", "/jmap/api", basic(a), body.getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
        if (r.status() != 200) throw new AssertionError("status " + r.status() + ": " + r.text());
        return r.json();
    }

    /** The arguments of the only (or first) response of one call. */
    JsonNode call(Account a, String name, String args) throws IOException {
        JsonNode r = api(a, "[[\"" + name + "\"," + args.replace("$ACCOUNT", accountId(a)) + ",\"c\"]]");
        ArrayNode responses = (ArrayNode) r.get("methodResponses");
        return responses.get(0).get(1);
    }

    /** The name of the first response of one call ("error" for a method error). */
    String callName(Account a, String name, String args) throws IOException {
        JsonNode r = api(a, "[[\"" + name + "\"," + args.replace("$ACCOUNT", accountId(a)) + ",\"c\"]]");
        return r.get("methodResponses").get(0).get(0).asText();
    }

    static ObjectNode obj(String json) {
        try {
            return (ObjectNode) Json.parse(json);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Set<String> ids(JsonNode array) {
        Set<String> out = new java.util.LinkedHashSet<>();
        array.forEach(x -> out.add(x.asText()));
        return out;
    }

    @Override
    public void close() {
        if (owner) store.close();
    }

    private static final class Fake implements JmapExchange {
        final String method;
        final String path;
        final String query;
        final Map<String, String> headers = new HashMap<>();
        final byte[] body;
        final boolean secure;
        final Map<String, String> responseHeaders = new HashMap<>();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = -1;
        String contentType;

        Fake(String method, String target, String authorization, byte[] body, Map<String, String> headers, boolean secure) {
            this.method = method;
            int q = target.indexOf('?');
            this.path = q < 0 ? target : target.substring(0, q);
            this.query = q < 0 ? null : target.substring(q + 1);
            headers.forEach((k, v) -> this.headers.put(k.toLowerCase(java.util.Locale.ROOT), v));
            if (authorization != null) this.headers.put("authorization", authorization);
            this.headers.putIfAbsent("host", "mail.example.com");
            this.body = body;
            this.secure = secure;
        }

        public String method() {
            return method;
        }

        public String path() {
            return path;
        }

        public String query() {
            return query;
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        public InetAddress client() {
            return InetAddress.getLoopbackAddress();
        }

        public boolean secure() {
            return secure;
        }

        public InputStream body() {
            return new ByteArrayInputStream(body);
        }

        public void setHeader(String name, String value) {
            responseHeaders.put(name, value);
        }

        public void send(int status, String contentType, byte[] body) throws IOException {
            if (this.status != -1) throw new IllegalStateException("sent twice");
            this.status = status;
            this.contentType = contentType;
            out.write(body);
        }

        public OutputStream openBody(int status, String contentType) {
            this.status = status;
            this.contentType = contentType;
            return out;
        }
    }
}
