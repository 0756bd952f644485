package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.twinmail.smtp.SmtpFixture.DOMAIN;
import static org.twinmail.smtp.SmtpFixture.HOSTNAME;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.twinmail.core.model.Account;

/** RFC 5321 conversations over a real socket against a real store: every command and reply code. */
class SmtpConversationTest {
    @TempDir
    static Path dataDir;
    static SmtpFixture fixture;
    static InetSocketAddress server;

    @BeforeAll
    static void start() throws Exception {
        fixture = new SmtpFixture(dataDir);
        server = fixture.server();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static String message(String subject, String body) {
        return "From: sender@remote.example\r\nSubject: " + subject + "\r\n\r\n" + body;
    }

    /** Sends DATA, the content (which must end in CRLF) and the terminator; returns the final reply. */
    static SmtpClient.Reply data(SmtpClient c, String content) throws Exception {
        c.expect("DATA", 354);
        c.send(content + ".\r\n");
        return c.read();
    }

    // ---- greeting and extensions ----

    @Test
    void greetingAndEhloAdvertiseExactlyWhatWeImplement() throws Exception {
        try (SmtpClient c = new SmtpClient(server)) {
            SmtpClient.Reply greeting = c.read();
            assertThat(greeting.code()).isEqualTo(220);
            assertThat(greeting.text()).isEqualTo(HOSTNAME + " ESMTP TwinMail");
            SmtpClient.Reply ehlo = c.expect("EHLO client.example", 250);
            assertThat(ehlo.lines()).containsExactly(HOSTNAME, "PIPELINING", "SIZE " + (50L << 20), "8BITMIME",
                    "ENHANCEDSTATUSCODES", "SMTPUTF8", "HELP");
        }
    }

    @Test
    void heloGivesNoExtensionsAndRefusesParameters() throws Exception {
        Account rcpt = fixture.account();
        try (SmtpClient c = SmtpClient.connect(server)) {
            SmtpClient.Reply helo = c.expect("HELO old.example", 250);
            assertThat(helo.lines()).containsExactly(HOSTNAME);
            c.expect("MAIL FROM:<a@remote.example> SIZE=100", 555, "5.5.4");
            c.expect("MAIL FROM:<a@remote.example>", 250, "2.1.0");
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250, "2.1.5");
            assertThat(data(c, message("helo", "hi\r\n")).code()).isEqualTo(250);
        }
        assertThat(fixture.only(rcpt)).contains("Received: from old.example (").contains(" with SMTP id ");
    }

    // ---- a plain delivery ----

