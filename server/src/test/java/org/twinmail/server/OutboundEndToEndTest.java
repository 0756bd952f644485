package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.dns.LocalDnsServer;
import org.twinmail.relay.queue.Sink;

/**
 * Outbound mail through the whole server: submission with local and remote recipients, the
 * queue runner on the active node, MX answers from an in-process DNS server, an aiosmtpd sink
 * as the remote MTA; the admin queue commands; and a queue that survives SIGKILL.
 */
class OutboundEndToEndTest {
    private static final Pattern SUBMISSION_PORT = Pattern.compile("submission 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        processes.forEach(Process::destroyForcibly);
        for (AutoCloseable c : resources.reversed()) c.close();
    }

    private LocalDnsServer dns() {
        LocalDnsServer dns = LocalDnsServer.start();
        resources.add(dns);
        dns.mx("remote.example", 10, "mx.remote.example").a("mx.remote.example", "127.0.0.1");
        return dns;
    }

    private void admin(Path data, String... args) {
        List<String> full = new ArrayList<>(List.of("admin", "--data", data.toString()));
        full.addAll(List.of(args));
        CliRunner.Result r = CliRunner.run(full.toArray(String[]::new));
        assertThat(r.exit()).as("twinmail %s: %s", String.join(" ", args), r.err()).isZero();
    }

