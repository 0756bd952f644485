package org.twinmail.dns;

import java.util.List;

/**
 * What one DNS query came to, with every resolver outcome sorted into the four cases a mail
 * server acts on differently. The same model serves MX resolution, DNSBL lookups (A), SPF,
 * DKIM and DMARC records (TXT) and reverse DNS (PTR).
 *
 * @param <T> the value of one record: an address, the text of a TXT record, a host name
 */
public sealed interface DnsAnswer<T> {
    /** The name has records of the type asked for; never empty. */
    record Records<T>(List<T> values) implements DnsAnswer<T> {
        public Records {
            values = List.copyOf(values);
            if (values.isEmpty()) throw new IllegalArgumentException("Records needs at least one value; use NoData");
        }
    }

    /** The name exists but has no records of this type (NOERROR, empty answer). */
    record NoData<T>() implements DnsAnswer<T> {}

    /** The name does not exist (NXDOMAIN). */
    record NxDomain<T>() implements DnsAnswer<T> {}

    /** No answer now: timeout, SERVFAIL, a broken CNAME chain, a name that is not a name. Try again later. */
    record Failed<T>(String reason) implements DnsAnswer<T> {}

    /** The values, or an empty list for every other case. */
    default List<T> values() {
        return this instanceof Records<T> r ? r.values : List.of();
    }
}