    @Test
    void deliveryStoresTraceHeadersAndBodyAndRepliesWithQueueId() throws Exception {
        Account rcpt = fixture.account();
        String queueId;
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<sender@remote.example> BODY=8BITMIME", 250, "2.1.0");
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250, "2.1.5");
            SmtpClient.Reply done = data(c, message("hello", "first line\r\nsecond line\r\n"));
            assertThat(done.code()).isEqualTo(250);
            assertThat(done.status()).isEqualTo("2.0.0");
            Matcher m = Pattern.compile("Ok: queued as ([0-9A-Z]{14})").matcher(done.text());
            assertThat(m.matches()).as(done.text()).isTrue();
            queueId = m.group(1);
            c.expect("QUIT", 221, "2.0.0");
            assertThat(c.closedByServer()).isTrue();
        }
        String stored = fixture.only(rcpt);
        assertThat(stored).startsWith("Return-Path: <sender@remote.example>\r\nReceived: from client.example (");
        assertThat(stored).contains("[127.0.0.1])\r\n\tby " + HOSTNAME + " (TwinMail) with ESMTP id " + queueId + "\r\n")
                .contains("\tfor <" + rcpt.address() + ">;\r\n");
        // our two trace fields, then the message exactly as sent
        assertThat(stored).containsPattern(";\r\n\t[A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} [+-]\\d{4}\r\nFrom: ")
                .endsWith("\r\n" + message("hello", "first line\r\nsecond line\r\n"));
        assertThat(fixture.accepted()).isGreaterThanOrEqualTo(1);
        assertThat(fixture.registry.find("twinmail.smtp.bytes").counter().count()).isGreaterThanOrEqualTo(stored.length());
        assertThat(fixture.registry.find("twinmail.smtp.deliveries").counter().count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void nullSenderIsAccepted() throws Exception {
        Account rcpt = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<>", 250, "2.1.0");
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
            assertThat(data(c, message("bounce", "Delivery failed\r\n")).code()).isEqualTo(250);
        }
        assertThat(fixture.only(rcpt)).startsWith("Return-Path: <>\r\n");
    }

    // ---- the other commands ----

    @Test
    void noopRsetVrfyExpnHelpQuit() throws Exception {
        try (SmtpClient c = SmtpClient.connect(server)) {
            c.expect("NOOP", 250, "2.0.0");
            c.expect("NOOP with some text", 250, "2.0.0");
            c.expect("RSET", 250, "2.0.0");
            c.expect("VRFY postmaster", 252, "2.5.0");
            c.expect("VRFY", 501, "5.5.4");
            c.expect("EXPN staff", 502, "5.5.1");
            SmtpClient.Reply help = c.expect("HELP", 214, "2.0.0");
            assertThat(help.text()).isEqualTo("Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP");
            c.expect("QUIT", 221, "2.0.0");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void unknownAndNotOfferedVerbs() throws Exception {
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("FROB", 500, "5.5.1");
            c.expect("MAILFROM:<a@b.example>", 500, "5.5.1");
            // This MX has no TLS configured, and the MX never offers AUTH.
            for (String verb : List.of("STARTTLS", "AUTH PLAIN AGEAYg==", "BDAT 10 LAST", "ETRN test.example", "TURN")) {
                c.expect(verb, 502, "5.5.1");
            }
            c.expect("NOOP", 250); // still talking
        }
    }

    @Test
    void commandsOutOfOrderAre503() throws Exception {
        Account rcpt = fixture.account();
        try (SmtpClient c = SmtpClient.connect(server)) {
            assertThat(c.expect("MAIL FROM:<a@remote.example>", 503, "5.5.1").text()).contains("HELO/EHLO first");
            c.expect("RCPT TO:<" + rcpt.address() + ">", 503, "5.5.1");
            c.expect("DATA", 503, "5.5.1");
            // sequence is checked before syntax, as in Postfix
            c.expect("MAIL FROM:broken", 503, "5.5.1");
            c.expect("EHLO client.example", 250);
            assertThat(c.expect("RCPT TO:<" + rcpt.address() + ">", 503, "5.5.1").text()).contains("need MAIL");
            assertThat(c.expect("DATA", 503, "5.5.1").text()).contains("need RCPT");
            c.expect("MAIL FROM:<a@remote.example>", 250);
            assertThat(c.expect("MAIL FROM:<a@remote.example>", 503, "5.5.1").text()).contains("nested MAIL");
            assertThat(c.expect("DATA", 503, "5.5.1").text()).contains("need RCPT");
            c.expect("RSET", 250);
            c.expect("RCPT TO:<" + rcpt.address() + ">", 503, "5.5.1");
            // EHLO in the middle of a transaction resets it (RFC 5321 4.1.4)
            c.expect("MAIL FROM:<a@remote.example>", 250);
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
            c.expect("EHLO client.example", 250);
            c.expect("DATA", 503, "5.5.1");
        }
        assertThat(fixture.inbox(rcpt)).isEmpty();
    }

    @Test
    void syntaxErrorsAndParameters() throws Exception {
        Account rcpt = fixture.account();
        try (SmtpClient c = SmtpClient.connect(server)) {
            c.expect("HELO", 501, "5.5.4");
            c.expect("EHLO", 501, "5.5.4");
            c.expect("EHLO client.example", 250);
            c.expect("MAIL FROM:alice@remote.example", 501, "5.5.2");
            c.expect("MAIL FROM:<a b@remote.example>", 501, "5.1.7");
            c.expect("MAIL FROM:<a@remote.example> SIZE=lots", 501, "5.5.4");
            c.expect("MAIL FROM:<a@remote.example> BODY=BINARYMIME", 501, "5.5.4");
            c.expect("MAIL FROM:<a@remote.example> RET=HDRS", 555, "5.5.4");
            c.expect("MAIL FROM:<a@remote.example> SIZE=100 BODY=7BIT", 250, "2.1.0");
            c.expect("DATA now", 501, "5.5.4");
            c.expect("RCPT TO:<>", 501, "5.1.3");
            c.expect("RCPT TO:" + rcpt.address(), 501, "5.5.2");
            c.expect("RCPT TO:<" + rcpt.address() + "> NOTIFY=NEVER", 555, "5.5.4");
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250, "2.1.5");
            assertThat(data(c, message("params", "ok\r\n")).code()).isEqualTo(250);
        }
        assertThat(fixture.inbox(rcpt)).hasSize(1);
    }

    @Test
    void declaredSizeOverTheServerLimitIsRefusedAtMail() throws Exception {
        long max = 50L << 20;
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<a@remote.example> SIZE=" + (max + 1), 552, "5.3.4");
            c.expect("MAIL FROM:<a@remote.example> SIZE=99999999999999999999", 552, "5.3.4");
            c.expect("MAIL FROM:<a@remote.example> SIZE=" + max, 250);
        }
    }

    // ---- recipients ----

    @Test
    void clientsOfTheRelayNetworksMayRelayThroughTheMxAndOthersMayNot() throws Exception {
        InetSocketAddress trusting = fixture.server(s -> s.relayNetworks = List.of("10.0.0.0/8", "127.0.0.0/8"));
        InetSocketAddress elsewhere = fixture.server(s -> s.relayNetworks = List.of("10.0.0.0/8", "::1"));
        Account bob = fixture.account();
        String sender = SmtpFixture.unique("app") + "@" + DOMAIN;
        try (SmtpClient c = SmtpClient.ehlo(elsewhere)) {
            c.expect("MAIL FROM:<" + sender + ">", 250);
            assertThat(c.expect("RCPT TO:<someone@elsewhere.example>", 550, "5.7.1").text()).contains("Relay access denied");
        }
        try (SmtpClient c = SmtpClient.ehlo(trusting)) {
            c.expect("MAIL FROM:<" + sender + ">", 250);
            c.expect("RCPT TO:<someone@elsewhere.example>", 250, "2.1.5");
            c.expect("RCPT TO:<" + bob.address() + ">", 250, "2.1.5");
            assertThat(data(c, message("relayed", "for a remote and a local recipient\r\n")).code()).isEqualTo(250);
        }
        assertThat(fixture.only(bob)).contains("for a remote and a local recipient");
        assertThat(fixture.store.listQueue(1000)).filteredOn(q -> q.sender().equals(sender)).singleElement()
                .satisfies(q -> assertThat(q.recipients()).extracting(r -> r.address()).containsExactly("someone@elsewhere.example"));
    }

    @Test
    void relayingIsDeniedAndUnknownUsersRefused() throws Exception {
        double relayBefore = fixture.rejected("relay_denied");
        double unknownBefore = fixture.rejected("unknown_user");
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<a@remote.example>", 250);
            assertThat(c.expect("RCPT TO:<victim@elsewhere.example>", 550, "5.7.1").text()).contains("Relay access denied");
            c.expect("RCPT TO:<victim@[192.0.2.1]>", 550, "5.7.1");
            c.expect("RCPT TO:<nobody@" + DOMAIN + ">", 550, "5.1.1");
            // every RCPT refused: DATA says so (RFC 2920 3.1)
            c.expect("DATA", 554, "5.5.1");
        }
        assertThat(fixture.rejected("relay_denied")).isEqualTo(relayBefore + 2);
        assertThat(fixture.rejected("unknown_user")).isEqualTo(unknownBefore + 1);
    }

    @Test
    void postmasterIsAcceptedBareAndInAnyCase() throws Exception {
        Account pm = fixture.account();
        fixture.store.addAlias("postmaster@" + DOMAIN, List.of(pm.address()));
        fixture.store.addDomain("nopostmaster.example");
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<a@remote.example>", 250);
            c.expect("RCPT TO:<postmaster>", 250, "2.1.5");
            c.expect("RCPT TO:<PostMaster>", 250, "2.1.5");
            c.expect("RCPT TO:<POSTMASTER@TEST.EXAMPLE>", 250, "2.1.5");
            c.expect("RCPT TO:<postmaster@nopostmaster.example>", 550, "5.1.1");
            assertThat(data(c, message("to the postmaster", "hello\r\n")).code()).isEqualTo(250);
        }
        // three RCPTs, one account: one copy
        assertThat(fixture.inbox(pm)).hasSize(1);
        assertThat(fixture.only(pm)).doesNotContain("\tfor <");
    }

    @Test
    void postmasterOfEveryLocalDomainIsAcceptedWithoutAnAliasAndGoesToItsFirstAccount() throws Exception {
        // RFC 5321 4.5.1: the attack was a probe that found postmaster@ refused on a domain without the alias
        fixture.store.addDomain("pm-first.example");
        Account first = fixture.account("pm-first.example", 0, 0);
        Account second = fixture.account("pm-first.example", 0, 0);
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<a@remote.example>", 250);
            c.expect("RCPT TO:<Postmaster@PM-First.example>", 250, "2.1.5");
            assertThat(data(c, message("to the postmaster", "hello\r\n")).code()).isEqualTo(250);
        }
        assertThat(fixture.only(first)).contains("Subject: to the postmaster");
        assertThat(fixture.inbox(second)).isEmpty();
    }

    @Test
    void postmasterGoesToTheConfiguredAddressAndBarePostmasterIsAcceptedWhenTheHostnameIsNotOurs() throws Exception {
        fixture.store.addDomain("pm-conf.example");
        Account domainUser = fixture.account("pm-conf.example", 0, 0);
        Account admin = fixture.account();
        InetSocketAddress configured = fixture.serverWith(c -> {
            c.hostname = "mx.elsewhere.example"; // not one of our domains: a bare <postmaster> still has a home
            c.smtp.postmaster = admin.address().toString();
        });
        try (SmtpClient c = SmtpClient.ehlo(configured)) {
            c.expect("MAIL FROM:<a@remote.example>", 250);
            c.expect("RCPT TO:<postmaster@pm-conf.example>", 250, "2.1.5");
            c.expect("RCPT TO:<postmaster>", 250, "2.1.5");
            assertThat(data(c, message("abuse report", "hello\r\n")).code()).isEqualTo(250);
        }
        assertThat(fixture.only(admin)).contains("Subject: abuse report");
        assertThat(fixture.inbox(domainUser)).isEmpty();
    }

    @Test
    void greylistingTempfailsANewTripletAtRcptAndTheRetryIsDelivered() throws Exception {
        Account rcpt = fixture.account();
        InetSocketAddress grey = fixture.serverWith(c -> {
            c.filter.greylist.enabled = true;
            c.filter.greylist.delay = java.time.Duration.ZERO;
        });
        try (SmtpClient c = SmtpClient.ehlo(grey)) {
            c.expect("MAIL FROM:<new@sender.example>", 250);
            assertThat(c.expect("RCPT TO:<" + rcpt.address() + ">", 451, "4.7.1").text()).contains("Greylisted");
            c.expect("RSET", 250);
            c.expect("MAIL FROM:<new@sender.example>", 250);
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250, "2.1.5");
            assertThat(data(c, message("greylisted", "hi\r\n")).code()).isEqualTo(250);
        }
        assertThat(fixture.only(rcpt)).contains("Subject: greylisted");
        assertThat(fixture.rejected("greylisted")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void sourceRoutesAreAcceptedAndIgnored() throws Exception {
        Account rcpt = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<@old-relay.example:a@remote.example>", 250);
            c.expect("RCPT TO:<@hop1.example,@hop2.example:" + rcpt.address() + ">", 250);
            assertThat(data(c, message("routed", "hi\r\n")).code()).isEqualTo(250);
        }
        assertThat(fixture.only(rcpt)).startsWith("Return-Path: <a@remote.example>\r\n");
    }

    // ---- pipelining ----

    @Test
    void pipelinedTransactionInOneWrite() throws Exception {
        Account a = fixture.account();
        Account b = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.send("MAIL FROM:<s@remote.example>\r\nRCPT TO:<" + a.address() + ">\r\nRCPT TO:<nobody@" + DOMAIN
                    + ">\r\nRCPT TO:<" + b.address() + ">\r\nDATA\r\n");
            c.expectReply(250, "2.1.0");
            c.expectReply(250, "2.1.5");
            c.expectReply(550, "5.1.1");
            c.expectReply(250, "2.1.5");
            c.expectReply(354, null);
            // and the content plus the next transaction in one write as well
            c.send(message("pipelined", "body\r\n") + ".\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<" + a.address()
                    + ">\r\nDATA\r\n");
            c.expectReply(250, "2.0.0");
            c.expectReply(250, "2.1.0");
            c.expectReply(250, "2.1.5");
            c.expectReply(354, null);
            c.send(message("second", "body\r\n") + ".\r\nQUIT\r\n");
            c.expectReply(250, "2.0.0");
            c.expectReply(221, "2.0.0");
        }
        assertThat(fixture.inbox(a)).hasSize(2);
        assertThat(fixture.inbox(b)).hasSize(1);
    }

    @Test
    void pipelinedGroupWithoutValidRecipientGets554AtData() throws Exception {
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.send("MAIL FROM:<s@remote.example>\r\nRCPT TO:<nobody@" + DOMAIN + ">\r\nRCPT TO:<x@elsewhere.example>\r\nDATA\r\n");
            c.expectReply(250, "2.1.0");
            c.expectReply(550, "5.1.1");
            c.expectReply(550, "5.7.1");
            c.expectReply(554, "5.5.1");
            c.expect("RSET", 250);
        }
    }

    // ---- message content ----

    @Test
    void dotStuffingRoundTrip() throws Exception {
        Account rcpt = fixture.account();
        String original = message("dots", ".hidden\r\n.\r\n..two\r\nplain.\r\n.\r\n");
        StringBuilder stuffed = new StringBuilder();
        for (String line : original.split("\r\n", -1)) {
            if (!stuffed.isEmpty()) stuffed.append("\r\n");
            stuffed.append(line.startsWith(".") ? "." + line : line);
        }
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
            assertThat(data(c, stuffed.toString()).code()).isEqualTo(250);
        }
        assertThat(fixture.only(rcpt)).endsWith("\r\n" + original);
    }

    @Test
    void smugglingWithBareLineFeedsDoesNotEndTheMessage() throws Exception {
        for (String trick : List.of("\n.\n", "\n.\r\n", "\r\n.\n")) {
            Account rcpt = fixture.account();
            Account victim = fixture.account();
            String smuggled = "MAIL FROM:<admin@bank.example>\r\nRCPT TO:<" + victim.address() + ">\r\nDATA\r\n"
                    + "Subject: smuggled\r\n\r\nevil\r\n";
            try (SmtpClient c = SmtpClient.ehlo(server)) {
                c.expect("MAIL FROM:<s@remote.example>", 250);
                c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
                c.expect("DATA", 354);
                c.send("Subject: outer\r\n\r\nhello" + trick + smuggled + ".\r\nQUIT\r\n");
                c.expectReply(250, "2.0.0");      // one message...
                c.expectReply(221, "2.0.0");      // ...and the next reply is already QUIT's
            }
            assertThat(fixture.inbox(victim)).as(trick.replace("\r", "\\r").replace("\n", "\\n")).isEmpty();
            assertThat(fixture.only(rcpt)).contains("MAIL FROM:<admin@bank.example>\r\n").contains("evil\r\n");
        }
    }

    @Test
    void bareLineFeedsAreStoredAsCrlf() throws Exception {
        Account rcpt = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
            c.expect("DATA", 354);
            c.send("Subject: lf\n\nline one\nline two\r\n.\r\n");
            c.expectReply(250, "2.0.0");
        }
        String stored = fixture.only(rcpt);
        assertThat(stored).endsWith("Subject: lf\r\n\r\nline one\r\nline two\r\n");
        assertThat(stored.replace("\r\n", "")).doesNotContain("\n").doesNotContain("\r");
    }

    @Test
    void overlongCommandLineIsRefusedAndTheSessionEnds() throws Exception {
        // What the rest of an over-long line said cannot be known, so the session ends after the reply.
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            assertThat(c.expect("NOOP " + "x".repeat(10_000), 500, "5.5.2").text()).contains("too long");
            assertThat(c.closedByServer()).isTrue();
        }
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<" + "a".repeat(10_000) + "@remote.example>", 500, "5.5.2");
            assertThat(c.closedByServer()).isTrue();
        }
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("NOOP", 250);
            c.expect("MAIL FROM:<a@remote.example>", 250);
        }
    }

    /** Before: a line without end was read and dropped for as long as the client kept sending. */
    @Test
    void aLineThatNeverEndsIsAnsweredWithoutReadingItAll() throws Exception {
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            byte[] chunk = "x".repeat(64 * 1024).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Thread sender = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 16 * 1024; i++) c.send(chunk); // up to 1 GiB, no line end
                } catch (java.io.IOException e) {
                    // closed by the server: expected
                }
            });
            long start = System.nanoTime();
            c.expectReply(500, "5.5.2");
            assertThat(c.closedByServer()).isTrue();
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(5));
            sender.join(10_000);
            assertThat(sender.isAlive()).isFalse();
        }
    }

    @Test
    void overlongDataLineFailsTheMessageAtTheEndWithoutDisconnecting() throws Exception {
        Account rcpt = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
            SmtpClient.Reply r = data(c, message("long", "y".repeat(10_000) + "\r\nafter\r\n"));
            assertThat(r.code()).isEqualTo(500);
            assertThat(r.status()).isEqualTo("5.5.2");
            assertThat(fixture.inbox(rcpt)).isEmpty();
            // the transaction is over; a new one works on the same connection
            c.expect("RCPT TO:<" + rcpt.address() + ">", 503);
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
            assertThat(data(c, message("short", "fine\r\n")).code()).isEqualTo(250);
        }
        assertThat(fixture.only(rcpt)).contains("Subject: short");
    }

    @Test
    void nulBytesAreRefusedInCommandsAndData() throws Exception {
        Account rcpt = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.send("NOOP a\0b\r\n".getBytes(StandardCharsets.ISO_8859_1));
            c.expectReply(500, "5.5.2");
            c.send("MAIL FROM:<a\0@remote.example>\r\n".getBytes(StandardCharsets.ISO_8859_1));
            c.expectReply(500, "5.5.2");
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
            c.expect("DATA", 354);
            c.send("Subject: nul\r\n\r\nbad\0byte\r\n.\r\n".getBytes(StandardCharsets.ISO_8859_1));
            c.expectReply(554, "5.6.0");
            c.expect("NOOP", 250);
        }
        assertThat(fixture.inbox(rcpt)).isEmpty();
    }

    @Test
    void nonAsciiOutsideAddressesIsRefused() throws Exception {
        try (SmtpClient c = SmtpClient.connect(server)) {
            c.expect("HELO m\u00f6ller.example", 500, "5.5.2");
            c.expect("EHLO client.example", 250);
            c.expect("NOOP caf\u00e9", 500, "5.5.2");
        }
    }

    @Test
    void smtputf8AddressesNeedTheParameter() throws Exception {
        Account ascii = fixture.account();
        Account utf8 = fixture.account("j\u00f6rg" + SmtpFixture.unique("") + "@" + DOMAIN);
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<j\u00f6rg@r\u00e9mote.example>", 553, "5.6.7");
            c.expect("MAIL FROM:<plain@remote.example>", 250);
            c.expect("RCPT TO:<" + utf8.address() + ">", 553, "5.6.7");
            c.expect("RSET", 250);
            c.expect("MAIL FROM:<j\u00f6rg@r\u00e9mote.example> SMTPUTF8 BODY=8BITMIME", 250, "2.1.0");
            c.expect("RCPT TO:<" + ascii.address() + ">", 250);
            // the local part of a UTF-8 address matches in any case, like an ASCII one
            c.expect("RCPT TO:<" + utf8.address().localPart().toUpperCase(java.util.Locale.ROOT) + "@" + DOMAIN + ">", 250);
            assertThat(data(c, "Subject: Gr\u00fc\u00dfe\r\n\r\nH\u00e4llo \u2713\r\n").code()).isEqualTo(250);
        }
        for (Account a : List.of(ascii, utf8)) {
            String stored = fixture.only(a);
            assertThat(stored).startsWith("Return-Path: <j\u00f6rg@r\u00e9mote.example>\r\n")
                    .contains(" with UTF8SMTP id ")
                    .endsWith("Subject: Gr\u00fc\u00dfe\r\n\r\nH\u00e4llo \u2713\r\n");
        }
    }

    // ---- the session log ----

    @Test
    void oneSessionLogLineWithCountsAndNoBody() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("twinmail.session");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            Account rcpt = fixture.account();
            int port;
            try (SmtpClient c = SmtpClient.connect(server)) {
                c.expect("EHLO logged.example", 250);
                c.expect("MAIL FROM:<s@remote.example>", 250);
                c.expect("RCPT TO:<nobody@" + DOMAIN + ">", 550);
                c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
                assertThat(data(c, message("logged", "the secret body text\r\n")).code()).isEqualTo(250);
                c.expect("QUIT", 221);
                assertThat(c.closedByServer()).isTrue();
            }
            SmtpFixture.await("session log line", () -> appender.list.stream()
                    .anyMatch(e -> e.getFormattedMessage().contains("helo=logged.example")));
            List<String> lines = appender.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(l -> l.contains("helo=logged.example")).toList();
            assertThat(lines).hasSize(1);
            assertThat(lines.getFirst()).startsWith("smtp client=127.0.0.1:")
                    .contains(" outcome=quit ", " msgs=1 ", " rcpts=1 ", " rejects=1 ", " bytes=")
                    .doesNotContain("secret body");
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void sessionLogLineNamesSenderRecipientsAndTheQueueIdGivenToTheClient() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("twinmail.session");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            List<Account> rcpts = List.of(fixture.account(), fixture.account(), fixture.account(), fixture.account());
            String queueId;
            try (SmtpClient c = SmtpClient.connect(server)) {
                c.expect("EHLO traced.example", 250);
                c.expect("MAIL FROM:<tracer@remote.example>", 250);
                for (Account a : rcpts) c.expect("RCPT TO:<" + a.address() + ">", 250);
                SmtpClient.Reply done = data(c, message("traced", "hi\r\n"));
                Matcher m = Pattern.compile("Ok: queued as ([0-9A-Z]{14})").matcher(done.text());
                assertThat(m.matches()).isTrue();
                queueId = m.group(1);
                c.expect("MAIL FROM:<>", 250);
                c.expect("RCPT TO:<" + rcpts.getFirst().address() + ">", 250);
                assertThat(data(c, message("bounce", "hi\r\n")).code()).isEqualTo(250);
                c.expect("QUIT", 221);
            }
            SmtpFixture.await("session log line", () -> appender.list.stream()
                    .anyMatch(e -> e.getFormattedMessage().contains("helo=traced.example")));
            String line = appender.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(l -> l.contains("helo=traced.example")).findFirst().orElseThrow();
            assertThat(line).contains(" mail=" + queueId + "/250/from=<tracer@remote.example>/rcpts=4/to=<"
                    + rcpts.get(0).address() + ">,<" + rcpts.get(1).address() + ">,<" + rcpts.get(2).address() + ">,...;")
                    .contains("/250/from=<>/rcpts=1/to=<" + rcpts.getFirst().address() + "> ")
                    .doesNotContain(rcpts.get(3).address().toString());
        } finally {
            logger.detachAppender(appender);
        }
    }
}
