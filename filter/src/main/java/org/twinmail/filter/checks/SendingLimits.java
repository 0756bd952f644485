package org.twinmail.filter.checks;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Messages each user submitted in the last {@code window}, shared by every submission session
 * of this node: a sliding window of send times per account, so a stolen password can send at
 * most {@code submission.maxMessagesPerHour} messages per {@code submission.sendingLimitWindow}
 * (an hour by default). In memory: a restart forgets it, which costs at most one more window's worth.
 *
 * <p>The check (at MAIL) and the count (after delivery) are separate, so sessions of the same
 * user running in parallel can overshoot by at most their number; holding a slot across DATA
 * would let a client that never finishes block the user's own later mail.
 */
public final class SendingLimits {
    private final int maxPerWindow;
    private final Duration window;
    private final LongSupplier clock;
    private final Map<Long, ArrayDeque<Long>> sent = new ConcurrentHashMap<>();

    public SendingLimits(int maxPerWindow, Duration window) {
        this(maxPerWindow, window, System::nanoTime);
    }

    SendingLimits(int maxPerWindow, Duration window, LongSupplier nanoClock) {
        if (maxPerWindow < 1) throw new IllegalArgumentException("submission.maxMessagesPerHour must be at least 1");
        if (window.isNegative() || window.isZero()) throw new IllegalArgumentException("submission.sendingLimitWindow must be positive");
        this.maxPerWindow = maxPerWindow;
        this.window = window;
        this.clock = nanoClock;
    }

    int maxPerWindow() {
        return maxPerWindow;
    }

    Duration window() {
        return window;
    }

    /** True if the account may start another message now. */
    boolean mayStart(long accountId) {
        ArrayDeque<Long> times = sent.get(accountId);
        if (times == null) return true;
        synchronized (times) {
            expire(times);
            return times.size() < maxPerWindow;
        }
    }

    /** Counts one message the account has sent. */
    void sent(long accountId) {
        ArrayDeque<Long> times = sent.computeIfAbsent(accountId, id -> new ArrayDeque<>());
        synchronized (times) {
            expire(times);
            times.addLast(clock.getAsLong());
        }
    }

    private void expire(ArrayDeque<Long> times) {
        long cutoff = clock.getAsLong() - window.toNanos();
        while (!times.isEmpty() && times.peekFirst() - cutoff <= 0) times.removeFirst();
    }
}
