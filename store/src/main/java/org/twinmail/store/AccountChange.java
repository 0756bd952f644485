package org.twinmail.store;

/**
 * The fields of an account to change; null leaves a field as it is.
 *
 * @param maxMessages the message-count limit; 0 removes it
 */
public record AccountChange(String passwordHash, Long quotaBytes, Long maxMessageBytes, Long maxMessages) {

    public AccountChange(String passwordHash, Long quotaBytes, Long maxMessageBytes) {
        this(passwordHash, quotaBytes, maxMessageBytes, null);
    }

    public static AccountChange password(String hash) {
        return new AccountChange(hash, null, null, null);
    }
}
