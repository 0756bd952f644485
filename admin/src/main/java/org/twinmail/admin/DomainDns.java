package org.twinmail.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.twinmail.core.clients.ClientEndpoints;
import org.twinmail.core.clients.ClientEndpoints.Kind;
import org.twinmail.core.clients.ClientEndpoints.Security;
import org.twinmail.core.clients.MtaStsPolicy;
import org.twinmail.core.config.TwinmailConfig;

/**
 * The DNS records a domain served here should publish, written from the node's own settings
 * (so they say what the server really does): MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, the
 * client-service SRV records of RFC 6186 and RFC 8314, and the names client autoconfiguration
 * looks up. {@code twinmail admin domain dns DOMAIN} prints them as a zone-file fragment.
 * Pure: no DNS lookups, no store.
 */
public final class DomainDns {

    /**
     * What the records are written from.
     *
     * @param endpoints     the host and ports clients are given
     * @param policy        the MTA-STS policy hosted for our domains
     * @param tlsRptAddress {@code clients.tlsRptAddress} ("" for the default)
     */
    public record Settings(ClientEndpoints endpoints, MtaStsPolicy policy, String tlsRptAddress) {
        public static Settings of(TwinmailConfig config) {
            ClientEndpoints e = ClientEndpoints.of(config);
            return new Settings(e, MtaStsPolicy.of(config, e), config.clients.tlsRptAddress == null ? "" : config.clients.tlsRptAddress.strip());
        }
    }

    /** TTL of every record printed: an hour, short enough to correct a mistake the same day. */
    static final int TTL = 3600;

    private DomainDns() { }

    /**
     * @param domain     the domain (ASCII, lower case)
     * @param dkimRecord the zone line of the domain's DKIM key, if it has one
     */
    public static AdminOperations.DomainDnsInfo records(String domain, Settings s, Optional<String> dkimRecord) {
        String host = fqdn(s.endpoints().host());
        String d = fqdn(domain);
        List<AdminOperations.DnsRecordInfo> out = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        out.add(rec(d, "MX", "10 " + host, "mail for the domain goes to this server (RFC 5321 5.1)"));
        out.add(rec(d, "TXT", quoted("v=spf1 mx -all"), "SPF (RFC 7208): only the domain's MX hosts send its mail"));
        if (dkimRecord.isPresent()) {
            // the key's own zone line has no TTL (as `dkim generate` prints it); here it gets the TTL of every other line
            String line = dkimRecord.get().replaceFirst(" IN TXT ", " " + TTL + " IN TXT ");
            out.add(new AdminOperations.DnsRecordInfo(null, "TXT", null, "DKIM public key (RFC 6376)", line));
        } else {
            notes.add("no DKIM key yet: create one with `twinmail admin dkim generate " + domain + "` and publish the record it prints");
        }
        out.add(rec("_dmarc." + d, "TXT", quoted("v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:postmaster@" + domain),
                "DMARC (RFC 7489): mail failing SPF and DKIM alignment is quarantined; aggregate reports to postmaster"));
        Optional<String> https = s.endpoints().httpsBase();
        String tlsRpt = s.tlsRptAddress().isEmpty()
                ? https.map(b -> b + "/.well-known/tlsrpt").orElse("mailto:postmaster@" + domain)
                : s.tlsRptAddress();
        out.add(rec("_smtp._tls." + d, "TXT", quoted("v=TLSRPTv1; rua=" + tlsRpt), "TLS-RPT (RFC 8460): where senders report TLS failures"));
        if (https.isPresent() && !s.policy().mode().equals("none")) {
            out.add(rec("_mta-sts." + d, "TXT", quoted("v=STSv1; id=" + s.policy().id()),
                    "MTA-STS (RFC 8461): a policy in mode " + s.policy().mode() + " is served; the id changes with the policy"));
            out.add(rec("mta-sts." + d, "CNAME", host, "where senders fetch the MTA-STS policy (HTTPS; the certificate must name mta-sts." + domain + ")"));
        } else if (https.isEmpty()) {
            notes.add("no MTA-STS records: the policy is served over HTTPS only, and http.tlsListen is empty");
        }
        for (Kind k : List.of(Kind.SUBMISSIONS, Kind.SUBMISSION, Kind.IMAPS, Kind.IMAP, Kind.POP3S, Kind.POP3, Kind.MANAGESIEVE)) {
            Optional<ClientEndpoints.Service> svc = s.endpoints().service(k);
            String name = k.srvPrefix + "." + d;
            if (svc.isPresent()) {
                int priority = k.security == Security.IMPLICIT_TLS ? 0 : 10;
                out.add(rec(name, "SRV", priority + " 1 " + svc.get().port() + " " + host,
                        k.key + " for mail clients (" + (k == Kind.MANAGESIEVE ? "RFC 5804 1.8" : "RFC 6186, RFC 8314 5.1")
                                + (k.security == Security.IMPLICIT_TLS ? "; implicit TLS preferred" : "; STARTTLS") + ")"));
            } else if (k != Kind.MANAGESIEVE) {
                out.add(rec(name, "SRV", "0 0 0 .", k.key + " is not offered (RFC 6186 3.4: a target of \".\" says so)"));
            }
        }
        if (https.isPresent()) {
            out.add(rec("autoconfig." + d, "CNAME", host, "Thunderbird's autoconfiguration (the certificate must name autoconfig." + domain + ")"));
            out.add(rec("_autodiscover._tcp." + d, "SRV", "0 1 " + s.endpoints().service(Kind.HTTPS).orElseThrow().port() + " " + host,
                    "Microsoft Autodiscover"));
        } else {
            notes.add("no autoconfiguration records: it is served over HTTPS only, and http.tlsListen is empty");
        }
        return new AdminOperations.DomainDnsInfo(domain, out, notes);
    }

    private static AdminOperations.DnsRecordInfo rec(String name, String type, String value, String purpose) {
        return new AdminOperations.DnsRecordInfo(name, type, value, purpose, name + " " + TTL + " IN " + type + " " + value);
    }

    private static String fqdn(String name) {
        return name.endsWith(".") ? name : name + ".";
    }

    private static String quoted(String text) {
        return "\"" + text + "\"";
    }
}
