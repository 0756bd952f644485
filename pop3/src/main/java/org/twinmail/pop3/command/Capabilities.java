package org.twinmail.pop3.command;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What CAPA announces (RFC 2449 section 5), in order, each with the states in which
 * it is announced. RFC 2449 requires capabilities available in AUTHORIZATION to be
 * announced in both states, so the standard set is announced everywhere; the state
 * set exists for entries such as STLS, which RFC 2595 allows only before login.
 */
public final class Capabilities {

    /** One capability line: its keyword and parameters as sent. */
    public record Capability(String line, Set<State> announcedIn) {
        public Capability {
            announcedIn = Set.copyOf(announcedIn);
        }

        public static Capability always(String line) {
            return new Capability(line, EnumSet.allOf(State.class));
        }
    }

    private final List<Capability> entries;

    private Capabilities(List<Capability> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * The set this server implements: TOP, UIDL, USER, RESP-CODES (RFC 2449),
     * AUTH-RESP-CODE (RFC 3206), PIPELINING, SASL PLAIN LOGIN (RFC 5034) and IMPLEMENTATION.
     * The session drops USER and SASL before TLS when passwords may not travel in plaintext,
     * and adds STLS (RFC 2595) before TLS when TLS is configured.
     * No APOP, no LOGIN-DELAY, no EXPIRE: we enforce neither.
     */
    public static Capabilities standard() {
        return new Capabilities(List.of(
                Capability.always("TOP"),
                Capability.always("UIDL"),
                Capability.always("USER"),
                Capability.always("RESP-CODES"),
                Capability.always("AUTH-RESP-CODE"),
                Capability.always("PIPELINING"),
                Capability.always("SASL PLAIN LOGIN"),
                Capability.always("IMPLEMENTATION TwinMail")));
    }

    /** A copy with one more entry at the end (for STLS once TLS is configured, for instance). */
    public Capabilities with(Capability extra) {
        List<Capability> more = new ArrayList<>(entries);
        more.add(extra);
        return new Capabilities(more);
    }

    /** The lines CAPA sends in {@code state}, without the final ".". */
    public List<String> lines(State state) {
        return entries.stream().filter(c -> c.announcedIn().contains(state)).map(Capability::line).toList();
    }
}
