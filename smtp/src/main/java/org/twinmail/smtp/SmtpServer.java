package org.twinmail.smtp;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Function;
import org.twinmail.core.auth.Authenticator;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.filter.Chain;
import org.twinmail.filter.Chains;
import org.twinmail.filter.FilterMetrics;
import org.twinmail.filter.Pipeline;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.protocol.net.Admission;
import org.twinmail.protocol.net.ClientLimits;
import org.twinmail.protocol.net.ConnectionListener;
import org.twinmail.protocol.net.ListenerGroup;
import org.twinmail.protocol.sasl.SaslServer;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.smtp.session.SessionSettings;
import org.twinmail.smtp.session.SmtpMetrics;
import org.twinmail.smtp.session.SmtpSession;
import org.twinmail.store.Directory;
import org.twinmail.store.Postmaster;
import org.twinmail.store.Quarantine;
import org.twinmail.store.Records;
import org.twinmail.store.Mailboxes;

/**
 * The SMTP services, one session class in two modes:
 * <ul>
 *   <li>the MX on {@code smtp.listen}: mail for the store's local domains and nothing else (never
 *       an open relay, no AUTH), STARTTLS when TLS is configured;</li>
 *   <li>submission (RFC 6409) on {@code submission.listen} with STARTTLS and on
 *       {@code submission.tlsListen} with implicit TLS (RFC 8314): AUTH required, the user's own
 *       sender only, per-user limits.</li>
 * </ul>
 * One virtual thread per connection; each listener admits at most its {@code maxConnections}.
 *
 * <p>Layout: {@code command} turns a line into a typed command (no I/O); {@code session}
 * runs the conversation and holds one handler per non-trivial command ({@code MailHandler},
 * {@code RcptHandler}, {@code DataHandler}); {@code data} reads message content and builds
 * the trace headers. Policy is the filter module's: each listener's sessions consult its
 * {@link Chain} ({@link Chains#mx}, {@link Chains#submission}) through a {@link Pipeline}.
 */
public final class SmtpServer implements AutoCloseable {
    private final SmtpMetrics metrics;
    private final ConnectionListener mx;
    private final ConnectionListener submission;
    private final ConnectionListener submissions;
    private final ListenerGroup listeners;

    /** The MX alone, without TLS or submission (tests of the plain MX conversation). */
    public <S extends Directory & Mailboxes> SmtpServer(TwinmailConfig config, S store, MeterRegistry registry) {
        this(config, store, null, null, registry);
    }

    /**
     * Validates the settings (throws {@link IllegalArgumentException} for impossible ones); binds
     * nothing yet. Submission listeners exist only with an {@code authenticator}; STARTTLS and
     * implicit TLS only with {@code tls}. SMTP uses two roles of the store: the {@link Directory}
     * (recipients, aliases, domains) and the {@link Mailboxes} (delivery); {@code store} is
     * anything that has both, as the store the server opens does.
     */
    public <S extends Directory & Mailboxes> SmtpServer(TwinmailConfig config, S store, Authenticator authenticator, Tls tls,
                                                        MeterRegistry registry) {
        this(config, store, store, authenticator, tls, registry, Chains.mx(config, store),
                authenticator == null ? null : Chains.submission(config, store));
    }

    /**
     * The same with the filter chains given: the MX's, and submission's (used only with an
     * {@code authenticator}). {@link Chains} builds the standard ones; a site or a test adds its own checks to them.
     */
    public SmtpServer(TwinmailConfig config, Directory directory, Mailboxes mailboxes, Authenticator authenticator, Tls tls,
                      MeterRegistry registry, Chain mxChain, Chain submissionChain) {
        this(config, directory, mailboxes, authenticator, tls, AuthGuard.create(config.auth, registry), registry, mxChain,
                submissionChain);
    }

    /** The standard chains, with the node's one {@link AuthGuard} (shared by every protocol). */
    public <S extends Directory & Mailboxes> SmtpServer(TwinmailConfig config, S store, Authenticator authenticator, Tls tls,
                                                        AuthGuard guard, MeterRegistry registry) {
        this(config, store, store, authenticator, tls, guard, registry, Chains.mx(config, store),
                authenticator == null ? null : Chains.submission(config, store));
    }

