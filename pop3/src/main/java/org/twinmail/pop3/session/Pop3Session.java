package org.twinmail.pop3.session;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.pop3.command.Capabilities;
import org.twinmail.pop3.maildrop.Maildrop;
import org.twinmail.pop3.maildrop.MaildropLock;
import org.twinmail.pop3.maildrop.MaildropLocks;
import org.twinmail.protocol.log.SessionLog;
import org.twinmail.protocol.net.Connection;
import org.twinmail.protocol.sasl.SaslServer;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.StoreException;

/**
 * One POP3 connection, read top to bottom on its own virtual thread: greeting,
 * AUTHORIZATION, snapshot, TRANSACTION, UPDATE. Every way out (QUIT, dropped
 * connection, autologout, too many errors, a failure) passes through one place
 * that writes the session log line, and the maildrop lock is released by
 * try-with-resources whatever happens.
 */
public final class Pop3Session {
    private static final Logger log = LoggerFactory.getLogger(Pop3Session.class);

    /** What every session of one server shares. */
    /**
     * What every session of one server shares.
     *
     * @param tls  STLS is offered when not null
     * @param sasl the mechanisms, the plaintext-password policy and the password check (AUTH, and USER/PASS)
     */
    public record Services(TwinmailConfig.Pop3 limits, SaslServer sasl, Tls tls, Mailboxes store,
                           MaildropLocks locks, Capabilities capabilities, Pop3Metrics metrics) { }

    private final Connection connection;
    private final Services services;
    private final SessionLog sessionLog;

    public Pop3Session(Connection connection, Services services) {
        this.connection = connection;
        this.services = services;
        this.sessionLog = new SessionLog("pop3", connection.remote());
        if (connection.isSecure()) sessionLog.field("tls", connection.tlsDescription());
        // Always present in the log line, so a session that read nothing says so with zeros.
        sessionLog.count("retr", 0);
        sessionLog.count("dele", 0);
        sessionLog.count("bytes", 0);
    }

    public void run() throws IOException {
        Pop3Channel channel = new Pop3Channel(connection, services.limits());
        try {
            channel.ok("TwinMail POP3 ready");
            serve(channel);
        } catch (SocketTimeoutException e) {
            // RFC 1939 lets the server close silently; a last line tells a human (or a log) why.
            sessionLog.outcome("timeout");
            channel.sendQuietly("-ERR autologout: idle for too long");
        } catch (TooManyErrors e) {
            if (sessionLog.outcome().equals("ok")) sessionLog.outcome("too-many-errors");
        } catch (Pop3Channel.LineTooLong e) {
            sessionLog.outcome("line-too-long");
        } catch (EOFException e) {
            sessionLog.outcome("eof");
        } catch (MessageTransfer.SourceFailed e) {
            // The reply was half sent and cannot be repaired: the session ends, deleting nothing.
            sessionLog.outcome("store-error");
            log.warn("pop3: {}; session closed mid-reply", e.getMessage());
        } catch (IOException e) {
            sessionLog.outcome("disconnected");
            log.debug("pop3: connection failed: {}", e.toString());
        } catch (RuntimeException e) {
            sessionLog.outcome("error");
            throw e;
        } finally {
            channel.flushQuietly();
            sessionLog.field("errors", Integer.toString(channel.errors()));
            sessionLog.finish(connection.bytesIn(), connection.bytesOut());
        }
    }

    private void serve(Pop3Channel channel) throws IOException, TooManyErrors {
        // The pre-auth phase gets the authenticator and the lock table, never the store.
        AuthorizationPhase authorization = new AuthorizationPhase(channel, connection, services.sasl(), services.tls(),
                services.locks(), services.capabilities(), services.metrics(), sessionLog);
        while (true) {
            AuthorizationPhase.Authorized login = authorization.run();
            if (login == null) return;
            // Released on every path; the QUIT reply is still in the buffer at that moment
            // (run() flushes it in finally), so a client that sees +OK can log in again at once.
            try (MaildropLock lock = login.lock()) {
                Maildrop maildrop;
                try {
                    maildrop = Maildrop.load(services.store(), lock.accountId());
                } catch (StoreException e) {
                    log.warn("pop3: cannot open the maildrop of account {}: {}", lock.accountId(), e.toString());
                    services.metrics().login(Pop3Metrics.LoginResult.ERROR);
                    channel.fail("[SYS/TEMP] Mailbox temporarily unavailable, try again later");
                    continue; // back to AUTHORIZATION, lock released
                }
                services.metrics().login(Pop3Metrics.LoginResult.OK);
                channel.ok("Maildrop has " + TransactionPhase.summary(maildrop));
                new TransactionPhase(channel, maildrop, services.store(), services.capabilities(),
                        services.metrics(), sessionLog).run();
                return;
            }
        }
    }
}
