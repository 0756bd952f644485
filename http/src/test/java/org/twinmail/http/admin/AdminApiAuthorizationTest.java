package org.twinmail.http.admin;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminOperations.AuditEntry;
import org.twinmail.admin.AdminPrincipal;
import org.twinmail.admin.AdminService;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.http.Health;
import org.twinmail.http.HttpService;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/**
 * Who may call each route: the table below says, for every route the API registers (the test
 * fails on a route missing from it), whether a domain administrator may call it for their own
 * domain, and the test calls every route as the bearer token (a global administrator), as a
 * domain administrator of example.org about example.org, and about other.org.
 */
class AdminApiAuthorizationTest {
    static final String TOKEN = "authz-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    enum Access { GLOBAL, DOMAIN, ANY }

    /** Every route and who may call it. */
    static final Map<String, Access> TABLE = new LinkedHashMap<>();

    static {
        for (String r : List.of("POST domains", "DELETE domains/*", "PUT domains/*/quota", "GET queue", "POST queue/retry", "POST queue/*/retry",
                "DELETE queue/*", "POST queue/*/bounce", "POST rules/ip", "DELETE rules/ip/*", "GET bans", "GET tlsrpt", "POST bans", "DELETE bans/*", "GET outbound-holds", "DELETE outbound-holds/*", "GET quarantine",
                "GET quarantine/*", "POST quarantine/*/release", "DELETE quarantine/*", "POST tls/reload", "GET tls", "POST backup", "GET admins",
                "GET sieve", "GET sieve/*/*", "PUT sieve/*/*", "DELETE sieve/*/*",
                "POST admins", "PATCH admins/*", "DELETE admins/*", "GET audit", "GET traffic", "GET alerts", "GET cluster", "POST cluster/switchover")) {
            TABLE.put(r, Access.GLOBAL);
        }
        for (String r : List.of("GET domains/*/postmaster", "GET export/users", "POST import/users", "GET domains/*/dns", "GET users", "POST users", "PATCH users/*", "DELETE users/*", "GET aliases",
                "POST aliases", "DELETE aliases/*", "POST rules/sender", "DELETE rules/sender/*", "POST dkim/*", "GET dkim/*",
                "GET users/*/sms", "PATCH users/*/sms", "POST users/*/sms/verify", "POST users/*/sms/code",
                "GET users/*/forwarding", "PUT users/*/forwarding", "DELETE users/*/forwarding",
                "GET users/*/spam-level", "PUT users/*/spam-level",
                "GET users/*/sharing", "PUT users/*/sharing", "PUT users/*/acl/*", "DELETE users/*/acl/*",
                "GET users/*/app-passwords", "POST users/*/app-passwords", "DELETE users/*/app-passwords/*", "GET traffic/top")) {
            TABLE.put(r, Access.DOMAIN);
        }
        for (String r : List.of("GET domains", "GET rules", "GET me", "GET openapi.yaml")) TABLE.put(r, Access.ANY);
    }

