package org.twinmail.web.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminService;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.http.Health;
import org.twinmail.http.HttpService;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.StoreOptions;
import org.twinmail.store.StoredRecord;
import org.twinmail.store.embedded.EmbeddedMailStore;

/** Browser sessions over real HTTP(S): cookie, CSRF, expiry, logout, restart. */
class BrowserSessionsTest {
    static final Pattern COOKIE = Pattern.compile("twinmail-test=([A-Za-z0-9_-]+)");
    static final SessionSettings SETTINGS = new SessionSettings(Duration.ofMinutes(30), Duration.ofHours(12));

    @TempDir
    Path dir;
    MailStore store;
    HttpService http;
    BrowserSessions sessions;
    final MutableClock clock = new MutableClock();
    URI base;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void setUp() throws Exception {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dir.resolve("store")));
        startHttp(null);
    }

    /** /t/login?user=X starts a session; /t/me answers the subject (any method, CSRF-checked); /t/logout, /t/logout-all. */
    void startHttp(Tls tls) throws Exception {
        sessions = new BrowserSessions(store, "test.session", "twinmail-test", SETTINGS, clock);
        TwinmailConfig config = new TwinmailConfig();
        config.dataDir = dir.toString();
        config.http.listen = List.of(Listen.parse("127.0.0.1:0"));
        if (tls != null) config.http.tlsListen = List.of(Listen.parse("127.0.0.1:0"));
        http = new HttpService(config, new AdminService(store, new PasswordHasher(1024, 1, 1)),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> new Health(true, Map.of()), "admin-token", tls);
        http.mount("/t/", "test", ex -> {
            try {
                switch (ex.rawPath()) {
                    case "/t/login" -> {
                        BrowserSessions.requireSameOrigin(ex);
                        BrowserSession s = sessions.start(ex, ex.rawQuery().substring(5), "{}");
                        ex.send(200, "text/plain", s.csrfToken().getBytes(StandardCharsets.UTF_8));
                    }
                    case "/t/me" -> ex.send(200, "text/plain", sessions.authorize(ex).subject().getBytes(StandardCharsets.UTF_8));
                    case "/t/logout" -> {
                        sessions.end(ex, sessions.authorize(ex));
                        ex.send(204, null, null);
                    }
                    case "/t/logout-all" -> {
                        int n = sessions.endAll(sessions.authorize(ex).subject());
                        ex.send(200, "text/plain", String.valueOf(n).getBytes(StandardCharsets.UTF_8));
                    }
                    default -> ex.send(404, null, null);
                }
            } catch (SessionRefused e) {
                ex.send(e.status(), "text/plain", e.getMessage().getBytes(StandardCharsets.UTF_8));
            }
        });
        http.start();
        base = URI.create("http://127.0.0.1:" + http.boundAddresses().getFirst().getPort());
    }

    @AfterEach
    void tearDown() {
        client.close();
        http.close();
        store.close();
    }

    record Login(String id, String csrf, String setCookie) { }

    Login login(String user) throws Exception {
        HttpResponse<String> r = send("POST", "/t/login?user=" + user, null, null, Map.of());
        assertThat(r.statusCode()).isEqualTo(200);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        Matcher m = COOKIE.matcher(setCookie);
        assertThat(m.find()).isTrue();
        return new Login(m.group(1), r.body(), setCookie);
    }

    HttpResponse<String> send(String method, String path, String id, String csrf, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (id != null) b.header("Cookie", "other=1; twinmail-test=" + id);
        if (csrf != null) b.header(BrowserSessions.CSRF_HEADER, csrf);
        headers.forEach(b::header);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theCookieIsHttpOnlySecureSameSiteStrictWith256RandomBitsAndTheStoreKeepsOnlyItsHash() throws Exception {
        Login a = login("alice");
        assertThat(a.setCookie()).contains("; Path=/").contains("; Secure").contains("; HttpOnly").contains("; SameSite=Strict")
                .contains("Max-Age=43200").doesNotContain("Domain");
        assertThat(java.util.Base64.getUrlDecoder().decode(a.id())).hasSize(32);
        assertThat(login("alice").id()).isNotEqualTo(a.id());
        List<StoredRecord> stored = store.records("test.session", "");
        assertThat(stored).hasSize(2);
        assertThat(stored).extracting(StoredRecord::name).contains(BrowserSessions.hash(a.id()));
        for (StoredRecord r : stored) {
            assertThat(r.name()).doesNotContain(a.id());
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).doesNotContain(a.id()).contains("alice");
            assertThat(r.expiresMillis()).isEqualTo(clock.millis() + SETTINGS.idle().toMillis());
        }
        assertThat(send("GET", "/t/me", a.id(), null, Map.of()).body()).isEqualTo("alice");
        assertThat(send("GET", "/t/me", null, null, Map.of()).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/t/me", a.id().substring(1) + "A", null, Map.of()).statusCode()).isEqualTo(401);
    }

    @Test
    void overHttpsTheCookieHasTheHostPrefix() throws Exception {
        http.close();
        TwinmailConfig config = new TwinmailConfig();
        config.dataDir = dir.toString();
        config.hostname = "mail.test.example";
        try (Tls tls = Tls.create(config)) {
            startHttp(tls);
            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] c, String a) { }
                public void checkServerTrusted(X509Certificate[] c, String a) { }
                public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }}, null);
            int port = http.httpsAddresses().getFirst().getPort();
            String response;
            try (var s = (javax.net.ssl.SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("POST /t/login?user=bob HTTP/1.1\r\nHost: mail.test.example\r\nContent-Length: 0\r\n"
                        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            assertThat(response).startsWith("HTTP/1.1 200").containsPattern("(?i)set-cookie: __Host-twinmail-test=[A-Za-z0-9_-]{43}; Path=/;")
                    .contains("; Secure; HttpOnly; SameSite=Strict");
            Matcher m = Pattern.compile("__Host-twinmail-test=([A-Za-z0-9_-]{43})").matcher(response);
            assertThat(m.find()).isTrue();
            try (var s = (javax.net.ssl.SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET /t/me HTTP/1.1\r\nHost: mail.test.example\r\nCookie: twinmail-test=" + m.group(1)
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                        .as("over HTTPS only the prefixed cookie counts").startsWith("HTTP/1.1 401");
            }
            try (var s = (javax.net.ssl.SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET /t/me HTTP/1.1\r\nHost: mail.test.example\r\nCookie: __Host-twinmail-test=" + m.group(1)
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).startsWith("HTTP/1.1 200").endsWith("bob");
            }
        }
    }

    @Test
    void stateChangingRequestsNeedTheSessionsCsrfTokenAndOurOrigin() throws Exception {
        Login a = login("alice");
        Login b = login("bob");
        assertThat(send("POST", "/t/me", a.id(), null, Map.of()).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/t/me", a.id(), "wrong", Map.of()).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/t/me", a.id(), b.csrf(), Map.of()).statusCode()).as("another session's token").isEqualTo(403);
        assertThat(send("DELETE", "/t/me", a.id(), a.csrf().substring(0, 42), Map.of()).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/t/me", a.id(), a.csrf(), Map.of()).body()).isEqualTo("alice");
        assertThat(send("PUT", "/t/me", a.id(), a.csrf(), Map.of()).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/t/me", a.id(), null, Map.of()).statusCode()).as("reads need no token").isEqualTo(200);
        assertThat(send("POST", "/t/me", a.id(), a.csrf(), Map.of("Origin", "https://evil.example")).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/t/me", a.id(), a.csrf(), Map.of("Sec-Fetch-Site", "cross-site")).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/t/me", a.id(), a.csrf(), Map.of("Origin", base.toString(), "Sec-Fetch-Site", "same-origin")).statusCode())
                .isEqualTo(200);
        assertThat(send("POST", "/t/login?user=mallory", null, null, Map.of("Origin", "https://evil.example")).statusCode())
                .as("login CSRF").isEqualTo(403);
    }

    @Test
    void anIdleSessionEndsAndABusyOneEndsAtTheAbsoluteLimit() throws Exception {
        Login a = login("alice");
        clock.advance(Duration.ofMinutes(29));
        assertThat(send("GET", "/t/me", a.id(), null, Map.of()).statusCode()).isEqualTo(200);
        StoredRecord touched = store.record("test.session", "", BrowserSessions.hash(a.id())).orElseThrow();
        assertThat(touched.expiresMillis()).as("the request moved the idle expiry").isEqualTo(clock.millis() + SETTINGS.idle().toMillis());
        clock.advance(Duration.ofMinutes(29));
        assertThat(send("GET", "/t/me", a.id(), null, Map.of()).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(31));
        assertThat(send("GET", "/t/me", a.id(), null, Map.of()).statusCode()).isEqualTo(401);
        assertThat(store.record("test.session", "", BrowserSessions.hash(a.id()))).as("an expired session is deleted").isEmpty();

        Login busy = login("bob");
        for (int i = 0; i < 24; i++) { // 24 * 29 min = 11.6 h
            clock.advance(Duration.ofMinutes(29));
            assertThat(send("GET", "/t/me", busy.id(), null, Map.of()).statusCode()).isEqualTo(200);
        }
        clock.advance(Duration.ofMinutes(29)); // 25 * 29 min > 12 h
        assertThat(send("GET", "/t/me", busy.id(), null, Map.of()).statusCode()).isEqualTo(401);
    }

    @Test
    void logoutEndsOneSessionAndLogoutEverywhereEndsEveryOneOfTheSubject() throws Exception {
        Login a1 = login("alice");
        Login a2 = login("alice");
        Login a3 = login("alice");
        Login b = login("bob");
        HttpResponse<String> out = send("POST", "/t/logout", a1.id(), a1.csrf(), Map.of());
        assertThat(out.statusCode()).isEqualTo(204);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("twinmail-test=;").contains("Max-Age=0");
        assertThat(send("GET", "/t/me", a1.id(), null, Map.of()).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/t/me", a2.id(), null, Map.of()).statusCode()).isEqualTo(200);
        assertThat(sessions.sessionsOf("alice")).hasSize(2);
        assertThat(send("POST", "/t/logout-all", a2.id(), a2.csrf(), Map.of()).body()).isEqualTo("2");
        assertThat(send("GET", "/t/me", a2.id(), null, Map.of()).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/t/me", a3.id(), null, Map.of()).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/t/me", b.id(), null, Map.of()).body()).isEqualTo("bob");
    }

    @Test
    void aLoginReplacesThePlantedSessionTheBrowserBrought() throws Exception {
        Login planted = login("alice");
        HttpResponse<String> r = send("POST", "/t/login?user=alice", planted.id(), null, Map.of());
        Matcher m = COOKIE.matcher(r.headers().firstValue("Set-Cookie").orElseThrow());
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isNotEqualTo(planted.id());
        assertThat(send("GET", "/t/me", planted.id(), null, Map.of()).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/t/me", m.group(1), null, Map.of()).statusCode()).isEqualTo(200);
    }

    @Test
    void sessionsSurviveARestartOfTheNode() throws Exception {
        Login a = login("alice");
        http.close();
        store.close();
        store = EmbeddedMailStore.open(StoreOptions.defaults(dir.resolve("store")));
        startHttp(null);
        assertThat(send("GET", "/t/me", a.id(), null, Map.of()).body()).isEqualTo("alice");
        assertThat(send("POST", "/t/me", a.id(), a.csrf(), Map.of()).statusCode()).as("the CSRF token too").isEqualTo(200);
    }

    @Test
    void expiredSessionsArePurged() throws Exception {
        login("alice");
        Login b = login("bob");
        clock.advance(Duration.ofMinutes(20));
        assertThat(send("GET", "/t/me", b.id(), null, Map.of()).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(15));
        assertThat(sessions.purgeExpired()).isEqualTo(1);
        assertThat(store.records("test.session", "")).singleElement().extracting(StoredRecord::name).isEqualTo(BrowserSessions.hash(b.id()));
    }
}
