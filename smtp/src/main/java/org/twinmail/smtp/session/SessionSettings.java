package org.twinmail.smtp.session;

import java.nio.file.Path;
import java.time.Duration;
import org.twinmail.core.config.TwinmailConfig;

/**
 * The configuration an SMTP session runs with, taken once from {@link TwinmailConfig} so
 * every limit has its name from the configuration file (see {@code TwinmailConfig.Smtp}).
 *
 * @param maxLineLength    longest command or text line in octets, CRLF included
 * @param spoolDir         where messages over {@code spoolMemoryLimit} are spooled while they arrive
 */
public record SessionSettings(String hostname, long maxMessageSize, int maxRecipients, int maxLineLength,
                              Duration commandTimeout, Duration dataTimeout, int maxErrors, int junkCommandLimit,
                              int maxHops, Path spoolDir, int spoolMemoryLimit) {

    /** RFC 5321 4.5.3.1.4/4.5.3.1.6: command and text lines of 512 and 1000 octets must fit. */
    static final int MIN_LINE_LENGTH = 1000;

    public SessionSettings {
        if (hostname == null || hostname.isBlank() || !hostname.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
            throw new IllegalArgumentException("hostname must be a domain name: " + hostname);
        }
        if (maxLineLength < MIN_LINE_LENGTH) throw new IllegalArgumentException("smtp.maxLineLength must be at least " + MIN_LINE_LENGTH);
        if (maxRecipients < 1) throw new IllegalArgumentException("smtp.maxRecipients must be at least 1");
        if (maxMessageSize < 1) throw new IllegalArgumentException("smtp.maxMessageSize must be positive");
        if (maxErrors < 1) throw new IllegalArgumentException("smtp.maxErrors must be at least 1");
        if (junkCommandLimit < 0 || maxHops < 1) throw new IllegalArgumentException("smtp.junkCommandLimit/maxHops out of range");
        if (commandTimeout.isNegative() || commandTimeout.isZero() || dataTimeout.isNegative() || dataTimeout.isZero()) {
            throw new IllegalArgumentException("smtp timeouts must be positive");
        }
    }

    public static SessionSettings from(TwinmailConfig config) {
        TwinmailConfig.Smtp s = config.smtp;
        return new SessionSettings(config.hostname, s.maxMessageSize.bytes(), s.maxRecipients, s.maxLineLength,
                s.commandTimeout, s.dataTimeout, s.maxErrors, s.junkCommandLimit, s.maxHops,
                Path.of(config.dataDir, "spool"), config.store.spoolMemoryLimit.asInt());
    }
}
