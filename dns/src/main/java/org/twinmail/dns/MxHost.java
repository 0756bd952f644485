package org.twinmail.dns;

import java.net.InetAddress;
import java.util.List;

/**
 * One host to try for a domain's mail, with its addresses already resolved.
 *
 * @param name the host name from the MX record (or the domain itself for the implicit MX)
 * @param preference the MX preference; 0 for the implicit MX
 * @param addresses the host's A and AAAA addresses, in the order to try; never empty
 * @param implicitMx true when the domain has no MX records and its own A/AAAA are used (RFC 5321 5.1)
 */
public record MxHost(String name, int preference, List<InetAddress> addresses, boolean implicitMx) {
    public MxHost {
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) throw new IllegalArgumentException("an MX host needs at least one address: " + name);
    }
}
