package org.twinmail.filter.quarantine;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.store.Quarantine;

/**
 * Held messages do not stay in the administrator's quarantine for ever: on the active node,
 * every message held longer than {@code filter.quarantine.retention} (30 days) is removed, as
 * {@code twinmail admin quarantine delete} would. A retention of 0 keeps them until removed.
 */
public final class QuarantineExpiry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuarantineExpiry.class);

    private final Quarantine quarantine;
    private final Clock clock;
    private final Duration retention;
    private ScheduledExecutorService timer;

    public QuarantineExpiry(Quarantine quarantine, Clock clock, Duration retention) {
        if (retention.isNegative()) throw new IllegalArgumentException("filter.quarantine.retention must not be negative");
        this.quarantine = quarantine;
        this.clock = clock;
        this.retention = retention;
    }

    /** Removes the messages held longer than the retention now; returns how many. */
    public int purgeDue() {
        if (retention.isZero()) return 0;
        int n = quarantine.purgeArrivedBefore(clock.millis() - retention.toMillis());
        if (n > 0) log.info("quarantine: {} messages held longer than {} removed", n, retention);
        return n;
    }

    /** Purges every {@code every} (and at once), until {@link #close}. */
    public QuarantineExpiry start(Duration every) {
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("quarantine-expiry").daemon().factory());
        timer.scheduleWithFixedDelay(() -> {
            try {
                purgeDue();
            } catch (RuntimeException e) {
                log.warn("quarantine expiry: {}", e.toString());
            }
        }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public void close() {
        if (timer != null) timer.shutdownNow();
    }
}
