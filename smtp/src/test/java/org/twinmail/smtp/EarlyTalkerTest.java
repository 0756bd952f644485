package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;

/**
 * The early-talker test (filter.pregreet) on a real socket: a client that sends its EHLO before
 * the greeting is refused with 554 5.5.1 and disconnected, counted; one that waits is greeted
 * after the wait and delivers; an allow-listed one is greeted at once.
 */
class EarlyTalkerTest {
    @TempDir
    Path dataDir;
    private SmtpFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new SmtpFixture(dataDir);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private InetSocketAddress server(Duration wait) throws Exception {
        return fixture.serverWith(c -> {
            c.filter.pregreet.enabled = true;
            c.filter.pregreet.wait = wait;
            c.filter.pregreet.allowNetworks = List.of("127.0.0.3"); // the other loopback addresses are strangers here
        });
    }

    private double counted() {
        return fixture.registry.find("twinmail.filter.verdicts").tags("check", "pregreet", "reason", "pregreet").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    @Test
    void aClientThatTalksBeforeTheGreetingIsRefusedAndDisconnected() throws Exception {
        InetSocketAddress server = server(Duration.ofSeconds(2));
        try (SmtpClient c = new SmtpClient(server, "127.0.0.2")) {
            c.send("EHLO bot.example\r\nMAIL FROM:<spam@bot.example>\r\n"); // at once, without waiting for the 220
            SmtpClient.Reply r = c.expectReply(554, "5.5.1");
            assertThat(r.text()).contains("talked before my greeting");
            assertThat(c.closedByServer()).isTrue();
        }
        SmtpFixture.await("pregreet counted", () -> counted() == 1);
    }

    @Test
    void aClientThatWaitsIsGreetedAfterTheWaitAndDelivers() throws Exception {
        InetSocketAddress server = server(Duration.ofMillis(700));
        Account rcpt = fixture.account();
        long start = System.nanoTime();
        try (SmtpClient c = new SmtpClient(server, "127.0.0.2")) {
            c.expectReply(220, null);
            long greetedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(greetedMillis).as("the greeting is held back for the wait").isGreaterThanOrEqualTo(650);
            c.expect("EHLO patient.example", 250);
            c.expect("MAIL FROM:<a@patient.example>", 250);
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
            c.expect("DATA", 354);
            c.expect("Subject: hi\r\n\r\nhello\r\n.", 250);
        }
        assertThat(fixture.only(rcpt)).contains("hello");
        assertThat(counted()).isZero();
    }

    @Test
    void anAllowListedClientIsGreetedAtOnceEvenIfItTalksFirst() throws Exception {
        InetSocketAddress server = server(Duration.ofSeconds(5));
        long start = System.nanoTime();
        try (SmtpClient c = new SmtpClient(server, "127.0.0.3")) {
            c.send("EHLO friend.example\r\n");
            c.expectReply(220, null);
            c.expectReply(250, null);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(4_000);
        }
        assertThat(counted()).isZero();
    }
}