    private static Session session(InetSocketAddress submission) {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(submission.getPort()));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.localhost", "client.test.example");
        p.put("mail.smtp.timeout", "20000");
        return Session.getInstance(p);
    }

    private static void submit(Session s, String user, String password, String subject, String... to) throws Exception {
        MimeMessage m = new MimeMessage(s);
        m.setFrom(new InternetAddress(user));
        for (String t : to) m.addRecipient(Message.RecipientType.TO, new InternetAddress(t));
        m.setSubject(subject);
        m.setText("Hello from " + user + ", " + subject + ".\n");
        Transport.send(m, user, password);
    }

    @Test
    void submissionToLocalAndRemoteRecipientsDeliversBothAndTheQueueCanBeManaged() throws Exception {
        Sink sink = Sink.start(dir.resolve("sink"));
        resources.add(sink);
        Path data = dir.resolve("data");
        TwinmailConfig config = TestConfigs.loopback(data);
        config.relay.dns.servers = List.of(dns().hostPort());
        config.relay.port = sink.port;
        config.relay.retrySchedule = List.of(Duration.ofHours(1)); // retries come only from the admin command below
        TwinmailServer server = TwinmailServer.start(config);
        resources.add(server);
        admin(data, "domain", "add", "one.example");
        admin(data, "user", "add", "alice@one.example", "--password", "alice-password");
        admin(data, "user", "add", "bob@one.example", "--password", "bob-password");

        Session session = session(server.submissionAddresses().getFirst());
        submit(session, "alice@one.example", "alice-password", "mixed", "bob@one.example", "friend@remote.example");
        List<Sink.Received> got = sink.await(1);
        assertThat(got.getFirst().envelope()).contains("\"mail_from\": \"alice@one.example\"")
                .contains("friend@remote.example").doesNotContain("bob@one.example");
        assertThat(got.getFirst().content()).startsWith("Received: from client.test.example").contains("Subject: mixed")
                .doesNotContain("Return-Path");
        Properties pop = new Properties();
        pop.put("mail.pop3.host", "127.0.0.1");
        pop.put("mail.pop3.port", String.valueOf(server.pop3Addresses().getFirst().getPort()));
        Store store = Session.getInstance(pop).getStore("pop3");
        store.connect("bob@one.example", "bob-password");
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessages()).extracting(Message::getSubject).containsExactly("mixed");
        inbox.close(false);
        store.close();

        // A greylisting remote: the message waits in the queue, visible to the administrator.
        sink.rules("{\"rcpt\": {\"later@remote.example\": [\"451 4.7.1 greylisted\", \"250 2.1.5 OK\"],"
                + " \"never@remote.example\": [\"451 4.7.1 greylisted\"]}}");
        submit(session, "alice@one.example", "alice-password", "greylisted", "later@remote.example");
        submit(session, "alice@one.example", "alice-password", "abandoned", "never@remote.example");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        CliRunner.Result list;
        do {
            Thread.sleep(100);
            list = CliRunner.run("admin", "--data", data.toString(), "queue", "list");
            assertThat(System.nanoTime()).as("both refused once: %s", list.out()).isLessThan(deadline);
        } while (!Pattern.compile("(?s)later@remote\\.example +1 .*greylisted.*never@remote\\.example +1 .*greylisted").matcher(list.out()).find());
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains("ID").contains("later@remote.example").contains("never@remote.example");
        String laterId = idOf(list.out(), "later@remote.example");
        String neverId = idOf(list.out(), "never@remote.example");

        CliRunner.Result retry = CliRunner.run("admin", "--data", data.toString(), "queue", "retry", laterId);
        assertThat(retry.exit()).as("%s\n%s", retry.err(), list.out()).isZero();
        assertThat(retry.out()).contains("1 recipient due now");
        assertThat(sink.await(2).get(1).content()).contains("Subject: greylisted");

        CliRunner.Result delete = CliRunner.run("admin", "--data", data.toString(), "queue", "delete", neverId);
        assertThat(delete.exit()).as(delete.err()).isZero();
        CliRunner.Result again = CliRunner.run("admin", "--data", data.toString(), "queue", "delete", neverId);
        assertThat(again.exit()).isEqualTo(3);
        assertThat(again.err()).isEqualTo("twinmail: queued message " + neverId + " does not exist\n");
        assertThat(CliRunner.run("admin", "--data", data.toString(), "queue", "retry").exit()).isEqualTo(2);

        // The MX port still never relays.
        try (Socket s = new Socket("127.0.0.1", server.smtpAddresses().getFirst().getPort())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(in);
            out.write("EHLO x.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<friend@remote.example>\r\n".getBytes(StandardCharsets.US_ASCII));
            reply(in);
            reply(in);
            assertThat(reply(in)).startsWith("550 5.7.1");
        }
        // The sink has the message before our side records the 250, so the counter may lag a moment.
        String delivered = "twinmail_relay_deliveries_total{outcome=\"delivered\"} 2.0";
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String metrics;
        do {
            metrics = new String(java.net.URI.create("http://127.0.0.1:" + server.httpAddresses().getFirst().getPort()
                    + "/metrics").toURL().openStream().readAllBytes(), StandardCharsets.UTF_8);
            if (metrics.contains(delivered)) break;
            Thread.sleep(100);
        } while (System.nanoTime() < until);
        assertThat(metrics).contains(delivered).contains("twinmail_relay_queue_messages");
    }

    /** The ID column of the table row of {@code recipient} (the in-process server's log lines go to the same stdout). */
    private static String idOf(String listing, String recipient) {
        Matcher m = Pattern.compile("(?m)^(\\d+) +\\S+ +\\d+ +\\S+ +" + Pattern.quote(recipient) + " ").matcher(listing);
        if (m.find()) return m.group(1);
        throw new AssertionError(recipient + " not in " + listing);
    }

    private static String reply(BufferedReader in) throws java.io.IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new java.io.IOException("closed");
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    /** A node in its own JVM; returns it and its submission port once it printed them. */
    private record Node(Process process, int submissionPort) { }

    private Node startNode(Path config, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "org.twinmail.server.cli.Main", "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            String out = Files.exists(log) ? Files.readString(log) : "";
            Matcher s = SUBMISSION_PORT.matcher(out);
            if (out.contains("TwinMail ready") && s.find()) return new Node(p, Integer.parseInt(s.group(1)));
            if (!p.isAlive()) throw new AssertionError("server exited: " + out);
            Thread.sleep(50);
        }
        throw new AssertionError("server did not start: " + Files.readString(log));
    }

    @Test
    void aFullQueueSurvivesKillMinus9AndIsDeliveredAfterTheRestart() throws Exception {
        Path data = dir.resolve("data");
        int remotePort = Sink.freePort(); // nothing listens there until after the crash
        Path config = dir.resolve("twinmail.yaml");
        Files.writeString(config, TestConfigs.loopbackYaml(data) + """
                relay: { port: %d, retrySchedule: [1s], dns: { servers: ["%s"] } }
                """.formatted(remotePort, dns().hostPort()));
        admin(data, "domain", "add", "crash.example");
        admin(data, "user", "add", "vic@crash.example", "--password", "pw-long-enough");

        Node node = startNode(config, dir.resolve("first.log"));
        int messages = 20;
        try (Socket s = new Socket("127.0.0.1", node.submissionPort())) {
            s.setSoTimeout(20_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(in);
            out.write(("EHLO crash.test\r\nAUTH PLAIN " + Base64.getEncoder().encodeToString("\0vic@crash.example\0pw-long-enough"
                    .getBytes(StandardCharsets.US_ASCII)) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            reply(in);
            assertThat(reply(in)).startsWith("235");
            for (int i = 0; i < messages; i++) {
                out.write(("MAIL FROM:<vic@crash.example>\r\nRCPT TO:<r" + i + "@remote.example>\r\nDATA\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(reply(in)).startsWith("250");
                assertThat(reply(in)).startsWith("250");
                assertThat(reply(in)).startsWith("354");
                out.write(("From: <vic@crash.example>\r\nSubject: queued " + i + "\r\n\r\n" + ("x".repeat(98) + "\r\n").repeat(50) + ".\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(reply(in)).startsWith("250 2.0.0");
            }
        }
        node.process().destroyForcibly(); // SIGKILL with every message acknowledged and none delivered
        node.process().waitFor();

        Sink sink = Sink.start(dir.resolve("sink"), remotePort);
        resources.add(sink);
        startNode(config, dir.resolve("second.log"));
        List<Sink.Received> got = sink.await(messages);
        assertThat(got).hasSize(messages);
        assertThat(got).allSatisfy(r -> assertThat(r.content()).contains("x".repeat(98)));
    }
}
