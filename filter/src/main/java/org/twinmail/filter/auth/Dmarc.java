package org.twinmail.filter.auth;

import com.google.common.net.InternetDomainName;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;
import org.twinmail.dns.DnsAnswer;
import org.twinmail.dns.DnsLookups;
import org.twinmail.mail.dkim.DkimResult;
import org.twinmail.filter.auth.DmarcRecord.Policy;

/**
 * DMARC evaluation (RFC 7489 6.6): the record of the From domain, else of its organizational
 * domain (the Public Suffix List of Guava's {@link InternetDomainName}), then identifier
 * alignment of the SPF and DKIM passes, relaxed or strict as the record says, and pct=.
 */
public final class Dmarc {
    private final DnsLookups dns;
    private final IntSupplier percent;

    /** @param percent a number from 0 to 99 per message, drawn for pct= */
    public Dmarc(DnsLookups dns, IntSupplier percent) {
        this.dns = dns;
        this.percent = percent;
    }

    /** The organizational domain: one label below the public suffix; the name itself when it is a suffix or not under one. */
    public static String organizationalDomain(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        try {
            InternetDomainName name = InternetDomainName.from(d);
            return name.isUnderPublicSuffix() ? name.topPrivateDomain().toString() : d;
        } catch (IllegalArgumentException | IllegalStateException e) {
            return d;
        }
    }

    static boolean aligned(String a, String b, boolean strict) {
        String x = a.toLowerCase(Locale.ROOT);
        String y = b.toLowerCase(Locale.ROOT);
        return strict ? x.equals(y) : organizationalDomain(x).equals(organizationalDomain(y));
    }

    public DmarcResult evaluate(String fromDomain, SpfResult spf, List<DkimResult> dkim) {
        String from = fromDomain.toLowerCase(Locale.ROOT);
        String org = organizationalDomain(from);
        DmarcRecord record;
        boolean subdomain = false;
        String policyDomain = from;
        try {
            record = lookup(from);
            if (record == null && !org.equals(from)) {
                record = lookup(org);
                subdomain = true;
                policyDomain = org;
            }
        } catch (Lookup e) {
            return new DmarcResult(e.result, from, Policy.NONE, false, e.getMessage());
        }
        if (record == null) return new DmarcResult(DmarcResult.Result.NONE, from, Policy.NONE, false, "no DMARC record");
        Policy policy = subdomain ? record.subdomainPolicy() : record.policy();
        boolean spfAligned = spf.result() == SpfResult.Result.PASS && aligned(spf.domain(), from, record.strictSpf());
        String dkimAligned = null;
        for (DkimResult r : dkim) if (r.passed() && aligned(r.domain(), from, record.strictDkim())) dkimAligned = r.domain();
        if (spfAligned || dkimAligned != null) {
            return new DmarcResult(DmarcResult.Result.PASS, from, policy, false, spfAligned ? "aligned SPF pass" : "aligned DKIM pass (" + dkimAligned + ")",
                    policyDomain, record, spfAligned, dkimAligned != null);
        }
        boolean enforce = record.pct() >= 100 || percent.getAsInt() < record.pct();
        if (!enforce) policy = policy == Policy.REJECT ? Policy.QUARANTINE : Policy.NONE; // RFC 7489 6.6.4: the next policy down
        return new DmarcResult(DmarcResult.Result.FAIL, from, policy, policy != Policy.NONE, "no aligned SPF or DKIM pass",
                policyDomain, record, false, false);
    }

    private static final class Lookup extends Exception {
        final DmarcResult.Result result;

        Lookup(DmarcResult.Result result, String message) {
            super(message, null, false, false);
            this.result = result;
        }
    }

    private DmarcRecord lookup(String domain) throws Lookup {
        DnsAnswer<String> txt = dns.txt("_dmarc." + domain);
        if (txt instanceof DnsAnswer.Failed<String> f) throw new Lookup(DmarcResult.Result.TEMPERROR, "DNS: " + f.reason());
        List<String> records = txt.values().stream().filter(DmarcRecord::isDmarc).toList();
        if (records.size() != 1) return null; // none, or several: no policy (RFC 7489 6.6.3)
        try {
            return DmarcRecord.parse(records.getFirst());
        } catch (DmarcSyntaxException e) {
            throw new Lookup(DmarcResult.Result.PERMERROR, "_dmarc." + domain + ": " + e.getMessage());
        }
    }
}
