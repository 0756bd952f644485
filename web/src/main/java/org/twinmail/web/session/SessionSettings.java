package org.twinmail.web.session;

import java.time.Duration;
import org.twinmail.core.config.TwinmailConfig;

/**
 * How long a browser session lives: {@code idle} without a request, {@code absolute} since its
 * login however busy ({@code web.sessionIdleTimeout}, {@code web.sessionAbsoluteTimeout}).
 */
public record SessionSettings(Duration idle, Duration absolute) {
    public SessionSettings {
        if (!idle.isPositive() || !absolute.isPositive()) throw new IllegalArgumentException("session timeouts must be positive");
        if (idle.compareTo(absolute) > 0) idle = absolute;
    }

    public static SessionSettings from(TwinmailConfig.Web web) {
        return new SessionSettings(web.sessionIdleTimeout, web.sessionAbsoluteTimeout);
    }
}
