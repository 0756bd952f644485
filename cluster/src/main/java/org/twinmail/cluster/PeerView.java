package org.twinmail.cluster;

/**
 * What this node knows of the peer's lease slot: the last record read and when (on this
 * node's monotonic clock) its sequence number last changed. The peer is alive while that
 * change is younger than the lease; a slot first seen counts as changed when first seen,
 * so a node that has just started waits a whole lease before it believes the peer gone.
 * Not thread-safe: owned by the lease thread, published through {@link #snapshot}.
 */
final class PeerView {
    private LeaseSlot last;
    private long changedAt;
    private boolean seen;
    private final long startedAt;

    PeerView(long now) {
        this.startedAt = now;
    }

    /** Records a read of the peer's slot at {@code now}. */
    void observe(LeaseSlot slot, long now) {
        if (last == null || slot.seq() != last.seq() || !slot.nodeId().equals(last.nodeId())) changedAt = now;
        last = slot;
        seen = true;
    }

    /** The peer's slot was read and found empty: never written. */
    void observeEmpty(long now) {
        seen = true;
    }

    /** Alive: the slot changed within the lease, or this node has not yet watched for a whole lease. */
    boolean alive(long now, long leaseNanos) {
        if (last == null) return now - startedAt < leaseNanos;
        return now - changedAt < leaseNanos;
    }

    /** Nanoseconds since the peer's slot last changed (or since this node started watching it). */
    long age(long now) {
        return now - (last == null ? startedAt : changedAt);
    }

    LeaseSlot last() {
        return last;
    }

    boolean seen() {
        return seen;
    }
}
