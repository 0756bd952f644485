package org.twinmail.cluster;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a pair node needs from its machine, checked once at start-up, before anything
 * else runs, so that a setup cannot be wrong silently and fail only at a takeover.
 *
 * <ul>
 *   <li>With a VIP: {@code ip} (Debian package iproute2) to move it; for an IPv4 VIP
 *       {@code arping} (iputils-arping, not installed by default) for the gratuitous ARP
 *       that makes clients follow at once (without it they keep the old MAC for 23-53 s;
 *       Java cannot send raw ARP); for an IPv6 VIP the kernel's own unsolicited neighbour
 *       advertisement, which it sends after adding the address only with
 *       {@code net.ipv6.conf.IF.ndisc_notify=1}.</li>
 *   <li>Ping targets: with {@code cluster.pingTargets} empty, the default gateway(s) of the
 *       VIP's interface ({@code /proc/net/route}, {@code /proc/net/ipv6_route}); a pair
 *       with a VIP and no gateway to ping cannot tell that it is cut off from its clients,
 *       and refuses to start.</li>
 * </ul>
 */
public final class HostSetup {
    private static final int RTF_UP = 0x1;
    private static final int RTF_GATEWAY = 0x2;

    private HostSetup() {}

    /** The machine as seen by the checks; {@link #system()} reads the real one. */
    public record Host(String path, String ipv4Routes, String ipv6Routes, Path procSys) {}

    public static Host system() {
        return new Host(System.getenv().getOrDefault("PATH", ""), read(Path.of("/proc/net/route")),
                read(Path.of("/proc/net/ipv6_route")), Path.of("/proc/sys"));
    }

    /**
     * The settings to run with (ping targets filled in from the gateways when none are
     * configured), or an {@link IllegalStateException} that says what is missing and how
     * to get it.
     */
    public static ClusterSettings prepare(ClusterSettings s, Host host) {
        if (s.vip().isEmpty()) return s; // no address to move: a load balancer in front decides from /health
        boolean v6 = s.vip().contains(":");
        List<String> problems = new ArrayList<>();
        if (!onPath("ip", host.path())) problems.add("the command ip is not on the PATH (Debian package iproute2): it moves the VIP");
        if (!v6 && !onPath("arping", host.path())) {
            problems.add("the command arping is not on the PATH (Debian package iputils-arping): after a takeover it announces the VIP"
                    + " with gratuitous ARP, without which clients keep the old node's MAC address for 23-53 s");
        }
        if (v6) {
            String iface = read(host.procSys().resolve("net/ipv6/conf/" + s.vipInterface() + "/ndisc_notify")).strip();
            String all = read(host.procSys().resolve("net/ipv6/conf/all/ndisc_notify")).strip();
            if (!iface.equals("1") && !all.equals("1")) {
                problems.add("net.ipv6.conf." + s.vipInterface() + ".ndisc_notify is not 1: the kernel then sends no unsolicited neighbour"
                        + " advertisement when the VIP is added, and clients keep the old node's MAC address; set it"
                        + " (sysctl -w net.ipv6.conf." + s.vipInterface() + ".ndisc_notify=1, and in /etc/sysctl.d/)");
            }
        }
        ClusterSettings out = s;
        if (s.pingTargets().isEmpty()) {
            List<String> gateways = v6 ? ipv6Gateways(host.ipv6Routes(), s.vipInterface()) : ipv4Gateways(host.ipv4Routes(), s.vipInterface());
            if (gateways.isEmpty()) {
                problems.add("cluster.pingTargets is empty and the VIP's interface " + s.vipInterface() + " has no default gateway"
                        + " (" + (v6 ? "ip -6 route" : "ip route") + "): a node cut off from its clients could not tell; add a default"
                        + " route on " + s.vipInterface() + " or name hosts on the public network in cluster.pingTargets");
            } else {
                out = s.withPingTargets(gateways);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("this machine cannot run a node of the pair: " + String.join("; ", problems));
        }
        return out;
    }

    static boolean onPath(String command, String path) {
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, command);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return true;
        }
        return false;
    }

    /** Gateways of the default routes on {@code iface} from {@code /proc/net/route} (addresses in the kernel's byte order). */
    static List<String> ipv4Gateways(String table, String iface) {
        Set<String> out = new LinkedHashSet<>();
        for (String line : table.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 8 || !f[0].equals(iface)) continue;
            try {
                int dest = (int) Long.parseLong(f[1], 16);
                int gw = (int) Long.parseLong(f[2], 16);
                int flags = Integer.parseInt(f[3], 16);
                int mask = (int) Long.parseLong(f[7], 16);
                if (dest != 0 || mask != 0 || gw == 0 || (flags & (RTF_UP | RTF_GATEWAY)) != (RTF_UP | RTF_GATEWAY)) continue;
                byte[] b = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(gw).array();
                out.add((b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff));
            } catch (NumberFormatException e) {
                // the header line
            }
        }
        return List.copyOf(out);
    }

    /** Next hops of the default routes on {@code iface} from {@code /proc/net/ipv6_route}; link-local ones carry the scope. */
    static List<String> ipv6Gateways(String table, String iface) {
        Set<String> out = new LinkedHashSet<>();
        for (String line : table.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 10 || !f[9].equals(iface)) continue;
            if (!f[0].matches("0{32}") || !f[1].equals("00") || f[4].matches("0{32}")) continue;
            int flags;
            try {
                flags = Integer.parseInt(f[8], 16);
            } catch (NumberFormatException e) {
                continue;
            }
            if ((flags & (RTF_UP | RTF_GATEWAY)) != (RTF_UP | RTF_GATEWAY)) continue;
            byte[] a = HexFormat.of().parseHex(f[4]);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 16; i += 2) {
                if (i > 0) b.append(':');
                b.append(Integer.toHexString(((a[i] & 0xff) << 8) | (a[i + 1] & 0xff)));
            }
            String addr = b.toString();
            out.add((a[0] & 0xff) == 0xfe && (a[1] & 0xc0) == 0x80 ? addr + "%" + iface : addr);
        }
        return List.copyOf(out);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
