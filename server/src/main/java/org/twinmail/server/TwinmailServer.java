package org.twinmail.server;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations;
import org.twinmail.admin.AdminService;
import org.twinmail.admin.monitor.Alerts;
import org.twinmail.web.autoconfig.ClientSetup;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.auth.PasswordPolicy;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.dns.DnsMxResolver;
import org.twinmail.filter.Chain;
import org.twinmail.filter.Chains;
import org.twinmail.filter.FilterMetrics;
import org.twinmail.filter.Pipeline;
import org.twinmail.filter.forward.AutoReplies;
import org.twinmail.filter.forward.Forwarder;
import org.twinmail.filter.forward.SrsReturn;
import org.twinmail.filter.forward.SrsSecret;
import org.twinmail.filter.sieve.SieveFilter;
import org.twinmail.mail.srs.Srs;
import org.twinmail.filter.sieve.SieveScripts;
import org.twinmail.filter.auth.report.DmarcAggregates;
import org.twinmail.filter.auth.report.DmarcReportSender;
import org.twinmail.filter.auth.report.DmarcReporting;
import org.twinmail.http.Health;
import org.twinmail.http.HttpService;
import org.twinmail.jmap.JmapService;
import org.twinmail.jmap.submission.Submitter;
import org.twinmail.web.session.SessionSettings;
import org.twinmail.web.webmail.PushRoutes;
import org.twinmail.web.webmail.Webmail;
import org.twinmail.imap.ImapServer;
import org.twinmail.managesieve.ManageSieveServer;
import org.twinmail.mail.dkim.DkimSigner;
import org.twinmail.pop3.Pop3Server;
import org.twinmail.filter.content.BayesTokens;
import org.twinmail.filter.content.SpamLevels;
import org.twinmail.filter.content.JunkLearner;
import org.twinmail.filter.outbound.OutboundHold;
import org.twinmail.filter.quarantine.QuarantineDigest;
import org.twinmail.filter.rules.AdminRules;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.relay.queue.QueueRunner;
import org.twinmail.sms.SmsService;
import org.twinmail.push.PushService;
import org.twinmail.push.PushSettings;
import org.twinmail.relay.queue.RelaySettings;
import org.twinmail.smtp.SmtpServer;
import org.twinmail.search.IndexUpdater;
import org.twinmail.search.SearchIndex;
import org.twinmail.store.AccountTraffic;
import org.twinmail.store.MailStore;
import org.twinmail.store.Postmaster;
import org.twinmail.store.Quarantine;
import org.twinmail.store.embedded.StoreAuthenticator;

/**
 * One running TwinMail node, wired by hand in one readable place, in two parts:
 * <ul>
 *   <li>what runs on every node, for its whole life: metrics, the HTTP endpoints
 *       ({@code /metrics}, {@code /health}, the admin API) and the run file;</li>
 *   <li>what only the <em>active</em> node runs ({@link Active}): the store, opened
 *       under an epoch, and the protocol services on top of it. {@link #activate}
 *       starts it bottom-up and {@link #deactivate} stops it top-down, so no service
 *       ever runs without its store.</li>
 * </ul>
 * A single node (no {@code cluster.nodeId}) activates at once with the store's newest
 * epoch and stays active until it stops, exactly as a node without HA. In a pair the
 * cluster module decides when to activate (after it has raised the epoch and run the
 * acquire hook) and when to deactivate.
 */
