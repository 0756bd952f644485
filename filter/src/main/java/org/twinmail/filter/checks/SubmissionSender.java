package org.twinmail.filter.checks;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Alias;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Message;
import org.twinmail.filter.Verdict;
import org.twinmail.store.Directory;
import org.twinmail.store.RecipientResolution;

/**
 * Submission (RFC 6409 8.1): the envelope sender (at MAIL) and every From address (at DATA)
 * must be the authenticated user's: their account's address, or an alias that leads to their
 * account. Otherwise 553 5.7.1, reason {@code sender_mismatch}. Users do not send bounces, so
 * {@code <>} is refused too, except for a notification the server wrote for the user
 * ({@link Envelope#serverNotification()}: an MDN), whose From is still checked at DATA. Only an alias with exactly that source counts; a domain's
 * catch-all does not, or its owner could send as any address of the domain.
 */
public final class SubmissionSender implements Check.Mail, Check.Data {
    static final String REASON = "sender_mismatch";

    private final Directory store;

    public SubmissionSender(Directory store) {
        this.store = store;
    }

    @Override
    public String name() {
        return "submission-sender";
    }

    @Override
    public Verdict mail(Client client, Envelope envelope) {
        AuthenticatedUser user = user(client);
        Optional<EmailAddress> sender = envelope.sender();
        if (sender.isEmpty()) {
            if (envelope.serverNotification()) return Verdict.proceed();
            return Verdict.reject(553, "5.7.1", "<>: Sender address rejected: not owned by user " + Printable.of(user.address()), REASON);
        }
        if (!owns(user, sender.get())) {
            return Verdict.reject(553, "5.7.1", "<" + Printable.of(sender.get().toString())
                    + ">: Sender address rejected: not owned by user " + Printable.of(user.address()), REASON);
        }
        return Verdict.proceed();
    }

    @Override
    public Verdict data(Client client, Envelope envelope, Message message) throws IOException {
        AuthenticatedUser user = user(client);
        List<EmailAddress> from;
        try {
            from = message.from();
        } catch (Message.MalformedHeader e) {
            return Verdict.reject(553, "5.7.1", "Error: " + e.getMessage(), REASON);
        }
        for (EmailAddress a : from) {
            if (!owns(user, a)) {
                return Verdict.reject(553, "5.7.1", "Error: From address <" + Printable.of(a.toString())
                        + "> not owned by user " + Printable.of(user.address()), REASON);
            }
        }
        return Verdict.proceed();
    }

    /** True when {@code address} is the user's account's, or an alias (not a catch-all) leading to it. */
    public boolean owns(AuthenticatedUser user, EmailAddress address) {
        Optional<Account> account = store.findAccount(address);
        if (account.isPresent()) return account.get().id() == user.accountId();
        String key = address.key();
        boolean aliasExists = store.listAliases(address.domain()).stream()
                .filter(a -> !a.isCatchAll()).map(Alias::source).anyMatch(key::equalsIgnoreCase);
        if (!aliasExists) return false;
        return store.resolve(address) instanceof RecipientResolution.Local local
                && local.accounts().stream().anyMatch(a -> a.id() == user.accountId());
    }

    private static AuthenticatedUser user(Client client) {
        // The session refuses MAIL before AUTH on submission; a chain that runs this check elsewhere is wrong.
        return client.user().orElseThrow(() -> new IllegalStateException("submission-sender needs an authenticated user"));
    }
}
