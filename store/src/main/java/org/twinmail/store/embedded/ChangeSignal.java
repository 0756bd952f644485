package org.twinmail.store.embedded;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.twinmail.store.StoreException;

/**
 * The newest committed change-log position, and a wait for it to pass a given one. The
 * writer calls {@link #committed} after every commit that appended changes; waiting
 * threads (virtual ones too) park on a condition, so nobody polls.
 */
final class ChangeSignal {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long last;
    private boolean closed;

    ChangeSignal(long last) {
        this.last = last;
    }

    void committed(long position) {
        lock.lock();
        try {
            if (position > last) {
                last = position;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    long await(long afterPosition, Duration timeout) throws InterruptedException {
        long nanos = timeout.isNegative() ? 0 : timeout.toNanos();
        lock.lock();
        try {
            while (last <= afterPosition && !closed && nanos > 0) nanos = changed.awaitNanos(nanos);
            if (closed) throw new StoreException.Unavailable("store is closed", null);
            return last;
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
