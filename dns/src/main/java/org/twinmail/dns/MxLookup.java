package org.twinmail.dns;

import java.util.List;

/** The answer to "where does mail for this domain go?", one case per thing the sender must do differently. */
public sealed interface MxLookup {
    /** Hosts in the order to try: by MX preference, equal preferences in random order (RFC 5321 5.1). */
    record Hosts(List<MxHost> hosts) implements MxLookup {
        public Hosts {
            hosts = List.copyOf(hosts);
            if (hosts.isEmpty()) throw new IllegalArgumentException("Hosts needs at least one host; use another case");
        }
    }

    /** The domain publishes a null MX (RFC 7505): it accepts no mail. Permanent, 5.1.10. */
    record NullMx() implements MxLookup {}

    /** The domain does not exist, or has neither MX nor address records. Permanent, 5.1.2. */
    record NoSuchDomain(String reason) implements MxLookup {}

    /** The lookup could not be completed now (timeout, SERVFAIL, MX hosts without addresses yet). Retry later, 4.4.3. */
    record TemporaryFailure(String reason) implements MxLookup {}
}
