package org.twinmail.store;

import java.util.List;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;

/** The answer of {@link MailStore#resolve}. */
public sealed interface RecipientResolution {

    /**
     * Mail goes to these local accounts (after alias expansion, without duplicates) and to the
     * remote addresses an alias leads to ({@code remote}: forwarded with SRS at delivery, as an
     * account's forwarding); at least one of the two.
     */
    record Local(List<Account> accounts, List<EmailAddress> remote) implements RecipientResolution {
        public Local {
            accounts = List.copyOf(accounts);
            remote = List.copyOf(remote);
            if (accounts.isEmpty() && remote.isEmpty()) throw new IllegalArgumentException("a local recipient leads somewhere");
        }

        /** Local accounts only. */
        public Local(List<Account> accounts) {
            this(accounts, List.of());
        }
    }

    /** The domain is ours but nobody has that address (550 5.1.1). */
    record Unknown() implements RecipientResolution { }

    /** The domain is not served here (relaying is a different question). */
    record NotLocal() implements RecipientResolution { }
}
