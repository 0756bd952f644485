package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig.PlaintextAuth;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;

/**
 * Submission (RFC 6409) and STARTTLS (RFC 3207) against the real store: AUTH only after TLS,
 * AUTH before MAIL, the user's own sender only, the limits, implicit TLS, the STARTTLS
 * injection case, and Jakarta Mail as an independent client on both ports.
 */
class SubmissionTest {
    @TempDir
    static Path dataDir;
    static SmtpFixture fixture;
    static SmtpServer servers;
    static InetSocketAddress mx;
    static InetSocketAddress submission;
    static InetSocketAddress submissions;

    @BeforeAll
    static void start() throws Exception {
        fixture = new SmtpFixture(dataDir);
        // Tests run on loopback, where the default policy would allow plaintext AUTH.
        servers = fixture.tlsServers(c -> {
            c.auth.plaintextAuth = PlaintextAuth.NEVER;
            c.submission.maxRecipientsPerMessage = 3;
        });
        mx = servers.boundAddresses().getFirst();
        submission = servers.submissionAddresses().getFirst();
        submissions = servers.submissionsAddresses().getFirst();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** STARTTLS, EHLO, AUTH PLAIN as {@code user}. */
    static SmtpClient loggedIn(Account user) throws Exception {
        SmtpClient c = SmtpClient.ehlo(submission);
        c.startTls();
        c.expect("EHLO client.example", 250);
        c.expect("AUTH PLAIN " + plain(user.address().toString(), "secret"), 235, "2.7.0");
        return c;
    }

    static String message(String from, String to, String body) {
        return "From: " + from + "\r\nTo: " + to + "\r\nSubject: test\r\n\r\n" + body + "\r\n.\r\n";
    }

    @Test
    void beforeTlsNoAuthIsOfferedAndAuthAndMailAreRefused() throws Exception {
        Account alice = fixture.account();
        try (SmtpClient c = SmtpClient.connect(submission)) {
            SmtpClient.Reply ehlo = c.expect("EHLO client.example", 250);
            assertThat(ehlo.lines()).contains("STARTTLS").noneMatch(l -> l.startsWith("AUTH"));
            c.expect("AUTH PLAIN " + plain(alice.address().toString(), "secret"), 538, "5.7.11");
            c.expect("AUTH LOGIN", 538, "5.7.11");
            assertThat(c.expect("MAIL FROM:<" + alice.address() + ">", 530, "5.7.0").text()).contains("STARTTLS");
        }
    }

    @Test
    void afterStartTlsAuthPlainThenLocalDeliveryMarkedEsmtpsa() throws Exception {
        Account alice = fixture.account();
        Account bob = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(submission)) {
            c.startTls();
            SmtpClient.Reply ehlo = c.expect("EHLO client.example", 250);
            assertThat(ehlo.lines()).contains("AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
            c.expect("STARTTLS", 503, "5.5.1"); // already active
            assertThat(c.expect("MAIL FROM:<" + alice.address() + ">", 530, "5.7.0").text()).contains("authentication required");
            c.expect("AUTH PLAIN " + plain(alice.address().toString(), "secret"), 235, "2.7.0");
            c.expect("AUTH PLAIN " + plain(alice.address().toString(), "secret"), 503, "5.5.1");
            c.expect("MAIL FROM:<" + alice.address() + "> AUTH=<>", 250); // RFC 4954 5: accepted, value not trusted
            c.expect("RCPT TO:<" + bob.address() + ">", 250);
            c.expect("DATA", 354);
            c.send(message("Alice <" + alice.address() + ">", bob.address().toString(), "hello over TLS"));
            c.expectReply(250, "2.0.0");
        }
        String stored = fixture.only(bob);
        assertThat(stored).contains("with ESMTPSA").contains("hello over TLS");
    }

    @Test
    void authLoginChallengesWrongPasswordAndCancel() throws Exception {
        Account alice = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(submission)) {
            c.startTls();
            c.expect("EHLO client.example", 250);
            assertThat(c.expect("AUTH LOGIN", 334).text()).isEqualTo(b64("Username:"));
            assertThat(c.expect(b64(alice.address().toString()), 334).text()).isEqualTo(b64("Password:"));
            c.expect(b64("wrong"), 535, "5.7.8");
            c.expect("AUTH PLAIN", 334);
            c.expect("*", 501, "5.0.0");
            c.expect("AUTH PLAIN !!!!", 501, "5.5.2");
            c.expect("AUTH CRAM-MD5", 504, "5.5.4");
            assertThat(c.expect("AUTH LOGIN " + b64(alice.address().toString()), 334).text()).isEqualTo(b64("Password:"));
            c.expect(b64("secret"), 235, "2.7.0");
        }
        assertThat(fixture.registry.get("twinmail.smtp.auth").tag("result", "failed").counter().count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void envelopeSenderAndFromMustBelongToTheUser() throws Exception {
        Account alice = fixture.account();
        Account bob = fixture.account();
        String alias = SmtpFixture.unique("alias") + "@" + SmtpFixture.DOMAIN;
        fixture.store.addAlias(alias, List.of(alice.address()));
        try (SmtpClient c = loggedIn(alice)) {
            c.expect("MAIL FROM:<" + bob.address() + ">", 553, "5.7.1");
            c.expect("MAIL FROM:<>", 553, "5.7.1");
            c.expect("MAIL FROM:<someone@elsewhere.example>", 553, "5.7.1");
            // her alias is hers; the From header still has to be
            c.expect("MAIL FROM:<" + alias + ">", 250);
            c.expect("RCPT TO:<" + bob.address() + ">", 250);
            c.expect("DATA", 354);
            c.send(message("\"Alice, really\" <" + bob.address() + ">", bob.address().toString(), "spoofed"));
            assertThat(c.expectReply(553, "5.7.1").text()).contains("From address");
            c.expect("MAIL FROM:<" + alias + ">", 250);
            c.expect("RCPT TO:<" + bob.address() + ">", 250);
            c.expect("DATA", 354);
            c.send(message("Alice (alias) <" + alias + ">", bob.address().toString(), "genuine"));
            c.expectReply(250, "2.0.0");
        }
        assertThat(fixture.only(bob)).contains("genuine").doesNotContain("spoofed");
    }

    @Test
    void remoteRecipientsAreQueuedInTheSameCommitAsLocalOnesAndCountTowardTheLimit() throws Exception {
        Account alice = fixture.account();
        List<Account> rcpts = List.of(fixture.account(), fixture.account(), fixture.account());
        try (SmtpClient c = loggedIn(alice)) {
            c.expect("MAIL FROM:<" + alice.address() + ">", 250);
            c.expect("RCPT TO:<friend@remote.example>", 250, "2.1.5");
            for (int i = 0; i < 2; i++) c.expect("RCPT TO:<" + rcpts.get(i).address() + ">", 250);
            c.expect("RCPT TO:<" + rcpts.get(2).address() + ">", 452, "4.5.3"); // submission.maxRecipientsPerMessage
            c.expect("DATA", 354);
            c.send(message(alice.address().toString(), "friend@remote.example", "mixed"));
            c.expectReply(250, "2.0.0");
        }
        assertThat(fixture.only(rcpts.get(0))).contains("mixed");
        assertThat(fixture.only(rcpts.get(1))).contains("mixed");
        var queued = fixture.store.listQueue(1000).stream().filter(q -> q.sender().equals(alice.address().toString())).toList();
        assertThat(queued).singleElement().satisfies(q -> {
            assertThat(q.sender()).isEqualTo(alice.address().toString());
            assertThat(q.recipients()).extracting(r -> r.address()).containsExactly("friend@remote.example");
        });
    }

    @Test
    void onlyRemoteRecipientsAreQueued() throws Exception {
        Account alice = fixture.account();
        try (SmtpClient c = loggedIn(alice)) {
            c.expect("MAIL FROM:<" + alice.address() + ">", 250);
            c.expect("RCPT TO:<friend@remote.example>", 250, "2.1.5");
            c.expect("DATA", 354);
            c.send(message(alice.address().toString(), "friend@remote.example", "remote only"));
            c.expectReply(250, "2.0.0");
        }
        assertThat(fixture.store.listQueue(1000)).filteredOn(q -> q.sender().equals(alice.address().toString()))
                .singleElement().satisfies(q -> assertThat(q.recipients()).hasSize(1));
    }

    @Test
    void hourlyMessageLimitPerUser() throws Exception {
        try (SmtpFixture own = new SmtpFixture(dataDir.resolve("limits"))) {
            SmtpServer s = own.tlsServers(c -> c.submission.maxMessagesPerHour = 2);
            Account alice = own.account();
            Account bob = own.account();
            try (SmtpClient c = SmtpClient.connectTls(s.submissionsAddresses().getFirst())) {
                c.expect("EHLO client.example", 250);
                c.expect("AUTH PLAIN " + plain(alice.address().toString(), "secret"), 235);
                for (int i = 0; i < 2; i++) {
                    c.expect("MAIL FROM:<" + alice.address() + ">", 250);
                    c.expect("RCPT TO:<" + bob.address() + ">", 250);
                    c.expect("DATA", 354);
                    c.send(message(alice.address().toString(), bob.address().toString(), "message " + i));
                    c.expectReply(250, "2.0.0");
                }
                c.expect("MAIL FROM:<" + alice.address() + ">", 450, "4.7.1");
            }
            // another user is not affected
            try (SmtpClient c = SmtpClient.connectTls(s.submissionsAddresses().getFirst())) {
                c.expect("EHLO client.example", 250);
                c.expect("AUTH PLAIN " + plain(bob.address().toString(), "secret"), 235);
                c.expect("MAIL FROM:<" + bob.address() + ">", 250);
            }
        }
    }

    @Test
    void implicitTlsOffersAuthAndNoStartTls() throws Exception {
        try (SmtpClient c = SmtpClient.connectTls(submissions)) {
            SmtpClient.Reply ehlo = c.expect("EHLO client.example", 250);
            assertThat(ehlo.lines()).contains("AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
        }
    }

    /**
     * CVE-2011-0411: a man in the middle appends commands to the client's STARTTLS in the same
     * packet. Executed after the handshake, they would count as sent over TLS. Here the injected
     * EHLO and MAIL must leave no trace: the first reply after the handshake answers our own
     * command, and RCPT without EHLO/MAIL is out of sequence.
     */
    @Test
    void plaintextPipelinedAfterStartTlsIsNotExecuted() throws Exception {
        Account bob = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(mx)) {
            c.send("STARTTLS\r\nEHLO injected.example\r\nMAIL FROM:<attacker@remote.example>\r\n");
            c.expectReply(220, "2.0.0");
            c.handshake();
            assertThat(c.expect("NOOP", 250, "2.0.0").text()).isEqualTo("Ok");
            assertThat(c.expect("RCPT TO:<" + bob.address() + ">", 503, "5.5.1").text()).contains("HELO/EHLO first");
            c.expect("EHLO client.example", 250);
            c.expect("RCPT TO:<" + bob.address() + ">", 503, "5.5.1"); // no MAIL survived either
        }
    }

    @Test
    void mxOffersStartTlsButNeverAuth() throws Exception {
        try (SmtpClient c = SmtpClient.connect(mx)) {
            SmtpClient.Reply ehlo = c.expect("EHLO client.example", 250);
            assertThat(ehlo.lines()).contains("STARTTLS").noneMatch(l -> l.startsWith("AUTH"));
            c.startTls();
            assertThat(c.expect("EHLO client.example", 250).lines()).noneMatch(l -> l.startsWith("AUTH"));
            c.expect("AUTH PLAIN " + plain("x@test.example", "secret"), 502, "5.5.1");
            c.expect("MAIL FROM:<a@remote.example> AUTH=<>", 555, "5.5.4"); // AUTH is not an MX extension
            c.expect("MAIL FROM:<a@remote.example>", 250);
            c.expect("RCPT TO:<b@remote.example>", 550, "5.7.1"); // the MX never relays
        }
    }

    // ---- Jakarta Mail (Angus) as an independent client ----

    static Session jakarta(InetSocketAddress at, boolean implicitTls) {
        Properties p = new Properties();
        String proto = implicitTls ? "smtps" : "smtp";
        p.put("mail.transport.protocol", proto);
        p.put("mail." + proto + ".host", at.getAddress().getHostAddress());
        p.put("mail." + proto + ".port", String.valueOf(at.getPort()));
        p.put("mail." + proto + ".auth", "true");
        p.put("mail." + proto + ".ssl.trust", "*");
        p.put("mail." + proto + ".ssl.checkserveridentity", "false");
        if (!implicitTls) p.put("mail.smtp.starttls.required", "true");
        p.put("mail." + proto + ".connectiontimeout", "10000");
        p.put("mail." + proto + ".timeout", "10000");
        return Session.getInstance(p);
    }

    static void send(Session session, Account from, String password, EmailAddress to, String text) throws Exception {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(from.address().toString()));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(to.toString()));
        m.setSubject("jakarta");
        m.setText(text, "UTF-8");
        try (Transport t = session.getTransport()) {
            t.connect(from.address().toString(), password);
            t.sendMessage(m, m.getAllRecipients());
        }
    }

    @Test
    void jakartaMailOverStartTlsAndImplicitTls() throws Exception {
        Account alice = fixture.account();
        Account bob = fixture.account();
        send(jakarta(submission, false), alice, "secret", bob.address(), "via 587 and STARTTLS");
        send(jakarta(submissions, true), alice, "secret", bob.address(), "via 465");
        assertThat(fixture.inbox(bob)).hasSize(2);
        assertThat(fixture.inbox(bob).stream().map(fixture::content))
                .anyMatch(m -> m.contains("via 587 and STARTTLS")).anyMatch(m -> m.contains("via 465"));
        assertThatThrownBy(() -> send(jakarta(submissions, true), alice, "wrong", bob.address(), "no"))
                .isInstanceOf(AuthenticationFailedException.class);
    }
}
