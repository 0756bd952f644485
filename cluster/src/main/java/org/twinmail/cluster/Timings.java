package org.twinmail.cluster;

import java.time.Duration;

/**
 * The three numbers the pair's safety rests on, checked together.
 *
 * <p>The active renews its slot every {@code interval}. The standby declares the lease
 * expired when it has seen no change of the active's slot for {@code lease} on its own
 * monotonic clock; since it can only see a write after the write began, that moment is
 * at least {@code lease} after the start of the active's last successful renewal. The
 * active stops serving and drops the VIP once {@code lease - margin} has passed since
 * the start of its last successful renewal. So the active is out at least
 * {@code margin} before the standby may take over; the margin has to cover the time to
 * drop the VIP and stop the listeners, scheduling delay of the watchdog thread and the
 * rate difference of two monotonic clocks (ppm, negligible at seconds). A renewal is
 * allowed to be late {@code lease - margin - interval} before that happens, which must
 * leave room for several missed writes, or one slow write would fence a healthy node.
 */
public record Timings(Duration interval, Duration lease, Duration margin) {
    public Timings {
        if (interval.isNegative() || interval.isZero()) throw new IllegalArgumentException("cluster.heartbeatInterval must be positive");
        if (margin.isNegative() || margin.isZero()) throw new IllegalArgumentException("cluster.selfFenceMargin must be positive");
        if (margin.compareTo(lease) >= 0) throw new IllegalArgumentException("cluster.selfFenceMargin (" + margin.toMillis()
                + " ms) must be shorter than cluster.leaseTime (" + lease.toMillis() + " ms)");
        if (lease.minus(margin).compareTo(interval.multipliedBy(3)) < 0) throw new IllegalArgumentException(
                "cluster.leaseTime minus cluster.selfFenceMargin (" + lease.minus(margin).toMillis() + " ms) must allow at least"
                        + " three heartbeats of cluster.heartbeatInterval (" + interval.toMillis() + " ms), or one late write fences a healthy node");
    }

    long intervalNanos() {
        return interval.toNanos();
    }

    long leaseNanos() {
        return lease.toNanos();
    }

    /** Time since the last successful renewal after which the active fences itself. */
    long selfFenceNanos() {
        return lease.minus(margin).toNanos();
    }
}
