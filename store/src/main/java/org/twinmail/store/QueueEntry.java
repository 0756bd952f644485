package org.twinmail.store;

import java.time.Instant;
import java.util.List;

/**
 * One queued message as {@code twinmail admin queue list} shows it.
 *
 * @param id         the message's queue id
 * @param sender     envelope sender, empty for the null sender
 * @param size       bytes
 * @param arrival    when it was accepted
 * @param recipients the recipients still waiting
 */
public record QueueEntry(long id, String sender, long size, Instant arrival, List<Recipient> recipients) {
    public QueueEntry {
        recipients = List.copyOf(recipients);
    }

    /**
     * @param active      a delivery attempt is under way now
     * @param lastReply   the last attempt's result, or null before the first
     */
    public record Recipient(String address, int attempts, Instant nextAttempt, boolean active, String lastReply) { }
}
