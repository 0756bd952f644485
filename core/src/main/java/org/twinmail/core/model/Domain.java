package org.twinmail.core.model;

/** A mail domain served here. {@code quotaBytes} 0 means no domain-wide limit. */
public record Domain(long id, String name, long quotaBytes, long usedBytes) {
    public boolean isFull(long extraBytes) {
        return quotaBytes > 0 && usedBytes + extraBytes > quotaBytes;
    }
}
