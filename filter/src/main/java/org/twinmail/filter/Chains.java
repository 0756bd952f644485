package org.twinmail.filter;

import java.util.List;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.dns.DnsMxResolver;
import org.twinmail.filter.auth.MessageAuthentication;
import org.twinmail.filter.connect.Pregreet;
import org.twinmail.filter.content.BayesTokens;
import org.twinmail.filter.content.ContentScore;
import org.twinmail.filter.connect.ReverseDns;
import org.twinmail.filter.auth.report.DmarcAggregates;
import org.twinmail.filter.checks.DeclaredSize;
import org.twinmail.filter.dnsbl.Dnsbl;
import org.twinmail.filter.checks.HopCount;
import org.twinmail.filter.checks.Quota;
import org.twinmail.filter.checks.RecipientExists;
import org.twinmail.filter.checks.RecipientLimit;
import org.twinmail.filter.checks.Relay;
import org.twinmail.filter.checks.SendingLimits;
import org.twinmail.filter.checks.SendingRate;
import org.twinmail.filter.checks.SubmissionSender;
import org.twinmail.filter.auth.Spf;
import org.twinmail.filter.greylist.Greylist;
import org.twinmail.filter.outbound.OutboundHold;
import org.twinmail.filter.rules.AdminRules;
import org.twinmail.filter.rules.IpRules;
import org.twinmail.filter.rules.SenderRules;
import org.twinmail.filter.scan.Scanners;
import org.twinmail.store.Directory;

/**
 * The one place where the checks of each listener are put in order. Read top to bottom, this
 * is the policy of the server (docs/architecture.md, "The path of a message", lists the same
 * order with the replies). Each check is placed in every stage it implements:
 *
 * <pre>
 * MX                                     submission (after AUTH, which the session requires before MAIL)
 *   connect: (ip-rules), (dnsbl),          connect: (ip-rules)
 *            (reverse-dns), (pregreet)
 *   mail: declared-size, (authentication)  mail: submission-sender, sending-rate, declared-size
 *   rcpt: recipient-limit, relay,          rcpt: recipient-limit, recipient-exists, quota
 *         recipient-exists, quota, (sender-rules)
 *   data: hop-count, (sender-rules),       data: hop-count, submission-sender, (outbound-hold), clamav
 *         (authentication), clamav,        delivered: sending-rate, (outbound-hold), (traffic-count)
 *         (sender-allow), (content), spamd, rspamd
 *   delivered: (traffic-count)
 *   (ip-rules, sender-rules and sender-allow with the administrator's rules (the server always has them);
 *   dnsbl when filter.dnsbl.lists is set; reverse-dns when filter.reverseDns.missing or .mismatch is not none;
 *   traffic-count added by the server (withTraffic); pregreet when filter.pregreet.enabled; content when filter.content.enabled (the default); authentication when filter.authentication.enabled; clamav and spamd when
 *   filter.clamav.address / filter.spamd.address are set)
 * </pre>
 *
 * The anti-spam checks of the next step slot in here as ordinary checks (DNSBL at connect,
 * SPF at MAIL, greylisting at RCPT, DKIM/DMARC and scanners at DATA).
 */
public final class Chains {
    private Chains() {
    }

    /** The MX ({@code smtp.listen}): mail from anyone for our domains; no DMARC aggregate reports. */
    public static Chain mx(TwinmailConfig config, Directory directory) {
        return mx(config, directory, null, null, null);
    }

    /** The MX with the administrator's rules ({@code rules}: null for none). */
    public static Chain mx(TwinmailConfig config, Directory directory, AdminRules rules) {
        return mx(config, directory, null, null, rules);
    }

    /**
     * The same on the node's resolver {@code dns} (null: one of its own from {@code relay.dns}),
     * counting DMARC results for aggregate reports into {@code dmarcReports} (null: none).
     */
    public static Chain mx(TwinmailConfig config, Directory directory, DnsMxResolver nodeDns, DmarcAggregates dmarcReports) {
        return mx(config, directory, nodeDns, dmarcReports, null);
    }

