package org.twinmail.web.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminOperations.AdminCreated;
import org.twinmail.admin.AdminOperations.AuditEntry;
import org.twinmail.admin.AdminService;
import org.twinmail.admin.Totp;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.http.Health;
import org.twinmail.http.HttpService;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;
import org.twinmail.web.session.BrowserSessions;
import org.twinmail.web.session.SessionSettings;

/** The console's login (password + TOTP, limited failures), its session as a way into the admin API (CSRF), and its page's CSP. */
class ConsoleTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PASSWORD = "a long password";

    @TempDir
    Path dataDir;
    MailStore store;
    AdminService admin;
    HttpService http;
    String base;
    AdminCreated root;
    final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
        admin = new AdminService(store, new PasswordHasher(1024, 1, 1));
        root = admin.addAdmin("root", PASSWORD.toCharArray(), "global", null);
        TwinmailConfig config = new TwinmailConfig();
        config.http.listen = List.of(Listen.parse("127.0.0.1:0"));
        http = new HttpService(config, admin, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> new Health(true, Map.of()), "token-123");
        Console console = new Console(admin, new BrowserSessions(store, Console.SESSION_KIND, Console.COOKIE,
                new SessionSettings(Duration.ofMinutes(30), Duration.ofHours(12)), Clock.systemUTC()), Clock.systemUTC());
        http.adminAuthenticator(console.authenticator());
        http.mount(Console.PREFIX, "console", console::handle);
        http.start();
        base = "http://127.0.0.1:" + http.boundAddresses().getFirst().getPort();
    }

    @AfterEach
    void stop() {
        http.close();
        store.close();
    }

    @Test
    void aLoginNeedsTheCodeAndTheSessionNeedsItsCsrfToken() throws Exception {
        long now = Instant.now().getEpochSecond();
        String wrong = Totp.code(root.totpSecret(), now - 3600);
        HttpResponse<String> refused = send("POST", "/console/session", login("root", PASSWORD, wrong), null, null);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("Set-Cookie")).isEmpty();

        HttpResponse<String> ok = send("POST", "/console/session", login("root", PASSWORD, Totp.code(root.totpSecret(), now)), null, null);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        String cookie = ok.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("HttpOnly", "Secure", "SameSite=Strict");
        cookie = cookie.split(";", 2)[0];
        JsonNode me = JSON.readTree(ok.body());
        assertThat(me.path("role").asText()).isEqualTo("global");
        String csrf = me.path("csrf").asText();

        assertThat(JSON.readTree(send("GET", "/api/admin/me", null, cookie, null).body()).path("via").asText()).isEqualTo("console");
        assertThat(send("POST", "/api/admin/domains", "{\"name\":\"example.org\"}", cookie, null).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/admin/domains", "{\"name\":\"example.org\"}", cookie, "not-the-token").statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/admin/domains", "{\"name\":\"example.org\"}", cookie, csrf).statusCode()).isEqualTo(201);
        assertThat(send("GET", "/console/session", null, cookie, null).statusCode()).isEqualTo(200);

        List<AuditEntry> log = admin.audit(10, null, null, null);
        assertThat(log).extracting(AuditEntry::action, AuditEntry::actor, AuditEntry::status).containsExactly(
                // the two refused for their CSRF token are not the administrator's doing (another site's, maybe): logged, not audited
                org.assertj.core.groups.Tuple.tuple("POST /api/admin/domains", "root", 201),
                org.assertj.core.groups.Tuple.tuple("login", "root", 200),
                org.assertj.core.groups.Tuple.tuple("login", "root", 401));

        // a disabled administrator's session is refused at the next request
        admin.updateAdmin("root", null, null, null, false, false);
        assertThat(send("GET", "/api/admin/me", null, cookie, null).statusCode()).isEqualTo(401);
        admin.updateAdmin("root", null, null, null, true, false);
        assertThat(send("POST", "/console/logout", null, cookie, csrf).statusCode()).isEqualTo(204);
        assertThat(send("GET", "/api/admin/me", null, cookie, null).statusCode()).isEqualTo(401);
    }

    @Test
    void failedLoginsFromOneAddressAreLimited() throws Exception {
        for (int i = 0; i < Console.MAX_FAILURES; i++) {
            assertThat(send("POST", "/console/session", login("root", "wrong password", "000000"), null, null).statusCode()).isEqualTo(401);
        }
        long now = Instant.now().getEpochSecond();
        HttpResponse<String> r = send("POST", "/console/session", login("root", PASSWORD, Totp.code(root.totpSecret(), now)), null, null);
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.body()).contains("too many failed logins");
    }

    @Test
    void aLoginFromAnotherSiteIsRefused() throws Exception {
        long now = Instant.now().getEpochSecond();
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/console/session")).header("Content-Type", "application/json")
                .header("Origin", "https://evil.example").POST(HttpRequest.BodyPublishers.ofString(login("root", PASSWORD, Totp.code(root.totpSecret(), now))))
                .build();
        assertThat(client.send(req, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
    }

    @Test
    void thePageLoadsItsScriptWithTheResponsesNonce() throws Exception {
        HttpResponse<String> page = send("GET", "/console/", null, null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        Matcher nonce = Pattern.compile("'nonce-([^']+)'").matcher(csp);
        assertThat(nonce.find()).isTrue();
        Matcher script = Pattern.compile("<script type=\"module\" nonce=\"([^\"]+)\" src=\"(/console/app\\.[0-9a-f]{8}\\.js)\"").matcher(page.body());
        assertThat(script.find()).as(page.body()).isTrue();
        assertThat(script.group(1)).isEqualTo(nonce.group(1));
        HttpResponse<String> app = send("GET", script.group(2), null, null, null);
        assertThat(app.statusCode()).isEqualTo(200);
        assertThat(app.headers().firstValue("Cache-Control").orElseThrow()).contains("immutable");
        assertThat(send("GET", "/console/vendor/uPlot.esm.js", null, null, null).body()).contains("export");
        assertThat(send("GET", "/console/session", null, null, null).statusCode()).isEqualTo(401);
    }

    static String login(String name, String password, String code) throws Exception {
        return JSON.writeValueAsString(Map.of("name", name, "password", password, "code", code));
    }

    HttpResponse<String> send(String method, String path, String body, String cookie, String csrf) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (cookie != null) b.header("Cookie", cookie);
        if (csrf != null) b.header("X-CSRF-Token", csrf);
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
