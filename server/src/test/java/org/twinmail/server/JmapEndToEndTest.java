package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JMAP on the node as wired: over real HTTP, beside SMTP and IMAP on the same store. A flag set
 * over IMAP shows in JMAP at once and a keyword set over JMAP in IMAP; mail delivered over SMTP
 * is pushed over EventSource and over the RFC 8887 WebSocket.
 */
class JmapEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "jo@jmap.example";
    private static final String PASSWORD = "password-jo";

    @TempDir
    Path data;
    TwinmailServer server;
    HttpClient http;
    String base;
    String auth;

    @BeforeEach
    void start() throws Exception {
        server = TwinmailServer.start(TestConfigs.loopback(data));
        assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "jmap.example").exit()).isZero();
        assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", USER, "--password", PASSWORD).exit()).isZero();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        base = "http://127.0.0.1:" + server.httpAddresses().getFirst().getPort();
        auth = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void sessionAndFlagsSharedWithImap() throws Exception {
        HttpResponse<String> s = http.send(HttpRequest.newBuilder(URI.create(base + "/.well-known/jmap")).header("Authorization", auth).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(s.statusCode()).isEqualTo(200);
        JsonNode session = JSON.readTree(s.body());
        String account = session.path("primaryAccounts").path("urn:ietf:params:jmap:mail").asText();
        assertThat(session.path("apiUrl").asText()).isEqualTo(base + "/jmap/api");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/jmap/session")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(401);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/.well-known/other")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(404);

        sendMail("shared flags");
        String id = api("[[\"Email/query\",{\"accountId\":\"" + account + "\"},\"q\"]]").get(0).get(1).path("ids").get(0).asText();

        Store imap = imap();
        try {
            Folder inbox = imap.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            inbox.getMessage(1).setFlag(Flags.Flag.FLAGGED, true); // IMAP STORE +FLAGS (\Flagged)
            JsonNode kw = api("[[\"Email/get\",{\"accountId\":\"" + account + "\",\"ids\":[\"" + id + "\"],\"properties\":[\"keywords\"]},\"g\"]]")
                    .get(0).get(1).path("list").get(0).path("keywords");
            assertThat(kw.path("$flagged").asBoolean()).isTrue();

            api("[[\"Email/set\",{\"accountId\":\"" + account + "\",\"update\":{\"" + id + "\":{\"keywords/$seen\":true}}},\"s\"]]");
            inbox.close(false);
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessage(1).isSet(Flags.Flag.SEEN)).isTrue();
            assertThat(inbox.getMessage(1).isSet(Flags.Flag.FLAGGED)).isTrue();
        } finally {
            imap.close();
        }
    }

    @Test
    void eventSourcePushesNewMail() throws Exception {
        String account = "a" + accountId();
        HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + "/jmap/eventsource?types=*&closeafter=no&ping=0"))
                .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        BlockingQueue<String> data = new LinkedBlockingQueue<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) if (line.startsWith("data: ")) data.add(line.substring(6));
            } catch (Exception ignored) {
                // closed at the end of the test
            }
        });
        JsonNode first = JSON.readTree(data.poll(10, TimeUnit.SECONDS));
        assertThat(first.path("@type").asText()).isEqualTo("StateChange");
        String before = first.path("changed").path(account).path("Email").asText();
        sendMail("pushed");
        JsonNode pushed = JSON.readTree(data.poll(10, TimeUnit.SECONDS));
        JsonNode changed = pushed.path("changed").path(account);
        assertThat(changed.has("Email")).isTrue();
        assertThat(changed.has("EmailDelivery")).isTrue();
        // the pushed state is what /changes takes
        JsonNode c = api("[[\"Email/changes\",{\"accountId\":\"" + account + "\",\"sinceState\":\"" + before + "\"},\"c\"]]").get(0).get(1);
        assertThat(c.path("created")).hasSize(1);
        assertThat(Long.parseLong(c.path("newState").asText())).isGreaterThanOrEqualTo(Long.parseLong(changed.path("Email").asText()));
        reader.interrupt();
        r.body().close();
    }

    @Test
    void webSocketRequestsAndPush() throws Exception {
        String account = "a" + accountId();
        BlockingQueue<String> in = new LinkedBlockingQueue<>();
        WebSocket ws = http.newWebSocketBuilder().header("Authorization", auth).subprotocols("jmap")
                .buildAsync(URI.create(base.replace("http", "ws") + "/jmap/ws"), new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence text, boolean last) {
                        partial.append(text);
                        if (last) {
                            in.add(partial.toString());
                            partial.setLength(0);
                        }
                        webSocket.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        assertThat(ws.getSubprotocol()).isEqualTo("jmap");
        ws.sendText("{\"@type\":\"Request\",\"id\":\"r1\",\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",{\"x\":1},\"c1\"]]}", true)
                .get(10, TimeUnit.SECONDS);
        JsonNode resp = JSON.readTree(in.poll(10, TimeUnit.SECONDS));
        assertThat(resp.path("@type").asText()).isEqualTo("Response");
        assertThat(resp.path("requestId").asText()).isEqualTo("r1");
        assertThat(resp.path("methodResponses").get(0).get(1).path("x").asInt()).isEqualTo(1);
        ws.sendText("{\"@type\":\"Request\",\"id\":\"r2\",\"using\":[\"urn:nope\"],\"methodCalls\":[]}", true).get(10, TimeUnit.SECONDS);
        JsonNode err = JSON.readTree(in.poll(10, TimeUnit.SECONDS));
        assertThat(err.path("@type").asText()).isEqualTo("RequestError");
        assertThat(err.path("type").asText()).isEqualTo("urn:ietf:params:jmap:error:unknownCapability");
        assertThat(err.path("requestId").asText()).isEqualTo("r2");

        ws.sendText("{\"@type\":\"WebSocketPushEnable\",\"dataTypes\":[\"Email\",\"Mailbox\"]}", true).get(10, TimeUnit.SECONDS);
        // the push starts asynchronously: send until a StateChange arrives (each message is new mail)
        JsonNode push = null;
        for (int i = 0; i < 5 && push == null; i++) {
            sendMail("ws push " + i);
            String msg = in.poll(5, TimeUnit.SECONDS);
            if (msg != null) push = JSON.readTree(msg);
        }
        assertThat(push).isNotNull();
        assertThat(push.path("@type").asText()).isEqualTo("StateChange");
        assertThat(push.path("pushState").asText()).matches("\\d+");
        assertThat(push.path("changed").path(account).has("Email")).isTrue();
        assertThat(push.path("changed").path(account).has("EmailDelivery")).isFalse(); // not asked for
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);

        // without credentials the upgrade is refused
        assertThat(http.newWebSocketBuilder().subprotocols("jmap").buildAsync(URI.create(base.replace("http", "ws") + "/jmap/ws"),
                new WebSocket.Listener() { }).handle((w, e) -> e != null).get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void mdnSentOverJmapArrivesAsAReportReadOverImap() throws Exception {
        String ann = "ann@jmap.example";
        assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", ann, "--password", "password-ann").exit()).isZero();
        // a message over SMTP that asks for an MDN to ann
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
        p.put("mail.smtp.timeout", "20000");
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress("someone@remote.example"));
        m.addRecipient(Message.RecipientType.TO, new InternetAddress(USER));
        m.setSubject("read receipt wanted");
        m.setHeader("Disposition-Notification-To", ann);
        m.setText("please confirm");
        Transport.send(m);
        String account = "a" + accountId();
        String using = "[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\",\"urn:ietf:params:jmap:submission\",\"urn:ietf:params:jmap:mdn\"]";
        String email = api(using, "[[\"Email/query\",{\"accountId\":\"" + account + "\"},\"q\"]]").get(0).get(1).path("ids").get(0).asText();
        String identity = api(using, "[[\"Identity/get\",{\"accountId\":\"" + account + "\"},\"i\"]]").get(0).get(1).path("list").get(0)
                .path("id").asText();
        JsonNode sent = api(using, "[[\"MDN/send\",{\"accountId\":\"" + account + "\",\"identityId\":\"" + identity + "\",\"send\":{\"k\":{"
                + "\"forEmailId\":\"" + email + "\",\"disposition\":{\"actionMode\":\"manual-action\",\"sendingMode\":\"mdn-sent-manually\","
                + "\"type\":\"displayed\"}}}},\"m\"]]").get(0).get(1);
        assertThat(sent.path("sent").has("k")).as(sent.toString()).isTrue();

        Properties ip = new Properties();
        ip.put("mail.imap.host", "127.0.0.1");
        ip.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
        ip.put("mail.imap.timeout", "20000");
        Store imap = Session.getInstance(ip).getStore("imap");
        imap.connect(ann, "password-ann");
        try {
            Folder inbox = imap.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessageCount()).isEqualTo(1);
            Message report = inbox.getMessage(1);
            assertThat(report.getContentType()).startsWith("multipart/report").contains("disposition-notification");
            assertThat(report.getHeader("Return-Path")[0]).isEqualTo("<>");
            jakarta.mail.Multipart parts = (jakarta.mail.Multipart) report.getContent();
            assertThat(parts.getBodyPart(1).getContentType()).startsWith("message/disposition-notification");
            String fields = new String(parts.getBodyPart(1).getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(fields).contains("Final-Recipient: rfc822; " + USER, "Disposition: manual-action/MDN-sent-manually; displayed");
        } finally {
            imap.close();
        }
    }

    @Test
    void aHeldSubmissionGoesOutAtItsTimeOnTheRunningNode() throws Exception {
        String account = "a" + accountId();
        String using = "[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\",\"urn:ietf:params:jmap:submission\"]";
        String identity = api(using, "[[\"Identity/get\",{\"accountId\":\"" + account + "\"},\"i\"]]").get(0).get(1).path("list").get(0)
                .path("id").asText();
        String inbox = api(using, "[[\"Mailbox/query\",{\"accountId\":\"" + account + "\",\"filter\":{\"role\":\"inbox\"}},\"m\"]]")
                .get(0).get(1).path("ids").get(0).asText();
        JsonNode rs = api(using, "[[\"Email/set\",{\"accountId\":\"" + account + "\",\"create\":{\"d\":{\"mailboxIds\":{\"" + inbox + "\":true},"
                + "\"from\":[{\"email\":\"" + USER + "\"}],\"to\":[{\"email\":\"" + USER + "\"}],\"subject\":\"to myself, later\","
                + "\"textBody\":[{\"partId\":\"1\"}],\"bodyValues\":{\"1\":{\"value\":\"held\"}}}}},\"e\"],"
                + "[\"EmailSubmission/set\",{\"accountId\":\"" + account + "\",\"create\":{\"s\":{\"identityId\":\"" + identity + "\","
                + "\"emailId\":\"#d\",\"envelope\":{\"mailFrom\":{\"email\":\"" + USER + "\",\"parameters\":{\"HOLDFOR\":\"1\"}},"
                + "\"rcptTo\":[{\"email\":\"" + USER + "\"}]}}}},\"s\"]]");
        JsonNode created = rs.get(1).get(1).path("created").path("s");
        assertThat(created.path("undoStatus").asText()).as(rs.toString()).isEqualTo("pending");
        String id = created.path("id").asText();
        // the runner sends it about a second later: wait for the submission to turn final and for its delivery status,
        // written once the message is delivered (final comes first: it can no longer be canceled once sending starts)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonNode sub = null;
        while (System.nanoTime() < deadline) {
            sub = api(using, "[[\"EmailSubmission/get\",{\"accountId\":\"" + account + "\",\"ids\":[\"" + id + "\"]},\"g\"]]")
                    .get(0).get(1).path("list").get(0);
            if (sub.path("undoStatus").asText().equals("final") && sub.path("deliveryStatus").isObject()) break;
            Thread.onSpinWait();
        }
        assertThat(sub.path("undoStatus").asText()).as(sub.toString()).isEqualTo("final");
        assertThat(sub.path("deliveryStatus").isObject()).as(sub.toString()).isTrue();
        Store imap = imap();
        try {
            Folder folder = imap.getFolder("INBOX");
            folder.open(Folder.READ_ONLY);
            assertThat(folder.getMessageCount()).isEqualTo(2); // the draft and the message it sent
        } finally {
            imap.close();
        }
    }

    private long accountId() throws Exception {
        HttpResponse<String> s = http.send(HttpRequest.newBuilder(URI.create(base + "/jmap/session")).header("Authorization", auth).build(),
                HttpResponse.BodyHandlers.ofString());
        return Long.parseLong(JSON.readTree(s.body()).path("primaryAccounts").path("urn:ietf:params:jmap:mail").asText().substring(1));
    }

    private JsonNode api(String calls) throws Exception {
        return api("[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\"]", calls);
    }

    private JsonNode api(String using, String calls) throws Exception {
        String body = "{\"using\":" + using + ",\"methodCalls\":" + calls + "}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/jmap/api")).header("Authorization", auth)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("methodResponses");
    }

    private void sendMail(String subject) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
        p.put("mail.smtp.timeout", "20000");
        Session session = Session.getInstance(p);
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("someone@remote.example"));
        m.addRecipient(Message.RecipientType.TO, new InternetAddress(USER));
        m.setSubject(subject);
        m.setText("hello " + subject);
        Transport.send(m);
    }

    private Store imap() throws Exception {
        Properties p = new Properties();
        p.put("mail.imap.host", "127.0.0.1");
        p.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
        p.put("mail.imap.timeout", "20000");
        Store store = Session.getInstance(p).getStore("imap");
        store.connect(USER, PASSWORD);
        return store;
    }
}
