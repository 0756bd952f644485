package org.twinmail.core.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What the administrator's quarantine knows of a held message (the value of a
 * {@code quarantine.item} record; the message itself is in {@code quarantine.part} records):
 *
 * @param id          the queue id the client was given ({@code 250 Ok: queued as <id>}), also in the session's log line
 * @param sender      the envelope sender ("" for {@code <>})
 * @param recipients  the accepted recipients as the client wrote them
 * @param accountIds  the local accounts a release delivers to
 * @param reason      the verdict's reason ({@code virus}, {@code sender_rule_quarantine} ...)
 * @param check       the check that asked for it
 * @param client      the client's address
 * @param from        the header From as written (for the list), may be empty
 * @param subject     the Subject, decoded (for the list), may be empty
 * @param arrivedMillis when it arrived
 * @param size        octets of the message
 * @param parts       how many part records hold it
 * @param relay       the remote recipients a release queues (a held outbound message of one of our users), or null
 */
public record QuarantineItem(String id, String sender, List<String> recipients, List<Long> accountIds, String reason, String check,
                             String client, String from, String subject, long arrivedMillis, long size, int parts, Relay relay) {

    /** What a release of a held outbound message queues for the relay (the store's {@code Outbound}). */
    public record Relay(String sender, List<String> recipients, boolean smtputf8, boolean eightBitMime) {
        public Relay {
            recipients = List.copyOf(recipients);
        }
    }

    /** An item for local accounts only. */
    public QuarantineItem(String id, String sender, List<String> recipients, List<Long> accountIds, String reason, String check,
                          String client, String from, String subject, long arrivedMillis, long size, int parts) {
        this(id, sender, recipients, accountIds, reason, check, client, from, subject, arrivedMillis, size, parts, null);
    }
    public static final String ITEM = "quarantine.item";
    public static final String PART = "quarantine.part";

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public QuarantineItem {
        recipients = List.copyOf(recipients);
        accountIds = List.copyOf(accountIds);
    }

    public byte[] encode() {
        try {
            return JSON.writeValueAsString(this).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static QuarantineItem decode(byte[] value) {
        try {
            return JSON.readValue(value, QuarantineItem.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a quarantine item: " + e.getMessage(), e);
        }
    }

    /** The name of part {@code n} of the message {@code id}. */
    public static String partName(String id, int n) {
        return id + "/" + n;
    }
}
