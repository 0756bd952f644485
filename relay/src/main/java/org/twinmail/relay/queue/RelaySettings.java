package org.twinmail.relay.queue;

import java.time.Duration;
import java.util.List;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.relay.client.ClientSettings;

/**
 * The relay's configuration ({@code relay.*}), checked once.
 *
 * @param hostname     our name: EHLO, Reporting-MTA, the DSN's From
 * @param port         the port of MX hosts
 * @param smarthost    the relay host to send everything through, or null for MX delivery
 * @param ownSmtp      our own MX listeners ({@code smtp.listen}): an MX host that is one of them
 *                     is this server (RFC 5321 5.1 loop rule)
 */
public record RelaySettings(String hostname, int port, Duration pollInterval, int maxConnections,
                            int maxConnectionsPerDestination, int maxMessagesPerConnection, RetrySchedule schedule,
                            int maxHops, ClientSettings client, Smarthost smarthost, List<Listen> ownSmtp,
                            int claimBatch, int maxInFlight) {

    /** With the default {@code relay.queueClaimBatch} and {@code relay.maxRecipientsInFlight}. */
    public RelaySettings(String hostname, int port, Duration pollInterval, int maxConnections, int maxConnectionsPerDestination,
                         int maxMessagesPerConnection, RetrySchedule schedule, int maxHops, ClientSettings client,
                         Smarthost smarthost, List<Listen> ownSmtp) {
        this(hostname, port, pollInterval, maxConnections, maxConnectionsPerDestination, maxMessagesPerConnection, schedule,
                maxHops, client, smarthost, ownSmtp, new TwinmailConfig.Relay().queueClaimBatch,
                new TwinmailConfig.Relay().maxRecipientsInFlight);
    }

    public RelaySettings(String hostname, int port, Duration pollInterval, int maxConnections, int maxConnectionsPerDestination,
                         int maxMessagesPerConnection, RetrySchedule schedule, int maxHops, ClientSettings client,
                         Smarthost smarthost) {
        this(hostname, port, pollInterval, maxConnections, maxConnectionsPerDestination, maxMessagesPerConnection, schedule,
                maxHops, client, smarthost, List.of());
    }

    /** @param username empty for no AUTH */
    public record Smarthost(String host, int port, boolean implicitTls, boolean verifyCertificate, String username,
                            String password) {
        public Smarthost {
            if (host == null || host.isBlank()) throw new IllegalArgumentException("relay.smarthost.host is empty");
            if (port < 1 || port > 65535) throw new IllegalArgumentException("relay.smarthost.port out of range: " + port);
        }
    }

    public RelaySettings {
        if (port < 1 || port > 65535) throw new IllegalArgumentException("relay.port out of range: " + port);
        if (pollInterval.isNegative() || pollInterval.isZero()) throw new IllegalArgumentException("relay.pollInterval must be positive");
        if (maxConnections < 1) throw new IllegalArgumentException("relay.maxConnections must be at least 1");
        if (maxConnectionsPerDestination < 1) throw new IllegalArgumentException("relay.maxConnectionsPerDestination must be at least 1");
        if (maxMessagesPerConnection < 1) throw new IllegalArgumentException("relay.maxMessagesPerConnection must be at least 1");
        if (maxHops < 1) throw new IllegalArgumentException("relay.maxHops must be at least 1");
        if (claimBatch < 1) throw new IllegalArgumentException("relay.queueClaimBatch must be at least 1");
        if (maxInFlight < claimBatch) throw new IllegalArgumentException("relay.maxRecipientsInFlight must be at least relay.queueClaimBatch");
        ownSmtp = List.copyOf(ownSmtp);
    }

    public static RelaySettings from(TwinmailConfig config) {
        TwinmailConfig.Relay r = config.relay;
        Smarthost smarthost = r.smarthost.host == null || r.smarthost.host.isBlank() ? null
                : new Smarthost(r.smarthost.host.strip(), r.smarthost.port,
                        r.smarthost.tls == TwinmailConfig.Relay.SmarthostTls.IMPLICIT, r.smarthost.verifyCertificate,
                        r.smarthost.username == null ? "" : r.smarthost.username,
                        r.smarthost.password == null ? "" : r.smarthost.password);
        return new RelaySettings(config.hostname, r.port, r.pollInterval, r.maxConnections, r.maxConnectionsPerDestination,
                r.maxMessagesPerConnection, new RetrySchedule(r.retrySchedule, r.maxQueueLifetime, r.delayWarningTime),
                r.maxHops, ClientSettings.from(config), smarthost, config.smtp.listen, r.queueClaimBatch, r.maxRecipientsInFlight);
    }
}
