package org.twinmail.protocol.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.net.AddressRange;

/**
 * Per-client connection limits of one service (Postfix's anvil): connections at once per
 * IPv4 address, per IPv4 /24 and per IPv6 /64, and new connections per minute per IPv4
 * address or IPv6 /64 as a token bucket. An IPv4-mapped IPv6 address counts as IPv4.
 * Clients in {@code limits.exemptNetworks} are not counted. Memory is bounded by the open
 * connections plus the rate buckets that are not yet full again (swept beyond
 * {@link #SWEEP_ABOVE} entries).
 */
public final class ClientLimits {
    /** Why a connection is refused; also the metric label. */
    public enum Refusal {
        PER_IP("per-ip"), PER_NETWORK("per-network"), RATE("rate"), BANNED("banned");

        private final String label;

        Refusal(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    static final int SWEEP_ABOVE = 10_000;

    private final int perIp;
    private final int perV4Net;
    private final int perV6Net;
    private final int perMinute;
    private final List<AddressRange> exempt;
    // IPv4 keys: the address with bit 40 set, the /24 with bit 41 set; IPv6 keys: the /64 prefix, in maps of their own.
    private final Map<Long, int[]> open4 = new HashMap<>();
    private final Map<Long, int[]> open6 = new HashMap<>();
    private final Map<Long, double[]> buckets4 = new HashMap<>(); // {tokens, last refill in nanos}
    private final Map<Long, double[]> buckets6 = new HashMap<>();

    private ClientLimits(int perIp, int perV4Net, int perV6Net, int perMinute, List<AddressRange> exempt) {
        this.perIp = perIp;
        this.perV4Net = perV4Net;
        this.perV6Net = perV6Net;
        this.perMinute = perMinute;
        this.exempt = List.copyOf(exempt);
    }

    /** @throws IllegalArgumentException for limits that cannot work, naming the setting */
    public static ClientLimits from(TwinmailConfig.Limits l) {
        if (l.maxConnectionsPerIp < 1) throw new IllegalArgumentException("limits.maxConnectionsPerIp must be at least 1");
        if (l.maxConnectionsPerIpv4Net < 1) throw new IllegalArgumentException("limits.maxConnectionsPerIpv4Net must be at least 1");
        if (l.maxConnectionsPerIpv6Net < 1) throw new IllegalArgumentException("limits.maxConnectionsPerIpv6Net must be at least 1");
        if (l.connectionsPerMinute < 0) throw new IllegalArgumentException("limits.connectionsPerMinute must not be negative");
        List<AddressRange> exempt;
        try {
            exempt = l.exemptNetworks.stream().map(AddressRange::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("limits.exemptNetworks: " + e.getMessage(), e);
        }
        return new ClientLimits(l.maxConnectionsPerIp, l.maxConnectionsPerIpv4Net, l.maxConnectionsPerIpv6Net,
                l.connectionsPerMinute, exempt);
    }

    /** No limits (embedders and tests of other things). */
    public static ClientLimits none() {
        return new ClientLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, 0, List.of());
    }

    /**
     * Counts a new connection from {@code client}, or refuses it. An admitted connection must
     * be {@link #release released} once.
     *
     * @return null when admitted, else why not (nothing is counted then)
     */
    public synchronized Refusal admit(InetAddress client) {
        if (isExempt(client)) return null;
        Keys k = keys(client);
        Map<Long, int[]> open = k.v4 ? open4 : open6;
        int[] ip = open.get(k.ip);
        int[] net = open.get(k.net);
        if (ip != null && ip[0] >= (k.v4 ? perIp : perV6Net)) return Refusal.PER_IP;
        if (k.v4 && net != null && net[0] >= perV4Net) return Refusal.PER_NETWORK;
        if (perMinute > 0 && !takeToken(k.v4 ? buckets4 : buckets6, k.ip)) return Refusal.RATE;
        open.computeIfAbsent(k.ip, x -> new int[1])[0]++;
        if (k.v4) open.computeIfAbsent(k.net, x -> new int[1])[0]++;
        return null;
    }

    /** Ends the count of a connection {@link #admit admitted} from {@code client}. */
    public synchronized void release(InetAddress client) {
        if (isExempt(client)) return;
        Keys k = keys(client);
        Map<Long, int[]> open = k.v4 ? open4 : open6;
        decrement(open, k.ip);
        if (k.v4) decrement(open, k.net);
    }

    /** Connections counted now for {@code client}'s address (its /64 for IPv6). */
    public synchronized int openFrom(InetAddress client) {
        Keys k = keys(client);
        int[] n = (k.v4 ? open4 : open6).get(k.ip);
        return n == null ? 0 : n[0];
    }

    private static void decrement(Map<Long, int[]> open, long key) {
        int[] n = open.get(key);
        if (n != null && --n[0] <= 0) open.remove(key);
    }

    private boolean takeToken(Map<Long, double[]> buckets, long key) {
        long now = System.nanoTime();
        if (buckets.size() > SWEEP_ABOVE) sweep(buckets, now);
        double[] b = buckets.computeIfAbsent(key, x -> new double[] {perMinute, now});
        refill(b, now);
        if (b[0] < 1) return false;
        b[0] -= 1;
        return true;
    }

    private void refill(double[] b, long now) {
        b[0] = Math.min(perMinute, b[0] + (now - (long) b[1]) * perMinute / 60e9);
        b[1] = now;
    }

    /** Drops the buckets that are full again: they would be created full. */
    private void sweep(Map<Long, double[]> buckets, long now) {
        buckets.values().removeIf(b -> {
            refill(b, now);
            return b[0] >= perMinute;
        });
    }

    private boolean isExempt(InetAddress client) {
        for (AddressRange r : exempt) if (r.contains(client)) return true;
        return false;
    }

    /** The map keys: the address (IPv4) or /64 (IPv6), and the /24 (IPv4; the /64 again for IPv6). */
    private record Keys(boolean v4, long ip, long net) { }

    private static Keys keys(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address && isV4Mapped(b)) b = java.util.Arrays.copyOfRange(b, 12, 16);
        if (b.length == 4) {
            long v = ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
            return new Keys(true, (1L << 40) | v, (2L << 40) | (v >>> 8));
        }
        long prefix = 0;
        for (int i = 0; i < 8; i++) prefix = (prefix << 8) | (b[i] & 0xffL);
        return new Keys(false, prefix, prefix);
    }

    private static boolean isV4Mapped(byte[] a) {
        if (a.length != 16) return false;
        for (int i = 0; i < 10; i++) if (a[i] != 0) return false;
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }
}
