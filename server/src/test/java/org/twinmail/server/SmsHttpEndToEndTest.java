package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.sms.gateway.http.TestProvider;
import org.twinmail.sms.gateway.http.WebhookSignature;

/**
 * A node whose only gateway is a cloud provider's HTTP API (a local endpoint the test runs):
 * the verification code and a notice go out as JSON requests, and the provider's webhook on the
 * node's HTTP server carries the user's reply, which arrives as mail in the sender's INBOX; a
 * call with a bad signature is refused with 401 and sends nothing.
 */
class SmsHttpEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    private static int inbox(TwinmailServer server, String user) throws Exception {
        Properties p = new Properties();
        p.put("mail.imap.host", "127.0.0.1");
        p.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
        Store store = Session.getInstance(p).getStore("imap");
        store.connect(user, "pw-long-enough");
        try {
            Folder f = store.getFolder("INBOX");
            f.open(Folder.READ_ONLY);
            int n = f.getMessageCount();
            f.close(false);
            return n;
        } finally {
            store.close();
        }
    }

    private static HttpResponse<String> webhook(TwinmailServer server, String json, String secret) throws Exception {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        long ts = Instant.now().getEpochSecond();
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpAddresses().getFirst().getPort() + "/sms/webhook/cloud"))
                .header("Content-Type", "application/json").header(WebhookSignature.TIMESTAMP, Long.toString(ts))
                .header(WebhookSignature.SIGNATURE, WebhookSignature.sign(secret, ts, body)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try (HttpClient c = HttpClient.newHttpClient()) {
            return c.send(r, HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void noticesGoThroughTheProvidersApiAndRepliesComeBackThroughTheSignedWebhook() throws Exception {
        try (TestProvider provider = new TestProvider()) {
            TwinmailConfig c = TestConfigs.loopback(data);
            c.sms.enabled = true;
            TwinmailConfig.Sms.Http h = new TwinmailConfig.Sms.Http();
            h.name = "cloud";
            h.url = provider.url() + "/v1/messages";
            h.headers = Map.of("X-Api-Key", "key-1");
            h.body = "{\"to\":\"{to}\",\"from\":\"{from}\",\"text\":\"{text}\",\"reference\":\"{id}\"}";
            h.auth = "bearer";
            h.token = "tok";
            h.successPattern = "\"ok\":true";
            h.messageIdPattern = "\"id\":\"([^\"]+)\"";
            h.sourceAddress = "10690000";
            h.extensionDigits = 4;
            h.webhookSecret = "hook-secret";
            c.sms.http = List.of(h);
            try (TwinmailServer server = TwinmailServer.start(c)) {
                assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "sms.example").exit()).isZero();
                assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "li@sms.example", "--password", "pw-long-enough").exit()).isZero();
                assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "wang@sms.example", "--password", "pw-long-enough").exit()).isZero();
                assertThat(CliRunner.run("admin", "--data", data.toString(), "sms", "set", "li@sms.example", "--phone", "+8613800138000",
                        "--on").exit()).isZero();
                SmsEndToEndTest.await(() -> provider.requests.size() == 1);
                TestProvider.Request code = provider.requests.getFirst();
                assertThat(code.headers().get("Authorization")).isEqualTo("Bearer tok");
                assertThat(code.headers().get("X-Api-Key")).isEqualTo("key-1");
                String codeText = JSON.readTree(code.body()).get("text").asText();
                assertThat(codeText).matches("TwinMail code: [0-9]{6} \\(valid 15 minutes\\)");
                CliRunner.Result verify = CliRunner.run("admin", "--data", data.toString(), "sms", "verify", "li@sms.example", codeText.substring(15, 21));
                assertThat(verify.exit()).as(verify.err()).isZero();

                Properties p = new Properties();
                p.put("mail.smtp.host", "127.0.0.1");
                p.put("mail.smtp.port", String.valueOf(server.submissionAddresses().getFirst().getPort()));
                p.put("mail.smtp.auth", "true");
                MimeMessage m = new MimeMessage(Session.getInstance(p));
                m.setFrom(new InternetAddress("wang@sms.example"));
                m.addRecipient(Message.RecipientType.TO, new InternetAddress("li@sms.example"));
                m.setSubject("Budget");
                m.setText("Please approve the budget by Friday.");
                Transport.send(m, "wang@sms.example", "pw-long-enough");
                SmsEndToEndTest.await(() -> provider.requests.size() == 2);
                JsonNode notice = JSON.readTree(provider.requests.get(1).body());
                assertThat(notice.get("text").asText()).startsWith("Mail from wang@sms.example, ").contains("\nBudget\nPlease approve the budget");
                String from = notice.get("from").asText();
                assertThat(from).matches("10690000[0-9]{4}");

                String reply = "{\"from\":\"+8613800138000\",\"to\":\"" + from + "\",\"text\":\"Approved.\"}";
                assertThat(webhook(server, reply, "not-the-secret").statusCode()).isEqualTo(401);
                HttpResponse<String> ok = webhook(server, reply, "hook-secret");
                assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
                SmsEndToEndTest.await(() -> {
                    try {
                        return inbox(server, "wang@sms.example") == 1;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                // the refused call sent nothing: one reply, and no answer by SMS
                assertThat(provider.requests).hasSize(2);
                assertThat(inbox(server, "wang@sms.example")).isEqualTo(1);
                // the receipt of the notice, signed
                String id = "P2";
                assertThat(webhook(server, "{\"messageId\":\"" + id + "\",\"status\":\"delivered\"}", "hook-secret").statusCode()).isEqualTo(200);
                try (HttpClient client = HttpClient.newHttpClient()) {
                    HttpResponse<String> get = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + server.httpAddresses().getFirst().getPort() + "/sms/webhook/cloud")).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(get.statusCode()).isEqualTo(405);
                }
            }
        }
    }
}