    @TempDir
    Path dataDir;
    MailStore store;
    AdminService service;
    HttpService http;
    final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
        service = new AdminService(store, new PasswordHasher(1024, 1, 1));
        for (String d : List.of("example.org", "other.org")) {
            service.addDomain(d);
            service.addUser("bob@" + d, "pw".toCharArray(), 0, 0);
            service.addAlias("al@" + d, List.of("bob@" + d));
        }
        TwinmailConfig config = new TwinmailConfig();
        config.http.listen = List.of(Listen.parse("127.0.0.1:0"));
        http = new HttpService(config, service, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> new Health(true, Map.of()), TOKEN);
        // the console's session stands in: a header naming a domain administrator of example.org
        http.adminAuthenticator(ex -> Optional.ofNullable(ex.header("X-Test-Admin"))
                .map(n -> new AdminPrincipal(n, false, Set.of("example.org"), "console")));
        http.start();
    }

    @AfterEach
    void stop() {
        http.close();
        store.close();
    }

    @Test
    void theTableCoversEveryRoute() {
        assertThat(new AdminApi(service, "t").routes()).containsExactlyInAnyOrderElementsOf(
                TABLE.keySet().stream().map(r -> r.replace(" ", " " + AdminApi.PREFIX)).toList());
    }

    @Test
    void everyRouteAsEachRole() throws Exception {
        for (Map.Entry<String, Access> e : TABLE.entrySet()) {
            String route = e.getKey();
            Access access = e.getValue();
            int own = call(route, "example.org", "dora");
            int foreign = call(route, "other.org", "dora");
            int token = call(route, "other.org", null);
            assertThat(token).as("%s as the token", route).isNotIn(401, 403);
            switch (access) {
                case GLOBAL -> {
                    assertThat(own).as("%s as a domain administrator, own domain", route).isEqualTo(403);
                    assertThat(foreign).as("%s as a domain administrator, another domain", route).isEqualTo(403);
                }
                case DOMAIN -> {
                    assertThat(own).as("%s as a domain administrator, own domain", route).isNotIn(401, 403);
                    assertThat(foreign).as("%s as a domain administrator, another domain", route).isEqualTo(403);
                }
                case ANY -> {
                    assertThat(own).as("%s as a domain administrator", route).isNotIn(401, 403);
                    assertThat(foreign).as("%s as a domain administrator", route).isNotIn(401, 403);
                }
            }
        }
    }

    @Test
    void aDomainAdministratorSeesTheirDomainsOnly() throws Exception {
        assertThat(names(get("domains", "dora"), "name")).containsExactly("example.org");
        assertThat(names(get("users", "dora"), "address")).containsExactly("bob@example.org");
        assertThat(names(get("aliases", "dora"), "source")).containsExactly("al@example.org");
        assertThat(names(get("users", null), "address")).containsExactly("bob@example.org", "bob@other.org");
        JsonNode me = JSON.readTree(get("me", "dora").body());
        assertThat(me.path("role").asText()).isEqualTo("domain");
        assertThat(me.path("domains").get(0).asText()).isEqualTo("example.org");
        assertThat(JSON.readTree(get("me", null).body()).path("name").asText()).isEqualTo(AdminPrincipal.TOKEN);
        assertThat(get("traffic/top", "dora").statusCode()).as("every domain's top list").isEqualTo(403);
        assertThat(get("traffic/top?domain=other.org", "dora").statusCode()).isEqualTo(403);
        assertThat(get("traffic/top?domain=example.org&kind=receivers", "dora").statusCode()).isEqualTo(200);
        assertThat(get("traffic/top", null).statusCode()).as("a global administrator: every domain").isEqualTo(200);
    }

    @Test
    void aDomainAdministratorGrantsRightsWithinTheirDomainsOnly() throws Exception {
        String rights = "{\"rights\":\"lr\"}";
        assertThat(send("PUT", "users/bob@example.org/acl/anyone@example.org", rights, "dora").statusCode()).isEqualTo(200);
        assertThat(send("PUT", "users/bob@example.org/acl/bob@other.org", rights, "dora").statusCode()).isEqualTo(403);
        assertThat(send("PUT", "users/bob@example.org/acl/anyone@other.org", rights, "dora").statusCode()).isEqualTo(403);
        assertThat(send("PUT", "users/bob@example.org/acl/anyone", rights, "dora").statusCode()).as("every account of the server").isEqualTo(403);
        assertThat(send("DELETE", "users/bob@example.org/acl/anyone", null, "dora").statusCode()).isEqualTo(403);
        assertThat(send("PUT", "users/bob@example.org/acl/anyone", rights, null).statusCode()).isEqualTo(200);
        JsonNode grants = JSON.readTree(get("users/bob@example.org/sharing", "dora").body()).path("mailboxes").get(0).path("grants");
        assertThat(grants.toString()).isEqualTo("[{\"identifier\":\"anyone\",\"rights\":\"lr\"},{\"identifier\":\"anyone@example.org\",\"rights\":\"lr\"}]");
    }

    @Test
    void everyActionAndEveryRefusalIsInTheAuditLog() throws Exception {
        assertThat(send("POST", "users", "{\"address\":\"new@example.org\",\"password\":\"pw\"}", "dora").statusCode()).isEqualTo(201);
        assertThat(send("DELETE", "users/bob@other.org", null, "dora").statusCode()).isEqualTo(403);
        assertThat(send("POST", "domains", "{\"name\":\"third.org\"}", null).statusCode()).isEqualTo(201);
        get("domains", "dora"); // a successful read is not recorded
        assertThat(send("GET", "domains", null, null, "Bearer wrong").statusCode()).isEqualTo(401); // nor a stranger
        List<AuditEntry> log = service.audit(10, null, null, null);
        assertThat(log).extracting(AuditEntry::actor, AuditEntry::via, AuditEntry::action, AuditEntry::target, AuditEntry::domain,
                AuditEntry::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple(AdminPrincipal.TOKEN, "token", "POST /api/admin/domains", "domains/third.org", null, 201),
                org.assertj.core.groups.Tuple.tuple("dora", "console", "DELETE /api/admin/users/bob@other.org", "users/bob@other.org", null, 403),
                org.assertj.core.groups.Tuple.tuple("dora", "console", "POST /api/admin/users", "users/new@example.org", "example.org", 201));
        assertThat(log.get(1).outcome()).isEqualTo("dora does not manage other.org");
        assertThat(log.get(0).client()).isEqualTo("127.0.0.1");
        assertThat(log.get(2).outcome()).isEqualTo("ok");
        assertThat(JSON.readTree(get("audit?limit=1", null).body()).get(0).path("target").asText()).isEqualTo("domains/third.org");
    }

    // ---- requests ----

    /** Calls {@code route} with its path parameters and body about {@code domain}; the status. */
    int call(String route, String domain, String admin) throws Exception {
        String[] mv = route.split(" ", 2);
        String method = mv[0];
        String path = mv[1];
        String[] parts = path.split("/");
        StringBuilder p = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) p.append('/');
            p.append(parts[i].equals("*") ? param(parts[0], domain) : parts[i]);
        }
        String query = switch (route) {
            case "GET users", "GET aliases", "GET export/users", "POST import/users", "GET traffic/top" -> "?domain=" + domain;
            case "DELETE rules/sender/*" -> "?scope=" + domain;
            default -> "";
        };
        return send(method, p + query, body(route, domain), admin).statusCode();
    }

    static String param(String collection, String domain) {
        return switch (collection) {
            case "domains", "dkim" -> domain;
            case "users" -> "bob@" + domain;
            case "aliases" -> "al@" + domain;
            case "queue" -> "1";
            case "rules", "bans" -> "192.0.2.1";
            case "quarantine" -> "q1";
            case "outbound-holds" -> "bob@example.org";
            case "admins" -> "someone";
            case "sieve" -> "before"; // sieve/before/before: the phase, and a script named so
            default -> throw new IllegalArgumentException(collection);
        };
    }

    static String body(String route, String d) {
        return switch (route) {
            case "POST domains" -> "{\"name\":\"x." + d + "\"}";
            case "PUT domains/*/quota" -> "{\"quotaBytes\":1000000}";
            case "POST users" -> "{\"address\":\"new@" + d + "\",\"password\":\"pw\"}";
            case "PATCH users/*" -> "{\"quotaBytes\":5000}";
            case "PATCH users/*/sms" -> "{\"phone\":\"+33612345678\"}";
            case "POST users/*/sms/verify" -> "{\"code\":\"123456\"}";
            case "PUT sieve/*/*" -> "{\"script\":\"keep;\"}";
            case "PUT users/*/sharing" -> "{\"shared\":true}";
            case "PUT users/*/acl/*" -> "{\"rights\":\"lrs\"}";
            case "PUT users/*/forwarding" -> "{\"to\":[\"away@elsewhere.example\"],\"keepCopy\":false}";
            case "PUT users/*/spam-level" -> "{\"level\":\"strict\"}";
            case "POST aliases" -> "{\"source\":\"al2@" + d + "\",\"targets\":[\"bob@" + d + "\"]}";
            case "POST rules/ip" -> "{\"range\":\"192.0.2.9\",\"action\":\"deny\"}";
            case "POST rules/sender" -> "{\"pattern\":\"x@spam.example\",\"action\":\"reject\",\"scope\":\"" + d + "\"}";
            case "POST bans" -> "{\"client\":\"192.0.2.8\"}";
            case "POST backup" -> "{\"directory\":\"relative\"}";
            case "POST dkim/*" -> "{\"selector\":\"s1\"}";
            case "POST queue/*/bounce" -> "{\"reason\":\"spam\"}";
            case "POST users/*/app-passwords" -> "{\"name\":\"phone\"}";
            case "POST admins" -> "{\"name\":\"n1\",\"password\":\"0123456789\",\"role\":\"global\"}";
            case "PATCH admins/*" -> "{\"enabled\":true}";
            default -> null;
        };
    }

    HttpResponse<String> get(String path, String admin) throws Exception {
        return send("GET", path, null, admin);
    }

    HttpResponse<String> send(String method, String path, String body, String admin) throws Exception {
        return send(method, path, body, admin, admin == null ? "Bearer " + TOKEN : null);
    }

    HttpResponse<String> send(String method, String path, String body, String admin, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.boundAddresses().getFirst().getPort()
                + AdminApi.PREFIX + path));
        if (authorization != null) b.header("Authorization", authorization);
        if (admin != null) b.header("X-Test-Admin", admin);
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static List<String> names(HttpResponse<String> r, String field) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode n : JSON.readTree(r.body())) out.add(n.path(field).asText());
        return out;
    }
}
