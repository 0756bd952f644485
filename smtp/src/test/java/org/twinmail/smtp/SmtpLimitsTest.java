package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.twinmail.smtp.SmtpFixture.HOSTNAME;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.Size;
import org.twinmail.core.model.Account;

/** Error and junk limits, timeouts, clients that vanish, and size, hop and recipient limits. */
class SmtpLimitsTest {
    @TempDir
    static Path dataDir;
    static SmtpFixture fixture;

    @BeforeAll
    static void start() {
        fixture = new SmtpFixture(dataDir);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static void envelope(SmtpClient c, Account rcpt) throws Exception {
        c.expect("MAIL FROM:<s@remote.example>", 250);
        c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
    }

    @Test
    void garbageUntilTooManyErrorsThen421AndClose() throws Exception {
        InetSocketAddress server = fixture.server(s -> s.maxErrors = 5);
        try (SmtpClient c = SmtpClient.connect(server)) {
            c.send("garbage\r\n".repeat(8)); // pipelined: the server must stop after the fifth
            for (int i = 0; i < 5; i++) c.expectReply(500, "5.5.1");
            SmtpClient.Reply bye = c.expectReply(421, "4.7.0");
            assertThat(bye.text()).startsWith(HOSTNAME + " ").contains("too many errors");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void refusedRecipientsCountAsErrorsButADeliveryStartsAgain() throws Exception {
        InetSocketAddress server = fixture.server(s -> s.maxErrors = 3);
        Account rcpt = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            c.expect("RCPT TO:<nobody@" + SmtpFixture.DOMAIN + ">", 550);
            c.expect("RCPT TO:<x@elsewhere.example>", 550);
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
            assertThat(SmtpConversationTest.data(c, "Subject: x\r\n\r\ny\r\n").code()).isEqualTo(250);
            // the counter started again after the delivery: two more errors are still allowed
            c.expect("FROB", 500);
            c.expect("FROB", 500);
            c.expect("NOOP", 250);
            c.expect("FROB", 500);
            c.expectReply(421, "4.7.0");
        }
    }

    @Test
    void junkCommandsBeyondTheLimitGet421() throws Exception {
        InetSocketAddress server = fixture.server(s -> s.junkCommandLimit = 4);
        Account rcpt = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("NOOP", 250);
            c.expect("RSET", 250);
            c.expect("VRFY someone", 252);
            c.expect("HELP", 214);
            // a delivery starts the count again
            envelope(c, rcpt);
            assertThat(SmtpConversationTest.data(c, "Subject: x\r\n\r\ny\r\n").code()).isEqualTo(250);
            for (int i = 0; i < 4; i++) c.expect("NOOP", 250);
            SmtpClient.Reply r = c.command("EXPN list");
            assertThat(r.code()).isEqualTo(421);
            assertThat(r.status()).isEqualTo("4.7.0");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void slowClientTimesOutWhileAnotherIsServed() throws Exception {
        InetSocketAddress server = fixture.server(s -> {
            s.commandTimeout = Duration.ofMillis(2000);
            s.dataTimeout = Duration.ofMillis(2000);
        });
        Account rcpt = fixture.account();
        try (SmtpClient slow = SmtpClient.connect(server)) {
            long start = System.nanoTime();
            CompletableFuture<SmtpClient.Reply> slowReply = CompletableFuture.supplyAsync(() -> {
                try {
                    return slow.read();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (SmtpClient fast = SmtpClient.ehlo(server)) {
                envelope(fast, rcpt);
                assertThat(SmtpConversationTest.data(fast, "Subject: fast\r\n\r\nserved\r\n").code()).isEqualTo(250);
                fast.expect("QUIT", 221);
            }
            assertThat(slowReply.isDone()).as("the idle client is still waiting while the other one is served").isFalse();
            SmtpClient.Reply r = slowReply.get();
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.code()).isEqualTo(421);
            assertThat(r.status()).isEqualTo("4.4.2");
            assertThat(r.text()).isEqualTo(HOSTNAME + " Error: timeout exceeded");
            assertThat(waitedMs).isGreaterThanOrEqualTo(1900);
            assertThat(slow.closedByServer()).isTrue();
        }
        assertThat(fixture.only(rcpt)).contains("served");
    }

    @Test
    void stalledDataTimesOutAndNothingIsDelivered() throws Exception {
        InetSocketAddress server = fixture.server(s -> s.dataTimeout = Duration.ofMillis(800));
        Account rcpt = fixture.account();
        double before = fixture.rejected("timeout");
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            envelope(c, rcpt);
            c.expect("DATA", 354);
            c.send("Subject: stalled\r\n\r\nhalf of it");
            c.expectReply(421, "4.4.2");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(fixture.rejected("timeout")).isEqualTo(before + 1);
        assertThat(fixture.inbox(rcpt)).isEmpty();
    }

    @Test
    void clientThatDisconnectsMidDataDeliversNothingAndLeavesNoSpoolFile() throws Exception {
        // a small memory limit puts the message into a spool file, which must go away too
        InetSocketAddress server = fixture.serverWith(c -> c.store.spoolMemoryLimit = Size.ofBytes(1024));
        Account rcpt = fixture.account();
        double before = fixture.rejected("disconnect");
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            envelope(c, rcpt);
            c.expect("DATA", 354);
            c.send("Subject: cut\r\n\r\n" + ("line of text that fills the spool\r\n").repeat(500));
        }
        SmtpFixture.await("the session to notice the disconnect", () -> fixture.rejected("disconnect") == before + 1);
        assertThat(fixture.inbox(rcpt)).isEmpty();
        Path spool = dataDir.resolve("spool");
        if (Files.isDirectory(spool)) {
            try (Stream<Path> files = Files.list(spool)) {
                assertThat(files).isEmpty();
            }
        }
    }

    @Test
    void messageOverTheServerLimitWithoutSizeIsRefusedAfterTheData() throws Exception {
        InetSocketAddress server = fixture.server(s -> s.maxMessageSize = Size.ofBytes(10_000));
        Account rcpt = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            assertThat(c.command("EHLO client.example").lines()).contains("SIZE 10000");
            envelope(c, rcpt);
            SmtpClient.Reply r = SmtpConversationTest.data(c, "Subject: big\r\n\r\n" + "z".repeat(100) .concat("\r\n").repeat(200));
            assertThat(r.code()).isEqualTo(552);
            assertThat(r.status()).isEqualTo("5.3.4");
            c.expect("NOOP", 250);
            c.expect("MAIL FROM:<s@remote.example> SIZE=10001", 552, "5.3.4");
        }
        assertThat(fixture.inbox(rcpt)).isEmpty();
    }

    @Test
    void tooManyReceivedHeadersIsALoop() throws Exception {
        InetSocketAddress server = fixture.server(s -> s.maxHops = 10);
        Account rcpt = fixture.account();
        String hops = "Received: from a.example by b.example; Thu, 1 Jan 2026 00:00:00 +0000\r\n";
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            envelope(c, rcpt);
            SmtpClient.Reply loop = SmtpConversationTest.data(c, hops.repeat(11) + "Subject: loop\r\n\r\nx\r\n");
            assertThat(loop.code()).isEqualTo(554);
            assertThat(loop.status()).isEqualTo("5.4.6");
            envelope(c, rcpt);
            assertThat(SmtpConversationTest.data(c, hops.repeat(10) + "Subject: fine\r\n\r\nx\r\n").code()).isEqualTo(250);
        }
        assertThat(fixture.only(rcpt)).contains("Subject: fine");
    }

    @Test
    void recipientsBeyondTheLimitGet452WhichCountAsErrorsOnlyPastTheOvershoot() throws Exception {
        InetSocketAddress server = fixture.server(s -> {
            s.maxRecipients = 3;
            s.maxErrors = 2;
        });
        Account[] accepted = {fixture.account(), fixture.account(), fixture.account()};
        Account d = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(server)) {
            c.expect("MAIL FROM:<s@remote.example>", 250);
            for (Account x : accepted) c.expect("RCPT TO:<" + x.address() + ">", 250);
            // as many again as the limit are refused without counting as client errors
            for (int i = 0; i < 3; i++) c.expect("RCPT TO:<" + d.address() + ">", 452, "4.5.3");
            assertThat(SmtpConversationTest.data(c, "Subject: three\r\n\r\nx\r\n").code()).isEqualTo(250);
            c.expect("MAIL FROM:<s@remote.example>", 250);
            for (Account x : accepted) c.expect("RCPT TO:<" + x.address() + ">", 250);
            for (int i = 0; i < 5; i++) c.expect("RCPT TO:<" + d.address() + ">", 452, "4.5.3");
            c.expectReply(421, "4.7.0"); // the last two counted: maxErrors reached
        }
        for (Account x : accepted) assertThat(fixture.inbox(x)).hasSize(1);
        assertThat(fixture.inbox(d)).isEmpty();
    }

    @Test
    void storeFailuresAreTemporaryAndNothingIsAcknowledged(@TempDir Path own) throws Exception {
        try (SmtpFixture f = new SmtpFixture(own)) {
            InetSocketAddress server = f.server();
            Account rcpt = f.account();
            try (SmtpClient c = SmtpClient.ehlo(server)) {
                envelope(c, rcpt);
                f.store.fence(2); // another node has taken over: this one may no longer write
                SmtpClient.Reply r = SmtpConversationTest.data(c, "Subject: fenced\r\n\r\nx\r\n");
                assertThat(r.code()).isEqualTo(451);
                assertThat(r.status()).isEqualTo("4.3.0");
                assertThat(f.inbox(rcpt)).isEmpty();
                assertThat(f.rejected("store_error")).isEqualTo(1);
                f.store.close(); // lookups fail as well now
                c.expect("MAIL FROM:<s@remote.example>", 250);
                c.expect("RCPT TO:<" + rcpt.address() + ">", 451, "4.3.0");
                c.expect("QUIT", 221);
            }
        }
    }
}
