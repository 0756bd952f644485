package org.twinmail.managesieve;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.twinmail.core.auth.Authenticator;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.filter.sieve.SieveScripts;
import org.twinmail.managesieve.session.ManageSieveSession;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.protocol.net.Admission;
import org.twinmail.protocol.net.ClientLimits;
import org.twinmail.protocol.net.ConnectionListener;
import org.twinmail.protocol.sasl.SaslServer;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.store.Records;

/**
 * ManageSieve (RFC 5804) on {@code managesieve.listen}: users put, check, list, activate and
 * delete their Sieve scripts (kept in the store's {@link Records} through {@link SieveScripts}),
 * with STARTTLS and the same SASL, limits and bans as the other protocols.
 */
public final class ManageSieveServer implements AutoCloseable {
    private final ConnectionListener listener;

    public ManageSieveServer(TwinmailConfig config, Records records, Authenticator authenticator, Tls tls, AuthGuard guard,
                             MeterRegistry registry) {
        this(config, new SieveScripts(records), authenticator, tls, guard, registry);
    }

    /** With the node's shared {@code scripts} (delivery's cache sees a PUTSCRIPT before its OK is sent). */
    public ManageSieveServer(TwinmailConfig config, SieveScripts scripts, Authenticator authenticator, Tls tls, AuthGuard guard,
                             MeterRegistry registry) {
        TwinmailConfig.ManageSieve m = config.managesieve;
        if (m.maxLineLength < 1024) throw new IllegalArgumentException("managesieve.maxLineLength must be at least 1024");
        if (m.maxScripts < 1) throw new IllegalArgumentException("managesieve.maxScripts must be at least 1");
        ManageSieveSession.Services services = new ManageSieveSession.Services(
                new SaslServer(authenticator, config.auth.plaintextAuth, guard), tls, scripts, m.maxLineLength,
                m.maxScriptSize.asInt(), m.maxScripts, m.maxErrors, m.maxRedirects, m.commandTimeout);
        Admission admission = Admission.of(config.limits, ClientLimits.from(config.limits), guard, text -> "BYE \"" + text + "\"");
        this.listener = new ConnectionListener("managesieve", m.listen, m.maxConnections, m.commandTimeout, null, admission,
                connection -> new ManageSieveSession(connection, services).run(), registry);
    }

    public void start() throws IOException {
        listener.start();
    }

    public List<InetSocketAddress> boundAddresses() {
        return listener.boundAddresses();
    }

    @Override
    public void close() {
        listener.close();
    }
}
