package org.twinmail.pop3.maildrop;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.StoreException;

/**
 * The session's view of the INBOX: the messages present at login, numbered 1..n in
 * UID order, plus the deletion marks. RFC 1939 fixes the numbering for the whole
 * session, so mail delivered meanwhile shows up at the next login, and DELE only
 * marks: the store changes in the UPDATE state, when the session hands
 * {@link #deletedUids()} to {@link Mailboxes#expunge} in one call.
 *
 * <p>Used by one session thread only; not thread-safe.
 */
public final class Maildrop {
    /** Which mailbox POP3 serves: RFC 1939 knows only the one maildrop. */
    public static final String INBOX = "INBOX";

    private final long mailboxId;
    private final long uidValidity;
    private final List<MessageEntry> messages;
    private final BitSet deleted = new BitSet();
    private final long totalSize;

    Maildrop(long mailboxId, long uidValidity, List<MessageEntry> messages) {
        this.mailboxId = mailboxId;
        this.uidValidity = uidValidity;
        this.messages = List.copyOf(messages);
        long sum = 0;
        for (MessageEntry m : this.messages) sum += m.size();
        this.totalSize = sum;
    }

    /**
     * Takes the snapshot of {@code accountId}'s INBOX. The caller must hold the
     * account's {@link MaildropLock}.
     *
     * @throws StoreException when the store cannot answer, or NotFound when the account has no INBOX
     */
    public static Maildrop load(Mailboxes store, long accountId) {
        Mailbox inbox = store.mailbox(accountId, INBOX)
                .orElseThrow(() -> new StoreException.NotFound("account " + accountId + " has no " + INBOX));
        List<MessageEntry> entries = store.messages(inbox.id());
        // The SPI promises ascending UID order; numbering depends on it, so do not trust blindly.
        List<MessageEntry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> Long.compare(a.uid(), b.uid()));
        return new Maildrop(inbox.id(), inbox.uidValidity(), sorted);
    }

    public long mailboxId() {
        return mailboxId;
    }

    /** Messages in the snapshot, deleted ones included: valid numbers are 1..count(). */
    public int count() {
        return messages.size();
    }

    public boolean exists(int number) {
        return number >= 1 && number <= messages.size();
    }

    public boolean isDeleted(int number) {
        return deleted.get(number - 1);
    }

    public MessageEntry message(int number) {
        return messages.get(number - 1);
    }

    /** Octets RETR sends for the message (before dot-stuffing): the stored size, as RFC 1939 LIST requires. */
    public long size(int number) {
        return message(number).size();
    }

    /**
     * The unique-id listing (RFC 1939 section 7): UIDVALIDITY and UID in decimal.
     * Both are fixed for the life of the message, so the id never changes across
     * sessions or when other messages go; at most 20 + 1 + 20 characters, all in
     * the 0x21-0x7E range the RFC demands.
     */
    public String uidl(int number) {
        return Long.toUnsignedString(uidValidity) + "." + Long.toUnsignedString(message(number).uid());
    }

    /** Marks a message deleted; false if it already was. */
    public boolean delete(int number) {
        if (deleted.get(number - 1)) return false;
        deleted.set(number - 1);
        return true;
    }

    /** RSET: unmarks everything. */
    public void reset() {
        deleted.clear();
    }

    /** Messages not marked deleted. */
    public int visibleCount() {
        return messages.size() - deleted.cardinality();
    }

    /** Octets of the messages not marked deleted (STAT, LIST, RSET). */
    public long visibleSize() {
        long sum = totalSize;
        for (int i = deleted.nextSetBit(0); i >= 0; i = deleted.nextSetBit(i + 1)) sum -= messages.get(i).size();
        return sum;
    }

    public int deletedCount() {
        return deleted.cardinality();
    }

    /** UIDs marked deleted, for the one expunge at QUIT. */
    public List<Long> deletedUids() {
        List<Long> uids = new ArrayList<>(deleted.cardinality());
        for (int i = deleted.nextSetBit(0); i >= 0; i = deleted.nextSetBit(i + 1)) uids.add(messages.get(i).uid());
        return uids;
    }
}
