package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path a user sees, with Jakarta Mail (Angus) as the independent client:
 * admin CLI sets up two domains, SMTP delivers across them through aliases, POP3
 * reads and deletes, quotas refuse at RCPT and the owner of a full mailbox can still
 * clean up, and the metrics endpoint counts it all.
 */
class MailFlowEndToEndTest {
    @TempDir
    Path data;

    TwinmailServer server;
    InetSocketAddress smtp;
    InetSocketAddress pop3;

    @BeforeEach
    void start() throws IOException {
        server = TwinmailServer.start(TestConfigs.loopback(data));
        smtp = server.smtpAddresses().getFirst();
        pop3 = server.pop3Addresses().getFirst();
        admin("domain", "add", "one.example");
        admin("domain", "add", "two.example");
        admin("user", "add", "alice@one.example", "--password", "alice-password");
        admin("user", "add", "bob@two.example", "--password", "bob-password");
        admin("user", "add", "carol@two.example", "--password", "carol-password", "--quota", "20K");
        admin("alias", "add", "team@one.example", "alice@one.example", "bob@two.example");
        admin("alias", "add", "@two.example", "bob@two.example");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void admin(String... args) {
        String[] full = new String[args.length + 3];
        full[0] = "admin";
        full[1] = "--data";
        full[2] = data.toString();
        System.arraycopy(args, 0, full, 3, args.length);
        CliRunner.Result r = CliRunner.run(full);
        assertThat(r.exit()).as("twinmail %s: %s", String.join(" ", args), r.err()).isZero();
    }

    private Session session() {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(smtp.getPort()));
        p.put("mail.smtp.localhost", "client.test.example");
        p.put("mail.smtp.timeout", "20000");
        p.put("mail.pop3.host", "127.0.0.1");
        p.put("mail.pop3.port", String.valueOf(pop3.getPort()));
        p.put("mail.pop3.timeout", "20000");
        return Session.getInstance(p);
    }

    private MimeMessage message(Session s, String subject, String body, String... to) throws Exception {
        MimeMessage m = new MimeMessage(s);
        m.setFrom(new InternetAddress("sender@remote.example"));
        for (String t : to) m.addRecipient(Message.RecipientType.TO, new InternetAddress(t));
        m.setSubject(subject, "UTF-8");
        m.setText(body, "UTF-8");
        return m;
    }

    private List<String> readAndDelete(String user, String password) throws Exception {
        Store store = session().getStore("pop3");
        store.connect(user, password);
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_WRITE);
        List<String> subjects = Arrays.stream(inbox.getMessages()).map(m -> {
            try {
                String subject = m.getSubject();
                m.setFlag(Flags.Flag.DELETED, true);
                return subject;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).toList();
        inbox.close(true);
        store.close();
        return subjects;
    }

    @Test
    void deliversAcrossDomainsThroughAliasesAndCatchAllThenPop3ReadsAndDeletes() throws Exception {
        Session s = session();
        MimeMessage m = message(s, "Grüße an alle", "Hallo Team\n.dot line\n", "team@one.example", "anyone@two.example", "alice@one.example");
        Transport.send(m);

        // alice: via team alias and directly, but only one copy; bob: via team and catch-all, one copy
        assertThat(readAndDelete("alice@one.example", "alice-password")).containsExactly("Grüße an alle");
        assertThat(readAndDelete("bob@two.example", "bob-password")).containsExactly("Grüße an alle");
        // deleted at QUIT: nothing left
        assertThat(readAndDelete("alice@one.example", "alice-password")).isEmpty();
        // one blob served all recipients: the usage of each is the stored size
        var alice = server.store().findAccount(org.twinmail.core.mail.EmailAddress.parse("alice@one.example")).orElseThrow();
        assertThat(alice.usedBytes()).isZero();
    }

    @Test
    void unknownUsersAndForeignDomainsAreRefused() throws Exception {
        Session s = session();
        assertThat(refusal(() -> Transport.send(message(s, "x", "y", "ghost@one.example")))).contains("550 5.1.1");
        assertThat(refusal(() -> Transport.send(message(s, "x", "y", "someone@elsewhere.example")))).contains("5.7.1");
    }

    /** Jakarta Mail reports per-recipient SMTP replies in a chain of nested exceptions: all their messages. */
    private static String refusal(org.assertj.core.api.ThrowableAssert.ThrowingCallable send) {
        try {
            send.call();
        } catch (Throwable t) {
            assertThat(t).isInstanceOf(SendFailedException.class);
            StringBuilder b = new StringBuilder();
            for (Exception e = (Exception) t; e != null; e = e instanceof jakarta.mail.MessagingException me ? me.getNextException() : null) {
                b.append(e.getMessage()).append('\n');
            }
            return b.toString();
        }
        throw new AssertionError("the message was accepted");
    }

    @Test
    void fullMailboxIsRefusedAtRcptAndItsOwnerCanStillLogInAndCleanUp() throws Exception {
        Session s = session();
        String big = "x".repeat(12_000);
        Transport.send(message(s, "first", big, "carol@two.example"));
        // carol has 20K quota and ~12K used: a second 12K message does not fit (refused at RCPT
        // when the client declares SIZE, else at the end of DATA), and nothing is stored
        assertThatThrownBy(() -> Transport.send(message(s, "second", big, "carol@two.example")))
                .isInstanceOf(SendFailedException.class).hasMessageContaining("452");
        // the owner logs in, sees the first, deletes it
        assertThat(readAndDelete("carol@two.example", "carol-password")).containsExactly("first");
        // room again
        Transport.send(message(s, "third", big, "carol@two.example"));
        assertThat(readAndDelete("carol@two.example", "carol-password")).containsExactly("third");
    }

    @Test
    void metricsAndHealthAreServed() throws Exception {
        Transport.send(message(session(), "counted", "body", "alice@one.example"));
        InetSocketAddress http = server.httpAddresses().getFirst();
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.getPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("twinmail_smtp_messages_total").contains("outcome=\"accepted\"")
                .contains("twinmail_store_commit_seconds").contains("twinmail_connections_total").contains("jvm_memory_used_bytes");
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.getPort() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("UP");
    }
}
