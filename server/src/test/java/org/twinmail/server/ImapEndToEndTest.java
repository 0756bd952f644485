package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.event.MessageCountAdapter;
import jakarta.mail.event.MessageCountEvent;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node as wired by TwinmailServer: a message sent over SMTP reaches a Jakarta Mail
 * IMAP client that is in IDLE within one second of the SMTP reply, and the start-up line
 * names the IMAP listener.
 */
class ImapEndToEndTest {
    @TempDir
    Path data;

    @Test
    void smtpDeliveryReachesAnIdleImapSession() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "imap.example").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "ida@imap.example", "--password", "password-ida").exit()).isZero();
            InetSocketAddress imap = server.imapAddresses().getFirst();
            assertThat(server.describe()).contains("IMAP 127.0.0.1:" + imap.getPort(),
                    "IMAPS 127.0.0.1:" + server.imapsAddresses().getFirst().getPort());

            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
            p.put("mail.smtp.timeout", "20000");
            p.put("mail.imap.host", "127.0.0.1");
            p.put("mail.imap.port", String.valueOf(imap.getPort()));
            p.put("mail.imap.timeout", "20000");
            Session session = Session.getInstance(p);
            Store store = session.getStore("imap");
            store.connect("ida@imap.example", "password-ida");
            try {
                IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                CompletableFuture<Long> arrived = new CompletableFuture<>();
                inbox.addMessageCountListener(new MessageCountAdapter() {
                    @Override
                    public void messagesAdded(MessageCountEvent e) {
                        arrived.complete(System.nanoTime());
                    }
                });
                CompletableFuture<Void> idleStarted = new CompletableFuture<>();
                Thread idler = Thread.ofVirtual().start(() -> {
                    try {
                        idleStarted.complete(null);
                        while (!arrived.isDone()) inbox.idle(true);
                    } catch (Exception e) {
                        arrived.completeExceptionally(e);
                    }
                });
                idleStarted.get(10, TimeUnit.SECONDS);
                awaitIdleCommand(server);

                MimeMessage m = new MimeMessage(session);
                m.setFrom(new InternetAddress("someone@remote.example"));
                m.addRecipient(Message.RecipientType.TO, new InternetAddress("ida@imap.example"));
                m.setSubject("over SMTP, into IDLE");
                m.setText("hello");
                Transport.send(m);
                long accepted = System.nanoTime(); // the 250 reply comes after the durable commit
                long at = arrived.get(10, TimeUnit.SECONDS);
                assertThat(TimeUnit.NANOSECONDS.toMillis(Math.max(0, at - accepted))).as("SMTP 250 to IDLE notification, ms").isLessThan(1000);
                idler.join(5000);
                assertThat(inbox.getMessage(1).getSubject()).isEqualTo("over SMTP, into IDLE");
            } finally {
                store.close();
            }
        }
    }

    /** Waits until the server has received an IDLE command (the metric counts it). */
    private static void awaitIdleCommand(TwinmailServer server) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            var c = server.registry().find("twinmail.imap.commands").tag("command", "IDLE").counter();
            if (c != null && c.count() > 0) return;
            Thread.sleep(10);
        }
        throw new AssertionError("the client never sent IDLE");
    }
}
