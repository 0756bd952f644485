package org.twinmail.sieve.run;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** What a running script may ask of the server: time, mailboxes, other scripts, what it has seen before, whose mail it is. */
public interface Environment {
    Clock clock();

    /** The zone for dates without :zone (RFC 5260 4.2: the user's). */
    default java.time.ZoneId zone() {
        return clock().getZone();
    }

    /** Whether the account has a mailbox of this name (mailboxexists, RFC 5490). */
    boolean mailboxExists(String name);

    /** The text of a personal or global script, for include (RFC 6609); empty when there is none. */
    Optional<String> script(boolean global, String name);

    /**
     * The duplicate test (RFC 7352): whether {@code key} was seen within {@code period}; the
     * implementation remembers it for {@code period} (from now, or from the first sighting unless {@code last}).
     */
    boolean seenBefore(String key, Duration period, boolean last);

    /** The account's own addresses (vacation answers only mail sent to one of them, RFC 5230 4.5). */
    Set<String> ownAddresses();
}
