package org.twinmail.store;

import java.time.Instant;

/** What became of one claimed recipient ({@link MailStore#recordQueueOutcomes}). */
public sealed interface QueueOutcome {
    long recipientId();

    /** Delivered, or bounced (the DSN travels in the same call): the recipient leaves the queue. */
    record Done(long recipientId) implements QueueOutcome { }

    /**
     * Not delivered yet: another attempt at {@code nextAttempt}.
     *
     * @param reply  the reason, shown by {@code twinmail admin queue list} and in a later DSN
     * @param warned a delay warning has now been sent (it stays set once set)
     */
    record Deferred(long recipientId, Instant nextAttempt, String reply, boolean warned) implements QueueOutcome { }
}
