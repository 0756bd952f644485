package org.twinmail.cluster;

/**
 * One change of this node's role, as the admin API's failover history shows it.
 *
 * @param timeMillis wall-clock time of the event (epoch milliseconds)
 * @param kind       {@code takeover}, {@code handover}, {@code self-fence} or {@code abandoned}
 * @param epoch      the epoch it happened at
 * @param millis     for a takeover: from the decision to serving; else 0
 * @param reason     why, in one line (the same words as the log line)
 */
public record ClusterEvent(long timeMillis, String kind, long epoch, long millis, String reason) {
}
