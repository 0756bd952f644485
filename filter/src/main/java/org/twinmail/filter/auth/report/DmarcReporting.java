package org.twinmail.filter.auth.report;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs DMARC aggregate reporting on the active node: merges the counts into the store every
 * {@code flushEvery} and queues the reports of finished days every {@code sendEvery} (and
 * once at start, so a node that was down at midnight catches up). {@link #close} flushes
 * what is left, so a switchover loses no count; a crash loses at most one interval's.
 */
public final class DmarcReporting implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DmarcReporting.class);

    private final DmarcAggregates aggregates;
    private final DmarcReportSender sender;
    private final ScheduledExecutorService timer;

    public DmarcReporting(DmarcAggregates aggregates, DmarcReportSender sender, Duration flushEvery, Duration sendEvery) {
        this.aggregates = aggregates;
        this.sender = sender;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("dmarc-reports").daemon().factory());
        timer.scheduleWithFixedDelay(() -> run(aggregates::flush, "merge counts"), flushEvery.toMillis(), flushEvery.toMillis(),
                TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(() -> run(() -> sender.sendDue(), "send reports"), 0, sendEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void run(Runnable task, String what) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.warn("DMARC aggregate reports: could not {}: {}", what, e.toString());
        }
    }

    public DmarcAggregates aggregates() {
        return aggregates;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            if (!timer.awaitTermination(10, TimeUnit.SECONDS)) log.warn("DMARC aggregate reports: timer did not stop");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        run(aggregates::flush, "merge counts");
    }
}
