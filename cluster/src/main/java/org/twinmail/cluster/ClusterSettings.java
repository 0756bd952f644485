package org.twinmail.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.twinmail.core.config.TwinmailConfig;

/** The {@code cluster} configuration section, parsed and checked once at start-up. */
public record ClusterSettings(String nodeId, String peerId, int slot, Path stateDir, Path leaseDevice,
                              List<HeartbeatChannel> channels, Timings timings,
                              String acquireHook, String releaseHook, String fenceCommand, Duration hookTimeout,
                              String vip, String vipInterface, boolean failback,
                              Duration healthInterval, Duration healthTimeout, int healthFailures,
                              List<String> pingTargets, Path heartbeatSecretFile, String fenceStatusCommand) {

    public ClusterSettings {
        channels = List.copyOf(channels);
        pingTargets = List.copyOf(pingTargets);
        fenceStatusCommand = fenceStatusCommand == null ? "" : fenceStatusCommand.strip();
        if (!fenceStatusCommand.isEmpty() && (fenceCommand == null || fenceCommand.isBlank())) {
            throw new IllegalArgumentException("cluster.fenceStatusCommand needs cluster.fenceCommand: a peer reported off is fenced before"
                    + " its volume is mounted, so that it stays off");
        }
        if (nodeId.isBlank() || peerId.isBlank()) throw new IllegalArgumentException("cluster.nodeId and cluster.peerId must both be set");
        if (nodeId.equals(peerId)) throw new IllegalArgumentException("cluster.nodeId and cluster.peerId must differ (both are \"" + nodeId + "\")");
        if (slot != 0 && slot != 1) throw new IllegalArgumentException("cluster.slot must be 0 or 1, not " + slot);
        if (leaseDevice == null) throw new IllegalArgumentException("cluster.leaseDevice must name the shared lease area");
        if (stateDir == null) throw new IllegalArgumentException("cluster.stateDir must name a node-local directory");
        if (channels.size() < 2) throw new IllegalArgumentException("cluster.channels needs at least two heartbeat channels (the private link and the public network), not " + channels.size());
        if (healthFailures < 1) throw new IllegalArgumentException("cluster.healthFailures must be at least 1");
        if (healthTimeout.isNegative() || healthTimeout.isZero()) throw new IllegalArgumentException("cluster.healthTimeout must be positive");
    }

    /** The same settings with {@code targets} as the ping targets (the gateways found when none were configured). */
    public ClusterSettings withPingTargets(List<String> targets) {
        return new ClusterSettings(nodeId, peerId, slot, stateDir, leaseDevice, channels, timings, acquireHook, releaseHook,
                fenceCommand, hookTimeout, vip, vipInterface, failback, healthInterval, healthTimeout, healthFailures, targets,
                heartbeatSecretFile, fenceStatusCommand);
    }

    public int peerSlot() {
        return 1 - slot;
    }

    public static ClusterSettings from(TwinmailConfig config) {
        TwinmailConfig.Cluster c = config.cluster;
        return new ClusterSettings(c.nodeId.strip(), c.peerId.strip(), c.slot,
                blank(c.stateDir) ? null : Path.of(c.stateDir).toAbsolutePath().normalize(),
                blank(c.leaseDevice) ? null : Path.of(c.leaseDevice),
                c.channels.stream().map(HeartbeatChannel::parse).toList(),
                new Timings(c.heartbeatInterval, c.leaseTime, c.selfFenceMargin),
                c.acquireHook, c.releaseHook, c.fenceCommand, c.hookTimeout,
                c.vip.strip(), c.vipInterface.strip(), c.failback,
                c.healthInterval, c.healthTimeout, c.healthFailures, c.pingTargets,
                blank(c.heartbeatSecretFile) ? null : Path.of(c.heartbeatSecretFile), c.fenceStatusCommand);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
