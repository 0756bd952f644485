package org.twinmail.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminClient;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminService;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** HTTPS as a listener option beside plain HTTP, and the admin API's certificate reload. */
class HttpsTest {
    @TempDir
    Path dataDir;

    @Test
    void httpsServesTheSameEndpointsAndPlainHttpStays() throws Exception {
        TwinmailConfig config = new TwinmailConfig();
        config.hostname = "www.test.example";
        config.dataDir = dataDir.toString();
        config.http.listen = List.of(Listen.parse("127.0.0.1:0"));
        config.http.tlsListen = List.of(Listen.parse("127.0.0.1:0"));
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir.resolve("store")));
             Tls tls = Tls.create(config);
             HttpService http = new HttpService(config, new AdminService(store, new PasswordHasher(1024, 1, 1)),
                     new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> new Health(true, Map.of()), "token", tls)) {
            http.start();
            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] c, String a) { }
                public void checkServerTrusted(X509Certificate[] c, String a) { }
                public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }}, null);
            int httpsPort = http.httpsAddresses().getFirst().getPort();
            // A raw TLS socket: the JDK's HttpClient insists on a certificate for the IP address.
            try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", httpsPort)) {
                s.setSoTimeout(10_000);
                s.startHandshake();
                assertThat(s.getSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
                s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: www.test.example\r\nConnection: close\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String response = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(response).startsWith("HTTP/1.1 200").contains("UP");
            }
            try (HttpClient client = HttpClient.newHttpClient()) {
                int httpPort = http.boundAddresses().getFirst().getPort();
                assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
                try (AdminClient admin = new AdminClient(URI.create("http://127.0.0.1:" + httpPort), "token")) {
                    assertThat(admin.reloadTls().certificates()).singleElement().asString().startsWith("www.test.example");
                }
            }
            // The CLI on a stopped node has no certificates to reload.
            assertThatThrownBy(() -> new AdminService(store, new PasswordHasher(1024, 1, 1)).reloadTls())
                    .isInstanceOf(AdminException.class).hasMessageContaining("no server is running");
        }
    }
}
