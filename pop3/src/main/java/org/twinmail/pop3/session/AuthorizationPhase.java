package org.twinmail.pop3.session;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.pop3.command.Capabilities;
import org.twinmail.pop3.command.Command;
import org.twinmail.pop3.command.ParseError;
import org.twinmail.pop3.command.Pop3Parser;
import org.twinmail.pop3.command.SaslResponse;
import org.twinmail.pop3.command.State;
import org.twinmail.pop3.maildrop.MaildropLock;
import org.twinmail.pop3.maildrop.MaildropLocks;
import org.twinmail.protocol.io.LineInput;
import org.twinmail.protocol.log.SessionLog;
import org.twinmail.protocol.net.Connection;
import org.twinmail.protocol.sasl.SaslMechanism;
import org.twinmail.protocol.sasl.SaslOutcome;
import org.twinmail.protocol.sasl.SaslServer;
import org.twinmail.protocol.tls.Tls;

/**
 * The AUTHORIZATION state (RFC 1939 section 4, RFC 5034, RFC 2595): USER/PASS, AUTH,
 * STLS, CAPA and QUIT. It holds the password check and the lock table but no store:
 * the client cannot reach any mail from here, and the only way out is an
 * authenticated user whose maildrop lock is already held.
 *
 * <p>Passwords travel only over TLS unless {@code auth.plaintextAuth} allows otherwise:
 * before that, USER, PASS and AUTH answer {@code -ERR [AUTH]} and CAPA does not list them
 * (Dovecot's behaviour), and STLS is offered.
 */
final class AuthorizationPhase {
    private static final Logger log = LoggerFactory.getLogger(AuthorizationPhase.class);

    /** RFC 3206: [AUTH] marks a problem with the credentials; one text for unknown user and wrong password. */
    static final String AUTH_FAILED = "[AUTH] Authentication failed";
    static final String IN_USE = "[IN-USE] Mailbox is locked by another POP3 session";
    static final String NEEDS_TLS = "[AUTH] Plaintext authentication disallowed on non-secure connections, use STLS";

    /** A successful login: the account and its maildrop lock, which the caller must release. */
    record Authorized(AuthenticatedUser user, MaildropLock lock) { }

    private final Pop3Channel channel;
    private final Connection connection;
    private final SaslServer sasl;
    private final Tls tls;
    private final MaildropLocks locks;
    private final Capabilities capabilities;
    private final Pop3Metrics metrics;
    private final SessionLog sessionLog;

    AuthorizationPhase(Pop3Channel channel, Connection connection, SaslServer sasl, Tls tls, MaildropLocks locks,
                       Capabilities capabilities, Pop3Metrics metrics, SessionLog sessionLog) {
        this.channel = channel;
        this.connection = connection;
        this.sasl = sasl;
        this.tls = tls;
        this.locks = locks;
        this.capabilities = capabilities;
        this.metrics = metrics;
        this.sessionLog = sessionLog;
    }

    /**
     * Reads commands until a login succeeds and the maildrop is locked. The reply to
     * that PASS or AUTH is left to the caller, which sends +OK only once the
     * maildrop snapshot is loaded.
     *
     * @return the login, or null after the client QUIT (already answered)
     */
    Authorized run() throws IOException, TooManyErrors {
        String user = null; // from USER, waiting for PASS
        while (true) {
            LineInput.Line line = channel.readLine();
            switch (Pop3Parser.parse(line.bytes(), line.tooLong(), State.AUTHORIZATION)) {
                case ParseError e -> channel.err(e.text());
                case Command.User u -> {
                    if (!sasl.allowed(connection)) {
                        channel.err(NEEDS_TLS);
                        break;
                    }
                    // No lookup here: whether the user exists is told to nobody before PASS.
                    user = u.name();
                    channel.ok("Send PASS");
                }
                case Command.Pass p -> {
                    if (user == null) {
                        Arrays.fill(p.password(), '\0');
                        channel.err("Send USER first");
                        break;
                    }
                    String name = user;
                    user = null; // RFC 1939: after a failed PASS the client starts again with USER
                    Authorized a = login(name, p.password());
                    if (a != null) return a;
                }
                case Command.Auth a -> {
                    user = null;
                    Authorized done = auth(a);
                    if (done != null) return done;
                }
                case Command.Stls s -> {
                    user = null; // RFC 2595 4: nothing learned before TLS carries over
                    stls();
                }
                case Command.Capa c -> channel.okMultiline("Capability list follows", capabilityLines());
                case Command.Quit q -> {
                    channel.ok("TwinMail POP3 signing off");
                    sessionLog.outcome("quit");
                    return null;
                }
                // The parser refuses transaction commands in this state; this only guards the table.
                case Command other -> channel.err("Command not valid in this state");
            }
        }
    }

