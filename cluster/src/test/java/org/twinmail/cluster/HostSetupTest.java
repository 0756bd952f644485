package org.twinmail.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostSetupTest {
    @TempDir
    Path dir;

    /** /proc/net/route as the kernel writes it on a little-endian machine: 10.77.0.254 is FE004D0A. */
    private static final String ROUTES = """
            Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
            eth1\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
            eth0\t00000000\tFE004D0A\t0003\t0\t0\t0\t00000000\t0\t0\t0
            eth0\t00004D0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
            eth0\t00000000\tFD004D0A\t0003\t0\t0\t100\t00000000\t0\t0\t0
            """;

    private static final String ROUTES6 = """
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0
            fd770000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd770000000000000000000000000001 00000400 00000001 00000000 00000003     eth1
            """;

    @Test
    void theDefaultGatewaysOfTheInterfaceAreFound() {
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            assertThat(HostSetup.ipv4Gateways(ROUTES, "eth0")).containsExactly("10.77.0.254", "10.77.0.253");
            assertThat(HostSetup.ipv4Gateways(ROUTES, "eth1")).containsExactly("192.168.1.1");
        }
        assertThat(HostSetup.ipv4Gateways(ROUTES, "eth2")).isEmpty();
        assertThat(HostSetup.ipv6Gateways(ROUTES6, "eth0")).containsExactly("fe80:0:0:0:0:0:0:1%eth0");
        assertThat(HostSetup.ipv6Gateways(ROUTES6, "eth1")).containsExactly("fd77:0:0:0:0:0:0:1");
    }

    @Test
    void emptyPingTargetsBecomeTheGatewaysOfTheVipsInterface() throws IOException {
        Path bin = tools("ip", "arping");
        ClusterSettings s = HostSetup.prepare(settings("10.77.0.100/24", List.of()), new HostSetup.Host(bin.toString(), ROUTES, "", dir));
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) assertThat(s.pingTargets()).containsExactly("10.77.0.254", "10.77.0.253");
        // configured targets are kept
        assertThat(HostSetup.prepare(settings("10.77.0.100/24", List.of("10.77.0.9")), new HostSetup.Host(bin.toString(), ROUTES, "", dir))
                .pingTargets()).containsExactly("10.77.0.9");
    }

    @Test
    void aPairWithAVipRefusesToStartWithoutAGatewayOrArpingAndSaysWhichPackage() throws IOException {
        Path onlyIp = tools("ip");
        assertThatThrownBy(() -> HostSetup.prepare(settings("10.77.0.100/24", List.of()), new HostSetup.Host(onlyIp.toString(), "", "", dir)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("arping is not on the PATH (Debian package iputils-arping)")
                .hasMessageContaining("no default gateway").hasMessageContaining("cluster.pingTargets")
                .hasMessageNotContaining("iproute2");
        assertThatThrownBy(() -> HostSetup.prepare(settings("10.77.0.100/24", List.of("10.77.0.254")), new HostSetup.Host("", ROUTES, "", dir)))
                .hasMessageContaining("ip is not on the PATH (Debian package iproute2)");
        // no VIP (a load balancer in front): nothing to move, nothing required
        assertThat(HostSetup.prepare(settings("", List.of()), new HostSetup.Host("", "", "", dir)).pingTargets()).isEmpty();
    }

    @Test
    void anIpv6VipNeedsTheKernelsUnsolicitedNeighbourAdvertisementNotArping() throws IOException {
        Path onlyIp = tools("ip");
        HostSetup.Host host = new HostSetup.Host(onlyIp.toString(), "", ROUTES6, dir);
        assertThatThrownBy(() -> HostSetup.prepare(settings("fd77::100/64", List.of()), host))
                .hasMessageContaining("ndisc_notify").hasMessageNotContaining("arping");
        Path conf = Files.createDirectories(dir.resolve("net/ipv6/conf/eth0"));
        Files.writeString(conf.resolve("ndisc_notify"), "1\n");
        assertThat(HostSetup.prepare(settings("fd77::100/64", List.of()), host).pingTargets()).containsExactly("fe80:0:0:0:0:0:0:1%eth0");
    }

    private Path tools(String... names) throws IOException {
        Path bin = Files.createTempDirectory(dir, "bin");
        for (String n : names) {
            Path f = Files.writeString(bin.resolve(n), "#!/bin/sh\n");
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }

    private ClusterSettings settings(String vip, List<String> pingTargets) {
        List<HeartbeatChannel> channels = List.of(
                new HeartbeatChannel("private", new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("127.0.0.1", 2)),
                new HeartbeatChannel("public", new InetSocketAddress("127.0.0.1", 3), new InetSocketAddress("127.0.0.1", 4)));
        return new ClusterSettings("a", "b", 0, dir.resolve("state"), dir.resolve("lease"), channels,
                new Timings(Duration.ofMillis(200), Duration.ofSeconds(3), Duration.ofSeconds(1)), "", "", "", Duration.ofSeconds(5),
                vip, "eth0", false, Duration.ofSeconds(1), Duration.ofSeconds(2), 3, pingTargets, null, "");
    }
}
