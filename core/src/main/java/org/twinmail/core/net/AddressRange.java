package org.twinmail.core.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A block of IP addresses written as {@code address/prefix} ({@code 10.0.0.0/8},
 * {@code 2001:db8::/32}) or a single address. An IPv4 range also matches the
 * IPv4-mapped IPv6 form of its addresses ({@code ::ffff:10.1.2.3}), which is how a
 * dual-stack socket reports IPv4 clients.
 */
public final class AddressRange {
    // Only literals: a host name here would make every check depend on DNS.
    private static final Pattern LITERAL = Pattern.compile("(\\d{1,3}(\\.\\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)");

    private final byte[] network;
    private final int prefix;
    private final String text;

    private AddressRange(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /** @throws IllegalArgumentException with a message that names the bad text */
    public static AddressRange parse(String text) {
        String t = text == null ? "" : text.strip();
        int slash = t.indexOf('/');
        String addressPart = slash < 0 ? t : t.substring(0, slash);
        String v6 = addressPart.startsWith("[") && addressPart.endsWith("]")
                ? addressPart.substring(1, addressPart.length() - 1) : addressPart;
        if (!LITERAL.matcher(v6).matches()) {
            throw new IllegalArgumentException("not an IP address or address/prefix: \"" + text + "\"");
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(v6).getAddress(); // a literal: no DNS lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: \"" + text + "\"");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > bits) {
                throw new IllegalArgumentException("prefix length must be 0 to " + bits + ": \"" + text + "\"");
            }
            prefix = Integer.parseInt(p);
        }
        return new AddressRange(mask(bytes, prefix), prefix, t);
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length == 16 && network.length == 4 && isV4Mapped(a)) a = Arrays.copyOfRange(a, 12, 16);
        if (a.length != network.length) return false;
        return Arrays.equals(mask(a, prefix), network);
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) if (a[i] != 0) return false;
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] m = address.clone();
        for (int i = 0; i < m.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            m[i] &= (byte) (0xff << (8 - keep));
        }
        return m;
    }

    /** The prefix length (32 or 128 for a single address). */
    public int prefix() {
        return prefix;
    }

    /**
     * The range in one spelling whatever was written: the network address (host bits cleared)
     * in the JDK's form, with {@code /prefix} unless it is a single address
     * ({@code 192.0.2.0/24}, {@code 2001:db8:0:0:0:0:0:0/32}, {@code 192.0.2.7}).
     */
    public String canonical() {
        try {
            String a = InetAddress.getByAddress(network).getHostAddress();
            return prefix == network.length * 8 ? a : a + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes always make an address
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
