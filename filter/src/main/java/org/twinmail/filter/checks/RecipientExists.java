package org.twinmail.filter.checks;

import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Recipient;
import org.twinmail.filter.Verdict;
import org.twinmail.store.RecipientResolution;

/**
 * RCPT: a recipient in one of our domains that leads nowhere (no account, no alias, no
 * catch-all; the store resolves aliases recursively) is refused with 550 5.1.1, reason
 * {@code unknown_user}. So is a bare {@code <Postmaster>} when no local domain is ours.
 */
public final class RecipientExists implements Check.Rcpt {
    private final String hostname;

    /** @param hostname this server's name, for the reply to a bare postmaster we cannot place */
    public RecipientExists(String hostname) {
        this.hostname = hostname;
    }

    @Override
    public String name() {
        return "recipient-exists";
    }

    @Override
    public Verdict rcpt(Client client, Envelope envelope, Recipient recipient) {
        if (recipient.address().isEmpty()) {
            return Verdict.reject(550, "5.1.1", recipient.shown() + ": Recipient address rejected: no postmaster for " + hostname,
                    "unknown_user");
        }
        if (recipient.resolution() instanceof RecipientResolution.Unknown) {
            return Verdict.reject(550, "5.1.1", recipient.shown() + ": Recipient address rejected: User unknown", "unknown_user");
        }
        return Verdict.proceed();
    }
}