    /** CAPA before login: no USER or SASL where passwords may not be sent yet; STLS where it can be. */
    private List<String> capabilityLines() {
        List<String> lines = new ArrayList<>();
        boolean passwords = sasl.allowed(connection);
        for (String l : capabilities.lines(State.AUTHORIZATION)) {
            if (!passwords && (l.equals("USER") || l.startsWith("SASL"))) continue;
            lines.add(l);
        }
        if (tls != null && !connection.isSecure()) lines.add("STLS");
        return lines;
    }

    /** STLS (RFC 2595 section 4): a failed handshake ends the session (the exception propagates). */
    private void stls() throws IOException, TooManyErrors {
        if (tls == null) {
            channel.err("STLS not available");
            return;
        }
        if (connection.isSecure()) {
            channel.err("Command not permitted when TLS active");
            return;
        }
        channel.ok("Begin TLS negotiation");
        int discarded = tls.upgrade(connection);
        if (discarded > 0) {
            log.info("pop3: discarded {} bytes of plaintext pipelined after STLS by {}", discarded, connection.remote());
            sessionLog.count("discarded", discarded);
        }
        sessionLog.field("tls", connection.tlsDescription());
    }

    private Authorized auth(Command.Auth a) throws IOException, TooManyErrors {
        if (a.mechanism() == null) {
            // RFC 5034 section 4 leaves the bare AUTH to RFC 1734-era clients: list what may be used now.
            channel.okMultiline("Supported mechanisms follow", sasl.mechanisms(connection));
            return null;
        }
        Optional<SaslMechanism> mechanism = SaslServer.mechanism(a.mechanism());
        if (mechanism.isEmpty()) {
            channel.err("Unsupported authentication mechanism");
            return null;
        }
        if (!sasl.allowed(connection)) {
            channel.err(NEEDS_TLS);
            return null;
        }
        SaslOutcome outcome = sasl.authenticate(mechanism.get(), a.initialResponse(), challenge -> {
            channel.challenge(challenge);
            LineInput.Line line = channel.readLine();
            return switch (Pop3Parser.parseSaslResponse(line.bytes(), line.tooLong())) {
                case SaslResponse.Cancel c -> "*";
                case SaslResponse.Data d -> d.base64();
                // not base64: the mechanism reports it as malformed; too long: as a broken exchange
                case ParseError e -> line.tooLong() ? null : line.ascii();
            };
        }, connection);
        switch (outcome) {
            case SaslOutcome.Success s -> {
                sessionLog.user(s.user().address());
                return lock(s.user());
            }
            case SaslOutcome.Failure f -> {
                sessionLog.user(f.authcid());
                metrics.login(Pop3Metrics.LoginResult.FAILED);
                channel.err(AUTH_FAILED);
                closeIfTooManyFailures();
            }
            case SaslOutcome.Cancelled c -> channel.err("Authentication cancelled");
            case SaslOutcome.Malformed m -> channel.err(m.reason().equals("not valid base64") ? "Invalid base64 data"
                    : "Malformed " + mechanism.get().name() + " response");
            case SaslOutcome.Unavailable u -> {
                metrics.login(Pop3Metrics.LoginResult.ERROR);
                channel.fail("[SYS/TEMP] Authentication temporarily unavailable");
            }
            case SaslOutcome.Disconnected d -> channel.err("Authentication line too long");
        }
        return null;
    }

    /** USER/PASS: checks the password (and wipes it) and takes the maildrop lock; answers every failure itself. */
    private Authorized login(String name, char[] password) throws IOException, TooManyErrors {
        sessionLog.user(name);
        Optional<AuthenticatedUser> user;
        try {
            user = sasl.check(name, password, connection);
        } catch (RuntimeException e) {
            log.warn("pop3: authentication backend failed: {}", e.toString());
            metrics.login(Pop3Metrics.LoginResult.ERROR);
            channel.fail("[SYS/TEMP] Authentication temporarily unavailable");
            return null;
        } finally {
            Arrays.fill(password, '\0');
        }
        if (user.isEmpty()) {
            metrics.login(Pop3Metrics.LoginResult.FAILED);
            channel.err(AUTH_FAILED);
            closeIfTooManyFailures();
            return null;
        }
        sessionLog.user(user.get().address());
        return lock(user.get());
    }

    /** {@code auth.maxFailuresPerConnection}: the session ends after the failure's reply. */
    private void closeIfTooManyFailures() throws IOException, TooManyErrors {
        if (!sasl.tooManyFailures(connection)) return;
        channel.fail("Too many failed logins, closing connection");
        sessionLog.outcome("too-many-auth-failures");
        throw new TooManyErrors();
    }

    private Authorized lock(AuthenticatedUser user) throws IOException, TooManyErrors {
        Optional<MaildropLock> lock = locks.tryLock(user.accountId());
        if (lock.isEmpty()) {
            metrics.login(Pop3Metrics.LoginResult.IN_USE);
            channel.err(IN_USE);
            return null;
        }
        return new Authorized(user, lock.get());
    }
}
