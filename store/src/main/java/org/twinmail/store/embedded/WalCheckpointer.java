package org.twinmail.store.embedded;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies committed pages from the WAL into the database file on a thread of its own.
 *
 * <p>SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold, on
 * the writer: at the SPECmail2001 maximum that put the copying of every page (a WAL read
 * and a database write each, plus the database fsync) into the group-commit path, and
 * writes queued behind it for seconds. With automatic checkpoints off on the writer's
 * connection, this thread runs a PASSIVE checkpoint every {@code interval} on its own
 * connection: it never takes the write lock, so commits go on appending to the WAL
 * meanwhile, and it copies only frames no reader still needs. When a checkpoint has
 * copied everything, the writer's next transaction starts the WAL from its beginning
 * again (SQLite does this by itself), so the file stays bounded. Checkpoints move data
 * that is already durable in the WAL; a crash in the middle loses nothing (the next open
 * replays the WAL).
 */
final class WalCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalCheckpointer.class);
    /** A checkpoint waits this long for a lock another connection holds, then tries again next time. */
    private static final int BUSY_TIMEOUT_MS = 100;

    private final Db db;
    private final Duration interval;
    private final Thread thread;
    private final MeterRegistry registry;
    private final Timer timer;
    private final Gauge framesGauge;
    private final AtomicLong walFrames = new AtomicLong();
    private volatile boolean stopping;

    private WalCheckpointer(Db db, Duration interval, MeterRegistry registry) {
        this.db = db;
        this.interval = interval;
        this.registry = registry;
        this.timer = Timer.builder("twinmail.store.wal.checkpoint")
                .description("One passive WAL checkpoint, off the writer's thread")
                .register(registry);
        this.framesGauge = Gauge.builder("twinmail.store.wal.frames", walFrames, AtomicLong::get)
                .description("Frames in the WAL at the last checkpoint")
                .register(registry);
        this.thread = Thread.ofPlatform().name("twinmail-store-checkpoint").daemon(true).unstarted(this::loop);
    }

    /** Opens a connection of its own to {@code file} and starts checkpointing it every {@code interval}. */
    static WalCheckpointer start(Path file, Duration interval, MeterRegistry registry) throws SQLException {
        WalCheckpointer c = new WalCheckpointer(Db.openCheckpointer(file, BUSY_TIMEOUT_MS), interval, registry);
        c.thread.start();
        return c;
    }

    private void loop() {
        while (!stopping) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                continue; // close() interrupts to stop; the loop condition decides
            }
            if (stopping) break;
            long start = System.nanoTime();
            try {
                // busy, frames in the WAL, frames checkpointed (https://sqlite.org/pragma.html#pragma_wal_checkpoint)
                long frames = db.one("PRAGMA wal_checkpoint(PASSIVE)", rs -> rs.getLong(2)).orElse(0L);
                walFrames.set(Math.max(frames, 0));
            } catch (SQLException e) {
                log.warn("store: WAL checkpoint failed (tried again in {} ms): {}", interval.toMillis(), e.getMessage());
            }
            timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    /** Stops checkpointing and closes the connection; the writer's final checkpoint at close does the rest. */
    @Override
    public void close() {
        stopping = true;
        thread.interrupt();
        GroupCommitWriter.joinUninterruptibly(thread);
        db.close();
        registry.remove(timer);
        registry.remove(framesGauge);
    }
}
