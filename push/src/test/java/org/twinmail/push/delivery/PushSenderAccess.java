package org.twinmail.push.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The package's Retry-After reading, for tests in other packages. */
public final class PushSenderAccess {
    private PushSenderAccess() {
    }

    public static Optional<Duration> retryAfter(String value, Instant now) {
        return PushSender.retryAfter(value, now);
    }
}
