package org.twinmail.store;

import java.util.List;

/** What {@link MailStore#deliver} did: for each account, the mailbox and UID of its new entry. */
public record DeliveryReceipt(String blobId, List<Placed> placed, long changePosition) {
    public record Placed(long accountId, long mailboxId, long uid) { }
}
