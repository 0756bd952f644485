package org.twinmail.jmap;

import java.time.Duration;
import java.util.List;
import org.twinmail.core.config.TwinmailConfig;

/** The {@code jmap.*} settings, checked once (docs/configuration.md). */
public record JmapSettings(long maxSizeUpload, int maxConcurrentUpload, long maxSizeRequest, int maxConcurrentRequests,
                           int maxCallsInRequest, int maxObjectsInGet, int maxObjectsInSet, int maxQueryLimit,
                           Duration tokenLifetime, Duration pushCoalesce, String hostname, Duration maxDelayedSend, SieveLimits sieve,
                           PushSubscriptionLimits pushSubscriptions) {
    /**
     * JMAP Sieve's limits (RFC 9661 1.2.1's maxSizeScript, maxNumberScripts, maxNumberRedirects): the
     * same named values ManageSieve announces and enforces, {@code managesieve.maxScriptSize},
     * {@code managesieve.maxScripts}, {@code managesieve.maxRedirects}.
     */
    public record SieveLimits(int maxScriptSize, int maxScripts, int maxRedirects) {
        public static SieveLimits from(TwinmailConfig.ManageSieve m) {
            return new SieveLimits(m.maxScriptSize.asInt(), m.maxScripts, m.maxRedirects);
        }
    }

    /**
     * PushSubscription's (RFC 8620 7.2): {@code jmap.pushSubscriptionMaxLifetime},
     * {@code jmap.maxPushSubscriptions}, {@code jmap.pushAllowLoopbackHttp}, and
     * {@code push.endpointHosts}, which holds their URLs as it holds the webmail's.
     */
    public record PushSubscriptionLimits(Duration maxLifetime, int maxPerUser, boolean allowLoopbackHttp, List<String> endpointHosts) {
        public PushSubscriptionLimits {
            if (maxLifetime == null || maxLifetime.compareTo(Duration.ofMinutes(1)) < 0) {
                throw new IllegalArgumentException("jmap.pushSubscriptionMaxLifetime must be at least 1m");
            }
            if (maxPerUser < 1) throw new IllegalArgumentException("jmap.maxPushSubscriptions must be at least 1");
            endpointHosts = List.copyOf(endpointHosts);
        }

        public static PushSubscriptionLimits from(TwinmailConfig.Jmap j, List<String> endpointHosts) {
            return new PushSubscriptionLimits(j.pushSubscriptionMaxLifetime, j.maxPushSubscriptions, j.pushAllowLoopbackHttp, endpointHosts);
        }
    }

    /** With ManageSieve's default limits for JMAP Sieve and the default PushSubscription limits. */
    public JmapSettings(long maxSizeUpload, int maxConcurrentUpload, long maxSizeRequest, int maxConcurrentRequests,
                        int maxCallsInRequest, int maxObjectsInGet, int maxObjectsInSet, int maxQueryLimit,
                        Duration tokenLifetime, Duration pushCoalesce, String hostname, Duration maxDelayedSend) {
        this(maxSizeUpload, maxConcurrentUpload, maxSizeRequest, maxConcurrentRequests, maxCallsInRequest, maxObjectsInGet, maxObjectsInSet,
                maxQueryLimit, tokenLifetime, pushCoalesce, hostname, maxDelayedSend, SieveLimits.from(new TwinmailConfig.ManageSieve()),
                PushSubscriptionLimits.from(new TwinmailConfig.Jmap(), List.of()));
    }

    public JmapSettings {
        if (sieve == null || sieve.maxScriptSize() < 1 || sieve.maxScripts() < 1 || sieve.maxRedirects() < 0) {
            throw new IllegalArgumentException("managesieve.maxScriptSize and maxScripts must be positive, maxRedirects not negative");
        }
        if (pushSubscriptions == null) throw new IllegalArgumentException("the PushSubscription limits are required");
        if (maxDelayedSend == null || maxDelayedSend.isNegative()) throw new IllegalArgumentException("jmap.maxDelayedSend must not be negative");
        if (maxSizeUpload < 1 || maxSizeRequest < 1) throw new IllegalArgumentException("jmap.maxSizeUpload and maxSizeRequest must be positive");
        if (maxConcurrentUpload < 1 || maxConcurrentRequests < 1 || maxCallsInRequest < 1 || maxObjectsInGet < 1
                || maxObjectsInSet < 1 || maxQueryLimit < 1) {
            throw new IllegalArgumentException("jmap limits must be at least 1");
        }
    }

    /** The settings of a whole configuration: {@code jmap.*}, the {@code managesieve.*} script limits, {@code push.endpointHosts}. */
    public static JmapSettings from(TwinmailConfig c) {
        return from(c.jmap, c.managesieve, c.hostname, c.push.endpointHosts);
    }

    /** @param hostname the server's name, for the Message-IDs of messages JMAP writes */
    public static JmapSettings from(TwinmailConfig.Jmap j, String hostname) {
        return from(j, new TwinmailConfig.ManageSieve(), hostname);
    }

    /** @param sieve the {@code managesieve.*} section, whose script limits JMAP Sieve shares */
    public static JmapSettings from(TwinmailConfig.Jmap j, TwinmailConfig.ManageSieve sieve, String hostname) {
        return from(j, sieve, hostname, List.of());
    }

    /** @param pushEndpointHosts {@code push.endpointHosts}, which PushSubscription URLs are held to as well */
    public static JmapSettings from(TwinmailConfig.Jmap j, TwinmailConfig.ManageSieve sieve, String hostname, List<String> pushEndpointHosts) {
        return new JmapSettings(j.maxSizeUpload.bytes(), j.maxConcurrentUpload, j.maxSizeRequest.bytes(), j.maxConcurrentRequests,
                j.maxCallsInRequest, j.maxObjectsInGet, j.maxObjectsInSet, j.maxQueryLimit, j.tokenLifetime, j.pushCoalesce, hostname, j.maxDelayedSend,
                SieveLimits.from(sieve), PushSubscriptionLimits.from(j, pushEndpointHosts));
    }
}
