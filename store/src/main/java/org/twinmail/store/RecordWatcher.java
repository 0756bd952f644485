package org.twinmail.store;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an in-memory view of some {@link Records} kinds fresh: runs {@code reload} once at
 * start, then again after every change-log entry {@link Change.Kind#RECORD_CHANGED} of one of
 * those kinds (an admin rule added through the API or the CLI takes effect without a
 * restart). One virtual thread waits on {@link ChangeLog#awaitChange} (woken by the commit,
 * no polling); a reload that fails is logged and tried again at the next change or after
 * {@link #RETRY}. The view is as fresh as the writer's commits; changes made through another
 * store instance are seen at the latest after {@link #RETRY}.
 */
public final class RecordWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordWatcher.class);
    static final Duration RETRY = Duration.ofSeconds(10);
    private static final int BATCH = 1000;

    private final ChangeLog changes;
    private final Set<String> kinds;
    private final Runnable reload;
    private final String name;
    private final Thread thread;
    private volatile boolean closed;
    /** The change-log position the view reflects (every change up to it reloaded). */
    private long current;
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
    private final java.util.concurrent.locks.Condition advanced = lock.newCondition();

    private RecordWatcher(ChangeLog changes, Set<String> kinds, Runnable reload, String name) {
        this.changes = changes;
        this.kinds = Set.copyOf(kinds);
        this.reload = reload;
        this.name = name;
        long from = changes.lastChangePosition();
        this.current = from;
        reload.run(); // the view is complete before the first use; a change during it triggers another reload
        this.thread = Thread.ofVirtual().name("records-" + name).start(() -> loop(from));
    }

    /** Loads the view now and keeps it fresh until {@link #close()}. */
    public static RecordWatcher start(ChangeLog changes, Set<String> kinds, Runnable reload, String name) {
        return new RecordWatcher(changes, kinds, reload, name);
    }

    private void loop(long from) {
        long position = from;
        boolean dirty = false;
        while (!closed) {
            try {
                if (!dirty && changes.awaitChange(position, RETRY) <= position) continue;
                List<Change> batch = changes.changesSince(position, BATCH);
                for (Change c : batch) {
                    if (c.kind() == Change.Kind.RECORD_CHANGED && kinds.contains(kindOf(c.detail()))) dirty = true;
                    position = c.position();
                }
                if (dirty && batch.size() < BATCH) {
                    reload.run();
                    dirty = false;
                }
                if (!dirty) advanceTo(position);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed) return;
                log.warn("records {}: reload failed, kept the previous view: {}", name, e.toString());
                dirty = true;
                try {
                    Thread.sleep(RETRY);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void advanceTo(long position) {
        lock.lock();
        try {
            if (position > current) {
                current = position;
                advanced.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the view reflects every change committed through this store instance before
     * the call (read-your-writes: a rule or script written just before is in the view), at most
     * {@code max}; false when it does not yet (the caller then reads the store itself). Costs no
     * store read: the newest position is the writer's in-memory signal, and while nothing
     * changed it returns at once.
     */
    public boolean awaitCurrent(Duration max) {
        try {
            long target = changes.awaitChange(Long.MAX_VALUE, Duration.ZERO); // the newest position, no wait
            long nanos = max.toNanos();
            lock.lock();
            try {
                while (current < target && nanos > 0 && !closed) nanos = advanced.awaitNanos(nanos);
                return current >= target;
            } finally {
                lock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String kindOf(String detail) {
        int tab = detail == null ? -1 : detail.indexOf('\t');
        return tab < 0 ? "" : detail.substring(0, tab);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
