package org.twinmail.filter.auth;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.dns.DnsLookups;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.HeaderField;
import org.twinmail.filter.Message;
import org.twinmail.filter.Verdict;
import org.twinmail.filter.auth.report.DmarcAggregates;
import org.twinmail.filter.checks.Relay;
import org.twinmail.mail.dkim.DkimResult;
import org.twinmail.mail.dkim.DkimVerifier;

/**
 * SPF, DKIM and DMARC on the MX ({@code filter.authentication}), name {@code authentication}.
 *
 * <p>MAIL: SPF of the envelope sender (the HELO name for {@code <>}); a fail is refused with
 * 550 5.7.23 only when {@code spfRejectFail} is on. DATA: SPF again (the answers are in the
 * DNS cache), every DKIM signature, DMARC of the From domain; then, in this order: a DMARC
 * p=reject failure is refused (550 5.7.1, {@code dmarc_reject}); a From in one of our domains
 * from a client that neither authenticated nor may relay, without a DMARC pass, is refused
 * (550 5.7.1, {@code forged_local_from}); a p=quarantine failure is filed into Junk
 * ({@code dmarc_quarantine}); none of these for a client that authenticated or may relay
 * ({@code smtp.relayNetworks}); every message gets an Authentication-Results field (RFC 8601)
 * with our host name as authserv-id, its reason {@code spf_<r>_dkim_<r>_dmarc_<r>} in the log
 * line and the metrics.
 */
public final class MessageAuthentication implements Check.Mail, Check.Data {
    static final String JUNK_KEYWORD = "$Junk";

    private final Spf spf;
    private final DkimVerifier dkim;
    private final Dmarc dmarc;
    private final String authservId;
    private final Predicate<String> localDomain;
    private final Relay relay;
    private final boolean spfRejectFail;
    private final boolean dmarcEnforce;
    private final boolean refuseForgedLocalFrom;
    private final DmarcAggregates reports;

    public MessageAuthentication(DnsLookups dns, String hostname, Predicate<String> localDomain, Relay relay, int maxDkimSignatures,
            boolean spfRejectFail, boolean dmarcEnforce, boolean refuseForgedLocalFrom, Clock clock) {
        this(dns, hostname, localDomain, relay, maxDkimSignatures, spfRejectFail, dmarcEnforce, refuseForgedLocalFrom, clock, null);
    }

    /** @param reports where messages evaluated against a DMARC record with rua= are counted for aggregate reports, or null */
    public MessageAuthentication(DnsLookups dns, String hostname, Predicate<String> localDomain, Relay relay, int maxDkimSignatures,
            boolean spfRejectFail, boolean dmarcEnforce, boolean refuseForgedLocalFrom, Clock clock, DmarcAggregates reports) {
        this.reports = reports;
        this.spf = new Spf(dns, hostname, clock);
        this.dkim = new DkimVerifier(new DnsKeySource(dns), clock, maxDkimSignatures);
        this.dmarc = new Dmarc(dns, () -> ThreadLocalRandom.current().nextInt(100));
        this.authservId = hostname;
        this.localDomain = localDomain;
        this.relay = relay;
        this.spfRejectFail = spfRejectFail;
        this.dmarcEnforce = dmarcEnforce;
        this.refuseForgedLocalFrom = refuseForgedLocalFrom;
    }

    /** The check {@code filter.authentication} describes, on {@code dns} (relay.dns's resolver and cache). */
    public static MessageAuthentication fromConfig(TwinmailConfig config, Predicate<String> localDomain, Relay relay, DnsLookups dns,
                                                   DmarcAggregates reports) {
        TwinmailConfig.Authentication a = config.filter.authentication;
        if (a.maxDkimSignatures < 1) throw new IllegalArgumentException("filter.authentication.maxDkimSignatures must be at least 1");
        return new MessageAuthentication(dns, config.hostname, localDomain, relay, a.maxDkimSignatures, a.spfRejectFail, a.dmarcEnforce,
                a.refuseForgedLocalFrom, Clock.systemUTC(), a.aggregateReports ? reports : null);
    }

    @Override
    public String name() {
        return "authentication";
    }

    private SpfResult spf(Client client, Envelope envelope) {
        return spf.check(client.ip(), envelope.sender().map(EmailAddress::toString).orElse(""), client.helo());
    }

