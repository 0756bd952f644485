package org.twinmail.pop3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.twinmail.pop3.Pop3Fixture.PASSWORD;
import static org.twinmail.pop3.Pop3Fixture.address;
import static org.twinmail.pop3.Pop3Fixture.message;
import static org.twinmail.pop3.Pop3Fixture.user;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;

/** Configured limits (idle timeout, error budget, line length) and store failures, each on its own server. */
class Pop3LimitsTest {

    @TempDir
    Path dataDir;
    Pop3Fixture fx;

    @BeforeEach
    void open() {
        fx = new Pop3Fixture(dataDir);
    }

    @AfterEach
    void close() {
        fx.close();
    }

    @Test
    void idleClientIsLoggedOutWhileAnotherIsServedAndNothingIsDeleted() throws Exception {
        Pop3Server server = fx.server(p -> p.commandTimeout = Duration.ofMillis(700));
        Account idle = fx.account();
        Account busy = fx.account();
        fx.deliver(idle, message("stays", "s\r\n"));
        fx.deliver(busy, message("read", "r\r\n"));

        try (Pop3Client sleeper = new Pop3Client(address(server))) {
            assertThat(sleeper.login(user(idle), PASSWORD)).startsWith("+OK");
            assertThat(sleeper.cmd("DELE 1")).startsWith("+OK");
            long idleSince = System.nanoTime();

            // Another client is served normally while the first one sits idle.
            try (Pop3Client worker = new Pop3Client(address(server))) {
                assertThat(worker.login(user(busy), PASSWORD)).startsWith("+OK");
                for (int i = 0; i < 5; i++) {
                    assertThat(worker.cmd("STAT")).startsWith("+OK 1 ");
                    Thread.sleep(200); // each pause is shorter than the timeout; together they are longer
                }
                assertThat(worker.cmd("RETR 1")).startsWith("+OK");
                worker.readBody();
                assertThat(worker.cmd("QUIT")).startsWith("+OK");
            }

            assertThat(sleeper.readLine()).isEqualTo("-ERR autologout: idle for too long");
            long waitedMs = (System.nanoTime() - idleSince) / 1_000_000;
            assertThat(waitedMs).isGreaterThanOrEqualTo(650);
            assertThat(sleeper.serverClosed()).isTrue();
        }
        assertThat(fx.inbox(idle)).hasSize(1);
        try (Pop3Client again = new Pop3Client(address(server))) {
            assertThat(again.login(user(idle), PASSWORD)).startsWith("+OK Maildrop has 1 message (");
        }
    }

    @Test
    void idleTimeoutAppliesBeforeLoginAndInsideAuth() throws IOException {
        Pop3Server server = fx.server(p -> p.commandTimeout = Duration.ofMillis(300));
        try (Pop3Client c = new Pop3Client(address(server))) {
            assertThat(c.readLine()).isEqualTo("-ERR autologout: idle for too long");
            assertThat(c.serverClosed()).isTrue();
        }
        try (Pop3Client c = new Pop3Client(address(server))) {
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(c.readLine()).isEqualTo("-ERR autologout: idle for too long");
        }
    }

    @Test
    void tooManyFailedCommandsCloseTheConnection() throws IOException {
        Pop3Server server = fx.server(p -> p.maxErrors = 3);
        Account a = fx.account();
        try (Pop3Client c = new Pop3Client(address(server))) {
            assertThat(c.cmd("USER " + user(a))).startsWith("+OK");
            assertThat(c.cmd("PASS guess1")).isEqualTo("-ERR [AUTH] Authentication failed");
            assertThat(c.cmd("USER " + user(a))).startsWith("+OK"); // successes do not reset the count
            assertThat(c.cmd("PASS guess2")).isEqualTo("-ERR [AUTH] Authentication failed");
            assertThat(c.cmd("BOGUS")).isEqualTo("-ERR Unknown command");
            assertThat(c.readLine()).isEqualTo("-ERR Too many errors, closing connection");
            assertThat(c.serverClosed()).isTrue();
        }
        // After login the budget still counts, and closing deletes nothing.
        fx.deliver(a, message("m", "m\r\n"));
        try (Pop3Client c = new Pop3Client(address(server))) {
            assertThat(c.login(user(a), PASSWORD)).startsWith("+OK");
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            assertThat(c.cmd("RETR 9")).startsWith("-ERR No such message");
            assertThat(c.cmd("DELE 1")).startsWith("-ERR Message 1 already deleted");
            assertThat(c.cmd("BOGUS")).isEqualTo("-ERR Unknown command");
            assertThat(c.readLine()).isEqualTo("-ERR Too many errors, closing connection");
            assertThat(c.serverClosed()).isTrue();
        }
        assertThat(fx.inbox(a)).hasSize(1);
    }

    @Test
    void lineLengthLimitComesFromTheConfiguration() throws IOException {
        Pop3Server server = fx.server(p -> p.maxLineLength = 300);
        Account a = fx.account();
        try (Pop3Client c = new Pop3Client(address(server))) {
            assertThat(c.cmd("USER " + "u".repeat(290))).startsWith("+OK");
            assertThat(c.cmd("USER " + "u".repeat(300))).isEqualTo("-ERR Line too long");
            assertThat(c.serverClosed()).as("the session ends after an over-long line").isTrue();
        }
        try (Pop3Client c = new Pop3Client(address(server))) {
            assertThat(c.login(user(a), PASSWORD)).startsWith("+OK");
        }
    }

    @Test
    void nonsensicalLimitsAreRefusedAtConstruction() {
        assertThatThrownBy(() -> fx.server(p -> p.maxLineLength = 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pop3.maxLineLength");
        assertThatThrownBy(() -> fx.server(p -> p.maxErrors = 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pop3.maxErrors");
        assertThatThrownBy(() -> fx.server(p -> p.commandTimeout = Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pop3.commandTimeout");
    }

    @Test
    void failedExpungeAnswersSysTempAndLosesNothing() throws IOException {
        Pop3Server server = fx.server(p -> { });
        Account a = fx.account();
        fx.deliver(a, message("a", "a\r\n"));
        fx.deliver(a, message("b", "b\r\n"));
        try (Pop3Client c = new Pop3Client(address(server))) {
            assertThat(c.login(user(a), PASSWORD)).startsWith("+OK");
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            assertThat(c.cmd("DELE 2")).startsWith("+OK");
            // Another node takes over: this store's writes are now refused (stale epoch).
            fx.store.fence(fx.store.epoch() + 1);
            assertThat(c.cmd("QUIT")).isEqualTo("-ERR [SYS/TEMP] Some deleted messages not removed, try again later");
            assertThat(c.serverClosed()).isTrue();
        }
        assertThat(fx.inbox(a)).hasSize(2);
        // The lock went with the session.
        try (Pop3Client c = new Pop3Client(address(server))) {
            assertThat(c.login(user(a), PASSWORD)).startsWith("+OK Maildrop has 2 messages");
        }
    }

    @Test
    void closingTheServerEndsSessionsWithoutDeleting() throws Exception {
        Pop3Server server = fx.server(p -> { });
        Account a = fx.account();
        fx.deliver(a, message("a", "a\r\n"));
        try (Pop3Client c = new Pop3Client(address(server))) {
            assertThat(c.login(user(a), PASSWORD)).startsWith("+OK");
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            server.close();
            assertThat(c.serverClosed()).isTrue();
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.lockedMaildrops() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(server.lockedMaildrops()).isZero();
        assertThat(fx.inbox(a)).hasSize(1);
    }
}
