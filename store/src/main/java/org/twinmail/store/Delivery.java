package org.twinmail.store;

import java.time.Instant;
import java.util.List;
import org.twinmail.core.mail.MessageData;

/**
 * One accepted message: for local accounts, for remote recipients through the outbound queue,
 * or both. {@link MailStore#deliver} commits both parts in one transaction.
 *
 * @param accountIds   local recipients, each gets the message once in its INBOX; may be empty
 *                     when {@code outbound} is given
 * @param content      the message as it will be stored (Return-Path and Received already prepended)
 * @param internalDate the arrival time (IMAP INTERNALDATE, and the queue's arrival time)
 * @param outbound     the remote recipients, or null for none
 */
public record Delivery(List<Long> accountIds, MessageData content, Instant internalDate, Outbound outbound) {
    public Delivery {
        accountIds = List.copyOf(accountIds);
        if (accountIds.isEmpty() && outbound == null) throw new IllegalArgumentException("a delivery needs at least one recipient");
    }

    /** A purely local delivery. */
    public Delivery(List<Long> accountIds, MessageData content, Instant internalDate) {
        this(accountIds, content, internalDate, null);
    }
}
