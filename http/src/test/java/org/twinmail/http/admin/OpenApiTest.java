package org.twinmail.http.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminService;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.http.Health;
import org.twinmail.http.HttpService;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** The published OpenAPI description and the routes the server registers are the same set, both ways. */
class OpenApiTest {
    static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    static final String TOKEN = "openapi-token";

    @TempDir
    Path dataDir;

    /** "METHOD /api/admin/path" for every operation in the served document, path parameters as "*". */
    static Set<String> documented(JsonNode doc) {
        assertThat(doc.path("openapi").asText()).startsWith("3.1.");
        assertThat(doc.at("/servers/0/url").asText()).isEqualTo("/api/admin");
        Set<String> out = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> p = paths.next();
            String template = p.getKey().replaceAll("\\{[^/}]+}", "*");
            for (Iterator<String> ops = p.getValue().fieldNames(); ops.hasNext(); ) {
                String op = ops.next();
                if (METHODS.contains(op)) out.add(op.toUpperCase(Locale.ROOT) + " /api/admin" + template);
            }
        }
        return out;
    }

    @Test
    void theServedDescriptionListsExactlyTheRegisteredRoutes() throws Exception {
        TwinmailConfig config = new TwinmailConfig();
        config.http.listen = List.of(Listen.parse("127.0.0.1:0"));
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
             HttpService http = new HttpService(config, new AdminService(store, new PasswordHasher(1024, 1, 1)),
                     new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> new Health(true, Map.of()), TOKEN);
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            http.start();
            AdminApi api = new AdminApi(new AdminService(store, new PasswordHasher(1024, 1, 1)), TOKEN); // the table HttpService routes by
            URI base = URI.create("http://127.0.0.1:" + http.boundAddresses().getFirst().getPort());
            HttpResponse<String> served = client.send(HttpRequest.newBuilder(base.resolve("/api/admin/openapi.yaml"))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(served.statusCode()).isEqualTo(200);
            assertThat(served.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/yaml"));
            JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(served.body());

            // 1. The document and the route table name the same operations.
            Set<String> documented = documented(doc);
            assertThat(documented).hasSizeGreaterThan(15);
            assertThat(documented).isEqualTo(new TreeSet<>(api.routes()));

            // 2. Each documented operation reaches a handler on the running server: never "no such
            //    endpoint" (404 from the router) nor 405. The store is empty, so most are a clean
            //    NOT_FOUND from the operation itself, whose message names the resource instead.
            for (String op : documented) {
                String[] parts = op.split(" ", 2);
                String path = parts[1].replace("*", parts[1].contains("/queue/") ? "7" : "nobody@example.org");
                HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + TOKEN)
                        .header("Content-Type", "application/json");
                b.method(parts[0], parts[0].equals("GET") || parts[0].equals("DELETE")
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("{}"));
                HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(op + ": " + r.body()).isNotEqualTo(405);
                assertThat(r.body()).as(op).doesNotContain("no such endpoint");
            }

            // 3. And a route that is not documented is not served.
            HttpResponse<String> undocumented = client.send(HttpRequest.newBuilder(base.resolve("/api/admin/mailboxes"))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(undocumented.statusCode()).isEqualTo(404);
            assertThat(documented).noneMatch(o -> o.contains("/mailboxes"));
        }
    }

    @Test
    void theDescriptionNeedsTheTokenLikeEveryAdminPath() throws Exception {
        TwinmailConfig config = new TwinmailConfig();
        config.http.listen = List.of(Listen.parse("127.0.0.1:0"));
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
             HttpService http = new HttpService(config, new AdminService(store, new PasswordHasher(1024, 1, 1)),
                     new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> new Health(true, Map.of()), TOKEN);
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            http.start();
            URI base = URI.create("http://127.0.0.1:" + http.boundAddresses().getFirst().getPort());
            assertThat(client.send(HttpRequest.newBuilder(base.resolve("/api/admin/openapi.yaml")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        }
    }
}
