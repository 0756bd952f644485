package org.twinmail.smtp.session;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.core.net.AddressRange;
import java.time.Duration;
import org.twinmail.core.config.TwinmailConfig;

/**
 * The configuration an SMTP session runs with, taken once from {@link TwinmailConfig} so
 * every limit has its name from the configuration file (see {@code TwinmailConfig.Smtp}).
 *
 * @param maxLineLength    longest command or text line in octets, CRLF included
 * @param spoolDir         where messages over {@code spoolMemoryLimit} are spooled while they arrive
 * @param mode             MX or submission
 * @param maxMessagesPerHour submission: messages one user may send in any hour (unused by the MX)
 * @param relayNetworks    MX: clients in these networks may send to remote domains without AUTH
 */
public record SessionSettings(String hostname, long maxMessageSize, int maxRecipients, int maxLineLength,
                              Duration commandTimeout, Duration dataTimeout, int maxErrors, int junkCommandLimit,
                              int maxHops, Path spoolDir, int spoolMemoryLimit, SmtpMode mode, int maxMessagesPerHour,
                              List<AddressRange> relayNetworks) {

    /** RFC 5321 4.5.3.1.4/4.5.3.1.6: command and text lines of 512 and 1000 octets must fit. */
    static final int MIN_LINE_LENGTH = 1000;

    public SessionSettings {
        relayNetworks = List.copyOf(relayNetworks);
        if (hostname == null || hostname.isBlank() || !hostname.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
            throw new IllegalArgumentException("hostname must be a domain name: " + hostname);
        }
        if (maxLineLength < MIN_LINE_LENGTH) throw new IllegalArgumentException("smtp.maxLineLength must be at least " + MIN_LINE_LENGTH);
        if (maxRecipients < 1) throw new IllegalArgumentException("smtp.maxRecipients must be at least 1");
        if (maxMessageSize < 1) throw new IllegalArgumentException("smtp.maxMessageSize must be positive");
        if (maxErrors < 1) throw new IllegalArgumentException("smtp.maxErrors must be at least 1");
        if (junkCommandLimit < 0 || maxHops < 1) throw new IllegalArgumentException("smtp.junkCommandLimit/maxHops out of range");
        if (maxMessagesPerHour < 1) throw new IllegalArgumentException("submission.maxMessagesPerHour must be at least 1");
        if (commandTimeout.isNegative() || commandTimeout.isZero() || dataTimeout.isNegative() || dataTimeout.isZero()) {
            throw new IllegalArgumentException("smtp timeouts must be positive");
        }
    }

    /** The MX's settings ({@code smtp.*}). */
    public static SessionSettings from(TwinmailConfig config) {
        TwinmailConfig.Smtp s = config.smtp;
        return new SessionSettings(config.hostname, s.maxMessageSize.bytes(), s.maxRecipients, s.maxLineLength,
                s.commandTimeout, s.dataTimeout, s.maxErrors, s.junkCommandLimit, s.maxHops,
                Path.of(config.dataDir, "spool"), config.store.spoolMemoryLimit.asInt(), SmtpMode.MX,
                config.submission.maxMessagesPerHour, relayNetworks(s.relayNetworks));
    }

    private static List<AddressRange> relayNetworks(List<String> texts) {
        List<AddressRange> ranges = new ArrayList<>();
        for (String t : texts) {
            try {
                ranges.add(AddressRange.parse(t));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("smtp.relayNetworks: " + e.getMessage(), e);
            }
        }
        return ranges;
    }

    /** True when a client at {@code address} may relay through the MX without AUTH. */
    public boolean mayRelay(InetAddress address) {
        for (AddressRange r : relayNetworks) if (r.contains(address)) return true;
        return false;
    }

    /**
     * Submission's settings: the SMTP limits, except that a message may have at most
     * {@code submission.maxRecipientsPerMessage} recipients (the same 452 4.5.3 path as the MX's
     * {@code smtp.maxRecipients}, so clients send the rest in another transaction).
     */
    public static SessionSettings submission(TwinmailConfig config) {
        SessionSettings mx = from(config);
        int maxRcpt = config.submission.maxRecipientsPerMessage;
        if (maxRcpt < 1) throw new IllegalArgumentException("submission.maxRecipientsPerMessage must be at least 1");
        return new SessionSettings(mx.hostname, mx.maxMessageSize, Math.min(maxRcpt, mx.maxRecipients), mx.maxLineLength,
                mx.commandTimeout, mx.dataTimeout, mx.maxErrors, mx.junkCommandLimit, mx.maxHops, mx.spoolDir,
                mx.spoolMemoryLimit, SmtpMode.SUBMISSION, mx.maxMessagesPerHour, List.of());
    }
}
