package org.twinmail.store.embedded;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.event.StoreEvent;
import org.twinmail.core.event.StoreListener;
import org.twinmail.store.Change;
import org.twinmail.store.StoreException;

/**
 * The single writer. One platform thread owns the write connection and commits
 * queued operations in groups: it takes the first waiting operation, drains up to
 * {@code maxBatch - 1} more, runs them in one {@code BEGIN IMMEDIATE} transaction,
 * each inside its own SAVEPOINT (so a refused operation rolls back alone and fails
 * only its own caller), commits once (one WAL fsync for the whole group), deletes
 * blob files that lost their last reference, completes the callers' futures, wakes
 * the change log's waiters ({@link ChangeSignal}), and finally tells the listeners.
 *
 * <p>Callers block on their future; a method of the store returns only after its
 * commit is durable: SQLite's COMMIT has fsynced the WAL, and the volume still took a
 * write after that fsync returned ({@link CommitWitness}: on ext4 an fsync racing a failure of
 * the filesystem can return 0 for a commit that never reached the disk). Under load the queue fills while a commit's fsync runs, so
 * the next group is larger: throughput grows with concurrency instead of each
 * caller paying its own fsync.
 */
final class GroupCommitWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

    /** One write operation; runs on the writer thread inside the batch transaction. */
    @FunctionalInterface
    interface WriteOp<T> {
        T apply(WriteTx tx) throws SQLException, IOException;
    }

    /** What an operation may do besides plain SQL, all tied to the fate of its transaction. */
    final class WriteTx {
        private final List<StoreEvent> events = new ArrayList<>();
        private long lastPosition;

        Db db() {
            return db;
        }

        /** The epoch this store instance writes with. */
        long epoch() {
            return epoch;
        }

        /** The highest epoch recorded, as seen by this transaction. */
        long storedEpoch() {
            return storedEpoch;
        }

        /** An operation that raised the stored epoch says so; later operations of the batch see it. */
        void storedEpochRaised(long newEpoch) {
            storedEpoch = newEpoch;
        }

        /** Appends to the change log; the returned position is this change's MODSEQ. */
        long appendChange(Change.Kind kind, long accountId, long mailboxId, long uid, String detail) throws SQLException {
            return lastPosition = db.insert("INSERT INTO change_log (epoch, kind, account_id, mailbox_id, uid, detail) VALUES (?, ?, ?, ?, ?, ?)",
                    epoch, kind.name(), accountId, mailboxId, uid, detail);
        }

        /** Published to listeners after the commit; dropped if this operation rolls back. */
        void publish(StoreEvent event) {
            events.add(event);
        }

        /**
         * The blob file goes once the batch is over if no row references it then.
         * Checked after the commit, not now, because a later operation of the same
         * batch may reference the same content again.
         */
        void deleteFileIfUnreferenced(String sha256) {
            fileCandidates.add(sha256);
        }
    }

    private static final class Pending<T> {
        final WriteOp<T> op;
        final Collection<String> blobFiles;
        final CompletableFuture<T> future = new CompletableFuture<>();
        T result;
        RuntimeException failure;
        List<StoreEvent> events = List.of();
        long lastPosition;

        Pending(WriteOp<T> op, Collection<String> blobFiles) {
            this.op = op;
            this.blobFiles = blobFiles;
        }

        void run(WriteTx tx) throws SQLException, IOException {
            result = op.apply(tx);
            events = tx.events;
            lastPosition = tx.lastPosition;
        }

        void complete() {
            if (failure != null) future.completeExceptionally(failure);
            else future.complete(result);
        }
    }

    private static final Pending<Void> STOP = new Pending<>(tx -> null, List.of());

    private final Db db;
    private final long epoch;
    private final int maxBatch;
    private final BlobFiles files;
    private volatile CommitWitness witness;
    private final List<StoreListener> listeners;
    private final ChangeSignal signal;
    private final LinkedBlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
    /** Held shared to enqueue and exclusively to close, so nothing can be queued behind STOP. */
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private final Thread thread;
    private final Set<String> fileCandidates = new LinkedHashSet<>();
    private final Timer commitTimer;
    private final DistributionSummary batchSize;
    private final Counter commitFailures;
    private final Gauge queueGauge;
    private final MeterRegistry registry;
    private boolean closed;
    private long storedEpoch;
    /** Tests make the commit fail through this; null in production. */
    private volatile CommitHook beforeCommit;

    @FunctionalInterface
    interface CommitHook {
        void run() throws SQLException;
    }

    void beforeCommit(CommitHook hook) {
        this.beforeCommit = hook;
    }

    /** Tests replace the witness with one on a file the kernel refuses writes to. */
    void witness(CommitWitness witness) {
        this.witness = witness;
    }

    GroupCommitWriter(Db db, long epoch, int maxBatch, BlobFiles files, CommitWitness witness, List<StoreListener> listeners,
                      ChangeSignal signal, MeterRegistry registry) {
        this.witness = witness;
        this.signal = signal;
        this.db = db;
        this.epoch = epoch;
        this.maxBatch = maxBatch;
        this.files = files;
        this.listeners = listeners;
        this.registry = registry;
        this.commitTimer = Timer.builder("twinmail.store.commit")
                .description("One group-commit transaction, BEGIN IMMEDIATE to durable COMMIT")
                .publishPercentileHistogram()
                .register(registry);
        this.batchSize = DistributionSummary.builder("twinmail.store.commit.batch")
                .description("Write operations committed together in one transaction")
                .baseUnit("operations")
                .register(registry);
        this.commitFailures = Counter.builder("twinmail.store.commit.failures")
                .description("Transactions that could not begin or commit; all their operations failed")
                .register(registry);
        this.queueGauge = Gauge.builder("twinmail.store.write.queue", queue, LinkedBlockingQueue::size)
                .description("Write operations waiting for the writer")
                .register(registry);
        // Every write waits for this thread: under a full CPU it must not queue behind sessions
        // (nice -5 when the JVM runs with -XX:ThreadPriorityPolicy=1 as root; see docs/store.md).
        this.thread = Thread.ofPlatform().name("twinmail-store-writer").daemon(true).priority(Thread.MAX_PRIORITY).unstarted(this::loop);
    }

    void start() {
        thread.start();
    }

    /**
     * Queues {@code op} and waits until its transaction has committed (or failed).
     *
     * @param blobFiles content addresses of blob files the caller wrote for this
     *                  operation; if the operation fails they are deleted unless
     *                  something else references them
     */
    <T> T submit(WriteOp<T> op, Collection<String> blobFiles) {
        if (Thread.currentThread() == thread) {
            // A listener runs on this thread; its write would wait for itself forever.
            throw new IllegalStateException("store listeners must not write to the store");
        }
        Pending<T> p = new Pending<>(op, blobFiles);
        gate.readLock().lock();
        try {
            if (closed) throw new StoreException.Unavailable("store is closed", null);
            queue.add(p);
        } finally {
            gate.readLock().unlock();
        }
        return await(p.future);
    }

    /**
     * Waits without giving up on interrupt: the operation may commit anyway, and a
     * caller told "failed" about a committed delivery would have the sender retry it.
     * The interrupt is kept for the caller to see afterwards.
     */
    static <T> T await(CompletableFuture<T> future) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException re) throw re;
                    if (cause instanceof Error err) throw err;
                    throw new StoreException.Unavailable("store operation failed: " + cause, cause);
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        List<Pending<?>> batch = new ArrayList<>(Math.min(maxBatch, 1024));
        boolean stop = false;
        while (!stop) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only STOP ends the loop, so that queued work is never dropped
            }
            queue.drainTo(batch, maxBatch - 1);
            // STOP is queued last (see close), so it can only end the batch.
            if (batch.getLast() == STOP) {
                batch.removeLast();
                stop = true;
            }
            if (!batch.isEmpty()) {
                try {
                    runBatch(batch);
                } catch (Throwable t) {
                    // Never let the writer die: every caller would hang on its future.
                    log.error("store writer: unexpected failure, failing the batch", t);
                    for (Pending<?> p : batch) {
                        p.future.completeExceptionally(new StoreException.Unavailable("store writer failed: " + t, t));
                    }
                }
            }
            batch.clear();
        }
        // Fold the WAL into the database so a clean shutdown leaves one file (a crash
        // leaves the WAL, which the next open replays; both are fine).
        try {
            db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (SQLException e) {
            log.warn("store writer: checkpoint at shutdown failed; the next open replays the WAL", e);
        }
        // The writer owns its connection; closing it here means no close() from any
        // thread can pull it away from under a running batch.
        db.close();
        witness.close();
    }

    private void runBatch(List<Pending<?>> batch) {
        long start = System.nanoTime();
        fileCandidates.clear();
        for (Pending<?> p : batch) fileCandidates.addAll(p.blobFiles);
        try {
            db.exec("BEGIN IMMEDIATE");
        } catch (SQLException e) {
            failAll(batch, "cannot start a transaction: " + e.getMessage(), e);
            return;
        }
        try {
            storedEpoch = db.queryLong("SELECT epoch FROM meta WHERE id = 1").orElseThrow();
            for (Pending<?> p : batch) runOne(p);
            if (beforeCommit != null) beforeCommit.run();
            db.exec("COMMIT");
        } catch (Throwable e) {
            try { db.exec("ROLLBACK"); } catch (SQLException ignored) { /* SQLite may have rolled back already */ }
            // Usually nothing of the batch is written; but when the failure is the fsync of COMMIT
            // itself, the pages may already be on disk, so the callers' outcome is unknown (SMTP
            // answers 4xx and a retry may store a duplicate, never lose the message).
            failAll(batch, "commit failed, the batch is not known to be stored: " + e.getMessage(), e);
            return;
        }
        try {
            witness.check();
        } catch (IOException e) {
            // SQLite has committed, but the filesystem failed while the fsync ran: the commit may
            // or may not be on disk. Nobody hears "stored"; as after a failed fsync, a retry may
            // store a duplicate, never lose the message.
            failAll(batch, "commit not known to be stored: " + e.getMessage(), e);
            return;
        }
        commitTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        batchSize.record(batch.size());
        // Before the callers hear back, so that "expunge returned" means "the space is free".
        deleteUnreferencedFiles();
        // The signal too: a caller that hears back finds its change known to awaitChange
        // (RecordWatcher.awaitCurrent relies on it for read-your-writes).
        long newest = 0;
        for (Pending<?> p : batch) newest = Math.max(newest, p.lastPosition);
        if (newest > 0) signal.committed(newest);
        for (Pending<?> p : batch) p.complete();
        for (Pending<?> p : batch) {
            for (StoreEvent event : p.events) publish(event);
        }
    }

    private void runOne(Pending<?> p) throws SQLException {
        if (storedEpoch > epoch) {
            p.failure = new StoreException.StaleEpoch(epoch, storedEpoch);
            return;
        }
        WriteTx tx = new WriteTx();
        db.exec("SAVEPOINT op");
        try {
            p.run(tx);
            db.exec("RELEASE op");
        } catch (Exception e) {
            // Undo this operation only; the others of the batch stay.
            db.exec("ROLLBACK TO op");
            db.exec("RELEASE op");
            p.failure = translate(e);
            p.events = List.of();
            p.lastPosition = 0;
        }
    }

    private RuntimeException translate(Exception e) {
        return switch (e) {
            case RuntimeException re -> re;
            case SQLException se -> StorageErrors.unavailable("store database error", db.file(), se);
            case IOException io -> new StoreException.Unavailable("store I/O error: " + io.getMessage(), io);
            default -> new StoreException.Unavailable("store operation failed: " + e, e);
        };
    }

    private void failAll(List<Pending<?>> batch, String message, Throwable cause) {
        commitFailures.increment();
        log.error("store writer: {}", message, cause);
        // Before the callers hear back, as after a commit: "failed" means its file is gone too.
        deleteUnreferencedFiles();
        String io = cause instanceof SQLException se && StorageErrors.isCorrupt(se) ? StorageErrors.firstIoError(db.file()) : null;
        String said = io == null ? message : message + " (storage I/O error: " + io + "; SQLite reports it as corruption)";
        for (Pending<?> p : batch) p.future.completeExceptionally(new StoreException.Unavailable(said, cause));
    }

    /**
     * Deletes blob files that no committed row references. This runs under the
     * database write lock, as does every check that a file exists before a row
     * referencing it commits: so no writer (of this process or another instance on
     * the same directory) can commit a reference to a file between our check and
     * the delete.
     */
    private void deleteUnreferencedFiles() {
        if (fileCandidates.isEmpty()) return;
        try {
            db.exec("BEGIN IMMEDIATE");
        } catch (SQLException e) {
            log.warn("store writer: cannot lock to delete {} unreferenced blob files; the next open sweeps them", fileCandidates.size(), e);
            fileCandidates.clear();
            return;
        }
        try {
            for (String sha : fileCandidates) {
                if (!db.exists("SELECT 1 FROM blob WHERE sha256 = ? AND in_file = 1", sha)) files.delete(sha);
            }
        } catch (SQLException | IOException e) {
            log.warn("store writer: deleting unreferenced blob files failed; the next open sweeps them", e);
        } finally {
            fileCandidates.clear();
            try { db.exec("ROLLBACK"); } catch (SQLException ignored) { /* it wrote nothing */ }
        }
    }

    private void publish(StoreEvent event) {
        for (StoreListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("store listener {} failed on {}", l, event, e);
            }
        }
    }

    /** Stops accepting operations, lets the writer finish everything queued, then stops it. */
    @Override
    public void close() {
        gate.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            queue.add(STOP);
        } finally {
            gate.writeLock().unlock();
        }
        if (Thread.currentThread() != thread) joinUninterruptibly(thread);
        // A gauge holds its object; the next instance on this registry registers its own.
        registry.remove(queueGauge);
    }

    /** Waits for {@code t} to end whatever interrupts come meanwhile; the interrupt is kept for the caller. */
    static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    boolean isWriterThread() {
        return Thread.currentThread() == thread;
    }
}
