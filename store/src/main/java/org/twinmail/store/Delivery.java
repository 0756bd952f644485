package org.twinmail.store;

import java.time.Instant;
import java.util.List;
import org.twinmail.core.mail.MessageData;

/**
 * One message for local accounts.
 *
 * @param accountIds   recipients, each gets the message once in its INBOX
 * @param content      the message as it will be stored (Return-Path and Received already prepended)
 * @param internalDate the arrival time (IMAP INTERNALDATE)
 */
public record Delivery(List<Long> accountIds, MessageData content, Instant internalDate) {
    public Delivery {
        accountIds = List.copyOf(accountIds);
        if (accountIds.isEmpty()) throw new IllegalArgumentException("a delivery needs at least one recipient");
    }
}
