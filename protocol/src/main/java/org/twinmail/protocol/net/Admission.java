package org.twinmail.protocol.net;

import java.time.Duration;
import java.util.function.Function;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.protocol.auth.AuthGuard;

/**
 * What a {@link ConnectionListener} checks when it accepts a connection, and how it refuses
 * one: the per-client limits of its service, the auth guard's bans, and stress mode.
 *
 * @param clients           per-client connection counts and rates (shared by the listeners of one service)
 * @param guard             bans: a banned client is refused at connect
 * @param refusal           the protocol's refusal line for a text ("421 4.7.0 ...", "-ERR [SYS/TEMP] ...",
 *                          "* BYE ..."); null to close without a word (implicit TLS: the client expects a handshake)
 * @param stressFreePercent stress mode starts below this share of free slots and ends at twice it; 0: never
 * @param stressTimeout     the read budget under stress of a client that has not logged in
 */
public record Admission(ClientLimits clients, AuthGuard guard, Function<String, String> refusal, int stressFreePercent,
                        Duration stressTimeout) {

    /** No limits, no bans, no stress mode. */
    public static Admission none() {
        return new Admission(ClientLimits.none(), AuthGuard.disabled(), null, 0, Duration.ofSeconds(10));
    }

    /**
     * The configured limits ({@code limits.*}) with {@code clients} and {@code guard} shared by
     * the listeners of a service, refusing with {@code refusal}.
     */
    public static Admission of(TwinmailConfig.Limits limits, ClientLimits clients, AuthGuard guard,
                               Function<String, String> refusal) {
        if (limits.stressFreePercent < 0 || limits.stressFreePercent > 50) {
            throw new IllegalArgumentException("limits.stressFreePercent must be 0 to 50");
        }
        if (limits.stressTimeout == null || limits.stressTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("limits.stressTimeout must be positive");
        }
        return new Admission(clients, guard, refusal, limits.stressFreePercent, limits.stressTimeout);
    }

    /** The same admission, closing refused connections without a word (for an implicit-TLS port). */
    public Admission silent() {
        return new Admission(clients, guard, null, stressFreePercent, stressTimeout);
    }
}
