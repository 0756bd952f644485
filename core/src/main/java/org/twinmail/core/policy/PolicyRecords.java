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
