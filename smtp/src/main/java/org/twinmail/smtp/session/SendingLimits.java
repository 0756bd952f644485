package org.twinmail.smtp.session;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Messages each user submitted in the last hour, shared by every submission session of this
 * node: a sliding window of send times per account, so a stolen password can send at most
 * {@code submission.maxMessagesPerHour} messages an hour. In memory: a restart forgets it,
 * which costs at most one more hour's worth.
 *
 * <p>The check (at MAIL) and the count (after delivery) are separate, so sessions of the same
 * user running in parallel can overshoot by at most their number; holding a slot across DATA
 * would let a client that never finishes block the user's own later mail.
 */
final class SendingLimits {
    static final Duration WINDOW = Duration.ofHours(1);

    private final int maxPerHour;
    private final LongSupplier clock;
    private final Map<Long, ArrayDeque<Long>> sent = new ConcurrentHashMap<>();

    SendingLimits(int maxPerHour) {
        this(maxPerHour, System::nanoTime);
    }

    SendingLimits(int maxPerHour, LongSupplier nanoClock) {
        this.maxPerHour = maxPerHour;
        this.clock = nanoClock;
    }

    int maxPerHour() {
        return maxPerHour;
    }

    /** True if the account may start another message now. */
    boolean mayStart(long accountId) {
        ArrayDeque<Long> times = sent.get(accountId);
        if (times == null) return true;
        synchronized (times) {
            expire(times);
            return times.size() < maxPerHour;
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
        long cutoff = clock.getAsLong() - WINDOW.toNanos();
        while (!times.isEmpty() && times.peekFirst() - cutoff <= 0) times.removeFirst();
    }
}
