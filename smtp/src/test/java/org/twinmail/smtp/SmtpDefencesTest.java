package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;
import org.twinmail.core.attack.AttackFigures;

/**
 * The outside probe of issue 12 took the MX offline from one address: 2,100 connections sending
 * one byte every 5 s held every slot ({@code smtp.maxConnections} 2,000), since there was no
 * per-address limit and the timeouts restarted with every byte.
 */
class SmtpDefencesTest {
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

    @Test
    void slowConnectionsFromOneAddressAreCappedAndAnotherAddressesMailStillGoesThrough() throws Exception {
        InetSocketAddress server = fixture.server(); // the defaults: 2,000 slots, 50 per address
        Account rcpt = fixture.account();
        List<SmtpClient> held = new ArrayList<>();
        int accepted = 0;
        int refused = 0;
        long start = System.nanoTime();
        try {
            for (int i = 0; i < 2_100; i++) {
                SmtpClient c = new SmtpClient(server, "127.0.0.3");
                SmtpClient.Reply greeting = c.read();
                if (greeting.code() == 220) {
                    accepted++;
                    c.send("E"); // the slow drip: one byte of a command that never ends
                    held.add(c);
                } else {
                    assertThat(greeting.code()).isEqualTo(421);
                    assertThat(greeting.status()).isEqualTo("4.7.0");
                    assertThat(c.closedByServer()).isTrue();
                    c.close();
                    refused++;
                }
            }
            long attackMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(accepted).as("one address holds at most limits.maxConnectionsPerIp").isEqualTo(50);
            assertThat(refused).isEqualTo(2_050);

            // Meanwhile another address delivers mail as usual.
            long mailStart = System.nanoTime();
            long greetMillis;
            try (SmtpClient c = new SmtpClient(server, "127.0.0.2")) {
                c.expectReply(220, null);
                greetMillis = (System.nanoTime() - mailStart) / 1_000_000;
                c.expect("EHLO other.example", 250);
                c.expect("MAIL FROM:<sender@remote.example>", 250);
                c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
                c.expect("DATA", 354);
                c.send("Subject: through\r\n\r\nstill works\r\n.\r\n");
                c.expectReply(250, "2.0.0");
                c.expect("QUIT", 221);
            }
            long mailMillis = (System.nanoTime() - mailStart) / 1_000_000;
            AttackFigures.report("SmtpDefencesTest#slowDrip", "connections_tried", 2_100, "admitted", accepted, "refused_421", refused,
                    "attack_ms", attackMillis, "other_address_greeting_ms", greetMillis, "other_address_delivery_ms", mailMillis);
            assertThat(mailMillis).isLessThan(5_000);
        } finally {
            for (SmtpClient c : held) c.close();
        }
    }

    /** Before: every byte restarted the 5-minute timeout; now the line as a whole must come within it. */
    @Test
    void aCommandThatTricklesInIsCutAfterTheCommandTimeout() throws Exception {
        InetSocketAddress server = fixture.server(s -> s.commandTimeout = Duration.ofSeconds(1));
        try (SmtpClient c = new SmtpClient(server, "127.0.0.2")) {
            c.expectReply(220, null);
            long start = System.nanoTime(); // the server's clock for the first command starts once it has greeted
            Thread drip = Thread.ofVirtual().start(() -> {
                try {
                    for (byte b : "EHLO a-very-slow-client.example".getBytes(StandardCharsets.US_ASCII)) {
                        c.send(new byte[] {b});
                        Thread.sleep(100); // one byte per 100 ms, never a line end in time
                    }
                } catch (IOException | InterruptedException e) {
                    // cut off: expected
                }
            });
            SmtpClient.Reply r = c.expectReply(421, "4.4.2");
            long cutMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.text()).contains("timeout");
            assertThat(c.closedByServer()).isTrue();
            drip.interrupt();
            AttackFigures.report("SmtpDefencesTest#tricklingCommand", "drip", "1_byte/100ms", "command_timeout_ms", 1000, "cut_after_ms", cutMillis);
            assertThat(cutMillis).isBetween(900L, 2_500L);
        }
    }

    /** Each line of data arrives well within smtp.dataTimeout, but the data as a whole never ends. */
    @Test
    void messageDataThatNeverEndsIsCutAfterTheDataDeadline() throws Exception {
        InetSocketAddress server = fixture.server(s -> {
            s.dataTimeout = Duration.ofSeconds(5);
            s.maxDataTime = Duration.ofSeconds(1);
        });
        Account rcpt = fixture.account();
        try (SmtpClient c = new SmtpClient(server, "127.0.0.2")) {
            c.expectReply(220, null);
            c.expect("EHLO drip.example", 250);
            c.expect("MAIL FROM:<sender@remote.example>", 250);
            c.expect("RCPT TO:<" + rcpt.address() + ">", 250);
            c.expect("DATA", 354);
            long start = System.nanoTime();
            Thread drip = Thread.ofVirtual().start(() -> {
                try {
                    c.send("Subject: slow\r\n\r\n");
                    for (int i = 0; i < 100; i++) {
                        c.send("one complete line every 100 ms\r\n");
                        Thread.sleep(100);
                    }
                } catch (IOException | InterruptedException e) {
                    // cut off: expected
                }
            });
            SmtpClient.Reply r = c.expectReply(421, "4.4.2");
            long cutMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(c.closedByServer()).isTrue();
            drip.interrupt();
            AttackFigures.report("SmtpDefencesTest#endlessData", "drip", "1_line/100ms", "data_timeout_ms", 5000, "max_data_time_ms", 1000,
                    "cut_after_ms", cutMillis);
            assertThat(cutMillis).as("cut by smtp.maxDataTime (1 s), not smtp.dataTimeout (5 s) nor the end of the drip (10 s)")
                    .isBetween(900L, 4_000L);
            assertThat(r.text()).contains("timeout");
        }
        assertThat(fixture.store.messages(fixture.store.mailbox(rcpt.id(), "INBOX").orElseThrow().id()))
                .as("nothing of the cut message was delivered").isEmpty();
    }

    @Test
    void failedAuthenticationsEndTheSubmissionSession() throws Exception {
        SmtpServer servers = fixture.tlsServers(c -> {
            c.auth.failureDelay = Duration.ZERO;
            c.auth.maxFailureDelay = Duration.ZERO;
            c.auth.maxFailuresPerConnection = 3;
        });
        Account alice = fixture.account();
        try (SmtpClient c = SmtpClient.ehlo(servers.submissionAddresses().getFirst())) {
            c.expect("AUTH PLAIN " + SubmissionTest.plain(alice.address().toString(), "wrong1"), 535, "5.7.8");
            c.expect("AUTH PLAIN " + SubmissionTest.plain(alice.address().toString(), "wrong2"), 535, "5.7.8");
            c.expect("AUTH PLAIN " + SubmissionTest.plain(alice.address().toString(), "wrong3"), 535, "5.7.8");
            c.expectReply(421, "4.7.0");
            assertThat(c.closedByServer()).isTrue();
            AttackFigures.report("SmtpDefencesTest#submissionGuessing", "max_failures_per_connection", 3, "failures_before_close", 3);
        }
        try (SmtpClient c = SmtpClient.ehlo(servers.submissionAddresses().getFirst())) {
            c.expect("AUTH PLAIN " + SubmissionTest.plain(alice.address().toString(), "secret"), 235, "2.7.0");
        }
    }
}
