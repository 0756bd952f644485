package org.twinmail.filter.checks;

import org.twinmail.core.model.Account;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Recipient;
import org.twinmail.filter.Verdict;
import org.twinmail.store.AccountLogins;
import org.twinmail.store.RecipientResolution;

/**
 * RCPT: a recipient that leads only to disabled accounts is refused with 550 5.2.1 (RFC 3463:
 * mailbox disabled, not accepting messages), reason {@code account_disabled}, so the sender learns
 * it at once instead of the mail piling up unread. An alias that also reaches enabled accounts is
 * accepted, and the disabled members' copies are stored as usual (readable once they are enabled
 * again): refusing the alias would refuse its other members' mail. One read of each account's
 * login records.
 */
public final class AccountDisabled implements Check.Rcpt {
    private final AccountLogins logins;

    public AccountDisabled(AccountLogins logins) {
        this.logins = logins;
    }

    @Override
    public String name() {
        return "account-disabled";
    }

    @Override
    public Verdict rcpt(Client client, Envelope envelope, Recipient recipient) {
        if (!(recipient.resolution() instanceof RecipientResolution.Local local) || local.accounts().isEmpty()
                || !local.remote().isEmpty()) { // an alias that also leads to remote addresses still reaches them
            return Verdict.proceed();
        }
        for (Account a : local.accounts()) {
            if (logins.disabled(a.id()).isEmpty()) return Verdict.proceed();
        }
        return Verdict.reject(550, "5.2.1", recipient.shown() + ": Recipient address rejected: mailbox disabled", "account_disabled");
    }
}
