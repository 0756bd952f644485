package org.twinmail.imap;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.twinmail.core.auth.Authenticator;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.imap.command.Context;
import org.twinmail.imap.mime.MessageCache;
import org.twinmail.imap.session.ImapMetrics;
import org.twinmail.imap.session.ImapSession;
import org.twinmail.imap.session.Notifier;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.protocol.net.Admission;
import org.twinmail.protocol.net.ClientLimits;
import org.twinmail.protocol.net.ConnectionListener;
import org.twinmail.protocol.net.ListenerGroup;
import org.twinmail.protocol.sasl.SaslServer;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.search.SearchIndex;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.MailboxAccess;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.Records;

/**
 * The IMAP service (RFC 3501 IMAP4rev1 with the extensions listed in CAPABILITY) on the
 * store ({@link Mailboxes} as each user may use them, through {@link MailboxAccess}; woken by the {@link ChangeLog}; METADATA in its {@link Records}): one virtual thread per connection, at most {@code imap.maxConnections}
 * at once. IDLE sessions are woken by the store's events through one {@link Notifier}.
 */
public final class ImapServer implements AutoCloseable {
    /** RFC 9051 6.1: clients may send lines of at least 8000 octets (RFC 7162 asks for the same). */
    private static final int MIN_LINE_LENGTH = 8192;

    private final ConnectionListener listener;
    private final ConnectionListener tlsListener;
    private final ListenerGroup listeners;

    /** Without TLS: no STARTTLS, no IMAPS listener. */
    public ImapServer(TwinmailConfig config, MailboxAccess mailboxes, ChangeLog changes, Records records, Authenticator authenticator, MeterRegistry registry) {
        this(config, mailboxes, changes, records, authenticator, null, registry);
    }

    /** With {@code tls}: STARTTLS on {@code imap.listen} and implicit TLS (IMAPS) on {@code imap.tlsListen}. */
    public ImapServer(TwinmailConfig config, MailboxAccess mailboxes, ChangeLog changes, Records records, Authenticator authenticator, Tls tls,
                      MeterRegistry registry) {
        this(config, mailboxes, changes, records, authenticator, tls, AuthGuard.create(config.auth, registry), registry);
    }

    /** As above, with the node's one {@link AuthGuard} (shared by every protocol). */
    public ImapServer(TwinmailConfig config, MailboxAccess mailboxes, ChangeLog changes, Records records, Authenticator authenticator, Tls tls,
                      AuthGuard guard, MeterRegistry registry) {
        this(config, mailboxes, changes, records, authenticator, tls, guard, null, registry);
    }

    /** As above, with the full-text index that SEARCH's text keys ask first (null: none). */
    public ImapServer(TwinmailConfig config, MailboxAccess mailboxes, ChangeLog changes, Records records, Authenticator authenticator, Tls tls,
                      AuthGuard guard, SearchIndex search, MeterRegistry registry) {
        TwinmailConfig.Imap limits = config.imap;
        check(limits);
        Notifier notifier = new Notifier(changes);
        changes.addListener(notifier);
        Context.Services services = new Context.Services(limits, new SaslServer(authenticator, config.auth.plaintextAuth, guard), tls,
                mailboxes, records, notifier, new MessageCache(limits.messageCacheSize.bytes()), new ImapMetrics(registry),
                java.nio.file.Path.of(config.dataDir, "spool"), config.store.spoolMemoryLimit.asInt(),
                new org.twinmail.imap.session.RecentTracker(changes.lastChangePosition()), search,
                // URLAUTH reads a URL with its owner's access, so it needs the whole store: given one, it is offered.
                mailboxes instanceof org.twinmail.store.MailStore store ? new org.twinmail.store.access.UrlAuthorizer(store, store, store) : null);
        // The write deadline: a client that takes no output for this long is cut off (IDLE clients read, so it holds them too).
        // IMAP and IMAPS count one client's connections together
        Admission admission = Admission.of(config.limits, ClientLimits.from(config.limits), guard, text -> "* BYE " + text);
        this.listener = new ConnectionListener("imap", limits.listen, limits.maxConnections, limits.idleTimeout, null, admission,
                connection -> new ImapSession(connection, services).run(), registry);
        this.tlsListener = tls == null || limits.tlsListen == null || limits.tlsListen.isEmpty() ? null
                : new ConnectionListener("imaps", limits.tlsListen, limits.maxConnections, limits.idleTimeout, tls, admission,
                        connection -> new ImapSession(connection, services).run(), registry);
        this.listeners = new ListenerGroup(listener, tlsListener);
    }

    /** Binds every {@code imap.listen} and {@code imap.tlsListen} address (failing if one is taken) and starts accepting. */
    public void start() throws IOException {
        listeners.start();
    }

    /** The bound IMAPS addresses; empty without TLS or before {@link #start()}. */
    public List<InetSocketAddress> tlsAddresses() {
        return ListenerGroup.addresses(tlsListener);
    }

    /** The bound addresses, with real port numbers where the configuration said 0; empty before {@link #start()}. */
    public List<InetSocketAddress> boundAddresses() {
        return listener.boundAddresses();
    }

    /** Stops accepting and closes every connection. */
    @Override
    public void close() {
        listeners.close();
    }

    private static void check(TwinmailConfig.Imap limits) {
        if (limits.listen == null || limits.listen.isEmpty()) throw new IllegalArgumentException("imap.listen: no address to listen on");
        if (limits.maxConnections < 1) throw new IllegalArgumentException("imap.maxConnections must be at least 1");
        if (limits.maxErrors < 1) throw new IllegalArgumentException("imap.maxErrors must be at least 1");
        if (limits.maxNestingDepth < 1) throw new IllegalArgumentException("imap.maxNestingDepth must be at least 1");
        if (limits.maxLineLength < MIN_LINE_LENGTH) {
            throw new IllegalArgumentException("imap.maxLineLength must be at least " + MIN_LINE_LENGTH + " (RFC 9051 6.1)");
        }
        if (limits.maxLiteralSize == null || limits.maxLiteralSize.bytes() < 1) throw new IllegalArgumentException("imap.maxLiteralSize must be positive");
        if (limits.idleTimeout == null || limits.idleTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("imap.idleTimeout must be at least 1s");
        }
        if (limits.authTimeout == null || limits.authTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("imap.authTimeout must be at least 1s");
        }
    }
}