    /** The same with the administrator's rules ({@code rules}: null for none). */
    public static Chain mx(TwinmailConfig config, Directory directory, DnsMxResolver nodeDns, DmarcAggregates dmarcReports,
                           AdminRules rules) {
        return mx(config, directory, nodeDns, dmarcReports, rules, null);
    }

    /**
     * The same with the Bayes token counts of the content score ({@code bayes}: null for the
     * rules alone): the server's MX.
     */
    public static Chain mx(TwinmailConfig config, Directory directory, DnsMxResolver nodeDns, DmarcAggregates dmarcReports,
                           AdminRules rules, BayesTokens bayes) {
        return mx(config, directory, nodeDns, dmarcReports, rules, bayes, null);
    }

    /**
     * The same with the users' own spam levels ({@code levels}: null for the administrator's
     * thresholds for everyone), which the content score applies to each recipient's copy.
     */
    public static Chain mx(TwinmailConfig config, Directory directory, DnsMxResolver nodeDns, DmarcAggregates dmarcReports,
                           AdminRules rules, BayesTokens bayes, org.twinmail.filter.content.SpamLevels levels) {
        TwinmailConfig.Smtp smtp = config.smtp;
        if (smtp.maxRecipients < 1) throw new IllegalArgumentException("smtp.maxRecipients must be at least 1");
        Relay relay = Relay.of(smtp.relayNetworks);
        Chain.Builder mx = Chain.builder("mx");
        if (rules != null) mx.add(new IpRules(rules)); // connect: first, so an allow skips the DNSBL
        mx.add(new DeclaredSize(smtp.maxMessageSize.bytes()))
                .add(new RecipientLimit(smtp.maxRecipients))
                .add(relay)
                .add(new RecipientExists(config.hostname))
                .add(new Quota(directory::findDomain))
                .add(new HopCount(smtp.maxHops));
        SenderRules senderRules = rules == null ? null : new SenderRules(rules);
        if (senderRules != null) mx.add(senderRules); // rcpt: last so far; data: after hop-count
        boolean rdns = ReverseDns.enabled(config.filter.reverseDns);
        DnsMxResolver dns = nodeDns != null ? nodeDns : config.filter.authentication.enabled || !config.filter.dnsbl.lists.isEmpty() || rdns
                ? DnsMxResolver.fromConfig(config.relay.dns) : null;
        if (!config.filter.dnsbl.lists.isEmpty()) mx.add(Dnsbl.fromConfig(config.filter.dnsbl, dns)); // connect
        if (rdns) mx.add(ReverseDns.fromConfig(config.filter.reverseDns, smtp.relayNetworks, dns)); // connect
        if (config.filter.pregreet.enabled) mx.add(Pregreet.fromConfig(config.filter.pregreet, smtp.relayNetworks)); // connect, last
        if (config.filter.greylist.enabled) { // rcpt: after sender-rules, whose accept skips it
            mx.add(new Greylist(config.filter.greylist, smtp.relayNetworks,
                    config.filter.authentication.enabled ? new Spf(dns, config.hostname, java.time.Clock.systemUTC()) : null,
                    System::currentTimeMillis));
        }
        if (config.filter.authentication.enabled) { // mail: SPF; data: SPF, DKIM, DMARC, Authentication-Results
            mx.add(MessageAuthentication.fromConfig(config, d -> directory.findDomain(d).isPresent(), relay, dns, dmarcReports));
        }
        // data: clamav, then the sender allow-list, then the content score, then spamd, rspamd (when configured)
        return Scanners.addTo(mx, config.filter, true, senderRules == null ? null : senderRules.allowList(),
                ContentScore.fromConfig(config.filter.content, bayes, levels)).build();
    }

    /**
     * Submission ({@code submission.listen}, {@code submission.tlsListen}): our users' mail. One
     * chain per node, shared by both listeners, so the sending limit counts a user's messages on both.
     */
    public static Chain submission(TwinmailConfig config, Directory directory) {
        return submission(config, directory, null);
    }

