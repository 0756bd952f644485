package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.push.TestPushService;

/**
 * Web Push end to end: a user logs in to the webmail (over HTTP, as the browser would), gets
 * the VAPID key, registers a subscription whose keys the test owns; mail sent over SMTP reaches
 * a push service played by the test as an encrypted POST whose VAPID token verifies with that
 * key and names the service's origin; the test decrypts it as the browser would and finds the
 * sender and subject, and an Email id that JMAP knows. A 410 from the service drops the
 * subscription. The manifest and the service worker are served with their types.
 */
class WebPushEndToEndTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path data;

    @Test
    void newMailIsPushedToTheSubscribedBrowserAndA410DropsIt() throws Exception {
        try (TestPushService service = new TestPushService()) {
            TwinmailConfig c = TestConfigs.loopback(data);
            c.push.allowHttpEndpoints = true;
            c.push.subject = "mailto:ops@push.example";
            c.push.urgency = "high";
            c.push.retrySchedule = List.of(Duration.ofMillis(100));
            try (TwinmailServer server = TwinmailServer.start(c); HttpClient http = HttpClient.newHttpClient()) {
                assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "push.example").exit()).isZero();
                assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "li@push.example", "--password", "Pw-12345678").exit()).isZero();
                String base = "http://localhost:" + server.httpAddresses().getFirst().getPort() + "/mail/";

                HttpResponse<String> manifest = http.send(HttpRequest.newBuilder(URI.create(base + "manifest.webmanifest")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(manifest.statusCode()).isEqualTo(200);
                assertThat(manifest.headers().firstValue("Content-Type").orElseThrow()).isEqualTo("application/manifest+json");
                assertThat(JSON.readTree(manifest.body()).path("start_url").asText()).isEqualTo("/mail/");
                HttpResponse<String> sw = http.send(HttpRequest.newBuilder(URI.create(base + "sw.js")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(sw.statusCode()).isEqualTo(200);
                assertThat(sw.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
                assertThat(sw.body()).contains("addEventListener('push'", "addEventListener('notificationclick'");

                HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(base + "api/login")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"li@push.example\",\"password\":\"Pw-12345678\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
                Matcher m = Pattern.compile("twinmail-mail=([^;]+)").matcher(login.headers().firstValue("Set-Cookie").orElseThrow());
                assertThat(m.find()).isTrue();
                String cookie = "twinmail-mail=" + m.group(1);
                String csrf = JSON.readTree(login.body()).path("csrfToken").asText();

                JsonNode key = JSON.readTree(get(http, base + "api/push", cookie).body());
                String publicKey = key.path("publicKey").asText();
                assertThat(publicKey).matches("B[A-Za-z0-9_-]{86}"); // 65 octets, uncompressed point
                assertThat(key.path("subscriptions").asInt()).isZero();

                TestPushService.Browser phone = service.newBrowser("/wpush/phone-1");
                assertThat(post(http, base + "api/push/subscribe", cookie, null, phone.subscriptionJson()).statusCode())
                        .as("no CSRF token").isEqualTo(403);
                assertThat(post(http, base + "api/push/subscribe", cookie, csrf, "{\"endpoint\":\"https://x.example/\"}").statusCode()).isEqualTo(400);
                HttpResponse<String> sub = post(http, base + "api/push/subscribe", cookie, csrf, phone.subscriptionJson());
                assertThat(sub.statusCode()).as(sub.body()).isEqualTo(201);
                assertThat(JSON.readTree(get(http, base + "api/push", cookie).body()).path("subscriptions").asInt()).isEqualTo(1);

                send(server, "周五聚餐");
                TestPushService.await(() -> service.received.size() == 1, WAIT);
                TestPushService.Received r = service.received.getFirst();
                assertThat(r.path()).isEqualTo("/wpush/phone-1");
                assertThat(r.header("Content-Encoding")).isEqualTo("aes128gcm");
                assertThat(r.header("TTL")).isEqualTo("86400");
                assertThat(r.header("Urgency")).isEqualTo("high");
                TestPushService.Vapid v = TestPushService.verifyVapid(r.header("Authorization"));
                assertThat(v.key()).isEqualTo(publicKey);
                assertThat(v.claims().path("aud").asText()).isEqualTo(service.origin());
                assertThat(v.claims().path("sub").asText()).isEqualTo("mailto:ops@push.example");
                assertThat(v.claims().path("exp").asLong()).isGreaterThan(Instant.now().getEpochSecond())
                        .isLessThanOrEqualTo(Instant.now().plus(Duration.ofHours(24)).getEpochSecond());
                JsonNode payload = JSON.readTree(phone.decrypt(r.body()));
                assertThat(payload.path("from").asText()).isEqualTo("王芳");
                assertThat(payload.path("subject").asText()).isEqualTo("周五聚餐");
                String emailId = payload.path("emailId").asText();
                JsonNode got = JSON.readTree(post(http, base + "jmap/api", cookie, csrf, "{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\"],"
                        + "\"methodCalls\":[[\"Email/get\",{\"accountId\":\"" + payload.path("accountId").asText() + "\",\"ids\":[\"" + emailId
                        + "\"],\"properties\":[\"subject\"]},\"0\"]]}").body());
                assertThat(got.path("methodResponses").path(0).path(1).path("list").path(0).path("subject").asText())
                        .as("the notification opens an Email JMAP knows").isEqualTo("周五聚餐");

                service.answer("/wpush/phone-1", new int[] {410});
                send(server, "second");
                TestPushService.await(() -> service.received.size() == 2, WAIT);
                TestPushService.await(() -> {
                    try {
                        return JSON.readTree(get(http, base + "api/push", cookie).body()).path("subscriptions").asInt() == 0;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, WAIT);
                send(server, "third");
                // the consumer has passed the third message by now: nothing more went out
                long last = server.store().lastChangePosition();
                TestPushService.await(() -> server.store().consumerPosition("web-push") >= last, WAIT);
                assertThat(service.received).hasSize(2);
            }
        }
    }

    static HttpResponse<String> get(HttpClient http, String url, String cookie) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(HttpClient http, String url, String cookie, String csrf, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Cookie", cookie).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (csrf != null) b.header("X-CSRF-Token", csrf);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void send(TwinmailServer server, String subject) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress("wang@remote.example", "王芳", "UTF-8"));
        m.addRecipient(Message.RecipientType.TO, new InternetAddress("li@push.example"));
        m.setSubject(subject, "UTF-8");
        m.setText("周五晚上七点，老地方见。", "UTF-8");
        Transport.send(m);
    }
}
