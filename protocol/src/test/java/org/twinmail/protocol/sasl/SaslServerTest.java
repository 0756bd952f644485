package org.twinmail.protocol.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.auth.Authenticator;
import org.twinmail.core.config.TwinmailConfig.PlaintextAuth;
import org.twinmail.protocol.net.Connection;

/** The shared exchange: PLAIN and LOGIN, initial responses, cancel, proxy logins, the plaintext policy. */
class SaslServerTest {
    static final Authenticator.AuthenticatedUser ALICE = new Authenticator.AuthenticatedUser(7, "alice@example.com");
    final List<String> checked = new ArrayList<>();
    final Authenticator authenticator = (user, password, client) -> {
        checked.add(user + ":" + new String(password));
        return user.equals("alice@example.com") && new String(password).equals("secret") ? Optional.of(ALICE) : Optional.empty();
    };
    ServerSocket listener;
    Socket client;
    Connection connection;

    @BeforeEach
    void connect() throws Exception {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        connection = new Connection(listener.accept());
    }

    @AfterEach
    void close() throws Exception {
        connection.close();
        client.close();
        listener.close();
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A channel that answers challenges from a script and records them. */
    static final class Script implements SaslChannel {
        final Deque<String> answers;
        final List<String> challenges = new ArrayList<>();

        Script(String... answers) {
            this.answers = new ArrayDeque<>(List.of(answers));
        }

        public String challenge(String base64) {
            challenges.add(base64);
            return answers.poll();
        }
    }

    SaslOutcome run(SaslServer sasl, String mechanism, String initial, Script script) throws Exception {
        return sasl.authenticate(SaslServer.mechanism(mechanism).orElseThrow(), initial, script, connection);
    }

    @Test
    void plainWithAndWithoutInitialResponse() throws Exception {
        SaslServer sasl = new SaslServer(authenticator, PlaintextAuth.ALWAYS);
        Script none = new Script();
        assertThat(run(sasl, "PLAIN", b64("\0alice@example.com\0secret"), none)).isEqualTo(new SaslOutcome.Success(ALICE));
        assertThat(none.challenges).isEmpty();
        Script one = new Script(b64("alice@example.com\0alice@example.com\0secret"));
        assertThat(run(sasl, "plain", null, one)).isEqualTo(new SaslOutcome.Success(ALICE));
        assertThat(one.challenges).containsExactly("");
        assertThat(run(sasl, "PLAIN", b64("\0alice@example.com\0wrong"), new Script()))
                .isEqualTo(new SaslOutcome.Failure("alice@example.com"));
        // "=" is the empty initial response (RFC 4954), which PLAIN cannot use
        assertThat(run(sasl, "PLAIN", "=", new Script())).isInstanceOf(SaslOutcome.Malformed.class);
    }

    @Test
    void proxyLoginIsRefusedWithoutCheckingThePassword() throws Exception {
        SaslServer sasl = new SaslServer(authenticator, PlaintextAuth.ALWAYS);
        assertThat(run(sasl, "PLAIN", b64("bob@example.com\0alice@example.com\0secret"), new Script()))
                .isEqualTo(new SaslOutcome.Failure("alice@example.com"));
        assertThat(checked).isEmpty();
    }

    @Test
    void loginAsksForUserAndPasswordAndCanBeCancelled() throws Exception {
        SaslServer sasl = new SaslServer(authenticator, PlaintextAuth.ALWAYS);
        Script both = new Script(b64("alice@example.com"), b64("secret"));
        assertThat(run(sasl, "LOGIN", null, both)).isEqualTo(new SaslOutcome.Success(ALICE));
        assertThat(both.challenges).containsExactly(b64("Username:"), b64("Password:"));
        Script initial = new Script(b64("secret"));
        assertThat(run(sasl, "LOGIN", b64("alice@example.com"), initial)).isEqualTo(new SaslOutcome.Success(ALICE));
        assertThat(initial.challenges).containsExactly(b64("Password:"));
        assertThat(run(sasl, "LOGIN", null, new Script(b64("alice@example.com"), "*"))).isEqualTo(new SaslOutcome.Cancelled());
        assertThat(run(sasl, "LOGIN", null, new Script("not base64!"))).isInstanceOf(SaslOutcome.Malformed.class);
        assertThat(run(sasl, "LOGIN", null, new Script(b64("alice@example.com")))).isEqualTo(new SaslOutcome.Disconnected());
        assertThat(SaslServer.mechanism("CRAM-MD5")).isEmpty();
    }

    @Test
    void backendFailureIsUnavailableNotAFailedLogin() throws Exception {
        SaslServer sasl = new SaslServer((u, p, c) -> {
            throw new IllegalStateException("store down");
        }, PlaintextAuth.ALWAYS);
        assertThat(run(sasl, "PLAIN", b64("\0alice@example.com\0secret"), new Script())).isEqualTo(new SaslOutcome.Unavailable());
    }

    @Test
    void plaintextPolicyOnALoopbackConnectionWithoutTls() {
        assertThat(connection.isSecure()).isFalse();
        assertThat(connection.isLoopback()).isTrue();
        assertThat(new SaslServer(authenticator, PlaintextAuth.NEVER).mechanisms(connection)).isEmpty();
        assertThat(new SaslServer(authenticator, PlaintextAuth.LOOPBACK).mechanisms(connection)).containsExactly("PLAIN", "LOGIN");
        assertThat(new SaslServer(authenticator, PlaintextAuth.ALWAYS).allowed(connection)).isTrue();
    }

    @Test
    void aClientBannedInTheStoreCostsNoPasswordCheckAndIsLetInWhenTheBanIsRemoved() {
        org.twinmail.core.config.TwinmailConfig.Auth a = new org.twinmail.core.config.TwinmailConfig.Auth();
        a.failureDelay = java.time.Duration.ZERO;
        a.maxFailureDelay = java.time.Duration.ZERO;
        org.twinmail.protocol.auth.AuthGuard guard = org.twinmail.protocol.auth.AuthGuard.create(a, null);
        SaslServer sasl = new SaslServer(authenticator, org.twinmail.core.config.TwinmailConfig.PlaintextAuth.ALWAYS, guard);
        // as restored from the store after a restart: the ban the guard gave before it
        guard.restore(List.of(new org.twinmail.protocol.auth.AuthGuard.Ban("127.0.0.1", java.time.Instant.now().plusSeconds(600), 0)));
        for (int i = 0; i < 50; i++) assertThat(sasl.check("alice@example.com", "secret".toCharArray(), connection)).isEmpty();
        assertThat(checked).as("no Argon2id for a banned client, even with the right password").isEmpty();
        guard.restore(List.of()); // the administrator removed it
        assertThat(sasl.check("alice@example.com", "secret".toCharArray(), connection)).contains(ALICE);
        assertThat(checked).hasSize(1);
    }
}
