package org.twinmail.filter.auth;

import org.twinmail.dns.DnsAnswer;
import org.twinmail.dns.DnsLookups;
import org.twinmail.mail.dkim.DkimKeySource;

/** The DKIM verifier's keys from the DNS: TXT records through {@link DnsLookups} and its cache. */
public record DnsKeySource(DnsLookups dns) implements DkimKeySource {
    @Override
    public Answer txt(String name) {
        return switch (dns.txt(name)) {
            case DnsAnswer.Records<String> r -> new Answer.Found(r.values());
            case DnsAnswer.NoData<String> n -> new Answer.Missing();
            case DnsAnswer.NxDomain<String> n -> new Answer.Missing();
            case DnsAnswer.Failed<String> f -> new Answer.Failed(f.reason());
        };
    }
}
