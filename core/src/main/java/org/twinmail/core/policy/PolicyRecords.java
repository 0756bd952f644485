package org.twinmail.core.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Locale;

/**
 * The administrator's policy as records of the store's {@code Records} role: the kinds, and
 * the one format of their values (UTF-8 JSON), read by the filter and written by the admin
 * operations, so it lives here where both can reach it.
 *
 * <table>
 *   <tr><th>kind</th><th>scope</th><th>name</th><th>value</th></tr>
 *   <tr><td>{@value #IP_RULE}</td><td>"" (global)</td><td>the range, {@link org.twinmail.core.net.AddressRange#canonical()}</td>
 *       <td>{@code {"action":"allow|deny","comment":"..."}}</td></tr>
 *   <tr><td>{@value #SENDER_RULE}</td><td>"", {@code domain:<d>} or {@code account:<id>}</td><td>{@link SenderPattern#text()}</td>
 *       <td>{@code {"action":"accept|reject|quarantine|junk|tag","comment":"..."}}</td></tr>
 *   <tr><td>{@value #BAN}</td><td>""</td><td>the client (an IPv4 address or an IPv6 /64)</td>
 *       <td>{@code {"level":n,"reason":"..."}}; the record's expiry is the ban's end</td></tr>
 * </table>
 * A record's expiry (0: never) is the rule's; expired records are ignored by readers.
 */
public final class PolicyRecords {
    public static final String IP_RULE = "rule.ip";
    public static final String SENDER_RULE = "rule.sender";
    public static final String BAN = "ban.ip";

    private static final ObjectMapper JSON = new ObjectMapper();

    private PolicyRecords() {
    }

    /** What an IP rule does at connect. */
    public enum IpAction { ALLOW, DENY }

    /**
     * What a sender rule does, strongest first when two rules of the same specificity match:
     * accept (allow-list: the spam checks after it are skipped), reject (550 5.7.1), quarantine
     * (held by the administrator's quarantine), junk (the recipients' Junk), tag (a header field).
     */
    public enum SenderAction { ACCEPT, REJECT, QUARANTINE, JUNK, TAG }

    public static <E extends Enum<E>> E action(Class<E> type, String text) {
        String t = text == null ? "" : text.strip().toUpperCase(Locale.ROOT);
        try {
            return Enum.valueOf(type, t);
        } catch (IllegalArgumentException e) {
            StringBuilder names = new StringBuilder();
            for (E c : type.getEnumConstants()) names.append(names.isEmpty() ? "" : ", ").append(c.name().toLowerCase(Locale.ROOT));
            throw new IllegalArgumentException("action must be one of " + names + ", not " + (text == null ? "nothing" : text.strip()));
        }
    }

    public static String name(Enum<?> action) {
        return action.name().toLowerCase(Locale.ROOT);
    }

    /** A rule's value: its action and comment. */
    public record RuleValue(String action, String comment) {
        public byte[] encode() {
            ObjectNode n = JSON.createObjectNode().put("action", action);
            if (comment != null && !comment.isEmpty()) n.put("comment", comment);
            return n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        /** @throws IllegalArgumentException for a value that is not one (never seen unless written by hand) */
        public static RuleValue decode(byte[] value) {
            try {
                JsonNode n = JSON.readTree(value);
                return new RuleValue(n.path("action").asText(""), n.path("comment").asText(""));
            } catch (IOException e) {
                throw new IllegalArgumentException("not a rule value: " + e.getMessage(), e);
            }
        }
    }

    /**
     * The client a ban names: an IPv4 address as text, or an IPv6 client's /64
     * ({@code 2001:db8:1:2::/64}, as one host may hold a whole /64); IPv4-mapped IPv6 as IPv4.
     */
    public static String banKey(java.net.InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 16 && isV4Mapped(b)) b = java.util.Arrays.copyOfRange(b, 12, 16);
        if (b.length == 4) return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
        StringBuilder t = new StringBuilder();
        for (int i = 0; i < 8; i += 2) t.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
        return t.append(":/64").toString();
    }

    /**
     * {@link #banKey(java.net.InetAddress)} of an address as the operator writes it (any IPv6
     * address of the /64, or the /64 itself); never a DNS lookup.
     *
     * @throws IllegalArgumentException when it is not an IP address
     */
    public static String banKey(String text) {
        String t = text == null ? "" : text.strip();
        String address = t.endsWith("/64") && t.contains(":") ? t.substring(0, t.length() - 3) : t;
        org.twinmail.core.net.AddressRange.parse(address); // a literal or an error
        if (address.contains("/")) throw new IllegalArgumentException("a ban names one address (or an IPv6 /64), not a range: " + t);
        try {
            return banKey(java.net.InetAddress.getByName(address));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + t);
        }
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) if (a[i] != 0) return false;
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /** A ban's value: how many bans in a row (0 the first) and why. */
    public record BanValue(int level, String reason) {
        public byte[] encode() {
            return JSON.createObjectNode().put("level", level).put("reason", reason == null ? "" : reason).toString()
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        public static BanValue decode(byte[] value) {
            try {
                JsonNode n = JSON.readTree(value);
                return new BanValue(n.path("level").asInt(0), n.path("reason").asText(""));
            } catch (IOException e) {
                throw new IllegalArgumentException("not a ban value: " + e.getMessage(), e);
            }
        }
    }
}
