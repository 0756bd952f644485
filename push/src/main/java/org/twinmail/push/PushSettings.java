package org.twinmail.push;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.twinmail.core.config.TwinmailConfig;

/** The node's {@code push.*} settings (docs/configuration.md), checked once. */
public record PushSettings(String subject, Duration ttl, String urgency, Duration requestTimeout, List<Duration> retrySchedule,
                           int maxSubscriptionsPerAccount, Subscriptions.EndpointPolicy endpoints, Duration tokenValidity,
                           Duration maxNoticeAge) {
    private static final Set<String> URGENCIES = Set.of("very-low", "low", "normal", "high");

    public PushSettings {
        if (!URGENCIES.contains(urgency)) throw new IllegalArgumentException("push.urgency must be very-low, low, normal or high");
        if (!subject.startsWith("mailto:") && !subject.startsWith("https:")) throw new IllegalArgumentException("push.subject must be a mailto: or https: URI");
        if (ttl.isNegative()) throw new IllegalArgumentException("push.ttl must not be negative");
        if (tokenValidity.compareTo(Duration.ofHours(24)) > 0 || tokenValidity.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("push.tokenValidity must be between 1m and 24h (RFC 8292 2)");
        }
        if (maxSubscriptionsPerAccount < 1) throw new IllegalArgumentException("push.maxSubscriptionsPerAccount must be positive");
        retrySchedule = List.copyOf(retrySchedule);
    }

    public static PushSettings from(TwinmailConfig.Push c, String hostname) {
        String subject = c.subject == null || c.subject.isBlank() ? "mailto:postmaster@" + hostname : c.subject.strip();
        return new PushSettings(subject, c.ttl, c.urgency, c.requestTimeout, c.retrySchedule, c.maxSubscriptionsPerAccount,
                new Subscriptions.EndpointPolicy(c.allowHttpEndpoints, c.endpointHosts), c.tokenValidity, c.maxNoticeAge);
    }
}
