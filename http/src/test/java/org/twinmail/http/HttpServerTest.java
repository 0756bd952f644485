package org.twinmail.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.twinmail.admin.AdminService;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.Size;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** What the web server library brings: HTTP/2, the http.* limits, WebSocket upgrades and the access log. */
class HttpServerTest {
    static final String TOKEN = "token-0123";

    @TempDir
    Path dataDir;
    MailStore store;
    Tls tls;
    HttpService http;
    TwinmailConfig config;

    @BeforeEach
    void setUp() throws Exception {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir.resolve("store")));
        config = new TwinmailConfig();
        config.hostname = "localhost"; // the self-signed certificate names localhost, so HttpClient's host check passes
        config.dataDir = dataDir.toString();
        config.http.listen = List.of(Listen.parse("127.0.0.1:0"));
        config.http.tlsListen = List.of(Listen.parse("127.0.0.1:0"));
    }

    HttpService start() throws Exception {
        tls = Tls.create(config);
        http = new HttpService(config, new AdminService(store, new PasswordHasher(1024, 1, 1)),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> new Health(true, Map.of("store", "ok")), TOKEN, tls);
        return http;
    }

    @AfterEach
    void tearDown() {
        if (http != null) http.close();
        if (tls != null) tls.close();
        store.close();
    }

    URI plain(String path) {
        return URI.create("http://127.0.0.1:" + http.boundAddresses().getFirst().getPort() + path);
    }

    URI https(String path) {
        return URI.create("https://localhost:" + http.httpsAddresses().getFirst().getPort() + path);
    }

    static SSLContext trustAll() throws Exception {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) { }
            public void checkServerTrusted(X509Certificate[] chain, String authType) { }
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        return c;
    }

    @Test
    void http2OverTlsIsNegotiatedByAlpnAndHttp11Stays() throws Exception {
        start().start();
        try (HttpClient h2 = HttpClient.newBuilder().sslContext(trustAll()).version(HttpClient.Version.HTTP_2).build();
             HttpClient h1 = HttpClient.newBuilder().sslContext(trustAll()).version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> r = h2.send(HttpRequest.newBuilder(https("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"status\":\"UP\",\"checks\":{\"store\":\"ok\"}}");

            // the admin API over h2, token and JSON body included
            HttpResponse<String> created = h2.send(HttpRequest.newBuilder(https("/api/admin/domains"))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .POST(BodyPublishers.ofString("{\"name\":\"example.org\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(created.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(created.statusCode()).isEqualTo(201);
            assertThat(created.headers().firstValue("Location")).hasValue("/api/admin/domains/example.org");

            HttpResponse<String> old = h1.send(HttpRequest.newBuilder(https("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(old.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(old.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void http2WithoutTlsByUpgrade() throws Exception {
        start().start();
        try (HttpClient h2c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()) {
            HttpResponse<String> first = h2c.send(HttpRequest.newBuilder(plain("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(first.statusCode()).isEqualTo(200);
            HttpResponse<String> second = h2c.send(HttpRequest.newBuilder(plain("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(second.version()).isEqualTo(HttpClient.Version.HTTP_2);
        }
    }

    @Test
    void anHttp10ProbeAsKeepalivedsCheckSendsIt() throws Exception {
        // ha/keepalived/twinmail-check: plain bash, HTTP/1.0, reads the status code of the first line
        start().start();
        try (Socket s = new Socket("127.0.0.1", http.boundAddresses().getFirst().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(response.split(" ", 3)[1]).isEqualTo("200");
            assertThat(response).endsWith("{\"status\":\"UP\",\"checks\":{\"store\":\"ok\"}}");
        }
    }

    @Test
    void aBodyOverTheLimitGets413AndTheServerKeepsServing() throws Exception {
        config.http.maxRequestBodySize = Size.of("1K");
        start().start();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            String big = "{\"name\":\"" + "a".repeat(1024) + ".org\"}";
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(plain("/api/admin/domains"))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .POST(BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(413);
            assertThat(r.body()).isEqualTo("{\"error\":\"request body larger than 1024 bytes\"}");

            HttpResponse<String> ok = client.send(HttpRequest.newBuilder(plain("/api/admin/domains"))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .POST(BodyPublishers.ofString("{\"name\":\"example.org\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(201);
            assertThat(store.listDomains()).hasSize(1);
        }
    }

    @Test
    void headersOverTheLimitGet431() throws Exception {
        config.http.maxRequestHeaderSize = Size.of("2K");
        start().start();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(plain("/health")).header("X-Filler", "x".repeat(3000)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(431);
            HttpResponse<String> ok = client.send(HttpRequest.newBuilder(plain("/health")).header("X-Filler", "x".repeat(1000)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        config.http.idleTimeout = Duration.ofMillis(500);
        start().start();
        try (Socket s = new Socket("127.0.0.1", http.boundAddresses().getFirst().getPort())) {
            OutputStream out = s.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            s.setSoTimeout(10_000); // the bound on the wait: far above the idle timeout
            long t0 = System.nanoTime();
            byte[] buf = new byte[4096];
            StringBuilder got = new StringBuilder();
            int n;
            try {
                while ((n = in.read(buf)) >= 0) got.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server kept the idle connection open for 10 s", e);
            }
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(got.toString()).startsWith("HTTP/1.1 200"); // a keep-alive answer, then the server hung up
            assertThat(waited).isGreaterThanOrEqualTo(400);
        }
    }

    @Test
    void aTlsHandshakeMustFinishWithinTheHandshakeTimeout() throws Exception {
        config.tls.handshakeTimeout = Duration.ofMillis(500);
        config.http.idleTimeout = Duration.ofMinutes(5); // so only the handshake bound can close it
        start().start();
        try (Socket s = new Socket("127.0.0.1", http.httpsAddresses().getFirst().getPort())) {
            s.getOutputStream().write(0x16); // the first byte of a ClientHello, then nothing
            s.getOutputStream().flush();
            s.setSoTimeout(10_000);
            long t0 = System.nanoTime();
            try {
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the half-done handshake was not cut within 10 s", e);
            } catch (java.net.SocketException reset) {
                // closed with unread data: a reset is a close too
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(400);
        }
        // a real handshake on the same port is not affected
        try (HttpClient h2 = HttpClient.newBuilder().sslContext(trustAll()).build()) {
            assertThat(h2.send(HttpRequest.newBuilder(https("/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void aWebSocketUpgradeIsServed() throws Exception {
        start().webSocket("/test/echo", (request, response, callback) -> new Echo());
        http.start();
        CompletableFuture<String> reply = new CompletableFuture<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        try (HttpClient client = HttpClient.newHttpClient()) {
            WebSocket ws = client.newWebSocketBuilder().buildAsync(
                    URI.create("ws://127.0.0.1:" + http.boundAddresses().getFirst().getPort() + "/test/echo"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                            reply.complete(data.toString());
                            webSocket.request(1); // go on reading: the server's close frame comes next
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                            closed.complete(statusCode);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
            assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("echo: hello");
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
            assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE); // the closing handshake completes

            // other paths are still ours
            assertThat(client.send(HttpRequest.newBuilder(plain("/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void mountedEndpointsStreamTheirBodyAsItIsWritten() throws Exception {
        java.util.concurrent.CountDownLatch firstSeen = new java.util.concurrent.CountDownLatch(1);
        start().mount("/test/events/", "events", ex -> {
            try (OutputStream out = ex.openBody(200, "text/event-stream")) {
                out.write("data: one\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                try {
                    // the second event is written only once the client has read the first: streamed, not buffered
                    if (!firstSeen.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("first event never arrived");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out.write("data: two\n\n".getBytes(StandardCharsets.UTF_8));
            }
        });
        http.start();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<java.util.stream.Stream<String>> r = client.send(HttpRequest.newBuilder(plain("/test/events/stream")).build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            List<String> lines = new java.util.ArrayList<>();
            r.body().forEach(line -> {
                lines.add(line);
                if (line.equals("data: one")) firstSeen.countDown();
            });
            assertThat(lines).containsExactly("data: one", "", "data: two", "");
            // the built-in paths are untouched, and an unmounted path is still 404
            assertThat(client.send(HttpRequest.newBuilder(plain("/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
            assertThat(client.send(HttpRequest.newBuilder(plain("/test/other")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(404);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> http.mount("/x/", "x", ex -> { }))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPathWithoutTheFinalSlashIsMountedAloneAndTheLongestMountWins() throws Exception {
        start().mount("/.well-known/mta-sts.txt", "sts", ex -> ex.send(200, "text/plain", "policy".getBytes(StandardCharsets.UTF_8)));
        http.mount("/.well-known/", "wk", ex -> ex.send(200, "text/plain", ("wk " + ex.rawPath()).getBytes(StandardCharsets.UTF_8)));
        http.mount("/one", "one", ex -> ex.send(200, "text/plain", "one".getBytes(StandardCharsets.UTF_8)));
        http.start();
        try (HttpClient client = HttpClient.newHttpClient()) {
            java.util.function.Function<String, String> get = path -> {
                try {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(plain(path)).build(), HttpResponse.BodyHandlers.ofString());
                    return r.statusCode() + " " + r.body();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            assertThat(get.apply("/.well-known/mta-sts.txt")).isEqualTo("200 policy");
            assertThat(get.apply("/.well-known/mta-sts.txt.bak")).isEqualTo("200 wk /.well-known/mta-sts.txt.bak");
            assertThat(get.apply("/one")).isEqualTo("200 one");
            assertThat(get.apply("/one/two")).startsWith("404");
            assertThat(get.apply("/ones")).startsWith("404");
        }
    }

    @Test
    void mountPrefixesMayNotShadowTheAdminApi() throws Exception {
        start();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> http.mount("/api/", "api", ex -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overlaps the admin API");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> http.mount("/api/admin/x/", "x", ex -> { }))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> http.mount("jmap", "jmap", ex -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A test-only endpoint; Jetty calls it through method handles, so it must be public. */
    public static final class Echo implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText("echo: " + message, org.eclipse.jetty.websocket.api.Callback.NOOP);
        }
    }

    @Test
    void everyRequestGetsOneAccessLogLineWithoutQueryValues() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(HttpService.ACCESS_LOG);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Level before = logger.getLevel();
        logger.setLevel(Level.INFO);
        logger.addAppender(appender);
        try {
            start().start();
            try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                client.send(HttpRequest.newBuilder(plain("/api/admin/users?domain=secret.example")).header("Authorization", "Bearer " + TOKEN)
                        .build(), HttpResponse.BodyHandlers.ofString());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (appender.list.isEmpty() && System.nanoTime() < deadline) Thread.onSpinWait();
            assertThat(appender.list).singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
                    .matches("127\\.0\\.0\\.1 GET /api/admin/users\\?domain=\\* 404 48 \\d+ ms HTTP/1\\.1") // {"error":"domain secret.example does not exist"}
                    .doesNotContain("secret");
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(before);
        }
    }

    @Test
    void loggedPathsHideEveryQueryValue() {
        assertThat(HttpService.loggedPath("/a", null)).isEqualTo("/a");
        assertThat(HttpService.loggedPath("/a", "")).isEqualTo("/a");
        assertThat(HttpService.loggedPath("/a", "x=1&flag&token=abc")).isEqualTo("/a?x=*&flag&token=*");
    }
}
