package org.twinmail.smtp.session;

import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.Account;
import org.twinmail.filter.Client;
import org.twinmail.filter.Decision;
import org.twinmail.filter.Pipeline;
import org.twinmail.filter.Recipient;
import org.twinmail.smtp.command.ForwardPath;
import org.twinmail.smtp.command.SmtpCommand;
import org.twinmail.store.Directory;
import org.twinmail.store.Postmaster;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.StoreException;

/**
 * RCPT TO (RFC 5321 4.1.1.3): turns the forward-path into the address to deliver to (a
 * {@code postmaster} local part in lower case; a bare {@code <Postmaster>} to the postmaster
 * of our hostname's domain: {@link Postmaster#bare}), asks the filter chain's RCPT stage (recipient limit, relay,
 * unknown user, quota: see {@link org.twinmail.filter.Chains}), and adds the accepted
 * recipient to the transaction: its local accounts, or the outbound queue for a remote one.
 */
final class RcptHandler {
    private static final Logger log = LoggerFactory.getLogger(RcptHandler.class);

    private final SessionSettings settings;
    private final Directory store;
    private final Postmaster postmaster;
    private final Pipeline pipeline;
    private final Verdicts verdicts;

    RcptHandler(SessionSettings settings, Directory store, Postmaster postmaster, Pipeline pipeline, Verdicts verdicts) {
        this.settings = settings;
        this.store = store;
        this.postmaster = postmaster;
        this.pipeline = pipeline;
        this.verdicts = verdicts;
    }

    Reply rcpt(SmtpCommand.Rcpt cmd, Transaction tx, Client client) {
        String shown = "<" + Printable.of(cmd.recipient().toString()) + ">";
        try {
            Optional<EmailAddress> address = switch (cmd.recipient()) {
                case ForwardPath.Mailbox m -> Optional.of(Postmaster.isPostmaster(m.address())
                        ? new EmailAddress(Postmaster.LOCAL_PART, m.address().domain()) : m.address());
                case ForwardPath.Postmaster p -> postmaster.bare(settings.hostname());
            };
            // RFC 5321 4.5.1: postmaster@ every local domain is accepted, alias or not (Postmaster says where it goes).
            Recipient recipient = new Recipient(cmd.recipient().toString(), address,
                    a -> Postmaster.isPostmaster(a) ? postmaster.resolve(a) : store.resolve(a));
            Decision d = pipeline.rcpt(client, tx, recipient);
            verdicts.noted(d);
            if (d.refused()) return refuse(tx, d);
            // An accept verdict may have ended the stage before any check asked where the recipient leads.
            return switch (recipient.resolution()) {
                case RecipientResolution.Local local -> accept(tx, recipient, local, d);
                // An authenticated user, or a client the relay check let through, may send anywhere:
                // the message goes into the outbound queue in the same commit as its local copies.
                case RecipientResolution.NotLocal n -> {
                    tx.acceptRemote(recipient.written(), recipient.address().orElseThrow()); // an SRS address: its original sender
                    tx.disposition().apply(d, List.of());
                    yield Reply.of(250, "2.1.5", "Ok");
                }
                case RecipientResolution.Unknown u -> {
                    tx.refuse("unknown_user");
                    verdicts.rejected("unknown_user");
                    yield Reply.of(550, "5.1.1", recipient.shown() + ": Recipient address rejected: User unknown");
                }
            };
        } catch (StoreException e) {
            log.warn("recipient lookup failed for {}: {}", shown, e.getMessage());
            tx.refuse("store_error");
            verdicts.rejected("store_error");
            return Reply.of(451, "4.3.0", shown + ": Temporary lookup failure, try again later");
        }
    }

    private static Reply accept(Transaction tx, Recipient recipient, RecipientResolution.Local local, Decision d) {
        List<Account> accounts = local.accounts();
        tx.accept(recipient.written(), accounts);
        if (!local.remote().isEmpty()) tx.acceptAliasForward(recipient.address().orElseThrow(), local.remote());
        tx.disposition().apply(d, accounts.stream().map(Account::id).toList());
        return Reply.of(250, "2.1.5", "Ok");
    }

    private Reply refuse(Transaction tx, Decision d) {
        tx.refuse(d.verdict().reason());
        return verdicts.reply(d.refusal());
    }

}
