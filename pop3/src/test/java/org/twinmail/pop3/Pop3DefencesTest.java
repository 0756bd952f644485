package org.twinmail.pop3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.twinmail.pop3.Pop3Fixture.PASSWORD;
import static org.twinmail.pop3.Pop3Fixture.user;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.Account;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.core.attack.AttackFigures;

class Pop3DefencesTest {
    @TempDir
    Path dataDir;
    private Pop3Fixture fx;

    @BeforeEach
    void setUp() {
        fx = new Pop3Fixture(dataDir);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void failedLoginsEndTheConnectionAndABannedAddressIsRefusedAtConnect() throws Exception {
        TwinmailConfig.Auth settings = new TwinmailConfig.Auth();
        settings.failureDelay = Duration.ZERO;
        settings.maxFailureDelay = Duration.ZERO;
        settings.maxFailuresPerConnection = 3;
        settings.banAfterFailures = 5;
        AuthGuard guard = AuthGuard.create(settings, fx.registry);
        Pop3Server server = fx.serverWith(c -> c.auth = settings, guard);
        Account a = fx.account();
        try (Pop3Client c = new Pop3Client(Pop3Fixture.address(server), false, "127.0.0.2")) {
            for (int i = 0; i < 3; i++) {
                assertThat(c.cmd("USER " + user(a))).startsWith("+OK");
                assertThat(c.cmd("PASS guess" + i)).isEqualTo("-ERR [AUTH] Authentication failed");
            }
            assertThat(c.readLine()).isEqualTo("-ERR Too many failed logins, closing connection");
            assertThat(c.serverClosed()).isTrue();
        }
        AttackFigures.report("Pop3DefencesTest#failuresPerConnection", "max_failures_per_connection", 3, "failures_before_close", 3);
        try (Pop3Client c = new Pop3Client(Pop3Fixture.address(server), false, "127.0.0.2")) {
            for (int i = 0; i < 2; i++) {
                assertThat(c.cmd("USER " + user(a))).startsWith("+OK");
                assertThat(c.cmd("PASS guess" + i)).isEqualTo("-ERR [AUTH] Authentication failed");
            }
        }
        assertThat(guard.isBanned(InetAddress.getByName("127.0.0.2"))).isTrue();
        AttackFigures.report("Pop3DefencesTest#banAfterFailures", "ban_after_failures", 5, "failures_until_banned", 5);
        try (Pop3Client c = new Pop3Client(Pop3Fixture.address(server), false, "127.0.0.2")) {
            assertThat(c.greeting).isEqualTo("-ERR [SYS/TEMP] your address is temporarily blocked after failed logins");
            assertThat(c.serverClosed()).isTrue();
        }
        try (Pop3Client c = new Pop3Client(Pop3Fixture.address(server), false, "127.0.0.3")) {
            assertThat(c.login(user(a), PASSWORD)).startsWith("+OK");
        }
    }

    @Test
    void oneAddressAtItsConnectionLimitGetsSysTemp() throws Exception {
        Pop3Server server = fx.serverWith(c -> c.limits.maxConnectionsPerIp = 2, null);
        List<Pop3Client> held = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Pop3Client c = new Pop3Client(Pop3Fixture.address(server), false, "127.0.0.2");
                held.add(c);
                assertThat(c.greeting).startsWith("+OK");
            }
            try (Pop3Client c = new Pop3Client(Pop3Fixture.address(server), false, "127.0.0.2")) {
                assertThat(c.greeting).isEqualTo("-ERR [SYS/TEMP] too many connections from your address");
            }
            try (Pop3Client c = new Pop3Client(Pop3Fixture.address(server), false, "127.0.0.3")) {
                assertThat(c.greeting).startsWith("+OK");
            }
        } finally {
            for (Pop3Client c : held) c.close();
        }
    }

    /** Before: every byte restarted pop3.commandTimeout, so one byte per 100 ms held the session forever. */
    @Test
    void aCommandThatTricklesInIsCutAfterTheCommandTimeout() throws Exception {
        Pop3Server server = fx.serverWith(c -> c.pop3.commandTimeout = Duration.ofSeconds(1), null);
        try (Pop3Client c = new Pop3Client(Pop3Fixture.address(server), false, "127.0.0.2")) {
            // the server's clock for the first command starts once it has greeted, so ours starts once the greeting is
            // read (the connection and the greeting's first-time class loading took 0.3 s quiet, 1.4 s at load 20)
            long start = System.nanoTime();
            Thread drip = Thread.ofVirtual().start(() -> {
                try {
                    for (byte b : "USER a-very-slow-client@example.com".getBytes(java.nio.charset.StandardCharsets.US_ASCII)) {
                        c.sendRaw(new byte[] {b});
                        Thread.sleep(100);
                    }
                } catch (Exception e) {
                    // cut off: expected
                }
            });
            assertThat(c.readLine()).isEqualTo("-ERR autologout: idle for too long");
            long cutMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(c.serverClosed()).isTrue();
            drip.interrupt();
            AttackFigures.report("Pop3DefencesTest#tricklingCommand", "drip", "1_byte/100ms", "command_timeout_ms", 1000, "cut_after_ms", cutMillis);
            assertThat(cutMillis).isBetween(900L, 2_500L);
        }
    }
}
