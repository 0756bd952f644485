package org.twinmail.store;

import java.util.List;

/**
 * What {@link MailStore#deliver} did: for each account, the mailbox and UID of its new entry,
 * and the outbound queue id of the remote part ({@code 0} when there was none).
 */
public record DeliveryReceipt(String blobId, List<Placed> placed, long changePosition, long queueId) {
    public record Placed(long accountId, long mailboxId, long uid) { }

    public DeliveryReceipt(String blobId, List<Placed> placed, long changePosition) {
        this(blobId, placed, changePosition, 0);
    }
}
