package org.twinmail.store;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one durable consumer of the {@link ChangeLog} on a thread of its own: reads the changes
 * after the consumer's cursor, hands them to the {@link Handler} in batches, in log order, and
 * advances the cursor past a batch only after the handler returned normally.
 *
 * <p>The guarantee is <b>at least once, in order, none skipped</b>: every change after the
 * cursor reaches the handler, oldest first; a crash, a kill or a failover between the handler
 * and the cursor's advance hands the same batch (or a batch starting at the same change) to the
 * handler again after the restart. So a handler must be idempotent: key its effects by
 * {@link Change#position()} (or by what the change names) and treat a position it has seen as
 * done. A handler that throws gets the same batch again after {@code retryDelay} (doubling up to
 * a minute); nothing after it is delivered meanwhile. A runner of a fenced instance stops: its
 * successor's runner carries on from the durable cursor.
 *
 * <p>New changes wake the runner through {@link ChangeLog#awaitChange}; it does not poll.
 */
public final class ChangeConsumer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChangeConsumer.class);
    private static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(1);
    /** How long one wait for new changes lasts before the runner looks at the log again anyway. */
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** Acts on a batch of changes; must be idempotent (see the class comment). */
    @FunctionalInterface
    public interface Handler {
        void handle(List<Change> batch) throws Exception;
    }

    private final ChangeLog changeLog;
    private final String name;
    private final int batchSize;
    private final Duration retryDelay;
    private final Handler handler;
    /** Least time between the ends of two batches while the log is busy (0: none); see {@link #start(ChangeLog, String, int, Duration, Duration, Handler)}. */
    private final long gatherNanos;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long position;

    private ChangeConsumer(ChangeLog changeLog, String name, int batchSize, Duration retryDelay, Duration gather, Handler handler) {
        this.changeLog = Objects.requireNonNull(changeLog, "changeLog");
        this.name = Objects.requireNonNull(name, "name");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be positive");
        this.batchSize = batchSize;
        this.retryDelay = Objects.requireNonNull(retryDelay, "retryDelay");
        this.handler = Objects.requireNonNull(handler, "handler");
        if (gather.isNegative()) throw new IllegalArgumentException("gather time must not be negative");
        this.gatherNanos = gather.toNanos();
        this.position = changeLog.consumerPosition(name);
        this.thread = Thread.ofPlatform().name("change-consumer-" + name).daemon(true).unstarted(this::run);
    }

    /**
     * Starts consumer {@code name} from its durable cursor.
     *
     * @param batchSize  most changes per handler call
     * @param retryDelay first wait before a failed batch is handed over again
     */
    public static ChangeConsumer start(ChangeLog changeLog, String name, int batchSize, Duration retryDelay, Handler handler) {
        return start(changeLog, name, batchSize, retryDelay, Duration.ZERO, handler);
    }

    /**
     * As {@link #start(ChangeLog, String, int, Duration, Handler)}, gathering changes while the log
     * is busy: a batch smaller than {@code batchSize} is handed over no sooner than {@code gather}
     * after the end of the one before (the first change after a quiet spell goes at once). For a
     * handler whose cost is mostly per batch (a commit), not per change.
     */
    public static ChangeConsumer start(ChangeLog changeLog, String name, int batchSize, Duration retryDelay, Duration gather,
                                       Handler handler) {
        ChangeConsumer c = new ChangeConsumer(changeLog, name, batchSize, retryDelay, gather, handler);
        c.thread.start();
        return c;
    }

    /** The position up to which the handler has handled the log and the cursor records it. */
    public long position() {
        return position;
    }

    public boolean isRunning() {
        return thread.isAlive();
    }

    private void run() {
        Duration delay = retryDelay;
        long lastEnd = System.nanoTime() - gatherNanos;
        while (running) {
            try {
                List<Change> batch = changeLog.changesSince(position, batchSize);
                if (batch.isEmpty()) {
                    changeLog.awaitChange(position, WAIT);
                    continue;
                }
                long wait = gatherNanos - (System.nanoTime() - lastEnd);
                if (batch.size() < batchSize && wait > 0) {
                    // Busy: let more changes come, then read again (one batch, one commit, for all of them).
                    java.util.concurrent.TimeUnit.NANOSECONDS.sleep(wait);
                    batch = changeLog.changesSince(position, batchSize);
                }
                handler.handle(batch);
                lastEnd = System.nanoTime();
                long last = batch.getLast().position();
                changeLog.advanceConsumer(name, last);
                position = last;
                delay = retryDelay;
            } catch (InterruptedException e) {
                if (!running) return;
            } catch (StoreException.StaleEpoch e) {
                log.info("change consumer {}: this instance is fenced ({}); stopping", name, e.getMessage());
                return;
            } catch (StoreException.Unavailable e) {
                if (!running) return;
                log.warn("change consumer {}: store unavailable at position {}: {}", name, position, e.getMessage());
                if (!sleep(delay)) return;
                delay = longer(delay);
            } catch (Exception e) {
                log.warn("change consumer {}: handling the changes after {} failed; retrying in {}", name, position, delay, e);
                if (!sleep(delay)) return;
                delay = longer(delay);
            }
        }
    }

    private static Duration longer(Duration d) {
        Duration twice = d.multipliedBy(2);
        return twice.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : twice;
    }

    private boolean sleep(Duration d) {
        try {
            Thread.sleep(d);
            return running;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** Stops the runner and waits for it; a batch in the handler finishes (and may or may not be recorded). */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
