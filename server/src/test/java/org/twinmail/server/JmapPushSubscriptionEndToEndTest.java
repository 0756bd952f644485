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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.push.TestPushService;
import org.twinmail.push.crypto.P256;

/**
 * JMAP PushSubscription (RFC 8620 7.2) on the node as wired: a client registers a push URL (a
 * push service the test runs on loopback, with keys the test owns) over the JMAP API; the
 * PushVerification arrives encrypted (RFC 8291) and nothing else until the client sets its code;
 * then mail delivered over SMTP arrives as an encrypted StateChange whose Email state is the one
 * Email/changes answers from. The subscription, in the store, outlives a restart of the node.
 */
class JmapPushSubscriptionEndToEndTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String USER = "ma@jpush.example";
    static final String PASSWORD = "Pw-jpush-1";
    @TempDir
    Path data;

    @Test
    void verifiedSubscriptionGetsEncryptedStateChangesForMailOverSmtp() throws Exception {
        try (TestPushService service = new TestPushService(); HttpClient http = HttpClient.newHttpClient()) {
            TwinmailConfig c = TestConfigs.loopback(data);
            c.jmap.pushAllowLoopbackHttp = true;
            c.push.retrySchedule = List.of(Duration.ofMillis(200));
            TestPushService.Browser phone = service.newBrowser("/jpush/phone");
            String id;
            String accountId;
            String code;
            try (TwinmailServer server = TwinmailServer.start(c)) {
                assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "jpush.example").exit()).isZero();
                assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", USER, "--password", PASSWORD).exit()).isZero();
                String base = base(server);
                JsonNode session = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/jmap/session")).header("Authorization", auth()).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                accountId = session.path("primaryAccounts").path("urn:ietf:params:jmap:mail").asText();
                assertThat(session.path("capabilities").has("urn:ietf:params:jmap:core")).isTrue();
                assertThat(session.path("capabilities").fieldNames()).toIterable().noneMatch(n -> n.contains("push") || n.contains("vapid"));

                JsonNode created = api(http, base, "[[\"PushSubscription/set\",{\"create\":{\"k\":{\"deviceClientId\":\"ma-phone\",\"url\":\""
                        + phone.endpoint() + "\",\"keys\":{\"p256dh\":\"" + P256.base64url(P256.encode((ECPublicKey) phone.keys().getPublic()))
                        + "\",\"auth\":\"" + P256.base64url(phone.auth()) + "\"},\"types\":[\"Email\",\"EmailDelivery\",\"Mailbox\"]}}},\"0\"]]").get(0).get(1);
                id = created.path("created").path("k").path("id").asText();
                assertThat(id).as(created.toString()).isNotEmpty();

                // the PushVerification, encrypted for the phone's keys
                TestPushService.await(() -> service.to("/jpush/phone").size() == 1, WAIT);
                TestPushService.Received v = service.to("/jpush/phone").getFirst();
                assertThat(v.header("Content-Encoding")).isEqualTo("aes128gcm");
                assertThat(v.header("TTL")).isEqualTo(String.valueOf(c.push.ttl.toSeconds()));
                assertThat(v.header("Urgency")).isEqualTo("normal");
                JsonNode verification = JSON.readTree(phone.decrypt(v.body()));
                assertThat(verification.path("@type").asText()).isEqualTo("PushVerification");
                assertThat(verification.path("pushSubscriptionId").asText()).isEqualTo(id);
                code = verification.path("verificationCode").asText();

                // unverified: a message over SMTP pushes nothing
                send(server, "before the code");
                long last = server.store().lastChangePosition();
                TestPushService.await(() -> server.store().consumerPosition("jmap-push") >= last, WAIT);
                assertThat(service.to("/jpush/phone")).hasSize(1);

                JsonNode verified = api(http, base, "[[\"PushSubscription/set\",{\"update\":{\"" + id + "\":{\"verificationCode\":\"" + code + "\"}}},\"0\"]]");
                assertThat(verified.get(0).get(1).path("updated").has(id)).as(verified.toString()).isTrue();
                String before = api(http, base, "[[\"Email/get\",{\"accountId\":\"" + accountId + "\",\"ids\":[]},\"0\"]]").get(0).get(1).path("state").asText();

                send(server, "after the code");
                TestPushService.await(() -> service.to("/jpush/phone").size() == 2, WAIT);
                JsonNode sc = JSON.readTree(phone.decrypt(service.to("/jpush/phone").get(1).body()));
                assertThat(sc.path("@type").asText()).isEqualTo("StateChange");
                JsonNode changed = sc.path("changed").path(accountId);
                assertThat(changed.fieldNames()).toIterable().containsExactlyInAnyOrder("Email", "EmailDelivery", "Mailbox");
                // the pushed state is a state /changes answers from: the new message is after `before` and not after the pushed state
                JsonNode fromBefore = api(http, base, "[[\"Email/changes\",{\"accountId\":\"" + accountId + "\",\"sinceState\":\"" + before + "\"},\"0\"]]").get(0).get(1);
                assertThat(fromBefore.path("created")).hasSize(1);
                JsonNode fromPushed = api(http, base, "[[\"Email/changes\",{\"accountId\":\"" + accountId + "\",\"sinceState\":\""
                        + changed.path("Email").asText() + "\"},\"0\"]]").get(0).get(1);
                assertThat(fromPushed.path("created")).isEmpty();
            }

            // a restart: the subscription is in the store, verified, and the consumer goes on
            try (TwinmailServer server = TwinmailServer.start(c)) {
                JsonNode got = api(http, base(server), "[[\"PushSubscription/get\",{\"ids\":null},\"0\"]]").get(0).get(1);
                assertThat(got.path("list").get(0).path("id").asText()).isEqualTo(id);
                assertThat(got.path("list").get(0).path("verificationCode").asText()).isEqualTo(code);
                send(server, "after the restart");
                TestPushService.await(() -> service.to("/jpush/phone").size() == 3, WAIT);
                JsonNode sc = JSON.readTree(phone.decrypt(service.to("/jpush/phone").get(2).body()));
                assertThat(sc.path("changed").path(accountId).has("Email")).isTrue();
            }
        }
    }

    static String base(TwinmailServer server) {
        return "http://127.0.0.1:" + server.httpAddresses().getFirst().getPort();
    }

    static String auth() {
        return "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    }

    static JsonNode api(HttpClient http, String base, String calls) throws Exception {
        String body = "{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\"],\"methodCalls\":" + calls + "}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/jmap/api")).header("Authorization", auth())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("methodResponses");
    }

    static void send(TwinmailServer server, String subject) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
        p.put("mail.smtp.timeout", "20000");
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress("someone@remote.example"));
        m.addRecipient(Message.RecipientType.TO, new InternetAddress(USER));
        m.setSubject(subject);
        m.setText("hello " + subject);
        Transport.send(m);
    }
}