    /** Submission with the administrator's IP rules ({@code rules}: null for none); sender rules are the MX's. */
    public static Chain submission(TwinmailConfig config, Directory directory, AdminRules rules) {
        return submission(config, directory, rules, null);
    }

    /**
     * The same with the outbound anomaly hold ({@code hold}: null for none), after the sending
     * rate: the server's submission.
     */
    public static Chain submission(TwinmailConfig config, Directory directory, AdminRules rules, OutboundHold hold) {
        TwinmailConfig.Smtp smtp = config.smtp;
        TwinmailConfig.Submission sub = config.submission;
        if (smtp.maxRecipients < 1) throw new IllegalArgumentException("smtp.maxRecipients must be at least 1");
        if (sub.maxRecipientsPerMessage < 1) throw new IllegalArgumentException("submission.maxRecipientsPerMessage must be at least 1");
        SubmissionSender sender = new SubmissionSender(directory);
        Chain.Builder submission = Chain.builder("submission");
        if (rules != null) submission.add(new IpRules(rules)); // connect
        submission.add(new HopCount(smtp.maxHops)) // at DATA before the From check, as a loop is refused whoever sent it
                .add(sender)
                .add(new SendingRate(new SendingLimits(sub.maxMessagesPerHour, sub.sendingLimitWindow)));
        if (hold != null) submission.add(hold); // data: after submission-sender; delivered: after sending-rate
        submission
                .add(new DeclaredSize(smtp.maxMessageSize.bytes()))
                .add(new RecipientLimit(Math.min(sub.maxRecipientsPerMessage, smtp.maxRecipients)))
                .add(new RecipientExists(config.hostname))
                .add(new Quota(directory::findDomain));
        return Scanners.addTo(submission, config.filter, false, null).build(); // data: clamav (when configured)
    }

    /**
     * {@code chain} with the recipients' own Sieve scripts last in DATA: every server-wide
     * check (rules, authentication, scanners) has spoken before a user's script files,
     * discards or rejects.
     */
    public static Chain withSieve(Chain chain, org.twinmail.filter.sieve.SieveFilter sieve) {
        return chain.toBuilder().add(sieve).build();
    }

    /**
     * The MX {@code chain} with bounces to our SRS addresses let through to the original sender
     * ({@code srs}, just before {@code relay} at RCPT).
     */
    public static Chain withSrs(Chain chain, org.twinmail.filter.forward.SrsReturn srs) {
        return chain.toBuilder().addBefore("relay", srs).build();
    }

    /**
     * {@code chain} with recipients that lead only to disabled accounts refused at RCPT (550 5.2.1),
     * just after {@code recipient-exists}.
     */
    public static Chain withDisabledAccounts(Chain chain, org.twinmail.store.Records records) {
        return chain.toBuilder().addBefore("quota", new org.twinmail.filter.checks.AccountDisabled(new org.twinmail.store.AccountLogins(records))).build();
    }

    /**
     * The MX {@code chain} with other servers' failure notices to our accounts counted by the
     * outbound anomaly hold ({@code hold}'s {@code remote-bounces}, last at DATA: only a report
     * every other check let through counts); the chain as it is when {@code hold} is null.
     */
    public static Chain withRemoteBounces(Chain chain, OutboundHold hold) {
        return hold == null ? chain : chain.toBuilder().add(hold.remoteBounces()).build();
    }

    /**
     * {@code chain} with each delivered message counted per sending account and per receiving
     * account ({@code traffic-count}, last at DELIVERED), for the console's top senders and receivers.
     */
    public static Chain withTraffic(Chain chain, org.twinmail.store.AccountTraffic traffic) {
        return chain.toBuilder().add(new org.twinmail.filter.checks.TrafficCount(traffic)).build();
    }

    /** Both chains' stage order, as {@link Chain#describe()} prints it. */
    public static String describe(List<Chain> chains) {
        StringBuilder b = new StringBuilder();
        for (Chain c : chains) b.append(c).append("\n\n");
        return b.toString().strip();
    }
}
