package org.twinmail.smtp.session;

import java.nio.file.Path;
import java.time.Duration;
import org.twinmail.core.config.TwinmailConfig;

/**
 * The configuration an SMTP session runs with, taken once from {@link TwinmailConfig} so
 * every limit has its name from the configuration file (see {@code TwinmailConfig.Smtp}).
 * The policy's limits (recipients per message, relay networks, the sending rate) are the
 * filter chain's: {@link org.twinmail.filter.Chains}.
 *
 * @param maxLineLength    longest command or text line in octets, CRLF included
 * @param maxHeaderSize    header section the DATA checks read ({@code smtp.maxHeaderSize})
 * @param maxDataTime      the message data as a whole must arrive within this ({@code smtp.maxDataTime})
 * @param spoolDir         where messages over {@code spoolMemoryLimit} are spooled while they arrive
 * @param mode             MX or submission
 */
public record SessionSettings(String hostname, long maxMessageSize, int maxLineLength,
                              Duration commandTimeout, Duration dataTimeout, int maxErrors, int junkCommandLimit,
                              Path spoolDir, int spoolMemoryLimit, int maxHeaderSize, Duration maxDataTime, SmtpMode mode,
                              String authservId) {

    /** RFC 5321 4.5.3.1.4/4.5.3.1.6: command and text lines of 512 and 1000 octets must fit. */
    static final int MIN_LINE_LENGTH = 1000;

    public SessionSettings {
        if (hostname == null || hostname.isBlank() || !hostname.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
            throw new IllegalArgumentException("hostname must be a domain name: " + hostname);
        }
        if (maxLineLength < MIN_LINE_LENGTH) throw new IllegalArgumentException("smtp.maxLineLength must be at least " + MIN_LINE_LENGTH);
        if (maxMessageSize < 1) throw new IllegalArgumentException("smtp.maxMessageSize must be positive");
        if (maxErrors < 1) throw new IllegalArgumentException("smtp.maxErrors must be at least 1");
        if (maxHeaderSize < 1) throw new IllegalArgumentException("smtp.maxHeaderSize must be positive");
        if (junkCommandLimit < 0) throw new IllegalArgumentException("smtp.junkCommandLimit out of range");
        if (commandTimeout.isNegative() || commandTimeout.isZero() || dataTimeout.isNegative() || dataTimeout.isZero()
                || maxDataTime.isNegative() || maxDataTime.isZero()) {
            throw new IllegalArgumentException("smtp timeouts must be positive");
        }
    }

    /** The MX's settings ({@code smtp.*}). */
    public static SessionSettings from(TwinmailConfig config) {
        return settings(config, SmtpMode.MX);
    }

    /** Submission's settings: the same limits as the MX's, in the submission mode. */
    public static SessionSettings submission(TwinmailConfig config) {
        return settings(config, SmtpMode.SUBMISSION);
    }

    private static SessionSettings settings(TwinmailConfig config, SmtpMode mode) {
        TwinmailConfig.Smtp s = config.smtp;
        return new SessionSettings(config.hostname, s.maxMessageSize.bytes(), s.maxLineLength,
                s.commandTimeout, s.dataTimeout, s.maxErrors, s.junkCommandLimit,
                Path.of(config.dataDir, "spool"), config.store.spoolMemoryLimit.asInt(), s.maxHeaderSize.asInt(), s.maxDataTime, mode,
                // RFC 8601 5: where we add Authentication-Results, incoming ones in our name are removed
                mode == SmtpMode.MX && config.filter.authentication.enabled ? config.hostname : "");
    }
}
