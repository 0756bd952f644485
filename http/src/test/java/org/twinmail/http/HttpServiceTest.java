package org.twinmail.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminService;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.http.admin.AdminApi;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** The HTTP surface itself: binding, auth, status codes, limits, metrics and health. */
class HttpServiceTest {
    static final String TOKEN = "s3cr3t-token";
    static final ObjectMapper JSON = new ObjectMapper();
    /** http.maxRequestBodySize by default. */
    static final int MAX_BODY = new TwinmailConfig().http.maxRequestBodySize.asInt();

    @TempDir
    Path dataDir;
    MailStore store;
    PrometheusMeterRegistry registry;
    final AtomicReference<Supplier<Health>> health = new AtomicReference<>(() -> new Health(true, Map.of("store", "ok")));
    HttpService http;
    URI base;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void setUp() throws Exception {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        http = start("127.0.0.1:0");
    }

    HttpService start(String... listen) throws Exception {
        TwinmailConfig config = new TwinmailConfig();
        config.http.listen = java.util.Arrays.stream(listen).map(Listen::parse).toList();
        HttpService s = new HttpService(config, new AdminService(store, new PasswordHasher(1024, 1, 1)), registry,
                () -> health.get().get(), TOKEN, Duration.ofMillis(300));
        s.start();
        base = URI.create("http://127.0.0.1:" + s.boundAddresses().getFirst().getPort());
        return s;
    }

    @AfterEach
    void tearDown() {
        http.close();
        client.close();
        store.close();
    }

