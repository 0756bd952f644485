package org.twinmail.pop3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.twinmail.pop3.Pop3Fixture.PASSWORD;
import static org.twinmail.pop3.Pop3Fixture.user;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig.PlaintextAuth;
import org.twinmail.core.model.Account;

/** STLS (RFC 2595) and POP3S (RFC 8314) with passwords refused before TLS, as on a non-loopback network. */
class Pop3TlsTest {
    @TempDir
    static Path dataDir;
    static Pop3Fixture fx;
    static Pop3Server server;

    @BeforeAll
    static void start() throws Exception {
        fx = new Pop3Fixture(dataDir.resolve("store"));
        server = fx.tlsServer(dataDir, c -> c.auth.plaintextAuth = PlaintextAuth.NEVER);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void beforeStlsNoPasswordsAfterItUserPass() throws Exception {
        Account a = fx.account();
        try (Pop3Client c = new Pop3Client(Pop3Fixture.address(server))) {
            assertThat(c.multi("CAPA")).contains("STLS").doesNotContain("USER").noneMatch(l -> l.startsWith("SASL"));
            assertThat(c.cmd("USER " + user(a))).startsWith("-ERR [AUTH]");
            assertThat(c.cmd("AUTH PLAIN " + b64("\0" + user(a) + "\0" + PASSWORD))).startsWith("-ERR [AUTH]");
            assertThat(c.multi("AUTH")).isEmpty();
            assertThat(c.cmd("STLS")).startsWith("+OK");
            c.handshake();
            assertThat(c.multi("CAPA")).contains("USER", "SASL PLAIN LOGIN").doesNotContain("STLS");
            assertThat(c.cmd("STLS")).startsWith("-ERR");
            assertThat(c.cmd("USER " + user(a))).startsWith("+OK");
            assertThat(c.cmd("PASS " + PASSWORD)).startsWith("+OK");
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
    }

    @Test
    void pop3sWithAuthLogin() throws Exception {
        Account a = fx.account();
        fx.deliver(a, "Subject: hi\r\n\r\nover POP3S\r\n");
        try (Pop3Client c = new Pop3Client(server.tlsAddresses().getFirst(), true)) {
            assertThat(c.greeting).startsWith("+OK");
            assertThat(c.multi("CAPA")).doesNotContain("STLS").contains("USER");
            assertThat(c.cmd("AUTH LOGIN")).isEqualTo("+ " + b64("Username:"));
            assertThat(c.cmd(b64(user(a)))).isEqualTo("+ " + b64("Password:"));
            assertThat(c.cmd(b64("wrong"))).startsWith("-ERR [AUTH]");
            assertThat(c.cmd("AUTH LOGIN " + b64(user(a)))).isEqualTo("+ " + b64("Password:"));
            assertThat(c.cmd(b64(PASSWORD))).startsWith("+OK");
            assertThat(c.multi("RETR 1")).contains("over POP3S");
        }
    }

    /** Plaintext sent together with STLS must not run over TLS afterwards (CVE-2011-0411 class). */
    @Test
    void plaintextPipelinedAfterStlsIsNotExecuted() throws Exception {
        Account a = fx.account();
        try (Pop3Client c = new Pop3Client(Pop3Fixture.address(server))) {
            c.sendRaw(("STLS\r\nUSER " + user(a) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(c.readLine()).startsWith("+OK");
            c.handshake();
            // Had the injected USER run, PASS would be accepted; it must say USER first.
            assertThat(c.cmd("PASS " + PASSWORD)).isEqualTo("-ERR Send USER first");
        }
    }
}
