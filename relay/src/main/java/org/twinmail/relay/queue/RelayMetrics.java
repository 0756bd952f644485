package org.twinmail.relay.queue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.twinmail.store.QueueStats;

/**
 * The relay's metrics: queue size and age (refreshed by the runner, so a scrape never reads
 * the database), deliveries per recipient by outcome, DSNs sent by kind, open connections.
 */
final class RelayMetrics {
    private final Counter delivered;
    private final Counter deferred;
    private final Counter bounced;
    private final Counter dsnFailed;
    private final Counter dsnDelayed;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong recipients = new AtomicLong();
    private final AtomicReference<Instant> oldest = new AtomicReference<>();
    final AtomicLong connections = new AtomicLong();
    private final MeterRegistry registry;
    private final java.util.List<Gauge> gauges = new java.util.ArrayList<>();

    RelayMetrics(MeterRegistry r) {
        this.registry = r;
        String deliveries = "twinmail.relay.deliveries";
        String what = "Delivery attempts per recipient, by outcome";
        delivered = Counter.builder(deliveries).description(what).tag("outcome", "delivered").register(r);
        deferred = Counter.builder(deliveries).description(what).tag("outcome", "deferred").register(r);
        bounced = Counter.builder(deliveries).description(what).tag("outcome", "bounced").register(r);
        String dsn = "twinmail.relay.dsn";
        dsnFailed = Counter.builder(dsn).description("Delivery status notifications sent").tag("action", "failed").register(r);
        dsnDelayed = Counter.builder(dsn).description("Delivery status notifications sent").tag("action", "delayed").register(r);
        gauges.add(Gauge.builder("twinmail.relay.queue.messages", messages, AtomicLong::get)
                .description("Messages in the outbound queue").register(r));
        gauges.add(Gauge.builder("twinmail.relay.queue.recipients", recipients, AtomicLong::get)
                .description("Recipients waiting in the outbound queue").register(r));
        gauges.add(Gauge.builder("twinmail.relay.queue.oldest.seconds", oldest, o -> {
                    Instant t = o.get();
                    return t == null ? 0 : Math.max(0, (System.currentTimeMillis() - t.toEpochMilli()) / 1000.0);
                }).description("Age of the oldest queued message").register(r));
        gauges.add(Gauge.builder("twinmail.relay.connections", connections, AtomicLong::get)
                .description("Outgoing SMTP connections open now").register(r));
    }

    /** Removes the gauges, which read this runner's values: the next activation registers its own. */
    void close() {
        for (Gauge g : gauges) registry.remove(g);
    }

    void stats(QueueStats s) {
        messages.set(s.messages());
        recipients.set(s.recipients());
        oldest.set(s.oldestArrival().orElse(null));
    }

    void delivered() { delivered.increment(); }

    void deferred() { deferred.increment(); }

    void bounced() { bounced.increment(); }

    void dsn(boolean failed) {
        if (failed) dsnFailed.increment();
        else dsnDelayed.increment();
    }
}
