package org.twinmail.smtp;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.protocol.net.ConnectionListener;
import org.twinmail.smtp.session.SessionSettings;
import org.twinmail.smtp.session.SmtpMetrics;
import org.twinmail.smtp.session.SmtpSession;
import org.twinmail.store.MailStore;

/**
 * The inbound SMTP service (MX): accepts mail for the store's local domains and nothing
 * else (never an open relay), on {@code smtp.listen}, one virtual thread per connection,
 * at most {@code smtp.maxConnections} at once.
 *
 * <p>Layout: {@code command} turns a line into a typed command (no I/O); {@code session}
 * runs the conversation and holds one handler per non-trivial command ({@code MailHandler},
 * {@code RcptHandler}, {@code DataHandler}); {@code data} reads message content and builds
 * the trace headers.
 */
public final class SmtpServer implements AutoCloseable {
    private final SessionSettings settings;
    private final MailStore store;
    private final SmtpMetrics metrics;
    private final ConnectionListener listener;

    /** Validates the SMTP settings (throws {@link IllegalArgumentException} for impossible ones); binds nothing yet. */
    public SmtpServer(TwinmailConfig config, MailStore store, MeterRegistry registry) {
        this.settings = SessionSettings.from(config);
        this.store = store;
        this.metrics = new SmtpMetrics(registry);
        this.listener = new ConnectionListener("smtp", config.smtp.listen, config.smtp.maxConnections,
                config.smtp.commandTimeout, // Postfix: smtpd_timeout bounds writes as well as reads
                connection -> new SmtpSession(connection, settings, this.store, metrics).run(), registry);
    }

    /** Binds every configured address (failing if one is taken) and starts accepting. */
    public void start() throws IOException {
        listener.start();
    }

    /** The bound addresses; a configured port 0 shows here as the real port. */
    public List<InetSocketAddress> boundAddresses() {
        return listener.boundAddresses();
    }

    /** Stops accepting and closes open sessions; a message not yet acknowledged is not delivered. */
    @Override
    public void close() {
        listener.close();
    }
}
