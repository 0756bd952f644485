package org.twinmail.store.embedded;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.twinmail.store.StoreException;

/**
 * Runs reads on a few platform threads, each with its own read-only connection.
 * SQLite JDBC is native code: run on a virtual thread it would pin the carrier
 * (two on this machine) for the whole query. Callers (virtual threads) submit and
 * park instead. In WAL mode these reads never wait for the writer.
 */
final class ReadPool implements AutoCloseable {

    @FunctionalInterface
    interface ReadOp<T> {
        T apply(Db db) throws SQLException;
    }

    private final Path file;
    private final int busyTimeoutMillis;
    private final ExecutorService executor;
    private final List<Db> connections = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Db> connection = new ThreadLocal<>();

    ReadPool(Path file, int threads, int busyTimeoutMillis) {
        this.file = file;
        this.busyTimeoutMillis = busyTimeoutMillis;
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> Thread.ofPlatform().name("twinmail-store-read-" + n.incrementAndGet()).daemon(true).unstarted(r);
        this.executor = Executors.newFixedThreadPool(threads, factory);
    }

    /**
     * Runs {@code op} in one read transaction, so all its queries see the same
     * committed state, and waits for the answer.
     */
    <T> T read(ReadOp<T> op) {
        CompletableFuture<T> future;
        try {
            future = CompletableFuture.supplyAsync(() -> runInTransaction(op), executor);
        } catch (RejectedExecutionException e) {
            throw new StoreException.Unavailable("store is closed", e);
        }
        return GroupCommitWriter.await(future);
    }

    private <T> T runInTransaction(ReadOp<T> op) {
        try {
            Db db = connection();
            db.exec("BEGIN");
            try {
                return op.apply(db);
            } finally {
                db.exec("ROLLBACK"); // ends the read snapshot; nothing was written
            }
        } catch (SQLException e) {
            throw StorageErrors.unavailable("store read failed", file, e);
        }
    }

    private Db connection() throws SQLException {
        Db db = connection.get();
        if (db == null) {
            db = Db.openReader(file, busyTimeoutMillis);
            connection.set(db);
            connections.add(db);
        }
        return db;
    }

    @Override
    public void close() {
        executor.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (executor.awaitTermination(1, TimeUnit.MINUTES)) break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        for (Db db : connections) db.close();
        connections.clear();
        if (interrupted) Thread.currentThread().interrupt();
    }
}
