package org.twinmail.server;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.admin.monitor.Alerts;
import org.twinmail.admin.monitor.MetricsSampler;
import org.twinmail.admin.monitor.TrafficHistory;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.store.MailStore;

/**
 * The active node's housekeeping for the console (docs/console.md): every
 * {@code console.sampleInterval} it reads the meters into the history in the store and checks
 * the alerts' thresholds; every {@code console.purgeInterval} it deletes the store's expired
 * records (the one purge of the node: history, audit days, sessions, ended bans, vacation and
 * duplicate memories, script-error notices). It runs where
 * the store is written, so a standby writes nothing and a takeover goes on from the store.
 */
final class Monitoring implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Monitoring.class);

    private final MailStore store;
    private final MetricsSampler sampler;
    private final TrafficHistory history;
    private final Alerts alerts;
    private final Supplier<Alerts.State> state;
    private final Clock clock;
    private final ScheduledExecutorService timer;

    Monitoring(TwinmailConfig config, MailStore store, MeterRegistry registry, Path dataDir, Supplier<Alerts.State> state, Clock clock) {
        TwinmailConfig.Console c = config.console;
        if (!c.sampleInterval.isPositive() || !c.purgeInterval.isPositive()) {
            throw new IllegalArgumentException("console.sampleInterval and console.purgeInterval must be positive");
        }
        this.store = store;
        this.sampler = new MetricsSampler(registry, dataDir);
        this.history = new TrafficHistory(store, c.minuteHistory, c.hourHistory);
        this.alerts = new Alerts(store, history, new Alerts.Thresholds(c.alertQueueMessages, c.alertQueueAge, c.alertRejectionPercent,
                c.alertRejectionMinimum, c.alertDiskPercent, c.alertCertificateExpiry), clock,
                smsToo(config, store, clock, Alerts.mailToPostmaster(store, store, config.smtp.postmaster, config.hostname, clock)));
        this.state = state;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("monitoring").daemon().unstarted(r));
        sampler.sample(); // the counters' starting point: the first record holds what happened after it
        long interval = c.sampleInterval.toMillis();
        // samples at whole intervals (the minute's start with the default), so each lands in the minute it describes
        long first = interval - clock.millis() % interval;
        timer.scheduleAtFixedRate(this::sample, first, interval, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::purge, c.purgeInterval.toMillis(), c.purgeInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Each new alert by SMS too, to every {@code console.alertSmsTo} number, when the node sends SMS
     * ({@code sms.enabled}): queued in the store's SMS queue (sms's {@code AlertSms}), sent by the SMS worker.
     */
    static java.util.function.Consumer<Alerts.Alert> smsToo(TwinmailConfig config, MailStore store, Clock clock,
                                                            java.util.function.Consumer<Alerts.Alert> mail) {
        if (!config.sms.enabled || config.console.alertSmsTo.isEmpty()) return mail;
        for (String phone : config.console.alertSmsTo) {
            if (!phone.matches("\\+[1-9][0-9]{6,14}")) throw new IllegalArgumentException("console.alertSmsTo: not an E.164 number: " + phone);
        }
        return a -> {
            try {
                mail.accept(a);
            } finally {
                for (String phone : config.console.alertSmsTo) {
                    org.twinmail.sms.queue.AlertSms.enqueue(store, phone, a.name(), a.since(),
                            "TwinMail " + config.hostname + ": " + a.message(), clock.millis(), config.sms.expireAfter);
                }
            }
        };
    }

    private void sample() {
        try {
            Instant now = clock.instant();
            // what was counted since the previous sample happened before now: it belongs to the minute just ended
            history.record(now.minusMillis(1), sampler.sample());
            alerts.check(state.get());
        } catch (RuntimeException e) {
            log.warn("monitoring: this sample is lost: {}", e.toString());
        }
    }

    private void purge() {
        try {
            int n = store.purgeExpiredRecords(clock.millis());
            if (n > 0) log.debug("purged {} expired records", n);
        } catch (RuntimeException e) {
            log.warn("monitoring: purging expired records failed: {}", e.toString());
        }
    }

    /** Runs a purge now (tests, and {@code close} leaves none half done). */
    int purgeNow() {
        return store.purgeExpiredRecords(clock.millis());
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
