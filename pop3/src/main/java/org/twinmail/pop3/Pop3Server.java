package org.twinmail.pop3;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.twinmail.core.auth.Authenticator;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.pop3.command.Capabilities;
import org.twinmail.pop3.maildrop.MaildropLocks;
import org.twinmail.pop3.session.Pop3Metrics;
import org.twinmail.pop3.session.Pop3Session;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.protocol.net.Admission;
import org.twinmail.protocol.net.ClientLimits;
import org.twinmail.protocol.net.ConnectionListener;
import org.twinmail.protocol.net.ListenerGroup;
import org.twinmail.protocol.sasl.SaslServer;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.store.Mailboxes;

/**
 * The POP3 service (RFC 1939, with CAPA and response codes from RFC 2449 and
 * RFC 3206, AUTH PLAIN and LOGIN from RFC 5034, STLS from RFC 2595 and POP3S from
 * RFC 8314) on the {@link Mailboxes}: one virtual thread per connection, at most
 * {@code pop3.maxConnections} at once per listener.
 */
public final class Pop3Server implements AutoCloseable {
    /** RFC 2449 section 4: servers must accept command lines of 255 octets (CRLF included). */
    private static final int MIN_LINE_LENGTH = 253;

    private final ConnectionListener listener;
    private final ConnectionListener tlsListener;
    private final ListenerGroup listeners;
    private final MaildropLocks locks = new MaildropLocks();

    /** POP3 without TLS (no STLS, no POP3S). */
    public Pop3Server(TwinmailConfig config, Mailboxes store, Authenticator authenticator, MeterRegistry registry) {
        this(config, store, authenticator, null, registry);
    }

    /** With {@code tls}: STLS on {@code pop3.listen} and implicit TLS (POP3S) on {@code pop3.tlsListen}. */
    public Pop3Server(TwinmailConfig config, Mailboxes store, Authenticator authenticator, Tls tls, MeterRegistry registry) {
        this(config, store, authenticator, tls, AuthGuard.create(config.auth, registry), registry);
    }

    /** As above, with the node's one {@link AuthGuard} (shared by every protocol). */
    public Pop3Server(TwinmailConfig config, Mailboxes store, Authenticator authenticator, Tls tls, AuthGuard guard,
                      MeterRegistry registry) {
        TwinmailConfig.Pop3 limits = config.pop3;
        check(limits);
        Pop3Session.Services services = new Pop3Session.Services(limits, new SaslServer(authenticator, config.auth.plaintextAuth, guard),
                tls, store, locks, Capabilities.standard(), new Pop3Metrics(registry));
        // POP3 and POP3S count one client's connections together
        Admission admission = Admission.of(config.limits, ClientLimits.from(config.limits), guard, text -> "-ERR [SYS/TEMP] " + text);
        this.listener = new ConnectionListener("pop3", limits.listen, limits.maxConnections, limits.commandTimeout, null, admission,
                connection -> new Pop3Session(connection, services).run(), registry);
        this.tlsListener = tls == null || limits.tlsListen.isEmpty() ? null
                : new ConnectionListener("pop3s", limits.tlsListen, limits.maxConnections, limits.commandTimeout, tls, admission,
                        connection -> new Pop3Session(connection, services).run(), registry);
        this.listeners = new ListenerGroup(listener, tlsListener);
    }

    /** Binds every {@code pop3.listen} and {@code pop3.tlsListen} address (failing if one is taken) and starts accepting. */
    public void start() throws IOException {
        listeners.start();
    }

    /** The bound addresses, with real port numbers where the configuration said 0; empty before {@link #start()}. */
    public List<InetSocketAddress> boundAddresses() {
        return listener.boundAddresses();
    }

    /** The POP3S addresses; empty without TLS. */
    public List<InetSocketAddress> tlsAddresses() {
        return ListenerGroup.addresses(tlsListener);
    }

    /** Maildrops locked by open sessions right now. */
    public int lockedMaildrops() {
        return locks.size();
    }

    /**
     * Stops accepting and closes every connection. Sessions that were not in the
     * middle of QUIT delete nothing (RFC 1939: no UPDATE without QUIT).
     */
    @Override
    public void close() {
        listeners.close();
    }

    private static void check(TwinmailConfig.Pop3 limits) {
        if (limits.listen == null || limits.listen.isEmpty()) throw new IllegalArgumentException("pop3.listen: no address to listen on");
        if (limits.maxConnections < 1) throw new IllegalArgumentException("pop3.maxConnections must be at least 1");
        if (limits.maxErrors < 1) throw new IllegalArgumentException("pop3.maxErrors must be at least 1");
        if (limits.maxLineLength < MIN_LINE_LENGTH) {
            throw new IllegalArgumentException("pop3.maxLineLength must be at least " + MIN_LINE_LENGTH + " (RFC 2449)");
        }
        if (limits.commandTimeout == null || limits.commandTimeout.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("pop3.commandTimeout must be positive");
        }
    }
}