    /** The same with the node's {@link AuthGuard}: its bans are refused at connect, and submission's logins go through it. */
    public SmtpServer(TwinmailConfig config, Directory directory, Mailboxes mailboxes, Authenticator authenticator, Tls tls,
                      AuthGuard guard, MeterRegistry registry, Chain mxChain, Chain submissionChain) {
        SessionSettings mxSettings = SessionSettings.from(config);
        Postmaster postmaster = new Postmaster(directory, config.smtp.postmaster);
        // The administrator's quarantine where the store keeps records (the server's always does).
        Quarantine quarantine = mailboxes instanceof Records records ? new Quarantine(records, mailboxes) : null;
        // BURL (RFC 4468) reads URLs with their owner's access, through the store's URLAUTH checks: given the whole store.
        org.twinmail.store.access.UrlAuthorizer urlAuth = mailboxes instanceof org.twinmail.store.MailStore store
                ? new org.twinmail.store.access.UrlAuthorizer(store, store, store) : null;
        this.metrics = new SmtpMetrics(registry);
        FilterMetrics filterMetrics = new FilterMetrics(registry);
        Pipeline mxPipeline = new Pipeline(mxChain, filterMetrics);
        Function<String, String> refusal = text -> "421 4.7.0 " + config.hostname + " Error: " + text;
        // Postfix: smtpd_timeout bounds writes as well as reads
        this.mx = new ConnectionListener("smtp", config.smtp.listen, config.smtp.maxConnections, config.smtp.commandTimeout, null,
                Admission.of(config.limits, ClientLimits.from(config.limits), guard, refusal),
                connection -> new SmtpSession(connection, mxSettings, directory, postmaster, mailboxes, quarantine, metrics, mxPipeline, tls, null).run(), registry);
        if (authenticator == null) {
            submission = null;
            submissions = null;
            listeners = new ListenerGroup(mx);
            return;
        }
        SessionSettings subSettings = SessionSettings.submission(config);
        SaslServer sasl = new SaslServer(authenticator, config.auth.plaintextAuth, guard);
        Pipeline subPipeline = new Pipeline(submissionChain, filterMetrics);
        // submission and submissions count one client's connections together
        Admission admission = Admission.of(config.limits, ClientLimits.from(config.limits), guard, refusal);
        this.submission = new ConnectionListener("submission", config.submission.listen, config.submission.maxConnections,
                config.smtp.commandTimeout, null, admission,
                connection -> new SmtpSession(connection, subSettings, directory, postmaster, mailboxes, quarantine, metrics, subPipeline, tls, sasl, urlAuth).run(), registry);
        this.submissions = tls == null || config.submission.tlsListen.isEmpty() ? null
                : new ConnectionListener("submissions", config.submission.tlsListen, config.submission.maxConnections,
                        config.smtp.commandTimeout, tls, admission,
                        connection -> new SmtpSession(connection, subSettings, directory, postmaster, mailboxes, quarantine, metrics, subPipeline, tls, sasl, urlAuth).run(), registry);
        this.listeners = new ListenerGroup(mx, submission, submissions);
    }

    /** Binds every configured address (failing, with nothing left bound, if one is taken) and starts accepting. */
    public void start() throws IOException {
        listeners.start();
    }

    /** The MX's bound addresses; a configured port 0 shows here as the real port. */
    public List<InetSocketAddress> boundAddresses() {
        return mx.boundAddresses();
    }

    /** Submission with STARTTLS (port 587); empty without submission. */
    public List<InetSocketAddress> submissionAddresses() {
        return ListenerGroup.addresses(submission);
    }

    /** Submission over implicit TLS (port 465); empty without it. */
    public List<InetSocketAddress> submissionsAddresses() {
        return ListenerGroup.addresses(submissions);
    }

    /** Stops accepting and closes open sessions; a message not yet acknowledged is not delivered. */
    @Override
    public void close() {
        listeners.close();
    }
}
