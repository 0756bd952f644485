package org.twinmail.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * The outbound queue role of the store: messages for remote recipients, entered through
 * {@link Mailboxes#deliver} (in the same transaction as their local part) and worked off
 * by the relay. Durable and fenced like every other role.
 *
 * <p>A queued message holds one reference to its body until its last recipient leaves.
 * Recipients are either waiting (with a next-attempt time) or claimed by the delivery
 * code of the active node; a claim is not a lease: a node that starts delivering first
 * calls {@link #releaseQueueClaims()}, since nobody else can be delivering (the epoch
 * fences a former active node's writes).
 */
public interface MessageQueue {

    /**
     * Claims up to {@code limit} waiting recipients whose next attempt is due at {@code now},
     * earliest first, so no later claim hands them out again until their outcome is recorded.
     * Recipients at the domains in {@code skipDomains} (lower case) are left waiting: the
     * caller has enough work for those destinations already, and other domains must not wait
     * behind a slow one.
     */
    List<QueuedRecipient> claimQueued(Instant now, int limit, Collection<String> skipDomains);

    /** {@link #claimQueued(Instant, int, Collection)} skipping no domain. */
    default List<QueuedRecipient> claimQueued(Instant now, int limit) {
        return claimQueued(now, limit, List.of());
    }

    /** Makes every claimed recipient waiting again (at its old next-attempt time); returns how many. */
    int releaseQueueClaims();

    /**
     * Records what became of claimed recipients and, in the same transaction, delivers the
     * {@code notification} (a DSN, or null): a bounce is never lost nor sent twice. A recipient
     * or message removed meanwhile ({@link #deleteQueued}) is skipped. The last recipient of a
     * message to leave takes the message and its blob reference with it.
     */
    DeliveryReceipt recordQueueOutcomes(List<QueueOutcome> outcomes, Delivery notification);

    /** Queued messages, oldest first, at most {@code limit}. */
    List<QueueEntry> listQueue(int limit);

    /** Makes the waiting recipients of message {@code messageId} (0: of every message) due at {@code now}; returns how many. */
    int retryQueued(long messageId, Instant now);

    /** Removes a queued message without notifying anyone (an administrator's decision); false if there is none. */
    boolean deleteQueued(long messageId);

    QueueStats queueStats();

}
