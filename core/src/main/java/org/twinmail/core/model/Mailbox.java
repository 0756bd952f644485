package org.twinmail.core.model;

/**
 * A folder of an account, with the IMAP counters the store maintains:
 * UIDs are assigned from {@code uidNext} in ascending order and never reused while
 * {@code uidValidity} stays the same; {@code highestModSeq} is the change-log position
 * of the newest change to this mailbox.
 *
 * @param specialUse null for an ordinary folder
 */
public record Mailbox(long id, long accountId, String name, long uidValidity, long uidNext,
                      long highestModSeq, SpecialUse specialUse, long messageCount, long sizeBytes) {
}
