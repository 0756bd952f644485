package org.twinmail.dns;

import java.net.InetAddress;

/**
 * The general DNS lookups the filters need (DNSBL, SPF, DKIM, DMARC, reverse DNS), with the
 * same resolver, cache and error model as MX resolution. Implementations are thread-safe and
 * never throw for a DNS outcome: every outcome is a {@link DnsAnswer}.
 */
public interface DnsLookups {
    /** IPv4 addresses of {@code name} (an ASCII name without the trailing dot), CNAMEs followed. */
    DnsAnswer<InetAddress> a(String name);

    /** IPv6 addresses of {@code name}, CNAMEs followed. */
    DnsAnswer<InetAddress> aaaa(String name);

    /**
     * Exchange host names of the MX records of {@code name} (lower case, no trailing dot), most
     * preferred first, as published: no implicit MX, no address lookups (SPF's mx mechanism,
     * RFC 7208 5.4). Delivery uses {@link MxResolver} instead.
     */
    DnsAnswer<String> mx(String name);

    /**
     * TXT records of {@code name}, one value per record: its character-strings joined with
     * nothing between them, as SPF (RFC 7208 3.3) and DKIM (RFC 6376 3.6.2.2) read them.
     * Each string's octets are read as UTF-8, invalid sequences replaced.
     */
    DnsAnswer<String> txt(String name);

    /**
     * Host names of the PTR records of {@code address} (in-addr.arpa / ip6.arpa), lower case,
     * without the trailing dot. Reverse DNS is only a claim: a caller that trusts it checks that
     * the name resolves back to the address (forward-confirmed).
     */
    DnsAnswer<String> ptr(InetAddress address);
}