    HttpResponse<String> send(String method, String path, String token, String contentType, BodyPublisher body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).method(method, body);
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (contentType != null) b.header("Content-Type", contentType);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String token) throws Exception {
        return send("GET", path, token, null, BodyPublishers.noBody());
    }

    HttpResponse<String> postJson(String path, String json) throws Exception {
        return send("POST", path, TOKEN, "application/json", BodyPublishers.ofString(json));
    }

    static String error(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode n = JSON.readTree(r.body());
        assertThat(n.size()).isEqualTo(1);
        return n.get("error").textValue();
    }

    // ---- binding ----

    @Test
    void bindsEveryListenAddressOnEphemeralPorts() throws Exception {
        http.close();
        http = start("127.0.0.1:0", "127.0.0.1:0");
        assertThat(http.boundAddresses()).hasSize(2);
        assertThat(http.boundAddresses()).allSatisfy(a -> assertThat(a.getPort()).isPositive());
        assertThat(http.boundAddresses().get(0).getPort()).isNotEqualTo(http.boundAddresses().get(1).getPort());
        for (var a : http.boundAddresses()) {
            base = URI.create("http://127.0.0.1:" + a.getPort());
            assertThat(get("/health", null).statusCode()).isEqualTo(200);
        }
        http.close();
        http.close(); // idempotent
    }

    @Test
    void plainHttpOffLoopbackIsRefusedSoTheAdminTokenNeverCrossesANetworkInClear() {
        for (String address : List.of("0.0.0.0:0", "[::]:0", "192.0.2.1:8080")) {
            TwinmailConfig config = new TwinmailConfig();
            config.http.listen = List.of(Listen.parse(address));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new HttpService(config,
                            new AdminService(store, new PasswordHasher(1024, 1, 1)), registry, () -> new Health(true, Map.of()), TOKEN))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a loopback address")
                    .hasMessageContaining("http.tlsListen");
        }
        assertThat(new TwinmailConfig().http.listen).containsExactly(Listen.parse("127.0.0.1:8080"));
    }

    @Test
    void aTakenPortFailsTheStartAndNamesIt() throws Exception {
        int taken = http.boundAddresses().getFirst().getPort();
        TwinmailConfig config = new TwinmailConfig();
        config.http.listen = List.of(Listen.parse("127.0.0.1:0"), Listen.parse("127.0.0.1:" + taken));
        HttpService second = new HttpService(config, new AdminService(store, new PasswordHasher(1024, 1, 1)), registry,
                () -> new Health(true, Map.of()), TOKEN);
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(second::start)
                    .isInstanceOf(java.io.IOException.class).hasMessageContaining("127.0.0.1:" + taken);
            assertThat(second.boundAddresses()).isEmpty(); // the first address was released again
        } finally {
            second.close();
        }
    }

    @Test
    void closeLetsRunningRequestsFinishAndRefusesNewOnes() throws Exception {
        http.close();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        health.set(() -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Health(true, Map.of("store", "ok"));
        });
        TwinmailConfig config = new TwinmailConfig();
        config.http.listen = List.of(Listen.parse("127.0.0.1:0"));
        http = new HttpService(config, new AdminService(store, new PasswordHasher(1024, 1, 1)), registry,
                () -> health.get().get(), TOKEN, Duration.ofSeconds(10));
        http.start();
        base = URI.create("http://127.0.0.1:" + http.boundAddresses().getFirst().getPort());

        var running = client.sendAsync(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        long t0 = System.nanoTime();
        Thread closer = Thread.ofVirtual().start(http::close);
        Thread.sleep(100); // let close() begin draining
        try (HttpClient other = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> late = other.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(late.statusCode()).isEqualTo(503);
            assertThat(late.body()).isEqualTo("{\"error\":\"the server is stopping\"}");
        }
        release.countDown();
        assertThat(running.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        closer.join();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1500)); // did not sit out the grace period
    }

    // ---- auth ----

    @Test
    void adminNeedsTheBearerToken() throws Exception {
        HttpResponse<String> none = send("POST", "/api/admin/domains", null, "application/json", BodyPublishers.ofString("{\"name\":\"example.org\"}"));
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"twinmail-admin\"");
        assertThat(error(none)).isEqualTo("missing admin token (send Authorization: Bearer <token>)");

        HttpResponse<String> wrong = send("POST", "/api/admin/domains", "s3cr3t-tokeN", "application/json",
                BodyPublishers.ofString("{\"name\":\"example.org\"}"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(error(wrong)).isEqualTo("wrong admin token");

        HttpResponse<String> prefix = get("/api/admin/domains", "s3cr3t");
        assertThat(prefix.statusCode()).isEqualTo(401);

        HttpResponse<String> basic = client.send(HttpRequest.newBuilder(base.resolve("/api/admin/domains"))
                .header("Authorization", "Basic " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(basic.statusCode()).isEqualTo(401);

        // unknown paths do not reveal themselves to a caller without the token
        assertThat(get("/api/admin/nothing-here", null).statusCode()).isEqualTo(401);
        assertThat(store.listDomains()).isEmpty();

        HttpResponse<String> ok = get("/api/admin/domains", TOKEN);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("[]");
    }

    // ---- REST shape ----

    @Test
    void createdResourcesAnswer201WithLocation() throws Exception {
        HttpResponse<String> d = postJson("/api/admin/domains", "{\"name\":\"Example.org\"}");
        assertThat(d.statusCode()).isEqualTo(201);
        assertThat(d.headers().firstValue("Location")).hasValue("/api/admin/domains/example.org");
        assertThat(JSON.readTree(d.body())).isEqualTo(JSON.readTree("{\"name\":\"example.org\",\"quotaBytes\":0,\"usedBytes\":0,\"maxMessages\":0,\"messages\":0}"));

        HttpResponse<String> u = postJson("/api/admin/users", "{\"address\":\"a+b@example.org\",\"password\":\"pw\"}");
        assertThat(u.statusCode()).isEqualTo(201);
        assertThat(u.headers().firstValue("Location")).hasValue("/api/admin/users/a%2Bb@example.org");
        assertThat(u.body()).doesNotContain("pw\"").doesNotContain("password");

        HttpResponse<String> del = send("DELETE", "/api/admin/users/a%2Bb@example.org", TOKEN, null, BodyPublishers.noBody());
        assertThat(del.statusCode()).isEqualTo(204);
        assertThat(del.body()).isEmpty();
    }

    @Test
    void wrongMethodsUnknownPathsAndBadInputAreRefusedClearly() throws Exception {
        HttpResponse<String> m = get("/api/admin/users/alice@example.org", TOKEN);
        assertThat(m.statusCode()).isEqualTo(405);
        assertThat(m.headers().firstValue("Allow")).hasValue("PATCH, DELETE");

        HttpResponse<String> nf = get("/api/admin/mailboxes", TOKEN);
        assertThat(nf.statusCode()).isEqualTo(404);
        assertThat(error(nf)).isEqualTo("no such endpoint: /api/admin/mailboxes");

        HttpResponse<String> type = send("POST", "/api/admin/domains", TOKEN, "text/plain", BodyPublishers.ofString("{\"name\":\"x.org\"}"));
        assertThat(type.statusCode()).isEqualTo(415);
        assertThat(error(type)).isEqualTo("send the request body as application/json");

        HttpResponse<String> typo = postJson("/api/admin/domains", "{\"nmae\":\"x.org\"}");
        assertThat(typo.statusCode()).isEqualTo(400);
        assertThat(error(typo)).isEqualTo("unknown field: nmae (known: name)");

        HttpResponse<String> query = get("/api/admin/users?domian=x.org", TOKEN);
        assertThat(query.statusCode()).isEqualTo(400);
        assertThat(error(query)).isEqualTo("unknown query parameter: domian (known: domain)");

        HttpResponse<String> number = send("PUT", "/api/admin/domains/x.org/quota", TOKEN, "application/json",
                BodyPublishers.ofString("{\"quotaBytes\":\"lots\"}"));
        assertThat(number.statusCode()).isEqualTo(400);
        assertThat(error(number)).isEqualTo("quotaBytes must be a whole number of bytes");

        // the parser's complaint would quote the token; the reply gives only the position
        HttpResponse<String> broken = postJson("/api/admin/users", "{\"address\":\"a@x.org\",\"password\": hunter2}");
        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat(error(broken)).startsWith("malformed JSON at line 1, column ").doesNotContain("hunter2");

        HttpResponse<String> notObject = postJson("/api/admin/domains", "[\"x.org\"]");
        assertThat(notObject.statusCode()).isEqualTo(400);
        assertThat(error(notObject)).isEqualTo("the request body must be a JSON object");

        assertThat(get("/nothing", null).statusCode()).isEqualTo(404);
        assertThat(get("/metricsfoo", null).statusCode()).isEqualTo(404);
        assertThat(send("POST", "/metrics", null, null, BodyPublishers.noBody()).statusCode()).isEqualTo(405);
    }

    @Test
    void oversizedBodiesAreRefusedWith413() throws Exception {
        String big = "{\"name\":\"" + "a".repeat(MAX_BODY) + "\"}";
        HttpResponse<String> declared = postJson("/api/admin/domains", big);
        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(error(declared)).isEqualTo("request body larger than 65536 bytes");

        // chunked: no Content-Length, so the cap applies while reading
        HttpResponse<String> chunked = send("POST", "/api/admin/domains", TOKEN, "application/json",
                BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes())));
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(store.listDomains()).isEmpty();

        // the limit is a limit, not an off-by-one: a body of exactly the cap is read
        String exact = "{\"name\":\"" + "a".repeat(MAX_BODY - 11) + "\"}";
        assertThat(exact).hasSize(MAX_BODY);
        HttpResponse<String> fits = postJson("/api/admin/domains", exact);
        assertThat(fits.statusCode()).isEqualTo(400); // read and parsed; the name is just not a domain
    }

    // ---- metrics ----

    @Test
    void metricsExposeRegisteredCountersInPrometheusFormat() throws Exception {
        Counter.builder("twinmail.test.deliveries").description("test").register(registry).increment(3);
        get("/api/admin/domains", "wrong");

        // a request is counted once its exchange is closed, which may be just after the client read the answer
        String unauthorized = "twinmail_http_requests_total{endpoint=\"admin\",status=\"401\"} 1.0";
        HttpResponse<String> r = get("/metrics", null);
        for (long deadline = System.nanoTime() + 10_000_000_000L; !r.body().contains(unauthorized) && System.nanoTime() < deadline; ) {
            Thread.sleep(20);
            r = get("/metrics", null);
        }
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body()).contains("twinmail_test_deliveries_total 3.0");
        assertThat(r.body()).contains(unauthorized);

        HttpResponse<String> head = send("HEAD", "/metrics", null, null, BodyPublishers.noBody());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    // ---- health ----

    @Test
    void healthIsUpWith200() throws Exception {
        health.set(() -> {
            Map<String, String> checks = new LinkedHashMap<>();
            checks.put("store", "ok");
            checks.put("smtp", "ok");
            return new Health(true, checks);
        });
        HttpResponse<String> r = get("/health", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"status\":\"UP\",\"checks\":{\"store\":\"ok\",\"smtp\":\"ok\"}}");
    }

    @Test
    void healthIsDownWith503AndTheFailingCheck() throws Exception {
        health.set(() -> new Health(false, Map.of("store", "disk I/O error")));
        HttpResponse<String> r = get("/health", null);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(r.body())).isEqualTo(JSON.readTree("{\"status\":\"DOWN\",\"checks\":{\"store\":\"disk I/O error\"}}"));
    }

    @Test
    void aFailingOrHungHealthCheckIsDown() throws Exception {
        health.set(() -> {
            throw new IllegalStateException("store closed");
        });
        HttpResponse<String> thrown = get("/health", null);
        assertThat(thrown.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(thrown.body()).at("/checks/health").textValue()).isEqualTo("check failed: store closed");

        CountDownLatch release = new CountDownLatch(1);
        health.set(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Health(true, Map.of());
        });
        try {
            HttpResponse<String> hung = get("/health", null);
            assertThat(hung.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(hung.body()).at("/checks/health").textValue()).isEqualTo("checks did not finish within 300 ms");
        } finally {
            release.countDown();
        }
    }
}
