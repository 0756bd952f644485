package org.twinmail.web.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
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
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** Static files over real HTTP: types, ETags, gzip, caching by hashed name; and the pages' CSP. */
class StaticAssetsTest {
    static final String SCRIPT = "export const x = 1;\n".repeat(100);
    static final String STYLE = "body { color: black; }\n".repeat(50);

    @TempDir
    Path dir;
    MailStore store;
    HttpService http;
    StaticAssets assets;
    URI base;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void setUp() throws Exception {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dir.resolve("store")));
        byte[] precompressed = gzip(STYLE.getBytes(StandardCharsets.UTF_8));
        assets = StaticAssets.of(Map.of(
                "app.js", SCRIPT.getBytes(StandardCharsets.UTF_8),
                "css/app.css", STYLE.getBytes(StandardCharsets.UTF_8),
                "css/app.css.gz", precompressed,
                "icon.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>".getBytes(StandardCharsets.UTF_8),
                "manifest.webmanifest", "{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8),
                "logo.png", new byte[] {(byte) 0x89, 'P', 'N', 'G'},
                "blob.bin", new byte[] {1, 2, 3}));
        TwinmailConfig config = new TwinmailConfig();
        config.http.listen = List.of(Listen.parse("127.0.0.1:0"));
        http = new HttpService(config, new AdminService(store, new PasswordHasher(1024, 1, 1)),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> new Health(true, Map.of()), "admin-token");
        ContentSecurityPolicy csp = ContentSecurityPolicy.pages();
        http.mount("/s/", "test", ex -> {
            if (ex.rawPath().equals("/s/page")) {
                String nonce = csp.apply(ex);
                ex.send(200, "text/html; charset=utf-8", ("<script nonce=\"" + nonce + "\"></script>").getBytes(StandardCharsets.UTF_8));
            } else if (!assets.serve(ex, ex.rawPath().substring(3))) {
                ex.send(404, null, null);
            }
        });
        http.start();
        base = URI.create("http://127.0.0.1:" + http.boundAddresses().getFirst().getPort() + "/s/");
    }

    @AfterEach
    void tearDown() {
        client.close();
        http.close();
        store.close();
    }

    HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    static String gunzip(byte[] b) throws Exception {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void eachFileHasItsTypeAndNosniff() throws Exception {
        Map<String, String> expected = Map.of("app.js", "text/javascript; charset=utf-8", "css/app.css", "text/css; charset=utf-8",
                "icon.svg", "image/svg+xml", "manifest.webmanifest", "application/manifest+json", "logo.png", "image/png",
                "blob.bin", "application/octet-stream");
        for (var e : expected.entrySet()) {
            HttpResponse<byte[]> r = get(e.getKey());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).as(e.getKey()).hasValue(e.getValue());
            assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        }
        assertThat(new String(get("app.js").body(), StandardCharsets.UTF_8)).isEqualTo(SCRIPT);
        assertThat(get("nothing.js").statusCode()).isEqualTo(404);
        assertThat(get("css/app.css.gz").statusCode()).as("the precompressed twin is not a file of its own").isEqualTo(404);
    }

    @Test
    void gzipWhenAcceptedPrecompressedWhenThereAndAnEtagPerRepresentation() throws Exception {
        HttpResponse<byte[]> plain = get("app.js");
        HttpResponse<byte[]> zipped = get("app.js", "Accept-Encoding", "br, gzip;q=0.8");
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(zipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(zipped.headers().firstValue("Vary")).hasValue("Accept-Encoding");
        assertThat(zipped.body().length).isLessThan(SCRIPT.length() / 10);
        assertThat(gunzip(zipped.body())).isEqualTo(SCRIPT);
        assertThat(zipped.headers().firstValue("ETag")).isNotEqualTo(plain.headers().firstValue("ETag"));
        assertThat(get("app.js", "Accept-Encoding", "gzip;q=0").headers().firstValue("Content-Encoding")).isEmpty();

        HttpResponse<byte[]> css = get("css/app.css", "Accept-Encoding", "gzip");
        assertThat(css.body()).isEqualTo(gzip(STYLE.getBytes(StandardCharsets.UTF_8)));
        assertThat(get("logo.png", "Accept-Encoding", "gzip").headers().firstValue("Content-Encoding")).as("not text").isEmpty();

        String etag = plain.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).matches("\"[0-9a-f]{8}\"");
        HttpResponse<byte[]> again = get("app.js", "If-None-Match", etag);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(get("app.js", "If-None-Match", "W/" + etag).statusCode()).isEqualTo(304);
        assertThat(get("app.js", "If-None-Match", "\"00000000\"").statusCode()).isEqualTo(200);
        assertThat(get("app.js", "If-None-Match", zipped.headers().firstValue("ETag").orElseThrow()).statusCode())
                .as("the gzip ETag does not validate the plain body").isEqualTo(200);
    }

    @Test
    void hashedNamesAreImmutableAndPlainNamesRevalidate() throws Exception {
        String hashed = assets.url("css/app.css");
        assertThat(hashed).matches("css/app\\.[0-9a-f]{8}\\.css");
        HttpResponse<byte[]> r = get(hashed);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(STYLE);
        assertThat(get("css/app.css").headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(get("css/app.0badf00d.css").statusCode()).as("a stale hash").isEqualTo(404);
        assertThat(assets.url("app.js")).isNotEqualTo("app.js").endsWith(".js");
    }

    @Test
    void theClasspathTreeIsRead() throws Exception {
        StaticAssets fromClasspath = StaticAssets.fromClasspath(getClass(), "org/twinmail/web/session/assets");
        assertThat(fromClasspath.names()).contains("hello.txt");
        assertThat(new String(fromClasspath.asset("hello.txt").orElseThrow().bytes(), StandardCharsets.UTF_8)).startsWith("hello");
    }

    @Test
    void everyPageGetsTheSharedPolicyWithAFreshNonce() throws Exception {
        HttpResponse<byte[]> a = get("page");
        HttpResponse<byte[]> b = get("page");
        String policy = a.headers().firstValue("Content-Security-Policy").orElseThrow();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("'nonce-([A-Za-z0-9+/=]+)'").matcher(policy);
        assertThat(m.find()).isTrue();
        String nonce = m.group(1);
        assertThat(java.util.Base64.getDecoder().decode(nonce)).hasSize(16);
        assertThat(new String(a.body(), StandardCharsets.UTF_8)).contains("nonce=\"" + nonce + "\"");
        assertThat(b.headers().firstValue("Content-Security-Policy").orElseThrow()).doesNotContain(nonce);
        assertThat(policy).contains("default-src 'none'", "script-src 'nonce-" + nonce + "' 'strict-dynamic'", "object-src 'none'",
                "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'").doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
        assertThat(a.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(a.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(ContentSecurityPolicy.pages().with("img-src", "'self' https:").with("frame-src", "").header("n"))
                .contains("img-src 'self' https:").doesNotContain("frame-src");
    }
}
