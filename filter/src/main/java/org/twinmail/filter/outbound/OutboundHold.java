package org.twinmail.filter.outbound;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.policy.OutboundHoldRecord;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Message;
import org.twinmail.filter.Verdict;
import org.twinmail.mail.mime.DeliveryReport;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.Delivery;
import org.twinmail.store.Directory;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.Outbound;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.RecordWatcher;
import org.twinmail.store.RecordWrite;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * Submission: an account that suddenly sends far more than it usually does, or whose mail
 * bounces a lot (the marks of a stolen password), has its further outbound mail held.
 * <ul>
 *   <li>Counted after delivery, per account, messages with remote recipients in the current
 *       {@code window} (an hour) against its usual rate: an average of its past windows
 *       (exponentially weighted, 0.3 for the newest). More than {@code minMessages} and more than
 *       {@code rateFactor} times the usual: held (reason {@code rate}).</li>
 *   <li>{@link #bounced} (the relay's bounces to the account) and, at the MX,
 *       {@link #remoteBounces} (other servers' delivery status notifications of a failure, RFC
 *       3464, to the account) {@code maxBounces} times within the window: held (reason
 *       {@code bounces}).</li>
 * </ul>
 * A hold is an {@link OutboundHoldRecord} (scope the account), so it survives
 * a restart and a takeover, and is lifted by {@code twinmail admin outbound release}. While it
 * holds, each message of the account with remote recipients is accepted (250) and held in the
 * administrator's quarantine with its recipients (reason {@code outbound_hold}): nothing is
 * lost, and {@code twinmail admin quarantine release} queues it. A hold sends one alert to
 * {@code alertTo} (postmaster by default) and counts {@code twinmail.filter.outbound.holds{reason}}.
 * The rates are counted in memory and saved to the store every {@code saveInterval} (and at a
 * clean stop) by {@link #saveRates}: only the shards of accounts that sent or bounced since, each
 * one record ({@link OutboundRates}), never a write per message. {@link #watch} reads them back, so
 * after a restart or a takeover an account keeps its usual rate and its current window (what
 * happened after the last save is lost with a crash).
 */
public final class OutboundHold implements Check.Data, Check.Delivered, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboundHold.class);
    static final String KIND = OutboundHoldRecord.KIND;
    static final String NAME = OutboundHoldRecord.NAME;
    private static final double WEIGHT = 0.3;

    /** One account's sending: the current window and the usual rate before it. */
    private static final class Rate {
        long windowStart;
        int count;
        double usual;
        final ArrayDeque<Long> bounces = new ArrayDeque<>();

        Rate() {
        }

        Rate(OutboundRates.Entry e) {
            windowStart = e.windowStart();
            count = e.count();
            usual = e.usual();
            for (long b : e.bounces()) bounces.addLast(b);
        }
    }

    private final TwinmailConfig.OutboundHold settings;
    private final long window;
    private final Records records;
    private final Mailboxes mailboxes;
    private final Directory directory;
    private final EmailAddress alertFrom;
    private final EmailAddress alertTo;
    private final LongSupplier clock;
    private final Map<Long, Rate> rates = new ConcurrentHashMap<>();
    private volatile Set<Long> held = Set.of();
    private final Counter byRate;
    private final Counter byBounces;
    private RecordWatcher watcher;
    /** The shards of {@link OutboundRates} with an account whose rate changed since the last save. */
    private final Set<Integer> dirty = ConcurrentHashMap.newKeySet();
    private Thread saver;
    private volatile boolean closed;

    public OutboundHold(TwinmailConfig.OutboundHold settings, String hostname, Records records, Mailboxes mailboxes,
                        Directory directory, MeterRegistry registry, LongSupplier clock) {
        if (settings.minMessages < 1 || settings.rateFactor < 1 || settings.maxBounces < 1 || settings.window.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("filter.outboundHold: minMessages and maxBounces at least 1, rateFactor at least 1, window at least 1m");
        }
        this.settings = settings;
        this.window = settings.window.toMillis();
        this.records = records;
        this.mailboxes = mailboxes;
        this.directory = directory;
        this.alertFrom = EmailAddress.parse("postmaster@" + hostname);
        this.alertTo = settings.alertTo.isBlank() ? alertFrom : EmailAddress.parse(settings.alertTo);
        this.clock = clock;
        this.byRate = Counter.builder("twinmail.filter.outbound.holds").tag("reason", "rate")
                .description("accounts whose outbound mail was held, by reason").register(registry);
        this.byBounces = Counter.builder("twinmail.filter.outbound.holds").tag("reason", "bounces")
                .description("accounts whose outbound mail was held, by reason").register(registry);
    }

    /** The check the configuration asks for, its holds reloaded from {@code changes} until closed; null when disabled. */
    public static OutboundHold watch(TwinmailConfig config, Records records, Mailboxes mailboxes, Directory directory,
                                     ChangeLog changes, MeterRegistry registry) {
        if (!config.filter.outboundHold.enabled) return null;
        OutboundHold h = new OutboundHold(config.filter.outboundHold, config.hostname, records, mailboxes, directory, registry,
                System::currentTimeMillis);
        h.loadRates();
        h.watcher = RecordWatcher.start(changes, Set.of(KIND), h::reload, "outbound-hold");
        h.startSaving(config.filter.outboundHold.saveInterval);
        return h;
    }

    /** Saves the rates every {@code interval} on a virtual thread until {@link #close()}. */
    private void startSaving(Duration interval) {
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) throw new IllegalArgumentException("filter.outboundHold.saveInterval must be at least 1s");
        saver = Thread.ofVirtual().name("outbound-rates").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    return;
                }
                if (closed) return;
                try {
                    saveRates();
                } catch (RuntimeException e) {
                    log.warn("outbound rates not saved, tried again in {}: {}", interval, e.toString());
                }
            }
        });
    }

    /** Reads the rates saved in the store (a restart, a takeover) into memory; saved ones replace what is there. */
    public void loadRates() {
        Map<Long, OutboundRates.Entry> saved = new java.util.HashMap<>();
        OutboundRates.load(records, saved, why -> log.warn("outbound rates shard skipped: {}", why));
        saved.forEach((id, e) -> rates.put(id, new Rate(e)));
        if (!saved.isEmpty()) log.info("outbound rates of {} accounts read from the store", saved.size());
    }

    /**
     * Writes the rates of the shards that changed since the last call, one record each, all in one
     * commit ({@link Records#writeRecords}; at most {@value OutboundRates#SHARDS} records, however many
     * messages were counted). When the commit fails the shards stay to be written next time.
     * Returns the number of records written.
     */
    public int saveRates() {
        List<Integer> shards = List.copyOf(dirty);
        if (shards.isEmpty()) return 0;
        dirty.removeAll(shards);
        List<RecordWrite> writes = new java.util.ArrayList<>();
        for (int shard : shards) {
            List<OutboundRates.Entry> entries = new java.util.ArrayList<>();
            for (Map.Entry<Long, Rate> e : rates.entrySet()) {
                if (OutboundRates.shard(e.getKey()) != shard) continue;
                Rate r = e.getValue();
                synchronized (r) {
                    if (r.count == 0 && r.usual < 0.01 && r.bounces.isEmpty()) continue; // nothing worth remembering
                    entries.add(new OutboundRates.Entry(e.getKey(), r.windowStart, r.count, r.usual,
                            r.bounces.stream().mapToLong(Long::longValue).toArray()));
                }
            }
            String name = OutboundRates.name(shard);
            writes.add(entries.isEmpty() ? RecordWrite.delete(OutboundRates.KIND, "", name)
                    : RecordWrite.put(OutboundRates.KIND, "", name, OutboundRates.encode(entries), 0));
        }
        try {
            records.writeRecords(writes); // one commit for every shard (unconditional: it cannot fail a condition)
        } catch (RuntimeException e) {
            dirty.addAll(shards);
            throw e;
        }
        return writes.size();
    }

    @Override
    public String name() {
        return "outbound-hold";
    }

    /** Reads the holds from the store again. */
    public void reload() {
        Set<Long> now = new HashSet<>();
        for (StoredRecord r : records.records(KIND)) {
            if (!r.name().equals(NAME) || !r.scope().startsWith("account:")) continue;
            try {
                now.add(Long.parseLong(r.scope().substring("account:".length())));
            } catch (NumberFormatException e) {
                log.warn("outbound hold {} skipped: not an account scope", r.scope());
            }
        }
        held = Set.copyOf(now);
    }

    /** Whether the account's outbound mail is held now. */
    public boolean held(long accountId) {
        return held.contains(accountId);
    }

    /**
     * Whether the account's outbound mail is held, read from the store (one record read): for
     * callers without the check's in-memory view, such as JMAP's EmailSubmission/set, which refuses
     * a held account's submission at once ({@code forbiddenToSend}) instead of holding it.
     */
    public static boolean held(Records records, long accountId) {
        return records.record(KIND, Records.accountScope(accountId), NAME).isPresent();
    }

    @Override
    public Verdict data(Client client, Envelope envelope, Message message) {
        if (client.user().isEmpty() || envelope.remoteRecipients().isEmpty()) return Verdict.proceed();
        if (!held(client.user().get().accountId())) return Verdict.proceed();
        log.warn("{}: outbound mail of {} is held; message held in the quarantine", envelope.queueId(), client.user().get().address());
        return Verdict.quarantine("outbound_hold");
    }

    @Override
    public void delivered(Client client, Envelope envelope) {
        if (client.user().isEmpty() || envelope.remoteRecipients().isEmpty()) return;
        var user = client.user().get();
        long now = clock.getAsLong();
        int count;
        double usual;
        Rate r = rates.computeIfAbsent(user.accountId(), k -> new Rate());
        synchronized (r) {
            roll(r, now);
            count = ++r.count;
            usual = r.usual;
        }
        dirty.add(OutboundRates.shard(user.accountId()));
        if (count > settings.minMessages && count > settings.rateFactor * usual && !held(user.accountId())) {
            hold(user.accountId(), user.address(), "rate", String.format(Locale.ROOT,
                    "%d messages with remote recipients in the last %s, usually %.1f", count, text(settings.window), usual));
        }
    }

    /** A bounce (a failure notice of the relay) to {@code sender}: counted for its account, if it is one of ours. */
    public void bounced(String sender) {
        Optional<Account> account;
        try {
            account = directory.findAccount(EmailAddress.parse(sender));
        } catch (IllegalArgumentException e) {
            return;
        }
        account.ifPresent(this::bounced);
    }

    /** A bounce to {@code account}: ours (the relay's) or another server's (a DSN that came in at the MX). */
    private void bounced(Account account) {
        long now = clock.getAsLong();
        int n;
        Rate r = rates.computeIfAbsent(account.id(), k -> new Rate());
        synchronized (r) {
            r.bounces.addLast(now);
            while (!r.bounces.isEmpty() && r.bounces.peekFirst() <= now - window) r.bounces.removeFirst();
            while (r.bounces.size() > settings.maxBounces) r.bounces.removeFirst(); // more would not change the decision
            n = r.bounces.size();
        }
        dirty.add(OutboundRates.shard(account.id()));
        if (n >= settings.maxBounces && !held(account.id())) {
            hold(account.id(), account.address().toString(), "bounces", n + " bounces in the last " + text(settings.window));
        }
    }

    /**
     * The MX's half ({@code remote-bounces}, DATA, last): a delivery status notification (RFC 3464)
     * from another server that reports a failed recipient, arriving with the null reverse-path for
     * local accounts, counts as one bounce for each of them, as a failure notice of our own relay
     * does. Read with the mail library's {@link DeliveryReport} from the first
     * {@value #REPORT_SCAN_BYTES} octets (the status part comes second in a report, before the
     * returned message). Never refuses anything.
     */
    public Check.Data remoteBounces() {
        return new RemoteBounces();
    }

    /** How much of a report is read for its status part (RFC 3464 puts it before the returned message). */
    static final int REPORT_SCAN_BYTES = 256 * 1024;

    private final class RemoteBounces implements Check.Data {
        @Override
        public String name() {
            return "remote-bounces";
        }

        @Override
        public Verdict data(Client client, Envelope envelope, Message message) throws IOException {
            if (envelope.sender().isPresent() || envelope.accounts().isEmpty()) return Verdict.proceed();
            String type = message.header().value("Content-Type");
            if (type == null || !type.toLowerCase(Locale.ROOT).contains("report")) return Verdict.proceed();
            byte[] head;
            try (InputStream in = message.open()) {
                head = in.readNBytes(REPORT_SCAN_BYTES);
            }
            Optional<DeliveryReport> report = DeliveryReport.parse(head);
            if (report.isEmpty() || !report.get().anyFailed()) return Verdict.proceed();
            for (Account a : envelope.accounts()) {
                log.info("{}: a failure notice from {} to {} counted as a bounce", envelope.queueId(),
                        report.get().reportingMta().isEmpty() ? "another server" : report.get().reportingMta(), a.address());
                bounced(a);
            }
            return Verdict.proceed();
        }
    }

    /** Starts a new window when the current one is over; the usual rate decays over the windows without mail. */
    private void roll(Rate r, long now) {
        if (r.windowStart == 0) {
            r.windowStart = now;
            return;
        }
        if (now < r.windowStart + window) return;
        long passed = (now - r.windowStart) / window;
        r.usual = WEIGHT * r.count + (1 - WEIGHT) * r.usual;
        if (passed > 1) r.usual *= Math.pow(1 - WEIGHT, Math.min(passed - 1, 1000));
        r.count = 0;
        r.windowStart += passed * window;
    }

    /** Records the hold (once: compare-and-set), alerts the administrator and counts it. */
    void hold(long accountId, String address, String reason, String detail) {
        OutboundHoldRecord h = new OutboundHoldRecord(address, reason, detail, clock.getAsLong());
        Optional<StoredRecord> put = records.putRecordIf(KIND, Records.accountScope(accountId), NAME, 0, h.encode(), 0);
        Set<Long> now = new HashSet<>(held);
        now.add(accountId);
        held = Set.copyOf(now);
        if (put.isEmpty()) return; // held already (by another session at the same moment)
        (reason.equals("rate") ? byRate : byBounces).increment();
        log.warn("outbound mail of {} held ({}): {}; release with `twinmail admin outbound release {}`", address, reason, detail, address);
        try {
            alert(h);
        } catch (RuntimeException e) {
            log.error("outbound hold of {}: the alert to {} could not be sent", address, alertTo, e);
        }
    }

    private void alert(OutboundHoldRecord h) {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(Instant.ofEpochMilli(h.sinceMillis()), ZoneOffset.UTC));
        String text = "From: TwinMail <" + alertFrom + ">\r\n"
                + "To: <" + alertTo + ">\r\n"
                + "Subject: Outbound mail of " + h.address() + " held (" + h.reason() + ")\r\n"
                + "Date: " + date + "\r\n"
                + "Message-ID: <outbound-hold." + h.sinceMillis() + "." + Math.abs(h.address().hashCode()) + "@" + alertFrom.domain() + ">\r\n"
                + "Auto-Submitted: auto-generated\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                + "The outbound mail of " + h.address() + " is held from " + date + ":\r\n"
                + h.detail() + ".\r\n\r\n"
                + "A password that was stolen is the most common cause. Its further messages to other\r\n"
                + "servers are accepted and kept in the quarantine, not sent:\r\n\r\n"
                + "  twinmail admin quarantine list                 the held messages (reason outbound_hold)\r\n"
                + "  twinmail admin quarantine release ID           send one\r\n"
                + "  twinmail admin quarantine delete ID            drop one\r\n"
                + "  twinmail admin outbound release " + h.address() + "   lift the hold\r\n";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Instant now = Instant.ofEpochMilli(clock.getAsLong());
        RecipientResolution where = directory.resolve(alertTo);
        Delivery d = switch (where) {
            case RecipientResolution.Local local -> new Delivery(local.accounts().stream().map(Account::id).toList(), MessageSpool.of(bytes), now);
            case RecipientResolution.NotLocal n -> new Delivery(List.of(), MessageSpool.of(bytes), now,
                    new Outbound("", List.of(alertTo), false, false));
            case RecipientResolution.Unknown u -> null;
        };
        if (d == null) {
            log.warn("outbound hold of {}: the alert address {} is not known here; no alert sent", h.address(), alertTo);
            return;
        }
        mailboxes.deliver(d);
    }

    private static String text(Duration d) {
        return d.equals(Duration.ofHours(1)) ? "hour" : d.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    /** Stops saving and saves what changed since the last save (a clean stop or handover keeps every count). */
    @Override
    public void close() {
        closed = true;
        if (saver != null) {
            saver.interrupt();
            try {
                saver.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                saveRates();
            } catch (RuntimeException e) {
                log.warn("outbound rates not saved at stop: {}", e.toString());
            }
        }
        if (watcher != null) watcher.close();
    }
}
