package org.twinmail.filter.forward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;

/**
 * JMAP's VacationResponse (RFC 8621 8) as the {@code jmap} module keeps it: records kind
 * {@value #KIND}, the account's scope, name {@value #NAME}, value the object's JSON
 * ({@code isEnabled}, {@code fromDate}, {@code toDate}, {@code subject}, {@code textBody},
 * {@code htmlBody}). Delivery reads it so a reply set through JMAP goes out like a Sieve
 * vacation, through {@link AutoReplies}.
 */
public record VacationResponse(boolean enabled, Instant from, Instant to, String subject, String textBody, String htmlBody) {
    public static final String KIND = "jmap.vacation";
    public static final String NAME = "singleton";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether it answers mail arriving at {@code now}: enabled, and {@code now} within fromDate and toDate where they are set. */
    public boolean activeAt(Instant now) {
        return enabled && (from == null || !now.isBefore(from)) && (to == null || now.isBefore(to));
    }

    /** @throws IllegalArgumentException for a value that is not one */
    public static VacationResponse decode(byte[] value) {
        try {
            JsonNode n = JSON.readTree(value);
            return new VacationResponse(n.path("isEnabled").asBoolean(false), instant(n.get("fromDate")), instant(n.get("toDate")),
                    text(n.get("subject")), text(n.get("textBody")), text(n.get("htmlBody")));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a VacationResponse: " + e.getMessage(), e);
        }
    }

    private static Instant instant(JsonNode n) {
        return n == null || n.isNull() ? null : Instant.parse(n.asText());
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }
}
