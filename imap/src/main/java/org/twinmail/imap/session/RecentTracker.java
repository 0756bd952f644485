package org.twinmail.imap.session;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.twinmail.core.model.MessageEntry;

/**
 * \Recent for IMAP4rev1 sessions (RFC 3501 2.3.2): a message is recent in the first
 * session told about it, and in no other. Per mailbox this keeps the lowest UID that no
 * read-write session has been told about; a read-write session that learns of messages
 * (SELECT, or new ones in a refresh) takes those at or above it and moves it past them,
 * atomically, so two sessions never share one. A read-only session (EXAMINE) sees
 * \Recent on the messages nobody has taken but takes none.
 *
 * <p>Kept in memory for the life of the server, as \Recent is a session flag the store
 * does not hold. A mailbox first seen since the server started begins after its last
 * message untouched since the start (MODSEQ at or below the change-log position at the
 * start): UIDs only grow, so what follows came in since (delivered, appended, copied)
 * and is recent to the first session that opens the mailbox. Messages whose flags changed
 * since the start without a session here opening the mailbox count as new too, if they
 * are the newest ones; that is the price of keeping nothing on disk.
 */
public final class RecentTracker {
    private final long startPosition;
    /** Mailbox id → the lowest UID no read-write session has been told about. */
    private final ConcurrentHashMap<Long, Long> firstUntold = new ConcurrentHashMap<>();

    /** @param startPosition the store's last change-log position when the server started */
    public RecentTracker(long startPosition) {
        this.startPosition = startPosition;
    }

    /**
     * The lowest UID still recent for anyone, first seen with {@code entries} (the
     * mailbox's messages in UID order) and {@code uidNext}.
     */
    public long firstRecent(long mailboxId, List<MessageEntry> entries, long uidNext) {
        return firstUntold.computeIfAbsent(mailboxId, k -> initial(entries, uidNext));
    }

    /**
     * A read-write session was told about the messages up to {@code highestUid}: returns the
     * lowest UID that is recent for it (those from there to {@code highestUid}) and marks them
     * told. {@code entries} is used only if the mailbox was never seen.
     */
    public long take(long mailboxId, long highestUid, List<MessageEntry> entries, long uidNext) {
        long[] first = new long[1];
        firstUntold.compute(mailboxId, (k, v) -> {
            long from = v == null ? initial(entries, uidNext) : v;
            first[0] = from;
            return Math.max(from, highestUid + 1);
        });
        return first[0];
    }

    private long initial(List<MessageEntry> entries, long uidNext) {
        long first = uidNext;
        for (int i = entries.size() - 1; i >= 0 && entries.get(i).modSeq() > startPosition; i--) first = entries.get(i).uid();
        return first;
    }
}
