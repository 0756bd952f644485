package org.twinmail.smtp.session;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Alias;
import org.twinmail.smtp.data.FromHeader;
import org.twinmail.store.MailStore;
import org.twinmail.store.RecipientResolution;

/**
 * What submission (RFC 6409) asks of an authenticated user beyond what the MX checks: the
 * envelope sender and every From address must be theirs (their account's address, or an
 * alias that leads to their account), and they may send only so many messages an hour.
 *
 * <p>Only an alias with exactly that source counts; a domain's catch-all does not, or its
 * owner could send as any address of the domain.
 */
public final class SubmissionPolicy {
    private final MailStore store;
    private final SendingLimits limits;

    /** The policy for one node: {@code maxMessagesPerHour} is shared by all its submission listeners. */
    public SubmissionPolicy(MailStore store, int maxMessagesPerHour) {
        this(store, new SendingLimits(maxMessagesPerHour));
    }

    SubmissionPolicy(MailStore store, SendingLimits limits) {
        this.store = store;
        this.limits = limits;
    }

    /** MAIL FROM in submission: null if allowed, else the refusal. */
    Reply mail(AuthenticatedUser user, Optional<EmailAddress> sender) {
        if (sender.isEmpty()) {
            // RFC 6409 8.1 lets the MSA check the sender; users do not send bounces, so <> is refused.
            return Reply.of(553, "5.7.1", "<>: Sender address rejected: not owned by user " + Printable.of(user.address()));
        }
        if (!owns(user, sender.get())) {
            return Reply.of(553, "5.7.1", "<" + Printable.of(sender.get().toString())
                    + ">: Sender address rejected: not owned by user " + Printable.of(user.address()));
        }
        if (!limits.mayStart(user.accountId())) {
            return Reply.of(450, "4.7.1", "Error: sending rate limit exceeded (" + limits.maxPerHour()
                    + " messages per hour), try again later");
        }
        return null;
    }

    /** After DATA, before delivery: null if every From address is the user's, else the refusal. */
    Reply content(AuthenticatedUser user, MessageData content) throws IOException {
        List<EmailAddress> from;
        try (InputStream in = new BufferedInputStream(content.open())) {
            from = FromHeader.addresses(in);
        } catch (FromHeader.Malformed e) {
            return Reply.of(553, "5.7.1", "Error: " + e.getMessage());
        }
        for (EmailAddress a : from) {
            if (!owns(user, a)) {
                return Reply.of(553, "5.7.1", "Error: From address <" + Printable.of(a.toString())
                        + "> not owned by user " + Printable.of(user.address()));
            }
        }
        return null;
    }

    /** Counts a delivered message against the user's hourly limit. */
    void sent(AuthenticatedUser user) {
        limits.sent(user.accountId());
    }

    boolean owns(AuthenticatedUser user, EmailAddress address) {
        Optional<Account> account = store.findAccount(address);
        if (account.isPresent()) return account.get().id() == user.accountId();
        String key = address.key();
        boolean aliasExists = store.listAliases(address.domain()).stream()
                .filter(a -> !a.isCatchAll()).map(Alias::source).anyMatch(key::equalsIgnoreCase);
        if (!aliasExists) return false;
        return store.resolve(address) instanceof RecipientResolution.Local local
                && local.accounts().stream().anyMatch(a -> a.id() == user.accountId());
    }
}
