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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.dns.LocalDnsServer;
import org.twinmail.relay.queue.Sink;

/**
 * Automatic replies over SMTP: a Sieve vacation answers a sender once per :days and never a
 * list, bulk or automatic message (the replies checked over IMAP in the local senders'
 * INBOX); JMAP's VacationResponse answers a remote sender through the outbound queue (checked
 * at an aiosmtpd test receiver), through the same reply path; a broken script delivers to
 * INBOX and tells its owner.
 */
class VacationEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : resources.reversed()) c.close();
    }

    @Test
    void aSieveVacationAnswersOncePerPeriodAndNeverAList() throws Exception {
        Path data = dir.resolve("data");
        TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data));
        resources.add(server);
        admin(data, "domain", "add", "one.example");
        for (String u : List.of("vac", "friend", "lists", "bulk", "robot")) admin(data, "user", "add", u + "@one.example", "--password", "password-" + u);
        ForwardingEndToEndTest.upload(server, "vac@one.example", "password-vac", """
                require ["vacation"];
                vacation :days 1 :subject "Away" "I am away until Monday.";
                """);

        send(server, "friend@one.example", "vac@one.example", "first", Map.of());
        send(server, "friend@one.example", "vac@one.example", "second", Map.of());
        send(server, "lists@one.example", "vac@one.example", "digest", Map.of("List-Id", "<news.one.example>"));
        send(server, "bulk@one.example", "vac@one.example", "offer", Map.of("Precedence", "bulk"));
        send(server, "robot@one.example", "vac@one.example", "report", Map.of("Auto-Submitted", "auto-generated"));

        List<Message> replies = messages(server, "friend@one.example", "password-friend");
        assertThat(replies).extracting(Message::getSubject).as("one reply per :days, not one per message").containsExactly("Away");
        Message reply = replies.getFirst();
        assertThat(reply.getHeader("Auto-Submitted")).containsExactly("auto-replied");
        assertThat(reply.getHeader("Return-Path")).containsExactly("<>");
        assertThat(reply.getHeader("In-Reply-To")).isNotNull();
        assertThat(reply.getFrom()[0].toString()).isEqualTo("vac@one.example");
        assertThat(((String) reply.getContent()).strip()).isEqualTo("I am away until Monday.");
        assertThat(messages(server, "lists@one.example", "password-lists")).as("never a list").isEmpty();
        assertThat(messages(server, "bulk@one.example", "password-bulk")).as("never bulk").isEmpty();
        assertThat(messages(server, "robot@one.example", "password-robot")).as("never automatic mail").isEmpty();
        // vacation keeps every message
        assertThat(messages(server, "vac@one.example", "password-vac")).extracting(Message::getSubject)
                .containsExactly("first", "second", "digest", "offer", "report");
    }

    @Test
    void jmapsVacationResponseAnswersARemoteSenderThroughTheQueueOnce() throws Exception {
        Sink sink = Sink.start(dir.resolve("sink"));
        resources.add(sink);
        LocalDnsServer dns = LocalDnsServer.start();
        resources.add(dns);
        dns.mx("remote.example", 10, "mx.remote.example").a("mx.remote.example", "127.0.0.1");
        Path data = dir.resolve("data");
        TwinmailConfig config = TestConfigs.loopback(data);
        config.relay.dns.servers = List.of(dns.hostPort());
        config.relay.port = sink.port;
        TwinmailServer server = TwinmailServer.start(config);
        resources.add(server);
        admin(data, "domain", "add", "jmap.example");
        admin(data, "user", "add", "jo@jmap.example", "--password", "password-jo");

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String base = "http://127.0.0.1:" + server.httpAddresses().getFirst().getPort();
        String auth = "Basic " + Base64.getEncoder().encodeToString("jo@jmap.example:password-jo".getBytes(StandardCharsets.UTF_8));
        String calls = """
                [["VacationResponse/set",{"accountId":"%s","update":{"singleton":{"isEnabled":true,"subject":"Out of office",
                "textBody":"Back on Monday."}}},"v"]]""";
        JsonNode session = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/.well-known/jmap")).header("Authorization", auth)
                .build(), HttpResponse.BodyHandlers.ofString()).body());
        String account = session.path("primaryAccounts").path("urn:ietf:params:jmap:mail").asText();
        String body = "{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\",\"urn:ietf:params:jmap:vacationresponse\"],"
                + "\"methodCalls\":" + calls.formatted(account) + "}";
        HttpResponse<String> set = http.send(HttpRequest.newBuilder(URI.create(base + "/jmap/api")).header("Authorization", auth)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(set.body()).path("methodResponses").get(0).get(1).path("updated").has("singleton")).as(set.body()).isTrue();

        send(server, "someone@remote.example", "jo@jmap.example", "are you there?", Map.of());
        send(server, "someone@remote.example", "jo@jmap.example", "still there?", Map.of());
        send(server, "other@remote.example", "jo@jmap.example", "hello", Map.of());
        List<Sink.Received> got = sink.await(2);
        awaitTrue(() -> queueEmpty(data));
        assertThat(sink.received()).as("someone once, other once").hasSize(2);
        assertThat(got).extracting(Sink.Received::envelope).anySatisfy(e -> assertThat(e).contains("someone@remote.example"))
                .anySatisfy(e -> assertThat(e).contains("other@remote.example")).allSatisfy(e -> assertThat(e).contains("\"mail_from\": \"<>\""));
        assertThat(got.getFirst().content()).contains("Subject: Out of office").contains("Auto-Submitted: auto-replied")
                .contains("From: jo@jmap.example");
    }

    @Test
    void aBrokenScriptDeliversToInboxAndTellsItsOwner() throws Exception {
        Path data = dir.resolve("data");
        TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data));
        resources.add(server);
        admin(data, "domain", "add", "one.example");
        admin(data, "user", "add", "sam@one.example", "--password", "password-sam");
        // compiles, fails at run time: include of a script that does not exist
        ForwardingEndToEndTest.upload(server, "sam@one.example", "password-sam", """
                require ["include", "fileinto"];
                include :personal "missing";
                fileinto "Elsewhere";
                """);
        send(server, "someone@remote.example", "sam@one.example", "one", Map.of());
        send(server, "someone@remote.example", "sam@one.example", "two", Map.of());
        List<Message> inbox = messages(server, "sam@one.example", "password-sam");
        assertThat(inbox).extracting(Message::getSubject).as("both kept, one notice naming the error")
                .containsExactly("Your Sieve script rules failed", "one", "two");
        assertThat((String) inbox.getFirst().getContent()).contains("include: no personal script missing");
    }

    // ---- helpers ----

    private static void admin(Path data, String... args) {
        List<String> full = new ArrayList<>(List.of("admin", "--data", data.toString()));
        full.addAll(List.of(args));
        CliRunner.Result r = CliRunner.run(full.toArray(String[]::new));
        assertThat(r.exit()).as("twinmail %s: %s", String.join(" ", args), r.err()).isZero();
    }

    private static boolean queueEmpty(Path data) {
        CliRunner.Result r = CliRunner.run("admin", "--data", data.toString(), "queue", "list");
        return r.exit() == 0 && r.out().lines().filter(l -> !l.isBlank()).count() <= 1;
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 30 s");
            Thread.sleep(200);
        }
    }

    private static void send(TwinmailServer server, String from, String to, String subject, Map<String, String> fields) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
        p.put("mail.smtp.from", from);
        Session session = Session.getInstance(p);
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(from));
        m.addRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.setSubject(subject);
        for (Map.Entry<String, String> f : fields.entrySet()) m.setHeader(f.getKey(), f.getValue());
        m.setText("hello\n");
        Transport.send(m);
    }

    /** The INBOX's messages (copies), oldest first; the replies are committed before the 250, so no wait is needed. */
    private static List<Message> messages(TwinmailServer server, String user, String password) throws Exception {
        Properties p = new Properties();
        p.put("mail.imap.host", "127.0.0.1");
        p.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
        Store store = Session.getInstance(p).getStore("imap");
        store.connect(user, password);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            List<Message> out = new ArrayList<>();
            for (Message m : inbox.getMessages()) out.add(new MimeMessage((MimeMessage) m));
            inbox.close(false);
            return out;
        } finally {
            store.close();
        }
    }
}
