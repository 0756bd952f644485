package org.twinmail.core.model;

import org.twinmail.core.mail.EmailAddress;

/**
 * A mail account (one login, one set of mailboxes).
 *
 * @param quotaBytes      storage limit for all its mailboxes; 0 = unlimited
 * @param maxMessageBytes largest single message it accepts; 0 = the server's limit
 * @param usedBytes       storage in use, kept in the same transaction as each delivery or expunge
 * @param messageCount    messages in all its mailboxes
 * @param maxMessages     limit on {@code messageCount}; 0 = unlimited
 * @param passwordHash    PHC string ({@code $argon2id$...}); never logged
 */
public record Account(long id, long domainId, EmailAddress address, String passwordHash,
                      long quotaBytes, long maxMessageBytes, long usedBytes, long messageCount, long maxMessages) {

    /** Whether one more message of {@code extraBytes} would exceed the storage or the message-count limit. */
    public boolean isFull(long extraBytes) {
        return (quotaBytes > 0 && usedBytes + extraBytes > quotaBytes)
                || (maxMessages > 0 && messageCount + 1 > maxMessages);
    }

    @Override
    public String toString() {
        return "Account[" + id + " " + address + "]"; // no password hash in logs
    }
}
