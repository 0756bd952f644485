package org.twinmail.store;

import java.util.List;
import org.twinmail.core.model.MessageEntry;

/**
 * What {@link MailStore#storeFlags} did.
 *
 * @param updated        entries whose flags changed, as they are now (each with its new MODSEQ)
 * @param modified       UIDs refused by the UNCHANGEDSINCE test (their MODSEQ was higher): RFC 7162 {@code [MODIFIED]}
 * @param changePosition change-log position of the last change made (the mailbox's HIGHESTMODSEQ if nothing changed)
 */
public record FlagsResult(List<MessageEntry> updated, List<Long> modified, long changePosition) {
    public FlagsResult {
        updated = List.copyOf(updated);
        modified = List.copyOf(modified);
    }
}
