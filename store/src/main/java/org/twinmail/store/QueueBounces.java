package org.twinmail.store;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * An administrator's request to bounce a queued message (records kind {@value #KIND}, global scope,
 * named by the queue id, the value the reason as UTF-8): the admin operation writes it and makes the
 * message due; the relay, when it next takes the message up, fails every recipient permanently with
 * that reason, which sends the sender the usual DSN in the same store call, and removes the request.
 * A request whose message is gone meanwhile expires after {@link #KEPT}.
 */
public final class QueueBounces {
    public static final String KIND = "queue.bounce";
    static final Duration KEPT = Duration.ofDays(30);

    private QueueBounces() {}

    public static void request(Records records, long messageId, String reason, long nowMillis) {
        records.putRecord(KIND, "", Long.toString(messageId), reason.getBytes(StandardCharsets.UTF_8), nowMillis + KEPT.toMillis());
    }

    /** The reason the administrator gave, when the message is to be bounced. */
    public static Optional<String> requested(Records records, long messageId) {
        return records.record(KIND, "", Long.toString(messageId)).map(r -> new String(r.value(), StandardCharsets.UTF_8));
    }

    public static void done(Records records, long messageId) {
        records.deleteRecord(KIND, "", Long.toString(messageId));
    }
}
