package org.twinmail.relay.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * When to try again after a temporary failure, and when to give up.
 *
 * <p>The n-th failed attempt of a recipient waits {@code delays[n-1]}; once the list is
 * used up its last entry repeats (the default 5m, 10m, 20m, 40m, 1h, 2h, 4h roughly doubles
 * like Postfix's minimal/maximal_backoff_time, then settles at four hours). A recipient that
 * is still not delivered {@code maxLifetime} after its message arrived is bounced at its next
 * failure; its last retry is pulled in to that moment, so the bounce is not late by up to a
 * whole interval. Once, after {@code delayWarning}, the sender is told the mail is delayed.
 */
public record RetrySchedule(List<Duration> delays, Duration maxLifetime, Duration delayWarning) {
    public RetrySchedule {
        delays = List.copyOf(delays);
        if (delays.isEmpty()) throw new IllegalArgumentException("relay.retrySchedule needs at least one interval");
        for (Duration d : delays) {
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("relay.retrySchedule intervals must be positive");
        }
        if (maxLifetime.isNegative()) throw new IllegalArgumentException("relay.maxQueueLifetime must not be negative");
        if (delayWarning.isNegative()) throw new IllegalArgumentException("relay.delayWarningTime must not be negative");
    }

    /** The wait after a recipient's {@code failedAttempts}-th failure (1 for the first). */
    public Duration delayAfter(int failedAttempts) {
        int i = Math.max(0, Math.min(failedAttempts, delays.size()) - 1);
        return delays.get(i);
    }

    /** Next attempt after a failure at {@code now}: the schedule's delay, but never after expiry. */
    public Instant nextAttempt(Instant arrival, Instant now, int failedAttempts) {
        Instant next = now.plus(delayAfter(failedAttempts));
        Instant expiry = expiry(arrival);
        return next.isAfter(expiry) && now.isBefore(expiry) ? expiry : next;
    }

    public Instant expiry(Instant arrival) {
        return arrival.plus(maxLifetime);
    }

    /** True when a temporary failure at {@code now} should become a bounce. */
    public boolean expired(Instant arrival, Instant now) {
        return !now.isBefore(expiry(arrival));
    }

    /** True when a recipient deferred at {@code now} is due its (one) delay warning. */
    public boolean warnNow(Instant arrival, Instant now, boolean alreadyWarned) {
        return !alreadyWarned && !delayWarning.isZero() && !now.isBefore(arrival.plus(delayWarning));
    }
}
