package org.twinmail.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.ConfigLoader;
import org.twinmail.core.config.TwinmailConfig;

class SettingsTest {

    @Test
    void timingsMustLeaveTheActiveOutBeforeTheLeaseExpiresAndToleratelateWrites() {
        assertThat(new Timings(Duration.ofMillis(200), Duration.ofSeconds(3), Duration.ofSeconds(1)).selfFenceNanos())
                .isEqualTo(2_000_000_000L);
        assertThatThrownBy(() -> new Timings(Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .hasMessageContaining("selfFenceMargin").hasMessageContaining("shorter than cluster.leaseTime");
        assertThatThrownBy(() -> new Timings(Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("three heartbeats");
        assertThatThrownBy(() -> new Timings(Duration.ZERO, Duration.ofSeconds(3), Duration.ofSeconds(1)))
                .hasMessageContaining("heartbeatInterval");
    }

    @Test
    void theClusterSectionParsesIntoSettings() {
        TwinmailConfig c = ConfigLoader.parse("""
                cluster:
                  nodeId: a
                  peerId: b
                  slot: 1
                  stateDir: /run/twinmail-a
                  leaseDevice: /dev/loop7
                  channels:
                    - "private 10.77.1.1:7946 10.77.1.2:7946"
                    - "public 10.77.0.1:7947 10.77.0.2:7947"
                  heartbeatInterval: 100ms
                  leaseTime: 2s
                  selfFenceMargin: 700ms
                  vip: 10.77.0.100/24
                  vipInterface: eth0
                  pingTargets: ["10.77.0.254"]
                """);
        ClusterSettings s = ClusterSettings.from(c);
        assertThat(s.slot()).isEqualTo(1);
        assertThat(s.peerSlot()).isEqualTo(0);
        assertThat(s.channels()).extracting(HeartbeatChannel::name).containsExactly("private", "public");
        assertThat(s.channels().get(1).peer().getPort()).isEqualTo(7947);
        assertThat(s.timings().selfFenceNanos()).isEqualTo(1_300_000_000L);
        assertThat(s.pingTargets()).containsExactly("10.77.0.254");
    }

    @Test
    void aPairNeedsTwoChannelsTwoNamesAndALeaseArea() {
        TwinmailConfig c = new TwinmailConfig();
        c.cluster.nodeId = "a";
        c.cluster.peerId = "b";
        c.cluster.stateDir = "/tmp/x";
        c.cluster.leaseDevice = "/tmp/lease";
        c.cluster.channels = List.of("private 127.0.0.1:1 127.0.0.1:2");
        assertThatThrownBy(() -> ClusterSettings.from(c)).hasMessageContaining("at least two heartbeat channels");
        c.cluster.channels = List.of("private 127.0.0.1:1 127.0.0.1:2", "public 127.0.0.1:3");
        assertThatThrownBy(() -> ClusterSettings.from(c)).hasMessageContaining("name bindHost:port peerHost:port");
        c.cluster.channels = List.of("private 127.0.0.1:1 127.0.0.1:2", "public 127.0.0.1:3 127.0.0.1:4");
        c.cluster.peerId = "a";
        assertThatThrownBy(() -> ClusterSettings.from(c)).hasMessageContaining("must differ");
        c.cluster.peerId = "b";
        c.cluster.leaseDevice = "";
        assertThatThrownBy(() -> ClusterSettings.from(c)).hasMessageContaining("leaseDevice");
        c.cluster.leaseDevice = "/tmp/lease";
        c.cluster.slot = 2;
        assertThatThrownBy(() -> ClusterSettings.from(c)).hasMessageContaining("cluster.slot");
        c.cluster.slot = 0;
        // a peer reported off is fenced before its volume is mounted: the status query alone is not enough
        c.cluster.fenceStatusCommand = "fence_ipmilan -a bmc-b -l admin -p secret -o status";
        assertThatThrownBy(() -> ClusterSettings.from(c)).hasMessageContaining("fenceStatusCommand needs cluster.fenceCommand");
        c.cluster.fenceCommand = "fence_ipmilan -a bmc-b -l admin -p secret -o off";
        assertThat(ClusterSettings.from(c).fenceStatusCommand()).isEqualTo("fence_ipmilan -a bmc-b -l admin -p secret -o status");
    }
}
