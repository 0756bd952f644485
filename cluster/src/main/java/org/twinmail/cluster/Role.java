package org.twinmail.cluster;

/**
 * What a node of the pair is doing, as it writes it into its lease slot each heartbeat.
 * A peer that is alive in CLAIMING, ACTIVE or RELEASING {@link #holdsVolume holds the
 * shared volume}, so the other node must not take over; FENCED means the node stopped
 * serving on its own but may not have unmounted, so a takeover runs the fence command.
 */
public enum Role {
    /** Not serving; ready to take over. */
    STANDBY,
    /** Taking over: epoch raised, hooks, store and services starting. */
    CLAIMING,
    /** Serving: store open under the lease's epoch, VIP held. */
    ACTIVE,
    /** Handing over: VIP dropped, services and store stopping, then the release hook. */
    RELEASING,
    /** Stopped serving because it could not renew the lease (or lost it); release not confirmed. */
    FENCED;

    /** True for roles in which the node may have the volume mounted and the store open. */
    public boolean holdsVolume() {
        return this == CLAIMING || this == ACTIVE || this == RELEASING;
    }

    static Role of(int code) {
        Role[] all = values();
        if (code < 0 || code >= all.length) throw new IllegalArgumentException("unknown role code " + code);
        return all[code];
    }
}
