package org.twinmail.sms.queue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.sms.SmsRecords;
import org.twinmail.core.sms.SmsSettings;
import org.twinmail.sms.encoding.SmsText;
import org.twinmail.sms.gateway.SmsGateway;
import org.twinmail.sms.gateway.SmsGateway.Inbound;
import org.twinmail.sms.gateway.SmsGateway.SubmitException;
import org.twinmail.sms.notice.NoticeText;
import org.twinmail.store.RecordWrite;
import org.twinmail.store.StoreException;
import org.twinmail.store.StoredRecord;

/**
 * Sends the queue, on the active node only, on one thread of its own: takes the due items of
 * {@value SmsQueue#OUT}, submits them part by part through the first available gateway (in the
 * order configured: priority and failover), and handles what the gateways send back (receipts,
 * and mobile-originated messages through the {@link MoHandler}) on the same thread, so a receipt
 * is never handled before the item it is about was recorded as sent.
 *
 * <p>Exactly once (docs/sms.md): before any part of an item is submitted, the item is written
 * {@code sending}; after the SMSC's answers it is written with its message ids (sent, or back to
 * queued with the parts taken so far), the due items of a round sharing both commits
 * ({@link #round}). A part the SMSC refused was not sent and is retried with back-off; an item found
 * {@code sending} when the worker starts (the node died during a submit) or a submit that got
 * no answer is {@code unknown}, never submitted again.
 */
