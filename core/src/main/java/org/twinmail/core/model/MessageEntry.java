package org.twinmail.core.model;

import java.time.Instant;
import java.util.Set;

/**
 * One message in one mailbox. Several entries may share a blob (one copy for many recipients).
 *
 * @param flags  system flags ("\\Seen", "\\Deleted", ...) and keywords, as IMAP spells them
 * @param modSeq change-log position of the entry's last change (CONDSTORE MODSEQ)
 * @param blobId content address (SHA-256 hex) of the message bytes
 */
public record MessageEntry(long mailboxId, long uid, long modSeq, Set<String> flags,
                           Instant internalDate, long size, String blobId) {
    public MessageEntry {
        flags = Set.copyOf(flags);
    }
}
