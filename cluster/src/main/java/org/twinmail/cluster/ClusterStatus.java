package org.twinmail.cluster;

import java.util.List;

/**
 * A snapshot of the node as {@code twinmail cluster status} shows it.
 *
 * @param leaseAgeMillis   time since the start of this node's last successful lease write
 * @param peerLeaseAgeMillis time since the peer's slot last changed, on this node's clock
 * @param peerRole  the peer's role from its slot ({@code null}: slot never written or unreadable)
 * @param vipHolder who holds the VIP: this node, the peer, or nobody (as far as the lease says)
 * @param pingTargets what this node pings to tell whether clients can reach it (configured, or the VIP interface's gateways)
 */
public record ClusterStatus(String nodeId, int slot, Role role, long epoch, long leaseAgeMillis, boolean leaseDirect,
                            String peerId, Role peerRole, long peerEpoch, long peerLeaseAgeMillis, boolean peerAlive,
                            List<ChannelStatus> channels, String vip, String vipHolder, boolean publicOk, List<String> pingTargets,
                            long takeovers, long selfFences, long releases, String lastEvent) {

    /**
     * One heartbeat channel: milliseconds since the peer was last heard there ({@code -1}: never); whether
     * datagrams are authenticated, and how many were dropped as unauthenticated or replayed.
     */
    public record ChannelStatus(String name, String peer, boolean up, long lastHeardMillis, long received, long sent,
                                boolean authenticated, long unauthenticated, long replayed) {}

    /** The text {@code twinmail cluster status} prints. */
    public String render() {
        StringBuilder b = new StringBuilder();
        line(b, "node", nodeId + " (slot " + slot + ")");
        line(b, "role", role.name());
        line(b, "epoch", Long.toString(epoch));
        line(b, "lease age", leaseAgeMillis + " ms" + (leaseDirect ? "" : " (buffered I/O: direct I/O was refused)"));
        line(b, "peer", peerId + " " + (peerRole == null ? "unknown (no slot written)" : peerRole.name() + " at epoch " + peerEpoch)
                + ", disk heartbeat " + peerLeaseAgeMillis + " ms ago" + (peerAlive ? "" : " (lease expired)"));
        for (ChannelStatus c : channels) {
            line(b, "heartbeat " + c.name(), (c.up() ? "up" : "DOWN") + ", last heard "
                    + (c.lastHeardMillis() < 0 ? "never" : c.lastHeardMillis() + " ms ago") + " from " + c.peer()
                    + " (" + c.received() + " received, " + c.sent() + " sent"
                    + (c.authenticated() ? ", HMAC, dropped " + c.unauthenticated() + " unauthenticated, " + c.replayed() + " replayed"
                            : ", NOT authenticated") + ")");
        }
        line(b, "vip", vip.isEmpty() ? "none configured" : vip + ", held by " + vipHolder);
        line(b, "public network", (publicOk ? "reachable" : "UNREACHABLE")
                + (pingTargets.isEmpty() ? " (no ping targets: not checked)" : ", pinging " + String.join(", ", pingTargets)));
        line(b, "takeovers", Long.toString(takeovers));
        line(b, "self-fences", Long.toString(selfFences));
        line(b, "handovers", Long.toString(releases));
        line(b, "last event", lastEvent);
        return b.toString();
    }

    private static void line(StringBuilder b, String key, String value) {
        b.append(String.format("%-18s %s%n", key + ":", value));
    }
}
