package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.attack.AttackFigures;

/**
 * The node as TwinmailServer wires it: one auth guard for every protocol, so guessing over IMAP
 * bans the address on SMTP, submission, POP3 and the implicit-TLS ports too, until it expires or
 * the administrator lifts it; and {@code tls.handshakeTimeout} reaches the implicit-TLS listeners.
 */
class ConnectionDefencesEndToEndTest {
    @TempDir
    Path data;

    private static Socket connect(String from, InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(to, 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static String line(Socket s) throws IOException {
        StringBuilder b = new StringBuilder();
        InputStream in = s.getInputStream();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) if (c != '\r') b.append((char) c);
        return b.toString();
    }

    private static void send(Socket s, String line) throws IOException {
        s.getOutputStream().write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    private static String greeting(String from, InetSocketAddress to) throws IOException {
        try (Socket s = connect(from, to)) {
            return line(s);
        }
    }

    @Test
    void guessingOverImapBansTheAddressOnEveryProtocolUntilTheAdminLiftsIt() throws Exception {
        TwinmailConfig config = TestConfigs.loopback(data);
        config.auth.failureDelay = Duration.ZERO;
        config.auth.maxFailureDelay = Duration.ZERO;
        config.auth.banAfterFailures = 3;
        config.tls.handshakeTimeout = Duration.ofSeconds(1);
        try (TwinmailServer server = TwinmailServer.start(config)) {
            assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "guard.example").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "gus@guard.example", "--password", "password-gus").exit()).isZero();
            InetSocketAddress imap = server.imapAddresses().getFirst();

            long guessing = System.nanoTime();
            try (Socket s = connect("127.0.0.2", imap)) {
                assertThat(line(s)).startsWith("* OK");
                for (int i = 0; i < 3; i++) {
                    send(s, "g" + i + " LOGIN gus@guard.example guess" + i);
                    assertThat(line(s)).isEqualTo("g" + i + " NO [AUTHENTICATIONFAILED] invalid credentials");
                }
            }
            long banMillis = (System.nanoTime() - guessing) / 1_000_000;
            assertThat(server.authGuard().bans()).extracting(b -> b.client()).containsExactly("127.0.0.2");

            String blocked = "your address is temporarily blocked after failed logins";
            assertThat(greeting("127.0.0.2", server.smtpAddresses().getFirst())).isEqualTo("421 4.7.0 mx.test.example Error: " + blocked);
            assertThat(greeting("127.0.0.2", server.submissionAddresses().getFirst())).isEqualTo("421 4.7.0 mx.test.example Error: " + blocked);
            assertThat(greeting("127.0.0.2", server.pop3Addresses().getFirst())).isEqualTo("-ERR [SYS/TEMP] " + blocked);
            assertThat(greeting("127.0.0.2", imap)).isEqualTo("* BYE " + blocked);
            try (Socket s = connect("127.0.0.2", server.imapsAddresses().getFirst())) {
                assertThat(s.getInputStream().read()).as("implicit TLS: closed without a word").isEqualTo(-1);
            }

            // another address is not affected
            assertThat(greeting("127.0.0.3", server.smtpAddresses().getFirst())).startsWith("220 ");
            long ownerStart = System.nanoTime();
            try (Socket s = connect("127.0.0.3", imap)) {
                line(s);
                send(s, "a LOGIN gus@guard.example password-gus");
                assertThat(line(s)).startsWith("a OK");
            }
            long ownerMillis = (System.nanoTime() - ownerStart) / 1_000_000;

            assertThat(server.authGuard().unban("127.0.0.2")).isTrue();
            assertThat(greeting("127.0.0.2", server.smtpAddresses().getFirst())).startsWith("220 ");

            // tls.handshakeTimeout reaches IMAPS: a client that never handshakes is closed after it
            long start = System.nanoTime();
            try (Socket s = connect("127.0.0.3", server.imapsAddresses().getFirst())) {
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
            long handshakeCut = (System.nanoTime() - start) / 1_000_000;
            AttackFigures.report("ConnectionDefencesEndToEndTest#banEverywhere", "ban_after_failures", 3, "time_to_ban_ms", banMillis,
                    "banned_on", "smtp,submission,pop3,imap,imaps", "owner_login_other_address_ms", ownerMillis,
                    "handshake_timeout_ms", 1000, "imaps_no_handshake_cut_after_ms", handshakeCut);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(800), Duration.ofSeconds(5));
        }
    }
}
