package org.twinmail.smtp.session;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Domain;
import org.twinmail.smtp.command.ForwardPath;
import org.twinmail.smtp.command.SmtpCommand;
import org.twinmail.store.MailStore;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.StoreException;

/**
 * RCPT TO (RFC 5321 4.1.1.3): is the recipient ours, does it exist, can it take the mail?
 * Everything the store can answer now is answered now, so the sender learns of an unknown
 * user or a full mailbox from the RCPT reply instead of a bounce later.
 *
 * <ul>
 *   <li>more than {@code maxRecipients} accepted: 452 4.5.3 (RFC 5321 4.5.3.1.10), not counted
 *       as an error for the first {@code maxRecipients} of them</li>
 *   <li>domain not served here: 550 5.7.1 relaying denied: the MX relays only for clients in
 *       {@code smtp.relayNetworks}; submission accepts it for the outbound queue</li>
 *   <li>local domain, no such address: 550 5.1.1</li>
 *   <li>declared SIZE over an account's per-message limit: 552 5.3.4 (RFC 1870)</li>
 *   <li>account or its domain full, or would be with the declared SIZE: 452 4.2.2</li>
 *   <li>store unreachable: 451 4.3.0, so the client retries</li>
 * </ul>
 */
final class RcptHandler {
    private static final Logger log = LoggerFactory.getLogger(RcptHandler.class);

    private final SessionSettings settings;
    private final MailStore store;
    private final SmtpMetrics metrics;

    RcptHandler(SessionSettings settings, MailStore store, SmtpMetrics metrics) {
        this.settings = settings;
        this.store = store;
        this.metrics = metrics;
    }

    /** @param clientMayRelay the MX's client is in {@code smtp.relayNetworks} */
    Reply rcpt(SmtpCommand.Rcpt cmd, Transaction tx, boolean clientMayRelay) {
        if (tx.recipients().size() >= settings.maxRecipients()) {
            // RFC 5321 4.5.3.1.10: the client should send the rest in a later transaction, so a
            // well-behaved client that pipelined a long list is not punished for it, up to as many
            // again as the limit (Postfix's smtpd_recipient_overshoot_limit).
            Reply reply = Reply.of(452, "4.5.3", "Error: too many recipients");
            if (tx.overshoot() <= settings.maxRecipients()) reply = reply.exemptFromErrorLimit();
            return refuse(tx, RejectReason.TOO_MANY_RECIPIENTS, reply);
        }
        String shown = "<" + Printable.of(cmd.recipient().toString()) + ">";
        try {
            EmailAddress address = switch (cmd.recipient()) {
                case ForwardPath.Mailbox m -> isPostmaster(m.address())
                        ? new EmailAddress("postmaster", m.address().domain()) : m.address();
                case ForwardPath.Postmaster p -> postmaster().orElse(null);
            };
            if (address == null) {
                return refuse(tx, RejectReason.UNKNOWN_USER,
                        Reply.of(550, "5.1.1", shown + ": Recipient address rejected: no postmaster for " + settings.hostname()));
            }
            return switch (store.resolve(address)) {
                case RecipientResolution.NotLocal n -> settings.mode() == SmtpMode.MX && !clientMayRelay
                        ? refuse(tx, RejectReason.RELAY_DENIED, Reply.of(550, "5.7.1", shown + ": Relay access denied"))
                        // An authenticated user, or a client of the site's own networks, may send anywhere:
                        // the message goes into the outbound queue in the same commit as its local copies.
                        : acceptRemote(tx, cmd.recipient().toString(), address);
                case RecipientResolution.Unknown u -> refuse(tx, RejectReason.UNKNOWN_USER,
                        Reply.of(550, "5.1.1", shown + ": Recipient address rejected: User unknown"));
                case RecipientResolution.Local local -> accept(tx, cmd.recipient().toString(), shown, local.accounts());
            };
        } catch (StoreException e) {
            log.warn("recipient lookup failed for {}: {}", shown, e.getMessage());
            return refuse(tx, RejectReason.STORE_ERROR,
                    Reply.of(451, "4.3.0", shown + ": Temporary lookup failure, try again later"));
        }
    }

    private Reply accept(Transaction tx, String recipient, String shown, List<Account> accounts) {
        long declared = tx.parameters().size().orElse(0);
        // "Full" means not even one more byte fits; with SIZE, the declared size must fit.
        long needed = Math.max(1, declared);
        Map<String, Optional<Domain>> domains = new HashMap<>();
        for (Account a : accounts) {
            if (declared > 0 && a.maxMessageBytes() > 0 && declared > a.maxMessageBytes()) {
                return refuse(tx, RejectReason.TOO_BIG, Reply.of(552, "5.3.4",
                        shown + ": Recipient address rejected: message size exceeds the recipient's limit"));
            }
            if (a.isFull(needed)) {
                return refuse(tx, RejectReason.QUOTA, Reply.of(452, "4.2.2",
                        shown + ": Recipient address rejected: mailbox full"));
            }
            Optional<Domain> domain = domains.computeIfAbsent(a.address().domain(), store::findDomain);
            if (domain.isPresent() && domain.get().isFull(needed)) {
                return refuse(tx, RejectReason.QUOTA, Reply.of(452, "4.2.2",
                        shown + ": Recipient address rejected: mailbox full (domain quota)"));
            }
        }
        // An alias with several targets is refused as a whole if one target cannot take the
        // message: accepting it for the others would lose that copy without telling anyone.
        tx.accept(recipient, accounts);
        return Reply.of(250, "2.1.5", "Ok");
    }

    private Reply acceptRemote(Transaction tx, String recipient, EmailAddress address) {
        tx.acceptRemote(recipient, address);
        return Reply.of(250, "2.1.5", "Ok");
    }

    /**
     * RFC 5321 4.5.1: {@code <Postmaster>} without a domain means this host's postmaster. We
     * look for the first local domain among our hostname and its parents (mx.example.com,
     * example.com), since an MX usually serves its parent domain.
     */
    private Optional<EmailAddress> postmaster() {
        String domain = settings.hostname().toLowerCase(Locale.ROOT);
        while (true) {
            if (store.isLocalDomain(domain)) return Optional.of(new EmailAddress("postmaster", domain));
            int dot = domain.indexOf('.');
            if (dot < 0 || domain.indexOf('.', dot + 1) < 0) return Optional.empty(); // never try a bare TLD
            domain = domain.substring(dot + 1);
        }
    }

    private static boolean isPostmaster(EmailAddress a) {
        return a.localPart().equalsIgnoreCase("postmaster");
    }

    private Reply refuse(Transaction tx, RejectReason reason, Reply reply) {
        tx.refuse();
        metrics.rejected(reason);
        return reply;
    }
}
