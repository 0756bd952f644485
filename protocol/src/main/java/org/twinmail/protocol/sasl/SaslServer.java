package org.twinmail.protocol.sasl;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.auth.Authenticator;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.core.config.TwinmailConfig.PlaintextAuth;
import org.twinmail.core.mail.Printable;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.protocol.net.Connection;

/**
 * Authentication for every protocol (SMTP AUTH, POP3 AUTH, IMAP AUTHENTICATE): which
 * mechanisms a connection may use, and one exchange from the mechanism name to an
 * authenticated user. Protocols supply only their framing ({@link SaslChannel}) and map the
 * {@link SaslOutcome} onto their replies.
 *
 * <p>PLAIN and LOGIN carry the password, so they are offered only over TLS, unless
 * {@code auth.plaintextAuth} allows it ({@code loopback} by default: a client on this machine,
 * such as webmail or a test, whose traffic never leaves the kernel, as Dovecot treats it).
 *
 * <p>Every password check goes through the {@link AuthGuard}: a client it has banned gets a
 * failure without a check (no Argon2id); a failure is answered after the guard's delay (a
 * sleep of this virtual thread), logged with the user name tried, and counted on the
 * connection, which the protocol closes once {@link #tooManyFailures} says so. A success
 * marks the connection as logged in.
 */
public final class SaslServer {
    private static final Logger log = LoggerFactory.getLogger(SaslServer.class);

    private static final List<SaslMechanism> MECHANISMS = List.of(new SaslMechanism.Plain(), new SaslMechanism.Login());

    private final Authenticator authenticator;
    private final PlaintextAuth plaintextAuth;
    private final AuthGuard guard;

    /** Without delays or bans ({@link AuthGuard#disabled()}). */
    public SaslServer(Authenticator authenticator, PlaintextAuth plaintextAuth) {
        this(authenticator, plaintextAuth, AuthGuard.disabled());
    }

    public SaslServer(Authenticator authenticator, PlaintextAuth plaintextAuth, AuthGuard guard) {
        this.authenticator = authenticator;
        this.plaintextAuth = plaintextAuth;
        this.guard = guard;
    }

    /** True once the connection has had {@code auth.maxFailuresPerConnection} failed logins: the protocol closes it. */
    public boolean tooManyFailures(Connection connection) {
        return connection.authFailures() >= guard.maxFailuresPerConnection();
    }

    /** True if a password may be sent on this connection now (TLS, or the plaintext policy allows it). */
    public boolean allowed(Connection connection) {
        if (connection.isSecure()) return true;
        return switch (plaintextAuth) {
            case ALWAYS -> true;
            case LOOPBACK -> connection.isLoopback();
            case NEVER -> false;
        };
    }

    /** The mechanism names to advertise on this connection now: empty before TLS unless allowed. */
    public List<String> mechanisms(Connection connection) {
        return allowed(connection) ? MECHANISMS.stream().map(SaslMechanism::name).toList() : List.of();
    }

    /** Every mechanism we implement, whether or not this connection may use it yet. */
    public static Optional<SaslMechanism> mechanism(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        return MECHANISMS.stream().filter(m -> m.name().equals(upper)).findFirst();
    }

    /**
     * A password given outside SASL (POP3 USER/PASS, IMAP LOGIN): the same check. The caller
     * wipes the password and has checked {@link #allowed}.
     *
     * @throws RuntimeException when the password check itself fails (store down)
     */
    public Optional<AuthenticatedUser> check(String username, char[] password, Connection connection) {
        return guarded(username, password, connection);
    }

    /** The password check through the guard: see the class comment. */
    private Optional<AuthenticatedUser> guarded(String username, char[] password, Connection connection) {
        InetAddress client = connection.remoteAddress();
        if (guard.isBanned(client)) {
            connection.authFailed();
            log.info("{}: login refused for {} from {}: address banned", connection.service(), Printable.of(username),
                    client.getHostAddress());
            return Optional.empty();
        }
        Optional<AuthenticatedUser> user = authenticator.authenticate(username, password, client);
        if (user.isPresent()) {
            guard.succeeded(client, username);
            connection.markAuthenticated();
            return user;
        }
        int n = connection.authFailed();
        Duration wait = guard.failed(client, username, connection.service());
        log.info("{}: login failed for {} from {} ({} on this connection)", connection.service(), Printable.of(username),
                client.getHostAddress(), n);
        if (!wait.isZero()) {
            try {
                Thread.sleep(wait); // a virtual thread: the wait holds no platform thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return Optional.empty();
    }

    /**
     * Runs one exchange and checks the credentials. The caller has already checked that the
     * mechanism exists and {@link #allowed} holds. The password is wiped as soon as it is checked.
     *
     * @param initialResponse the response on the command line (null if none; "=" is the empty response)
     */
    public SaslOutcome authenticate(SaslMechanism mechanism, String initialResponse, SaslChannel channel,
                                    Connection connection) throws IOException {
        String initial = initialResponse == null ? null : initialResponse.equals("=") ? "" : initialResponse;
        SaslPlain.Credentials c;
        try {
            c = mechanism.exchange(initial, channel);
        } catch (SaslMechanism.SaslAbort e) {
            return e.outcome();
        }
        try {
            // No proxy logins: an authorization identity other than the user itself is refused.
            if (!c.authzid().isEmpty() && !c.authzid().equalsIgnoreCase(c.authcid())) {
                log.info("{}: login failed for {} from {}: authorization identity {} refused (no proxy logins)", connection.service(),
                        Printable.of(c.authcid()), connection.remoteAddress().getHostAddress(), Printable.of(c.authzid()));
                return new SaslOutcome.Failure(c.authcid());
            }
            Optional<AuthenticatedUser> user;
            try {
                user = guarded(c.authcid(), c.password(), connection);
            } catch (RuntimeException e) {
                log.warn("authentication backend failed: {}", e.toString());
                return new SaslOutcome.Unavailable();
            }
            return user.<SaslOutcome>map(SaslOutcome.Success::new).orElseGet(() -> new SaslOutcome.Failure(c.authcid()));
        } finally {
            Arrays.fill(c.password(), '\0');
        }
    }
}
