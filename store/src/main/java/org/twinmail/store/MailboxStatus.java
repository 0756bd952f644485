package org.twinmail.store;

import org.twinmail.core.model.Mailbox;

/**
 * A mailbox's counters as one transaction saw them (IMAP STATUS, SELECT): the
 * mailbox row (MESSAGES, UIDNEXT, UIDVALIDITY, HIGHESTMODSEQ, SIZE) plus the counts
 * that depend on flags.
 *
 * @param unseen  messages without {@code \Seen}
 * @param deleted messages with {@code \Deleted}
 * @param deletedBytes their total size: what an EXPUNGE gives back to the quota
 */
public record MailboxStatus(Mailbox mailbox, long unseen, long deleted, long deletedBytes) { }
