package org.twinmail.store;

/** The fields of an account to change; null leaves a field as it is. */
public record AccountChange(String passwordHash, Long quotaBytes, Long maxMessageBytes) {
    public static AccountChange password(String hash) {
        return new AccountChange(hash, null, null);
    }
}
