package org.twinmail.cluster;

/**
 * Thrown by {@link ActiveServices#start} when the store has recorded a newer epoch than
 * the one the lease just granted (the lease area was re-created, for instance): the
 * takeover then claims an epoch above {@link #storedEpoch} and tries again.
 */
public final class EpochBehindException extends IllegalStateException {
    private final long storedEpoch;

    public EpochBehindException(long storedEpoch, long leaseEpoch) {
        super("the store is at epoch " + storedEpoch + ", above the lease's " + leaseEpoch);
        this.storedEpoch = storedEpoch;
    }

    public long storedEpoch() {
        return storedEpoch;
    }
}
