package org.twinmail.store;

import java.util.List;
import org.twinmail.core.model.Account;

/** The answer of {@link MailStore#resolve}. */
public sealed interface RecipientResolution {

    /** Mail goes to these local accounts (one or more, after alias expansion, without duplicates). */
    record Local(List<Account> accounts) implements RecipientResolution {
        public Local {
            accounts = List.copyOf(accounts);
        }
    }

    /** The domain is ours but nobody has that address (550 5.1.1). */
    record Unknown() implements RecipientResolution { }

    /** The domain is not served here (relaying is a different question). */
    record NotLocal() implements RecipientResolution { }
}
