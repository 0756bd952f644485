package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminClient;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations.AuditEntry;
import org.twinmail.admin.AdminOperations.QueueInfo;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.dns.LocalDnsServer;

/**
 * An administrator bounces a queued message through the admin API: the message, waiting for a
 * remote host that refuses connections, leaves the queue, nothing is sent, and its (local) sender
 * gets one DSN naming the recipient, status 5.0.0 and the administrator's reason.
 */
class QueueBounceEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    TwinmailServer server;
    LocalDnsServer dns;

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (dns != null) dns.close();
    }

    @Test
    void aBouncedMessageLeavesTheQueueAndItsSenderGetsADsnWithTheReason() throws Exception {
        dns = LocalDnsServer.start();
        dns.mx("remote.example", 10, "mx.remote.example").a("mx.remote.example", "127.0.0.1");
        TwinmailConfig config = TestConfigs.loopback(dir.resolve("data"));
        config.relay.dns.servers = List.of(dns.hostPort());
        config.relay.port = LoopbackPair.freeTcpPort(); // nobody listens: every attempt is deferred
        config.relay.retrySchedule = List.of(Duration.ofHours(1));
        config.relay.pollInterval = Duration.ofMillis(200);
        server = TwinmailServer.start(config);
        RunFile run = RunFile.read(server.runDir()).orElseThrow();
        try (AdminClient api = new AdminClient(run.uri(), run.token())) {
            api.addDomain("one.example");
            api.addUser("alice@one.example", "alice-password".toCharArray(), 0, 0);

            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", String.valueOf(server.submissionAddresses().getFirst().getPort()));
            p.put("mail.smtp.auth", "true");
            Session s = Session.getInstance(p);
            MimeMessage m = new MimeMessage(s);
            m.setFrom(new InternetAddress("alice@one.example"));
            m.addRecipient(Message.RecipientType.TO, new InternetAddress("friend@remote.example"));
            m.setSubject("to be returned");
            m.setText("hello");
            Transport.send(m, "alice@one.example", "alice-password");

            QueueInfo queued = await("the first attempt deferred", () -> api.listQueue(10).stream()
                    .filter(q -> q.recipients().getFirst().attempts() > 0 && !q.recipients().getFirst().active()).findFirst().orElse(null));
            assertThat(api.bounceQueued(queued.id(), "held for abuse review")).isEqualTo(1);
            await("the queue empty", () -> api.listQueue(10).isEmpty() ? "empty" : null);
            String dsn = await("the DSN in alice's INBOX", () -> inbox("alice@one.example", "alice-password"));
            assertThat(dsn).contains("friend@remote.example", "Status: 5.0.0", "returned by the mail administrator: held for abuse review",
                    "Subject: to be returned");
            try {
                api.bounceQueued(queued.id(), null);
                throw new AssertionError("a second bounce of the same message must fail");
            } catch (AdminException e) {
                assertThat(e.kind()).isEqualTo(AdminException.Kind.NOT_FOUND);
                assertThat(e.getMessage()).isEqualTo("queued message " + queued.id() + " does not exist");
            }
            assertThat(api.audit(5, null, null, null)).extracting(AuditEntry::action)
                    .contains("POST /api/admin/queue/" + queued.id() + "/bounce");
        }
    }

    /** The text of every message in the INBOX, or null while it is empty. */
    private String inbox(String user, String password) {
        Properties p = new Properties();
        p.put("mail.pop3.host", "127.0.0.1");
        p.put("mail.pop3.port", String.valueOf(server.pop3Addresses().getFirst().getPort()));
        try {
            Store store = Session.getInstance(p).getStore("pop3");
            store.connect(user, password);
            try {
                Folder inbox = store.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                StringBuilder all = new StringBuilder();
                for (Message msg : inbox.getMessages()) {
                    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                    msg.writeTo(out);
                    all.append(out.toString(java.nio.charset.StandardCharsets.UTF_8));
                }
                inbox.close(false);
                return all.isEmpty() ? null : all.toString();
            } finally {
                store.close();
            }
        } catch (Exception e) {
            return null;
        }
    }

    private static <T> T await(String what, java.util.function.Supplier<T> probe) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            T v = probe.get();
            if (v != null) return v;
            if (System.nanoTime() > deadline) throw new AssertionError(what + " within " + WAIT.toSeconds() + " s");
            Thread.sleep(100);
        }
    }
}
