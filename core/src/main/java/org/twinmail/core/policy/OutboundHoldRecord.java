package org.twinmail.core.policy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * An account whose outbound mail is held by the outbound anomaly check (filter's
 * {@code OutboundHold}): the value of the {@value #KIND} record named {@value #NAME} in the
 * account's scope (JSON). Shared by filter (which writes and obeys it) and admin (which lists and
 * deletes it: {@code twinmail admin outbound list|release}).
 *
 * @param address     the account's address
 * @param reason      {@code rate} (a sudden rise in sending) or {@code bounces}
 * @param detail      what was seen, for the administrator
 * @param sinceMillis when the hold began
 */
public record OutboundHoldRecord(String address, String reason, String detail, long sinceMillis) {
    public static final String KIND = "outbound.hold";
    public static final String NAME = "hold";
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public byte[] encode() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static OutboundHoldRecord decode(byte[] value) {
        try {
            return JSON.readValue(value, OutboundHoldRecord.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an outbound hold: " + e.getMessage(), e);
        }
    }
}
