package org.twinmail.jmap;

import java.time.Duration;
import org.twinmail.core.config.TwinmailConfig;

/** The {@code jmap.*} settings, checked once (docs/configuration.md). */
public record JmapSettings(long maxSizeUpload, int maxConcurrentUpload, long maxSizeRequest, int maxConcurrentRequests,
                           int maxCallsInRequest, int maxObjectsInGet, int maxObjectsInSet, int maxQueryLimit,
                           Duration tokenLifetime, Duration pushCoalesce, String hostname, Duration maxDelayedSend) {
    public JmapSettings {
        if (maxDelayedSend == null || maxDelayedSend.isNegative()) throw new IllegalArgumentException("jmap.maxDelayedSend must not be negative");
        if (maxSizeUpload < 1 || maxSizeRequest < 1) throw new IllegalArgumentException("jmap.maxSizeUpload and maxSizeRequest must be positive");
        if (maxConcurrentUpload < 1 || maxConcurrentRequests < 1 || maxCallsInRequest < 1 || maxObjectsInGet < 1
                || maxObjectsInSet < 1 || maxQueryLimit < 1) {
            throw new IllegalArgumentException("jmap limits must be at least 1");
        }
    }

    /** @param hostname the server's name, for the Message-IDs of messages JMAP writes */
    public static JmapSettings from(TwinmailConfig.Jmap j, String hostname) {
        return new JmapSettings(j.maxSizeUpload.bytes(), j.maxConcurrentUpload, j.maxSizeRequest.bytes(), j.maxConcurrentRequests,
                j.maxCallsInRequest, j.maxObjectsInGet, j.maxObjectsInSet, j.maxQueryLimit, j.tokenLifetime, j.pushCoalesce, hostname, j.maxDelayedSend);
    }
}
