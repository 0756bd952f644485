package org.twinmail.mail.dkim;

import java.util.List;

/**
 * Where the verifier finds key records: the TXT records of a name. The filter module answers
 * it from the DNS (dns's {@code DnsLookups.txt}); the mail library knows no resolver.
 */
@FunctionalInterface
public interface DkimKeySource {
    /** What a TXT query came to. */
    sealed interface Answer {
        /** The TXT records' texts, each record's strings joined (RFC 6376 3.6.2.2). */
        record Found(List<String> records) implements Answer {}

        /** NXDOMAIN or no TXT record: the signature is a permerror (RFC 6376 6.1.2). */
        record Missing() implements Answer {}

        /** No answer now (timeout, SERVFAIL): temperror. */
        record Failed(String reason) implements Answer {}
    }

    /** The TXT records of {@code name} (ASCII, no trailing dot). Never throws for a DNS outcome. */
    Answer txt(String name);
}
