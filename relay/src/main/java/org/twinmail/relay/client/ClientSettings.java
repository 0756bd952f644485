package org.twinmail.relay.client;

import java.time.Duration;
import java.util.Objects;
import org.twinmail.core.config.TwinmailConfig;

/**
 * What one outgoing SMTP connection runs with: our name for EHLO and the timeouts of
 * RFC 5321 4.5.3.2, each a named configuration value ({@code relay.timeouts.*}).
 */
public record ClientSettings(String heloName, Duration connect, Duration greeting, Duration command, Duration mail,
                             Duration rcpt, Duration dataInit, Duration dataBlock, Duration dataTermination) {
    public ClientSettings {
        Objects.requireNonNull(heloName, "heloName");
        for (Duration d : new Duration[] {connect, greeting, command, mail, rcpt, dataInit, dataBlock, dataTermination}) {
            if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException("relay.timeouts.* must be positive");
        }
    }

    public static ClientSettings from(TwinmailConfig config) {
        TwinmailConfig.Relay.Timeouts t = config.relay.timeouts;
        return new ClientSettings(config.hostname, t.connect, t.greeting, t.command, t.mail, t.rcpt, t.dataInit, t.dataBlock,
                t.dataTermination);
    }
}