public final class SmsWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SmsWorker.class);

    /** What becomes of a mobile-originated message (replies by SMS). */
    @FunctionalInterface
    public interface MoHandler {
        void handle(Inbound.Mo mo);
    }

    private final SmsQueue queue;
    private final List<SmsGateway> gateways;
    private final QueueSettings settings;
    private final SmsMetrics metrics;
    private final Clock clock;
    private final Semaphore wake = new Semaphore(0);
    private final LinkedBlockingQueue<Inbound.Receipt> receipts = new LinkedBlockingQueue<>();
    /** Replies by SMS stored and not handled yet. */
    private final LinkedBlockingQueue<MoInbox.Received> mos = new LinkedBlockingQueue<>();
    private final MoInbox moInbox;
    private boolean mosRecovered;
    private volatile MoHandler mo = m -> log.info("sms: a message from {} to {} ignored: replies are not handled", m.from(), m.to());
    private final Thread thread;
    /** The tasks of a round's submits, one per recipient. */
    private final ExecutorService submitters = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean running = true;
    private boolean recovered;

    public SmsWorker(SmsQueue queue, List<SmsGateway> gateways, QueueSettings settings, SmsMetrics metrics, Clock clock) {
        this.queue = queue;
        this.gateways = List.copyOf(gateways);
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
        this.moInbox = new MoInbox(queue.records(), settings.moDedupWindow(), clock);
        Consumer<Inbound> in = i -> {
            switch (i) {
                case Inbound.Receipt rc -> receipts.add(rc);
                case Inbound.Mo m -> {
                    // durable before the gateway acknowledges it; a redelivery is dropped here
                    Optional<MoInbox.Received> r = moInbox.receive(m);
                    if (r.isEmpty()) {
                        metrics.replyDuplicate();
                        log.info("sms: a message from {} to {} received again through {}; dropped", m.from(), m.to(), m.gateway());
                        return;
                    }
                    metrics.repliesIn.increment();
                    mos.add(r.get());
                }
            }
            wake.release();
        };
        for (SmsGateway g : gateways) g.onInbound(in);
        this.thread = Thread.ofPlatform().name("sms-worker").daemon(true).unstarted(this::run);
    }

    public SmsWorker moHandler(MoHandler handler) {
        this.mo = handler;
        return this;
    }

    public SmsWorker start() {
        thread.start();
        return this;
    }

    /** Makes the worker look at the queue now (after something was queued). */
    public void wake() {
        wake.release();
    }

    private void run() {
        while (running) {
            try {
                wake.tryAcquire(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
                if (!running) return;
                handleInbound();
                sendDue();
            } catch (InterruptedException e) {
                if (!running) return;
            } catch (StoreException.StaleEpoch e) {
                log.info("sms worker: this instance is fenced ({}); stopping", e.getMessage());
                return;
            } catch (RuntimeException e) {
                log.warn("sms worker: a round failed; trying again", e);
            }
        }
    }

    /**
     * One pass over the queue; public for tests that drive it without the thread. Items that
     * became final without a submit (in doubt after a restart, expired, turned off) are written
     * in one commit; the due ones are sent in rounds of {@code sendBatch} ({@link #round}).
     */
    public void sendDue() {
        long now = clock.millis();
        Finals finals = new Finals();
        List<Due> due = new ArrayList<>();
        for (StoredRecord r : queue.pending()) {
            if (!running) return;
            SmsQueue.Key key = new SmsQueue.Key(r.scope(), r.name());
            SmsItem item;
            try {
                item = SmsItem.decode(r.value());
            } catch (IllegalArgumentException bad) {
                log.warn("sms worker: item {} of {} unreadable, dropped: {}", r.name(), r.scope(), bad.getMessage());
                finals.writes.add(RecordWrite.delete(SmsQueue.OUT, r.scope(), r.name()));
                continue;
            }
            if (item.state() == SmsItem.State.SENDING) {
                if (!recovered) { // left by a node that died during a submit: maybe taken by the SMSC
                    finals.fail(key, item, SmsItem.State.UNKNOWN, "in_doubt", "the node stopped during a submit; not sent again");
                }
                continue;
            }
            if (now >= item.expires()) {
                finals.fail(key, item, SmsItem.State.EXPIRED, "expired", item.error().isEmpty() ? "not sent in time" : item.error());
                continue;
            }
            if (item.next() > now) continue;
            if (item.purpose() == SmsItem.Purpose.NOTICE && !stillWanted(r.scope(), item)) {
                finals.fail(key, item, SmsItem.State.FAILED, "turned_off", "notices turned off or the number changed");
                continue;
            }
            due.add(new Due(key, r, item));
        }
        recovered = true;
        finals.commit();
        for (int i = 0; i < due.size() && running; i += settings.sendBatch()) {
            round(due.subList(i, Math.min(due.size(), i + settings.sendBatch())));
        }
    }

    /** An item of a round: where it is, its record (as read, then as written {@code sending}) and the item. */
    private record Due(SmsQueue.Key key, StoredRecord record, SmsItem item) { }

    /** What a round's submits made of an item: sent, back to queued (a refusal for now), or final without being sent. */
    private record Outcome(Due due, SmsItem item, Kind kind, String reason) {
        enum Kind { SENT, RETRY, FINAL }
    }

    /** Items made final together, written in one commit; their metrics and logs once it is durable. */
    private final class Finals {
        final List<RecordWrite> writes = new ArrayList<>();
        final List<Runnable> after = new ArrayList<>();

        void fail(SmsQueue.Key key, SmsItem item, SmsItem.State state, String reason, String error) {
            writes.addAll(queue.finishWrites(key, item.withState(state, error), settings.replyWindow().toMillis()));
            after.add(() -> {
                metrics.failed(reason);
                log.warn("sms: {} to {} {}: {}", key.id(), item.phone(), state.text(), error);
            });
        }

        void commit() {
            if (writes.isEmpty()) return;
            queue.write(writes).orElseThrow(); // unconditional writes: never refused
            after.forEach(Runnable::run);
        }
    }

    /**
     * One round of at most {@code sendBatch} due items. Exactly once (docs/sms.md): every item
     * that has a gateway to go to is written {@code sending} (with the attempt counted) in one
     * commit before any of its parts is submitted; then the items are submitted at once, one
     * task per recipient (a recipient's SMS in the order they were queued; the gateways' windows
     * bound what awaits an answer); then every outcome is written in one commit: sent (moved to
     * {@value SmsQueue#DONE} with its message ids, indexed for receipts), back to queued with
     * the parts taken so far and the next back-off, or final. A node that dies between the two
     * commits leaves the items {@code sending}: in doubt, never submitted again. Two commits a
     * round, whatever the number of items in it, where there were four or more per item.
     */
    private void round(List<Due> batch) {
        List<Due> marked = new ArrayList<>();
        List<RecordWrite> writes = new ArrayList<>();
        for (Due d : batch) {
            SmsGateway g = gateway(d.item(), List.of());
            if (g == null) continue; // none available: it waits (and expires in time)
            SmsItem sending = d.item().with(SmsItem.State.SENDING, d.item().next(), d.item().attempts() + 1, g.name(), d.item().messageIds(), 0, "");
            marked.add(new Due(d.key(), d.record(), sending));
            writes.add(queue.updateWrite(d.record(), sending));
        }
        if (marked.isEmpty()) return;
        List<Due> sending = new ArrayList<>();
        Optional<List<StoredRecord>> all = queue.write(writes);
        for (int i = 0; i < marked.size(); i++) {
            Due d = marked.get(i);
            // a record changed since it was read (not by this worker): the others go on, that one is looked at again next round
            Optional<StoredRecord> written = all.isPresent() ? Optional.of(all.get().get(i)) : queue.write(List.of(writes.get(i))).map(List::getFirst);
            written.ifPresent(w -> sending.add(new Due(d.key(), w, d.item())));
        }
        record(submitAll(sending));
    }

    /** Submits the items, one task per recipient in the order they were queued; the outcomes in no particular order. */
    private List<Outcome> submitAll(List<Due> sending) {
        Map<String, List<Due>> byPhone = new LinkedHashMap<>();
        for (Due d : sending) byPhone.computeIfAbsent(d.item().phone(), p -> new ArrayList<>()).add(d);
        List<Callable<List<Outcome>>> tasks = new ArrayList<>();
        for (List<Due> one : byPhone.values()) {
            one.sort(Comparator.comparingLong((Due d) -> d.item().created()).thenComparing(d -> d.key().id()));
            tasks.add(() -> one.stream().map(this::submit).toList());
        }
        List<Outcome> out = new ArrayList<>();
        if (tasks.size() == 1) {
            try {
                out.addAll(tasks.getFirst().call());
            } catch (Exception e) {
                throw new IllegalStateException(e); // submit catches everything
            }
            return out;
        }
        List<Future<List<Outcome>>> futures = tasks.stream().map(submitters::submit).toList();
        for (Future<List<Outcome>> f : futures) {
            out.addAll(result(f));
        }
        return out;
    }

    /** A task's result, waited for through an interrupt (the submits end within their timeouts, and their outcomes must be written). */
    private static <T> T result(Future<T> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause()); // submit catches everything
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /**
     * Submits one item's parts through the first available gateway; when that gateway refuses
     * it for now before taking any part (down, throttled, 5xx) and another is available, that
     * one is tried at once (failover, an attempt more); only when every one refused does the
     * item wait for its back-off. Never throws: a failure nobody expected is "in doubt".
     */
    private Outcome submit(Due d) {
        SmsQueue.Key key = d.key();
        SmsItem state = d.item();
        int attempts = state.attempts();
        List<SmsGateway> tried = new ArrayList<>();
        while (true) {
            SmsGateway g = gateway(state, tried);
            if (g == null) { // the gateway went away since the round began: waits, due again at once
                return new Outcome(d, state.with(SmsItem.State.QUEUED, state.next(), tried.isEmpty() ? attempts - 1 : attempts, state.gateway(),
                        state.messageIds(), 0, state.error()), Outcome.Kind.RETRY, "");
            }
            if (!tried.isEmpty()) attempts++;
            tried.add(g);
            boolean failover = gateway(state, tried) != null;
            List<String> ids = new ArrayList<>(state.messageIds());
            try {
                SmsText text = text(state, g, key.id());
                String extension = state.purpose() == SmsItem.Purpose.NOTICE && g.sourceExtension() ? state.ref() : "";
                while (ids.size() < text.parts().size()) {
                    String id = g.submit(key.scope() + "/" + key.id(), state.phone(), extension, text, ids.size());
                    if (ids.isEmpty() && state.purpose() == SmsItem.Purpose.NOTICE && state.notice() != null) {
                        metrics.latency.record(Duration.ofMillis(Math.max(0, clock.millis() - state.notice().received().toEpochMilli())));
                    }
                    ids.add(id);
                }
                return new Outcome(d, state.with(SmsItem.State.SENT, state.next(), attempts, g.name(), ids, 0, ""), Outcome.Kind.SENT, "");
            } catch (SubmitException.Refused e) {
                if (e.permanent()) {
                    return new Outcome(d, state.with(SmsItem.State.FAILED, state.next(), attempts, g.name(), ids, 0, e.getMessage()),
                            Outcome.Kind.FINAL, "refused");
                }
                if (failover && ids.isEmpty()) {
                    log.info("sms: {} to {} refused for now by {} ({}); trying the next gateway", key.id(), state.phone(), g.name(), e.getMessage());
                    metrics.failover();
                    state = state.with(SmsItem.State.SENDING, state.next(), attempts, "", ids, 0, g.name() + ": " + e.getMessage());
                    continue;
                }
                long next = clock.millis() + settings.retryAfter(attempts).toMillis();
                log.info("sms: {} to {} refused for now by {} ({}); attempt {} again in {}", key.id(), state.phone(), g.name(), e.getMessage(),
                        attempts + 1, settings.retryAfter(attempts));
                return new Outcome(d, state.with(SmsItem.State.QUEUED, next, attempts, g.name(), ids, 0, e.getMessage()), Outcome.Kind.RETRY, "");
            } catch (SubmitException | RuntimeException e) { // no answer (or no telling): maybe taken, never submitted again
                return new Outcome(d, state.with(SmsItem.State.UNKNOWN, state.next(), attempts, g.name(), ids, 0, String.valueOf(e.getMessage())),
                        Outcome.Kind.FINAL, "in_doubt");
            }
        }
    }

    /** Writes a round's outcomes in one commit, then counts and logs them. */
    private void record(List<Outcome> outcomes) {
        if (outcomes.isEmpty()) return;
        long retention = settings.replyWindow().toMillis();
        List<List<RecordWrite>> each = new ArrayList<>();
        Set<String> indexed = new HashSet<>();
        for (Outcome o : outcomes) {
            List<RecordWrite> w = new ArrayList<>();
            SmsQueue.Key key = o.due().key();
            for (String id : o.item().messageIds()) {
                if (!o.due().item().messageIds().contains(id) && indexed.add(o.item().gateway() + "/" + id)) {
                    w.add(queue.messageIdWrite(o.item().gateway(), id, key, o.item().created() + retention));
                }
            }
            switch (o.kind()) {
                case SENT, FINAL -> w.addAll(queue.finishWrites(key, o.item(), retention));
                case RETRY -> w.add(queue.updateWrite(o.due().record(), o.item()));
            }
            each.add(w);
        }
        List<RecordWrite> all = each.stream().flatMap(List::stream).toList();
        boolean together = queue.write(all).isPresent();
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome o = outcomes.get(i);
            // the commit refused (an item changed since it was written sending, not by this worker): each on its own; one
            // that still does not match stays sending, in doubt
            if (!together && queue.write(each.get(i)).isEmpty()) {
                log.warn("sms: {} changed while it was being sent; left in doubt", o.due().key().id());
                continue;
            }
            SmsItem item = o.item();
            switch (o.kind()) {
                case SENT -> {
                    metrics.sent.increment();
                    log.info("sms: {} sent to {} through {} in {} part(s), message ids {}", o.due().key().id(), item.phone(), item.gateway(),
                            item.messageIds().size(), item.messageIds());
                }
                case FINAL -> {
                    metrics.failed(o.reason());
                    log.warn("sms: {} to {} {}: {}", o.due().key().id(), item.phone(), item.state().text(), item.error());
                }
                case RETRY -> { }
            }
        }
    }

    private boolean stillWanted(String scope, SmsItem item) {
        Optional<StoredRecord> s = queue.records().record(SmsRecords.SETTINGS, scope, SmsRecords.NAME);
        if (s.isEmpty()) return false;
        SmsSettings u = SmsSettings.decode(s.get().value());
        return u.active() && u.phone().equals(item.phone());
    }

    /** The first available gateway in priority order, not among {@code tried}; null when none is. */
    private SmsGateway gateway(SmsItem item, List<SmsGateway> tried) {
        for (SmsGateway g : gateways) {
            // parts already sent went through one gateway: the rest must follow them (same text, same reference)
            if (!item.messageIds().isEmpty() && !g.name().equals(item.gateway())) continue;
            if (tried.contains(g)) continue;
            if (g.available()) return g;
        }
        return null;
    }

    /** The text and its parts as {@code g} sends them: a notice's reference in the text only when g cannot put it in the source address. */
    SmsText text(SmsItem item, SmsGateway g, String id) {
        String text = item.text();
        if (item.purpose() == SmsItem.Purpose.NOTICE) {
            Optional<String> inText = item.ref().isEmpty() || g.sourceExtension() ? Optional.empty() : Optional.of(item.ref());
            text = NoticeText.of(item.notice(), NoticeText.Language.of(item.language()), java.time.ZoneId.of(item.zone()),
                    settings.maxParts(), inText, g::partsNeeded);
        }
        return g.encode(text, id.hashCode());
    }

    /**
     * Handles what the gateways sent: the receipts, and the replies by SMS stored since (at the
     * first call, first those a stopped node left stored: received ones are handled now, one
     * found {@code handling} is in doubt and not handled again). Public for tests that drive
     * the worker without its thread.
     */
    public void handleInbound() {
        if (!mosRecovered) {
            for (Map.Entry<MoInbox.Received, MoInbox.State> e : moInbox.unhandled()) {
                if (e.getValue() == MoInbox.State.HANDLING) {
                    moInbox.handled(e.getKey());
                    metrics.replyInDoubt();
                    log.warn("sms: the reply from {} received at {} was being handled when the node stopped; maybe sent, not handled again",
                            e.getKey().mo().from(), java.time.Instant.ofEpochMilli(e.getKey().received()));
                } else {
                    mos.add(e.getKey()); // also in memory if it came after this worker began: begin() lets one through
                }
            }
            mosRecovered = true;
        }
        Inbound.Receipt rc;
        while ((rc = receipts.poll()) != null) receipt(rc);
        MoInbox.Received m;
        while ((m = mos.poll()) != null) reply(m);
    }

    private void reply(MoInbox.Received m) {
        if (!moInbox.begin(m)) return; // handled already
        try {
            mo.handle(m.mo());
        } catch (RuntimeException e) {
            log.warn("sms: the message from {} could not be handled", m.mo().from(), e);
        }
        moInbox.handled(m);
    }

    private void receipt(Inbound.Receipt rc) {
        Optional<SmsQueue.Key> k = queue.byMessageId(rc.gateway(), rc.messageId());
        if (k.isEmpty()) {
            log.info("sms: a receipt from {} for unknown message id {} ({})", rc.gateway(), rc.messageId(), rc.status());
            return;
        }
        Optional<StoredRecord> r = queue.done(k.get());
        if (r.isEmpty()) return;
        SmsItem item = SmsItem.decode(r.get().value());
        if (item.state() != SmsItem.State.SENT) return; // final already (delivered, failed): a late or repeated receipt
        SmsItem next;
        if (rc.delivered()) {
            int delivered = item.delivered() + 1;
            next = item.with(delivered >= item.messageIds().size() ? SmsItem.State.DELIVERED : SmsItem.State.SENT, item.next(), item.attempts(),
                    item.gateway(), item.messageIds(), delivered, "");
            if (next.state() == SmsItem.State.DELIVERED) metrics.delivered.increment();
        } else {
            next = item.withState(SmsItem.State.FAILED, "receipt: " + rc.status());
            metrics.failed("undelivered");
        }
        queue.records().putRecordIf(SmsQueue.DONE, r.get().scope(), r.get().name(), r.get().version(), next.encode(), r.get().expiresMillis());
    }

    /** Queues an SMS that is not a notice (an answer to a reply); true when queued now. */
    public boolean enqueueText(SmsQueue.Key key, SmsItem.Purpose purpose, String phone, String text) {
        long now = clock.millis();
        boolean q = queue.enqueue(key, new SmsItem(purpose, phone, text, null, "en", "UTC", "", SmsItem.State.QUEUED, now, now, 0,
                now + settings.expireAfter().toMillis(), "", List.of(), 0, ""));
        if (q) {
            metrics.queued.increment();
            wake();
        }
        return q;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        submitters.shutdown();
    }
}
