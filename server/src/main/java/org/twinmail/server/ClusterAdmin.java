package org.twinmail.server;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations.ClusterInfo;
import org.twinmail.admin.AdminOperations.FailoverInfo;
import org.twinmail.admin.AdminOperations.HeartbeatInfo;
import org.twinmail.admin.AdminOperations.LeaseInfo;
import org.twinmail.admin.AdminOperations.ProbeInfo;
import org.twinmail.admin.AdminOperations.SwitchoverInfo;
import org.twinmail.admin.FailoverHistory;
import org.twinmail.cluster.ClusterEvent;
import org.twinmail.cluster.ClusterNode;
import org.twinmail.cluster.ClusterStatus;
import org.twinmail.cluster.ProbeState;
import org.twinmail.store.MailStore;

/**
 * What the admin API says of the pair ({@code GET /api/admin/cluster}) and its planned switchover
 * ({@code POST /api/admin/cluster/switchover}), answered on every node, the standby too (it has no
 * store: the failover history, kept in the store, then shows this node's own events only). A single
 * node answers with mode {@code single}. {@link #recordTakeover} writes each takeover into the store's
 * history from the node that took over, once it serves.
 */
final class ClusterAdmin {
    private static final Logger log = LoggerFactory.getLogger(ClusterAdmin.class);
    static final Duration SWITCHOVER_TIMEOUT = Duration.ofSeconds(60);
    static final int HISTORY_SHOWN = 50;

    private final String nodeName;
    private final ClusterNode node;
    /** The active node's store, or null while this node does not serve. */
    private final Supplier<MailStore> store;

    /** @param node the pair's cluster node, or null for a single node */
    ClusterAdmin(String nodeName, ClusterNode node, Supplier<MailStore> store) {
        this.nodeName = nodeName;
        this.node = node;
        this.store = store;
    }

    ClusterInfo status() {
        MailStore s = store.get();
        List<FailoverInfo> failovers = s == null ? List.of() : FailoverHistory.list(s, HISTORY_SHOWN);
        if (node == null) {
            return new ClusterInfo("single", nodeName, s == null ? "STOPPED" : "ACTIVE", s == null ? 0 : s.epoch(), null, null, 0, null,
                    List.of(), null, "", "", true, List.of(), "a single node: no peer, no lease, no switchover", failovers, List.of());
        }
        ClusterStatus c = node.status();
        long now = System.currentTimeMillis();
        List<HeartbeatInfo> beats = c.channels().stream().map(ch -> new HeartbeatInfo(ch.name(), ch.peer(), ch.up(),
                ch.lastHeardMillis() < 0 ? null : Instant.ofEpochMilli(now - ch.lastHeardMillis()).toString(), ch.lastHeardMillis(),
                ch.received(), ch.sent(), ch.authenticated())).toList();
        ProbeState p = node.probes();
        ProbeInfo probes = new ProbeInfo(p.timeMillis() == 0 ? null : Instant.ofEpochMilli(p.timeMillis()).toString(), p.failures().isEmpty(),
                p.failures(), p.failuresInARow(), p.allowed());
        List<FailoverInfo> events = node.events().reversed().stream().map(e -> info(c.nodeId(), e)).toList();
        return new ClusterInfo("pair", c.nodeId(), c.role().name(), c.epoch(), c.peerId(), c.peerRole() == null ? null : c.peerRole().name(),
                c.peerEpoch(), new LeaseInfo(c.leaseAgeMillis(), c.leaseDirect(), c.peerLeaseAgeMillis(), c.peerAlive()), beats, probes, c.vip(),
                c.vipHolder(), c.publicOk(), c.pingTargets(), c.lastEvent(), failovers, events);
    }

    SwitchoverInfo switchover() {
        if (node == null) throw new AdminException(AdminException.Kind.CONFLICT, "a single node has no standby to switch over to");
        try {
            return new SwitchoverInfo(node.switchover(SWITCHOVER_TIMEOUT));
        } catch (IllegalStateException e) {
            throw new AdminException(AdminException.Kind.CONFLICT, e.getMessage());
        }
    }

    /** Writes a takeover of this node into the store's failover history (it serves now, so it has the store). */
    void recordTakeover(ClusterEvent e) {
        if (node == null || !e.kind().equals("takeover")) return;
        MailStore s = store.get();
        if (s == null) return;
        try {
            FailoverHistory.record(s, info(node.status().nodeId(), e), System.currentTimeMillis());
        } catch (RuntimeException x) {
            log.warn("the takeover at epoch {} is not in the failover history: {}", e.epoch(), x.getMessage());
        }
    }

    private static FailoverInfo info(String nodeId, ClusterEvent e) {
        return new FailoverInfo(Instant.ofEpochMilli(e.timeMillis()).toString(), nodeId, e.kind(), e.epoch(), e.millis(), e.reason());
    }
}
