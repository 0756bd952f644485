package org.twinmail.jmap.mail;

import java.util.Map;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.Rights;

/**
 * The account a mail method acts on (RFC 8620 1.6.2: the call's {@code accountId}) and what the
 * user may do there: its own account, with every right, or an account it reaches through mailbox
 * ACLs ({@link SharedAccounts}), with the RFC 4314 rights of each mailbox it sees ({@code l}).
 *
 * @param owner  the account whose mailboxes, change log entries and quota these are
 * @param user   the authenticated account acting
 * @param rights for a shared account, the user's rights by mailbox id (only mailboxes it sees); null for its own
 * @param writer where changes go: the store for its own account, the store's checked {@code AccountMailboxes}
 *               of the user for a shared one (so the store enforces the rights again, as for IMAP)
 */
public record Scope(long owner, long user, Map<Long, Rights> rights, Mailboxes writer) {
    public boolean own() {
        return rights == null;
    }

    /** The user's rights on a mailbox of the account (none on one it does not see). */
    public Rights rights(long mailboxId) {
        if (rights == null) return Rights.ALL;
        return rights.getOrDefault(mailboxId, Rights.NONE);
    }

    /** The account's JMAP id. */
    public String accountId() {
        return Ids.account(owner);
    }
}
