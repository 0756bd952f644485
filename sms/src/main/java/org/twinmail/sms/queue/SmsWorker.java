package org.twinmail.sms.queue;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
import org.twinmail.store.StoreException;
import org.twinmail.store.StoredRecord;

/**
 * Sends the queue, on the active node only, on one thread of its own: takes the due items of
 * {@value SmsQueue#OUT}, submits them part by part through the first available gateway (in the
 * order configured: priority and failover), and handles what the gateways send back (receipts,
 * and mobile-originated messages through the {@link MoHandler}) on the same thread, so a receipt
 * is never handled before the item it is about was recorded as sent.
 *
 * <p>Exactly once (docs/sms.md): before each part is submitted, the item is written
 * {@code sending} with the parts sent so far; after the SMSC's answer its message id is added.
 * A part the SMSC refused was not sent and is retried with back-off; an item found
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
    private final LinkedBlockingQueue<Inbound> inbound = new LinkedBlockingQueue<>();
    private volatile MoHandler mo = m -> log.info("sms: a message from {} to {} ignored: replies are not handled", m.from(), m.to());
    private final Thread thread;
    private volatile boolean running = true;
    private boolean recovered;

    public SmsWorker(SmsQueue queue, List<SmsGateway> gateways, QueueSettings settings, SmsMetrics metrics, Clock clock) {
        this.queue = queue;
        this.gateways = List.copyOf(gateways);
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
        Consumer<Inbound> in = i -> {
            inbound.add(i);
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
                Inbound i;
                while ((i = inbound.poll()) != null) inbound(i);
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

    /** One pass over the queue; public for tests that drive it without the thread. */
    public void sendDue() {
        long now = clock.millis();
        for (StoredRecord r : queue.pending()) {
            if (!running) return;
            SmsQueue.Key key = new SmsQueue.Key(r.scope(), r.name());
            SmsItem item;
            try {
                item = SmsItem.decode(r.value());
            } catch (IllegalArgumentException bad) {
                log.warn("sms worker: item {} of {} unreadable, dropped: {}", r.name(), r.scope(), bad.getMessage());
                queue.records().deleteRecord(SmsQueue.OUT, r.scope(), r.name());
                continue;
            }
            if (item.state() == SmsItem.State.SENDING) {
                if (!recovered) { // left by a node that died during a submit: maybe taken by the SMSC
                    fail(key, item, SmsItem.State.UNKNOWN, "in_doubt", "the node stopped during a submit; not sent again");
                }
                continue;
            }
            if (now >= item.expires()) {
                fail(key, item, SmsItem.State.EXPIRED, "expired", item.error().isEmpty() ? "not sent in time" : item.error());
                continue;
            }
            if (item.next() > now) continue;
            if (item.purpose() == SmsItem.Purpose.NOTICE && !stillWanted(r.scope(), item)) {
                fail(key, item, SmsItem.State.FAILED, "turned_off", "notices turned off or the number changed");
                continue;
            }
            send(key, r, item, now);
        }
        recovered = true;
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
                    settings.maxParts(), inText);
        }
        return g.concatenates() ? SmsText.whole(text) : SmsText.of(text, id.hashCode());
    }

    /**
     * Sends an item through the first available gateway; failover: when that gateway refuses it
     * for now before taking any part (down, throttled, 5xx), the next available one is tried at
     * once, and only when every one refused does the item wait for its back-off.
     */
    private void send(SmsQueue.Key key, StoredRecord r, SmsItem item, long now) {
        List<SmsGateway> tried = new ArrayList<>();
        StoredRecord current = r;
        SmsItem state = item;
        while (true) {
            SmsGateway g = gateway(state, tried);
            if (g == null) return; // none available: it waits (and expires in time)
            tried.add(g);
            Optional<StoredRecord> again = attempt(key, current, state, g, gateway(state, tried) != null);
            if (again.isEmpty()) return;
            current = again.get();
            state = SmsItem.decode(current.value());
        }
    }

    /**
     * One attempt through {@code g}; returns the item's record when it should go to the next
     * gateway now ({@code failover}: another is available, and {@code g} refused it for now
     * before taking a part), else empty (sent, final, waiting for its back-off, or changed).
     */
    private Optional<StoredRecord> attempt(SmsQueue.Key key, StoredRecord r, SmsItem item, SmsGateway g, boolean failover) {
        SmsText text = text(item, g, key.id());
        String extension = item.purpose() == SmsItem.Purpose.NOTICE && g.sourceExtension() ? item.ref() : "";
        List<String> ids = new ArrayList<>(item.messageIds());
        int attempts = item.attempts() + 1;
        StoredRecord current = r;
        SmsItem state = item;
        long retention = settings.replyWindow().toMillis();
        while (ids.size() < text.parts().size()) {
            state = state.with(SmsItem.State.SENDING, state.next(), attempts, g.name(), ids, 0, "");
            Optional<StoredRecord> written = queue.update(current, state);
            if (written.isEmpty()) return Optional.empty(); // changed meanwhile: looked at again next round
            current = written.get();
            try {
                String id = g.submit(key.scope() + "/" + key.id(), item.phone(), extension, text, ids.size());
                if (ids.isEmpty() && item.purpose() == SmsItem.Purpose.NOTICE && item.notice() != null) {
                    metrics.latency.record(java.time.Duration.ofMillis(Math.max(0, clock.millis() - item.notice().received().toEpochMilli())));
                }
                ids.add(id);
                queue.indexMessageId(g.name(), id, key, item.created() + retention);
            } catch (SubmitException.Refused e) {
                if (e.permanent()) {
                    fail(key, state.with(SmsItem.State.FAILED, state.next(), attempts, g.name(), ids, 0, e.getMessage()), SmsItem.State.FAILED,
                            "refused", e.getMessage());
                } else if (failover && ids.isEmpty()) {
                    SmsItem next = state.with(SmsItem.State.QUEUED, state.next(), attempts, "", ids, 0, g.name() + ": " + e.getMessage());
                    log.info("sms: {} to {} refused for now by {} ({}); trying the next gateway", key.id(), item.phone(), g.name(), e.getMessage());
                    metrics.failover();
                    return queue.update(current, next);
                } else {
                    long next = clock.millis() + settings.retryAfter(attempts).toMillis();
                    SmsItem retry = state.with(SmsItem.State.QUEUED, next, attempts, g.name(), ids, 0, e.getMessage());
                    queue.update(current, retry);
                    log.info("sms: {} to {} refused for now by {} ({}); attempt {} again in {}", key.id(), item.phone(), g.name(), e.getMessage(),
                            attempts + 1, settings.retryAfter(attempts));
                }
                return Optional.empty();
            } catch (SubmitException.InDoubt e) {
                fail(key, state.with(SmsItem.State.UNKNOWN, state.next(), attempts, g.name(), ids, 0, e.getMessage()), SmsItem.State.UNKNOWN,
                        "in_doubt", e.getMessage());
                return Optional.empty();
            } catch (SubmitException e) {
                throw new IllegalStateException(e);
            }
        }
        SmsItem sent = state.with(SmsItem.State.SENT, state.next(), attempts, g.name(), ids, 0, "");
        queue.finish(key, sent, retention);
        metrics.sent.increment();
        log.info("sms: {} sent to {} through {} in {} part(s), message ids {}", key.id(), item.phone(), g.name(), ids.size(), ids);
        return Optional.empty();
    }

    private void fail(SmsQueue.Key key, SmsItem item, SmsItem.State state, String reason, String error) {
        queue.finish(key, item.withState(state, error), settings.replyWindow().toMillis());
        metrics.failed(reason);
        log.warn("sms: {} to {} {}: {}", key.id(), item.phone(), state.text(), error);
    }

    private void inbound(Inbound i) {
        switch (i) {
            case Inbound.Receipt rc -> receipt(rc);
            case Inbound.Mo m -> {
                metrics.repliesIn.increment();
                try {
                    mo.handle(m);
                } catch (RuntimeException e) {
                    log.warn("sms: the message from {} could not be handled", m.from(), e);
                }
            }
        }
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
    }
}
