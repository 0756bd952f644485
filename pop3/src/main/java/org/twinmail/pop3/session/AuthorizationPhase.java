package org.twinmail.pop3.session;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.auth.Authenticator;
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
import org.twinmail.protocol.sasl.SaslPlain;

/**
 * The AUTHORIZATION state (RFC 1939 section 4, RFC 5034): USER/PASS, AUTH PLAIN,
 * CAPA and QUIT. It holds the authenticator and the lock table but no store: the
 * client cannot reach any mail from here, and the only way out is an authenticated
 * user whose maildrop lock is already held.
 */
final class AuthorizationPhase {
    private static final Logger log = LoggerFactory.getLogger(AuthorizationPhase.class);

    /** RFC 3206: [AUTH] marks a problem with the credentials; one text for unknown user and wrong password. */
    static final String AUTH_FAILED = "[AUTH] Authentication failed";
    static final String IN_USE = "[IN-USE] Mailbox is locked by another POP3 session";
    private static final List<String> MECHANISMS = List.of("PLAIN");

    /** A successful login: the account and its maildrop lock, which the caller must release. */
    record Authorized(AuthenticatedUser user, MaildropLock lock) { }

    private final Pop3Channel channel;
    private final Authenticator authenticator;
    private final MaildropLocks locks;
    private final Capabilities capabilities;
    private final Pop3Metrics metrics;
    private final SessionLog sessionLog;
    private final InetAddress client;

    AuthorizationPhase(Pop3Channel channel, Authenticator authenticator, MaildropLocks locks,
                       Capabilities capabilities, Pop3Metrics metrics, SessionLog sessionLog, InetAddress client) {
        this.channel = channel;
        this.authenticator = authenticator;
        this.locks = locks;
        this.capabilities = capabilities;
        this.metrics = metrics;
        this.sessionLog = sessionLog;
        this.client = client;
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
                case Command.Capa c -> channel.okMultiline("Capability list follows", capabilities.lines(State.AUTHORIZATION));
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

    private Authorized auth(Command.Auth a) throws IOException, TooManyErrors {
        if (a.mechanism() == null) {
            channel.okMultiline("Supported mechanisms follow", MECHANISMS);
            return null;
        }
        if (!MECHANISMS.contains(a.mechanism())) {
            channel.err("Unsupported authentication mechanism");
            return null;
        }
        String response = a.initialResponse();
        if (response == null) {
            // PLAIN is client-first: the server's challenge is empty, sent as "+ " (RFC 5034 section 4).
            channel.challenge("");
            LineInput.Line line = channel.readLine();
            switch (Pop3Parser.parseSaslResponse(line.bytes(), line.tooLong())) {
                case SaslResponse.Cancel c -> {
                    channel.err("Authentication cancelled");
                    return null;
                }
                case ParseError e -> {
                    channel.err(e.text());
                    return null;
                }
                case SaslResponse.Data d -> response = d.base64();
            }
        }
        SaslPlain.Credentials credentials;
        try {
            credentials = SaslPlain.decode(response);
        } catch (SaslPlain.MalformedResponse e) {
            channel.err("Malformed PLAIN response");
            return null;
        }
        // No proxy logins: an authorization identity other than the user itself is refused.
        if (!credentials.authzid().isEmpty() && !credentials.authzid().equalsIgnoreCase(credentials.authcid())) {
            Arrays.fill(credentials.password(), '\0');
            sessionLog.user(credentials.authcid());
            metrics.login(Pop3Metrics.LoginResult.FAILED);
            channel.err(AUTH_FAILED);
            return null;
        }
        return login(credentials.authcid(), credentials.password());
    }

    /** Checks the password (and wipes it) and takes the maildrop lock; answers every failure itself. */
    private Authorized login(String name, char[] password) throws IOException, TooManyErrors {
        sessionLog.user(name);
        Optional<AuthenticatedUser> user;
        try {
            user = authenticator.authenticate(name, password, client);
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
            return null;
        }
        sessionLog.user(user.get().address());
        Optional<MaildropLock> lock = locks.tryLock(user.get().accountId());
        if (lock.isEmpty()) {
            metrics.login(Pop3Metrics.LoginResult.IN_USE);
            channel.err(IN_USE);
            return null;
        }
        return new Authorized(user.get(), lock.get());
    }
}