public final class TwinmailServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TwinmailServer.class);

    private final TwinmailConfig config;
    /** What clients and DNS are told about this node (autoconfiguration, {@code admin domain dns}); checked at start-up. */
    private final org.twinmail.admin.DomainDns.Settings clientSettings;
    private final Path dataDir;
    /** Where the run file lives: the data directory of a single node, the node-local state directory in a pair. */
    private final Path runDir;
    /** A single node's lock on its data directory, or a pair node's lock on its state directory, for the node's life. */
    private final DataDirLock nodeLock;
    private final PrometheusMeterRegistry registry;
    private final PasswordHasher hasher;
    /** Certificates for every TLS service (STARTTLS, implicit TLS, HTTPS), reloaded when their files change. */
    private final Tls tls;
    /** Failed logins and bans of every protocol, for the node's life (in memory: a restart forgets them). */
    private final AuthGuard authGuard;
    private final HttpService http;
    /** The services of the active role; null while this node does not serve (standby, or stopped). */
    private volatile Active active;
    /** The active node's SMS feature, for the HTTP gateways' webhook; null when not serving or SMS is off. */
    private volatile SmsService sms;
    /** Describes, on a node that does not serve, who does (the admin API's answer on a standby). */
    private volatile Supplier<String> notServing = () -> "this node is not serving";
    private volatile Supplier<Map<String, String>> clusterChecks = Map::of;
    /** Why the pair is unprotected (its peer is gone), or null; a single node is never "unprotected". */
    private volatile Supplier<String> pairUnprotected = () -> null;
    /** The admin API's view of the pair and its switchover; a single node's until {@link #cluster} is called. */
    private volatile ClusterAdmin clusterAdmin;

    /** What only the active node runs: the store (under {@code epoch}) and the protocol services on it. */
    /**
     * What the active node runs. {@code workers} are the services that run beside the
     * protocols on the active node only (DMARC reports, and the change-log consumers of the
     * features that have one): started after the store opens, stopped in reverse order
     * before it closes.
     */
    private record Active(long epoch, DataDirLock dataLock, MailStore store, AdminService admin,
                          SmtpServer smtp, Pop3Server pop3, ImapServer imap, QueueRunner relay, List<AutoCloseable> workers,
                          JmapService jmap) {
        /** Stops the services, then the workers, then the store, then gives up the data directory. */
        void close() {
            relay.close();
            smtp.close();
            pop3.close();
            imap.close();
            closeAll(workers);
            store.close();
            if (dataLock != null) dataLock.close();
        }
    }

    /** Closes {@code workers} last to first, each even if another fails. */
    private static void closeAll(List<AutoCloseable> workers) {
        for (AutoCloseable w : workers.reversed()) {
            try {
                w.close();
            } catch (Exception e) {
                log.warn("stopping {}: {}", w.getClass().getSimpleName(), e.toString());
            }
        }
    }

    private TwinmailServer(TwinmailConfig config, Path dataDir, Path runDir, DataDirLock nodeLock) throws IOException {
        this.config = config;
        this.clientSettings = org.twinmail.admin.DomainDns.Settings.of(config);
        this.dataDir = dataDir;
        this.runDir = runDir;
        this.nodeLock = nodeLock;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.FileDescriptorMetrics().bindTo(registry);
        this.hasher = new PasswordHasher(config.auth.argon2MemoryKiB, config.auth.argon2Iterations, 1);
        String token = HexFormat.of().formatHex(randomBytes());
        // The self-signed fallback lives in the run directory: a single node's data directory,
        // a pair node's own state directory (the shared volume is mounted on the active only).
        this.tls = Tls.create(config, runDir.resolve("tls"));
        this.authGuard = AuthGuard.create(config.auth, registry);
        this.clusterAdmin = new ClusterAdmin(config.hostname, null, this::storeIfServing);
        AdminOperations admin = adminOfActiveNode();
        this.http = new HttpService(config, admin, registry, this::health, token, tls);
        new ClientSetup(clientSettings.endpoints(), clientSettings.policy(), () -> admin).mount(http);
        ConsoleHttp.mount(http, config, admin, () -> {
            Active a = active;
            return a == null ? null : a.store();
        });
        // the HTTP SMS gateways' webhook (receipts and replies), answered by the active node's SMS feature
        if (config.sms.enabled && !config.sms.http.isEmpty()) SmsHttp.mount(http, () -> sms);
        if (config.jmap.enabled) JmapHttp.mount(http, () -> {
            Active a = active;
            return a == null ? null : a.jmap();
        });
        if (config.jmap.enabled) { // the webmail at /mail/, a JMAP client with browser sessions kept in the store
            new Webmail(() -> {
                Active a = active;
                return a == null || a.jmap() == null ? null : new Webmail.Backend(a.jmap(), a.store(), a.admin());
            }, SessionSettings.from(config.web), java.time.Clock.systemUTC())
                    .withPush(config.push.enabled ? new PushRoutes(PushSettings.from(config.push, config.hostname), java.time.Clock.systemUTC()) : null)
                    .mount(http);
        }
        if (!isPair(config)) activate(0);
        try {
            http.start();
        } catch (IOException | RuntimeException e) {
            deactivate();
            throw e;
        }
        new RunFile(adminUrl(http.boundAddresses().getFirst()), token, ProcessHandle.current().pid()).write(runDir);
        tls.watch(); // only once started: a failed start leaves no checker behind
    }

    /** True when the configuration makes this node one of a hot-standby pair. */
    public static boolean isPair(TwinmailConfig config) {
        return config.cluster.nodeId != null && !config.cluster.nodeId.isBlank();
    }

    /**
     * Starts a node on {@code config}; fails with {@link IllegalStateException} if another
     * process owns the data directory (in a pair: the state directory), and with
     * {@link IOException} if a port is taken. A single node serves on return; a pair
     * node waits in standby until {@link #activate} is called.
     */
    public static TwinmailServer start(TwinmailConfig config) throws IOException {
        Path dataDir = Path.of(config.dataDir).toAbsolutePath().normalize();
        Path runDir = runDir(config);
        if (!isPair(config)) Files.createDirectories(dataDir);
        DataDirLock lock = DataDirLock.tryAcquire(runDir).orElseThrow(() -> new IllegalStateException(
                "another twinmail process (pid " + DataDirLock.holder(runDir) + ") is using " + runDir));
        try {
            return new TwinmailServer(config, dataDir, runDir, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** The directory holding the run file and the node lock: the data directory, or {@code cluster.stateDir} in a pair. */
    public static Path runDir(TwinmailConfig config) {
        if (!isPair(config)) return Path.of(config.dataDir).toAbsolutePath().normalize();
        if (config.cluster.stateDir == null || config.cluster.stateDir.isBlank()) {
            throw new IllegalStateException("cluster.stateDir must name a node-local directory when cluster.nodeId is set");
        }
        return Path.of(config.cluster.stateDir).toAbsolutePath().normalize();
    }

    /**
     * Becomes the serving node: opens the store and starts the protocol services. With
     * {@code epoch} 0 (a single node) the store is opened under its newest epoch; a pair
     * passes the epoch it has just raised in the lease, and the store is fenced with it
     * so that a former active that still writes is refused from now on.
     */
    public synchronized void activate(long epoch) throws IOException {
        if (active != null) throw new IllegalStateException("already active at epoch " + active.epoch());
        // A single node holds the data directory's lock for its whole life (nodeLock). In a
        // pair the lease decides who opens the store: a lock file on the shared volume would
        // bind only processes of one machine, and would keep a takeover out on a machine where
        // a paused former active still holds it, which is the case the epoch fence is for.
        DataDirLock dataLock = null;
        if (isPair(config)) Files.createDirectories(dataDir);
        MailStore store = null;
        SmtpServer smtp = null;
        Pop3Server pop3 = null;
        ImapServer imap = null;
        QueueRunner relay = null;
        List<AutoCloseable> workers = new ArrayList<>();
        long t0 = System.nanoTime();
        long tStore, tSearch = 0, tSearched = 0;
        try {
            store = epoch == 0 ? StoreOpener.open(config, dataDir, registry) : StoreOpener.openFenced(config, dataDir, epoch, registry);
            tStore = System.nanoTime();
            clearSpool(dataDir.resolve("spool"));
            StoreAuthenticator authenticator = new StoreAuthenticator(store, store, config.auth.credentialCacheTtl);
            // One resolver and one DNS cache for the node: the MX's checks, the relay, the reports.
            DnsMxResolver dns = DnsMxResolver.fromConfig(config.relay.dns);
            DmarcAggregates dmarc = null;
            if (config.filter.authentication.enabled && config.filter.authentication.aggregateReports) {
                dmarc = new DmarcAggregates(store, Clock.systemUTC());
                String from = config.filter.authentication.reportFrom.isBlank()
                        ? "postmaster@" + config.hostname : config.filter.authentication.reportFrom;
                workers.add(new DmarcReporting(dmarc, new DmarcReportSender(store, store, dns, Clock.systemUTC(), config.hostname,
                        EmailAddress.parse(from)), Duration.ofMinutes(1), Duration.ofHours(1)));
            }
            // The administrator's IP and sender rules, reloaded from the change log as they change (issue 12).
            AdminRules rules = AdminRules.watch(store, store);
            workers.add(rules);
            // The console's history, alerts and the store's one purge of expired records (docs/console.md).
            workers.add(new Monitoring(config, store, registry, dataDir,
                    () -> new Alerts.State(tls.expiries(), pairUnprotected.get()), Clock.systemUTC()));
            // The auth guard's bans are kept in the store and restored from it (a restart or a takeover keeps them).
            workers.add(new PersistentBans(store, store, authGuard));
            // The content score's Bayes counts (issue 12), and their training from the users' Junk folders and keywords.
            BayesTokens bayes = null;
            if (config.filter.content.enabled && config.filter.content.bayes.enabled) {
                bayes = BayesTokens.watch(store, store, config.filter.content.bayes.maxTokens);
                workers.add(bayes);
                if (config.filter.content.bayes.learn) workers.add(JunkLearner.start(store, store, store, bayes, config.filter.content));
            }
            // The users' own spam levels (issue 12): the content score's Junk and tag thresholds per recipient.
            SpamLevels spamLevels = null;
            if (config.filter.content.enabled) {
                spamLevels = SpamLevels.watch(store, store);
                workers.add(spamLevels);
            }
            // the accounts' own Sieve scripts run last, on mail from outside and from our users alike
            // one in-memory view of the scripts, shared by delivery and ManageSieve
            SieveScripts scripts = SieveScripts.cached(store, store);
            workers.add(scripts);
            // redirects and forwarding with SRS; bounces to our SRS addresses go back to the original sender
            Srs srs = SrsSecret.load(config.forwarding, store, Clock.systemUTC());
            Forwarder forwarder = new Forwarder(srs, store, config.forwarding.srsDomain, config.forwarding.maxReceived,
                    config.forwarding.maxRedirectsPerMessage);
            // one way to send an automatic reply: Sieve's vacation and JMAP's VacationResponse
            AutoReplies autoReplies = new AutoReplies(store, store, store, Clock.systemUTC(), config.hostname, config.vacation.minPeriod);
            SieveFilter sieve = new SieveFilter(scripts, store, store, Clock.systemUTC(), sieveLimits(config), forwarder, autoReplies,
                    config.vacation.responsePeriod);
            // expired records (vacation and duplicate memories, script-error notices) go with Monitoring's one purge
            // One submission chain for SMTP submission and JMAP's EmailSubmission: a user's sending limit counts both.
            // Held messages leave the quarantine after filter.quarantine.retention, on this active node.
            workers.add(new org.twinmail.filter.quarantine.QuarantineExpiry(new Quarantine(store, store), Clock.systemUTC(),
                    config.filter.quarantine.retention).start(Duration.ofHours(1)));
            // The quarantine's daily digest to each user with held mail (issue 12), from this active node.
            if (config.filter.quarantineDigest.enabled) {
                EmailAddress postmaster = EmailAddress.parse("postmaster@" + config.hostname);
                String hint = config.filter.quarantineDigest.releaseHint.isBlank()
                        ? "write to " + postmaster + " with the message's id." : config.filter.quarantineDigest.releaseHint;
                workers.add(new QuarantineDigest(new Quarantine(store, store), store, store, store, Clock.systemUTC(),
                        config.filter.quarantineDigest.hour, postmaster, hint).start(Duration.ofMinutes(10)));
            }
            // The outbound anomaly hold (issue 12): an account sending far above its usual rate, or bouncing, is held.
            OutboundHold outboundHold = OutboundHold.watch(config, store, store, store, store, registry);
            if (outboundHold != null) workers.add(outboundHold);
            // Messages and bytes per account and day, for the console's top senders and receivers: counted in memory, written in batches.
            AccountTraffic traffic = new AccountTraffic(store, config.console.trafficRetention, Clock.systemUTC())
                    .start(config.console.trafficFlushInterval);
            workers.add(traffic);
            Chain submissionChain = Chains.withTraffic(Chains.withSieve(Chains.withDisabledAccounts(Chains.submission(config, store, rules, outboundHold),
                    store), sieve), traffic);
            smtp = new SmtpServer(config, store, store, authenticator, tls, authGuard, registry,
                    Chains.withTraffic(Chains.withRemoteBounces(Chains.withSieve(Chains.withSrs(Chains.withDisabledAccounts(Chains.mx(config, store, dns, dmarc,
                            rules, bayes, spamLevels), store), new SrsReturn(srs)), sieve), outboundHold), traffic), submissionChain);
            pop3 = new Pop3Server(config, store, authenticator, tls, authGuard, registry);
            tSearch = System.nanoTime();
            SearchIndex search = openSearch(store, workers);
            tSearched = System.nanoTime();
            imap = new ImapServer(config, store, store, store, authenticator, tls, authGuard, search, registry);
            smtp.start();
            pop3.start();
            imap.start();
            if (!config.managesieve.listen.isEmpty()) { // users' Sieve scripts (RFC 5804), on the active node like the mail
                ManageSieveServer managesieve = new ManageSieveServer(config, scripts, authenticator, tls, authGuard, registry);
                workers.add(managesieve);
                managesieve.start();
            }
            // Outbound delivery runs where the store is written: on the active node only, so a
            // standby never sends (and a fenced former active cannot record what it sent).
            // DKIM keys live in the data directory (on the shared volume in a pair); the signer and
            // the admin API share one DkimKeys, so a key generated through the API signs the next message.
            DkimSigner dkim = DkimSigner.fromConfig(config.relay.dkim, dataDir);
            // SMS notices, like the relay, only where the store is written (docs/sms.md): a standby
            // never sends, and a fenced former active's worker stops at its first write.
            // Replies by SMS go out through the submission chain, like SMTP submission and JMAP's.
            if (config.sms.enabled) {
                SmsService smsService = SmsService.start(config.sms, config.hostname, store, registry, new SmsReplies(new Submitter(
                        new Pipeline(submissionChain, new FilterMetrics(registry)), store, new Postmaster(store, config.smtp.postmaster),
                        config.hostname, "sms", "SMS")));
                workers.add(smsService);
                sms = smsService;
            }
            // Web Push of new mail to the webmail's browsers, like SMS: only where the store is written (docs/clients.md)
            if (config.push.enabled) workers.add(PushService.start(PushSettings.from(config.push, config.hostname), store, registry));
            relay = new QueueRunner(store, store, store, dns, dkim,
                    RelaySettings.from(config), registry);
            if (outboundHold != null) relay.onBounce(outboundHold::bounced);
            MailStore bounceRecords = store; // the administrator's bounces of queued messages (admin queue bounce)
            relay.adminBounces(new QueueRunner.AdminBounces() {
                @Override
                public java.util.Optional<String> requested(long messageId) {
                    return org.twinmail.store.QueueBounces.requested(bounceRecords, messageId);
                }

                @Override
                public void done(long messageId) {
                    org.twinmail.store.QueueBounces.done(bounceRecords, messageId);
                }
            });
            relay.start();
            JmapService jmap = config.jmap.enabled ? new JmapService(config, store, authenticator, authGuard,
                    new Pipeline(submissionChain, new FilterMetrics(registry)), search) : null;
            if (jmap != null && jmap.delayedSends() != null) workers.add(jmap.delayedSends().start()); // held EmailSubmissions, active node only
            // StateChanges to the users' JMAP PushSubscriptions (RFC 8620 7.2) through push's sender, like Web Push: active node only
            if (jmap != null) workers.add(jmap.startPush(PushSettings.from(config.push, config.hostname), registry));
            active = new Active(store.epoch(), dataLock, store, new AdminService(store, hasher, dkim.keys(), config.smtp.postmaster,
                    config.hostname, config.console.auditRetention).clients(clientSettings).traffic(traffic)
                    .passwordPolicy(new PasswordPolicy(config.auth.minPasswordLength)), smtp,
                    pop3, imap, relay, workers, jmap);
        } catch (IOException | RuntimeException e) {
            if (relay != null) relay.close();
            closeAll(workers);
            if (smtp != null) smtp.close();
            if (pop3 != null) pop3.close();
            if (imap != null) imap.close();
            if (store != null) store.close();
            if (dataLock != null) dataLock.close();
            throw e;
        }
        long tEnd = System.nanoTime();
        lastActivation = String.format("store %d ms, search index %d ms, the rest %d ms", (tStore - t0) / 1_000_000,
                (tSearched - tSearch) / 1_000_000, (tEnd - tStore - (tSearched - tSearch)) / 1_000_000);
        if (epoch != 0) log.info("serving at epoch {} ({}): {}", active.epoch(), lastActivation, describeServices());
    }

    private volatile String lastActivation = "";

    /**
     * Where the last {@link #activate} spent its time: opening the store (recovery, the blob sweep,
     * the fence), the full-text index, and the rest (listeners, workers); for the takeover's log line.
     */
    public String lastActivation() {
        return lastActivation;
    }

    /**
     * The full-text index beside the store and its updater (a change-log consumer), on the
     * active node only, added to {@code workers} so they stop before the store closes. An index
     * that cannot be opened (its lock held, the disk full) is logged and left out: IMAP SEARCH
     * then parses every message, as it does with {@code search.enabled: false}.
     */
    private SearchIndex openSearch(MailStore store, List<AutoCloseable> workers) {
        if (!config.search.enabled) return null;
        if (config.search.maxIndexedChars < 1) throw new IllegalArgumentException("search.maxIndexedChars must be positive");
        if (config.search.batchSize < 1) throw new IllegalArgumentException("search.batchSize must be positive");
        SearchIndex index;
        try {
            index = SearchIndex.open(dataDir.resolve("index"), config.search.maxIndexedChars);
        } catch (RuntimeException e) {
            log.error("search index in {} cannot be opened; IMAP SEARCH parses every message until it can", dataDir.resolve("index"), e);
            return null;
        }
        workers.add(index);
        IndexUpdater updater = IndexUpdater.start(index, store, store, store, config.search.batchSize, config.search.commitInterval);
        workers.add(updater);
        updater.watchRequests(dataDir, Duration.ofSeconds(1));
        return index;
    }

    /** The Sieve engine's bounds: the script size, instructions and redirects from {@code managesieve}, the rest the engine's defaults. */
    static org.twinmail.sieve.run.Limits sieveLimits(TwinmailConfig config) {
        org.twinmail.sieve.run.Limits d = org.twinmail.sieve.run.Limits.DEFAULTS;
        return new org.twinmail.sieve.run.Limits(config.managesieve.maxScriptSize.asInt(), config.managesieve.maxInstructions,
                config.managesieve.maxRedirects, d.maxIncludeDepth(), d.maxVariableBytes());
    }

    /**
     * Closes the protocol listeners and every client connection (SMTP, POP3, IMAP) without touching the store, and
     * without the lock {@link #deactivate} holds (that may be blocked on a hung volume); deactivate still stops
     * everything afterwards. For a pair node whose storage hung: its clients hear at once instead of timing out.
     */
    public void closeConnections() {
        Active a = active;
        if (a == null) return;
        a.smtp().close();
        a.pop3().close();
        a.imap().close();
    }

    /** Stops serving: the protocol services, then the store, then the data directory's lock; idempotent. */
    public synchronized void deactivate() {
        Active a = active;
        if (a == null) return;
        active = null;
        sms = null;
        a.close();
        if (isPair(config)) log.info("stopped serving (epoch {})", a.epoch());
    }

    /** The node's certificates (for the standby's warm-up, which builds the services as {@link #activate} does). */
    Tls tls() {
        return tls;
    }

    PasswordHasher hasher() {
        return hasher;
    }

    /** The node's auth guard: bans to list and lift (`twinmail admin ban list|remove`). */
    public AuthGuard authGuard() {
        return authGuard;
    }

    /** True while this node serves. */
    public boolean isActive() {
        return active != null;
    }

    /**
     * Wires the cluster into the parts every node runs: {@code notServing} explains, on a
     * node that does not serve, where the service is (the admin API's error); {@code checks}
     * adds the cluster's state to {@code /health}.
     */
    public void clusterView(Supplier<String> notServing, Supplier<Map<String, String>> checks) {
        this.notServing = notServing;
        this.clusterChecks = checks;
    }

    /** Makes the admin API's cluster routes answer for {@code node} (a pair node); returns what writes its failover history. */
    ClusterAdmin cluster(org.twinmail.cluster.ClusterNode node) {
        ClusterAdmin c = new ClusterAdmin(node.status().nodeId(), node, this::storeIfServing);
        this.clusterAdmin = c;
        return c;
    }

    private MailStore storeIfServing() {
        Active a = active;
        return a == null ? null : a.store();
    }

    /** What the console's "pair unprotected" alert asks: why the peer could not take over now, or null. */
    public void pairProtection(Supplier<String> unprotected) {
        this.pairUnprotected = unprotected;
    }

    /**
     * Spool files belong to transfers that were in progress when a previous process died;
     * nothing acknowledged lives there (a 250 comes only after the store commit), and we
     * hold the data directory's lock, so no one else is writing them.
     */
    private static void clearSpool(Path spool) throws IOException {
        if (!Files.isDirectory(spool)) return;
        int removed = 0;
        try (var files = Files.newDirectoryStream(spool, "*.spool")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
                removed++;
            }
        }
        if (removed > 0) log.info("removed {} spool file(s) left by an interrupted transfer", removed);
    }

    /** The admin API acts on the active node's store; a node that does not serve names the one that does. */
    private AdminOperations adminOfActiveNode() {
        return (AdminOperations) Proxy.newProxyInstance(AdminOperations.class.getClassLoader(),
                new Class<?>[] {AdminOperations.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) return method.invoke(this, args);
                    // the pair's state and the switchover are answered by every node, the standby too
                    if (method.getName().equals("cluster") && method.getParameterCount() == 0) return clusterAdmin.status();
                    if (method.getName().equals("switchover") && method.getParameterCount() == 0) return clusterAdmin.switchover();
                    Active a = active;
                    if (a == null) throw new AdminException(AdminException.Kind.UNAVAILABLE, notServing.get());
                    try {
                        return method.invoke(a.admin(), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /**
     * A single node is UP when its store answers. A pair node adds the cluster's checks;
     * a standby reports DOWN so that a load balancer sends clients to the active node only.
     */
    private Health health() {
        Map<String, String> checks = new LinkedHashMap<>(clusterChecks.get());
        Active a = active;
        if (a == null) {
            checks.put("service", notServing.get());
            return new Health(false, checks);
        }
        boolean up = true;
        try {
            a.store().lastChangePosition();
            checks.put("store", "ok");
        } catch (RuntimeException e) {
            checks.put("store", String.valueOf(e.getMessage()));
            up = false;
        }
        return new Health(up, checks);
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static String adminUrl(InetSocketAddress bound) {
        String host = bound.getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound.getAddress().getHostAddress();
        if (host.contains(":")) host = "[" + host + "]";
        return "http://" + host + ":" + bound.getPort();
    }

    private Active serving() {
        Active a = active;
        if (a == null) throw new IllegalStateException(notServing.get());
        return a;
    }

    /** The store of the active node; fails on a node that does not serve. */
    public MailStore store() {
        return serving().store();
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path runDir() {
        return runDir;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public List<InetSocketAddress> smtpAddresses() {
        return serving().smtp().boundAddresses();
    }

    public List<InetSocketAddress> pop3Addresses() {
        return serving().pop3().boundAddresses();
    }

    public List<InetSocketAddress> imapAddresses() {
        return serving().imap().boundAddresses();
    }

    public List<InetSocketAddress> imapsAddresses() {
        return serving().imap().tlsAddresses();
    }

    /** ManageSieve's addresses; empty when {@code managesieve.listen} is empty. */
    public List<InetSocketAddress> managesieveAddresses() {
        return serving().workers().stream().filter(w -> w instanceof ManageSieveServer)
                .map(w -> ((ManageSieveServer) w).boundAddresses()).findFirst().orElse(List.of());
    }

    public List<InetSocketAddress> submissionAddresses() {
        return serving().smtp().submissionAddresses();
    }

    public List<InetSocketAddress> submissionsAddresses() {
        return serving().smtp().submissionsAddresses();
    }

    public List<InetSocketAddress> pop3sAddresses() {
        return serving().pop3().tlsAddresses();
    }

    public List<InetSocketAddress> httpAddresses() {
        return http.boundAddresses();
    }

    public List<InetSocketAddress> httpsAddresses() {
        return http.httpsAddresses();
    }

    /** The line printed at start-up: what listens where. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        String services = describeServices();
        if (!services.isEmpty()) parts.add(services);
        http.boundAddresses().forEach(a -> parts.add("HTTP " + format(a)));
        http.httpsAddresses().forEach(a -> parts.add("HTTPS " + format(a)));
        return String.join(", ", parts) + "; data " + dataDir;
    }

    private String describeServices() {
        Active a = active;
        if (a == null) return "";
        List<String> parts = new ArrayList<>();
        a.smtp().boundAddresses().forEach(x -> parts.add("SMTP " + format(x)));
        a.smtp().submissionAddresses().forEach(x -> parts.add("submission " + format(x)));
        a.smtp().submissionsAddresses().forEach(x -> parts.add("submissions " + format(x)));
        a.pop3().boundAddresses().forEach(x -> parts.add("POP3 " + format(x)));
        a.pop3().tlsAddresses().forEach(x -> parts.add("POP3S " + format(x)));
        a.imap().boundAddresses().forEach(x -> parts.add("IMAP " + format(x)));
        a.imap().tlsAddresses().forEach(x -> parts.add("IMAPS " + format(x)));
        return String.join(", ", parts);
    }

    private static String format(InetSocketAddress a) {
        java.net.InetAddress ip = a.getAddress();
        if (ip instanceof java.net.Inet6Address) {
            return "[" + (ip.isAnyLocalAddress() ? "::" : ip.getHostAddress()) + "]:" + a.getPort();
        }
        return ip.getHostAddress() + ":" + a.getPort();
    }

    /** Stops the HTTP endpoints, then the services, then the store; idempotent. */
    @Override
    public synchronized void close() {
        RunFile.delete(runDir);
        http.close();
        deactivate();
        tls.close();
        nodeLock.close();
        log.info("TwinMail stopped");
    }
}
