package org.twinmail.store;

import java.util.List;
import org.twinmail.core.model.MessageEntry;

/**
 * A mailbox's changes after a MODSEQ (RFC 7162 CONDSTORE/QRESYNC), read in one transaction.
 *
 * @param highestModSeq the mailbox's HIGHESTMODSEQ at the time of reading
 * @param changed       entries present now whose MODSEQ is above the one asked for (added or flags changed), by UID
 * @param expunged      UIDs expunged after that MODSEQ, ascending (from the change log)
 */
public record MailboxChanges(long highestModSeq, List<MessageEntry> changed, List<Long> expunged) {
    public MailboxChanges {
        changed = List.copyOf(changed);
        expunged = List.copyOf(expunged);
    }
}