    @Override
    public Verdict mail(Client client, Envelope envelope) {
        if (!spfRejectFail || trusted(client)) return Verdict.proceed();
        SpfResult r = spf(client, envelope);
        if (r.result() != SpfResult.Result.FAIL) return Verdict.proceed();
        String why = r.explanation().isEmpty() ? "SPF of " + r.domain() + " does not allow this host" : r.explanation();
        return Verdict.reject(550, "5.7.23", "Sender rejected: " + why, "spf_fail");
    }

    /** Authenticated users and smtp.relayNetworks are our own: not checked against our domains' From. */
    private boolean trusted(Client client) {
        return client.user().isPresent() || relay.mayRelay(client.ip());
    }

    @Override
    public Verdict data(Client client, Envelope envelope, Message message) throws IOException {
        SpfResult s = spf(client, envelope);
        List<DkimResult> d;
        try (InputStream in = message.open()) {
            d = dkim.verify(in);
        }
        Optional<String> from = fromDomain(message);
        DmarcResult m = from.map(f -> dmarc.evaluate(f, s, d))
                .orElseGet(() -> new DmarcResult(DmarcResult.Result.PERMERROR, "", DmarcRecord.Policy.NONE, false, "no single From domain"));
        HeaderField results = AuthenticationResults.field(authservId, s, d, m);
        String dkimToken = d.stream().anyMatch(DkimResult::passed) ? "pass" : d.isEmpty() ? "none" : d.getFirst().result().token();
        String reason = "spf_" + s.result().token() + "_dkim_" + dkimToken + "_dmarc_" + m.result().token();
        if (trusted(client)) return Verdict.addHeaders(reason, results); // our users and relay hosts: recorded, never refused here
        if (dmarcEnforce && m.result() == DmarcResult.Result.FAIL && m.enforce() && m.policy() == DmarcRecord.Policy.REJECT) {
            report(client, envelope, s, d, m, "reject");
            return Verdict.reject(550, "5.7.1", "Message refused by the DMARC policy of " + m.fromDomain(), "dmarc_reject");
        }
        if (refuseForgedLocalFrom && from.isPresent() && localDomain.test(from.get()) && !trusted(client) && m.result() != DmarcResult.Result.PASS) {
            report(client, envelope, s, d, m, "reject");
            return Verdict.reject(550, "5.7.1", "Message refused: From " + from.get() + " is our domain, and this message is not authenticated", "forged_local_from");
        }
        if (dmarcEnforce && m.result() == DmarcResult.Result.FAIL && m.enforce() && m.policy() == DmarcRecord.Policy.QUARANTINE) {
            report(client, envelope, s, d, m, "quarantine");
            return Verdict.effects(Verdict.addHeaders(reason, results), Verdict.fileInto(SpecialUse.JUNK, Set.of(JUNK_KEYWORD), "dmarc_quarantine"));
        }
        report(client, envelope, s, d, m, "none");
        return Verdict.addHeaders(reason, results);
    }

    /** Counts the message for the From domain's aggregate report, when it asks for one (rua=). */
    private void report(Client client, Envelope envelope, SpfResult s, List<DkimResult> d, DmarcResult m, String disposition) {
        if (reports == null || m.record() == null) return;
        DkimResult first = d.isEmpty() ? null : d.getFirst();
        reports.observe(m, new DmarcAggregates.Row(client.ip().getHostAddress(), disposition,
                m.dkimAligned() ? "pass" : "fail", m.spfAligned() ? "pass" : "fail", m.fromDomain(),
                envelope.sender().map(a -> a.domain().toLowerCase(java.util.Locale.ROOT)).orElse(""),
                first == null ? "" : first.domain(), first == null ? "" : first.result().token(),
                s.domain(), s.result().token()));
    }

    /** The domain of the one From field's addresses; empty when there is none, several domains, or it does not parse. */
    private static Optional<String> fromDomain(Message message) throws IOException {
        List<EmailAddress> from;
        try {
            from = message.from();
        } catch (Message.MalformedHeader e) {
            return Optional.empty();
        }
        if (from.isEmpty()) return Optional.empty();
        String domain = from.getFirst().domain().toLowerCase(java.util.Locale.ROOT);
        for (EmailAddress a : from) if (!a.domain().equalsIgnoreCase(domain)) return Optional.empty();
        return Optional.of(domain);
    }
}
