package org.twinmail.core.model;

/**
 * A mail domain served here.
 *
 * @param quotaBytes   storage limit for all its accounts; 0 = no domain-wide limit
 * @param usedBytes    storage in use by all its accounts
 * @param maxMessages  limit on the number of messages in all its accounts; 0 = no limit
 * @param messageCount messages in all its accounts
 */
public record Domain(long id, String name, long quotaBytes, long usedBytes, long maxMessages, long messageCount) {

    /** Whether one more message of {@code extraBytes} would exceed the storage or the message-count limit. */
    public boolean isFull(long extraBytes) {
        return (quotaBytes > 0 && usedBytes + extraBytes > quotaBytes)
                || (maxMessages > 0 && messageCount + 1 > maxMessages);
    }
}
