package org.twinmail.imap.session;

import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.RandomAccess;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.MailboxChanges;

/**
 * The selected mailbox as this session knows it: message sequence numbers (position in
 * {@link #uids}, 1-based) and the flags last reported. The store moves on while the session
 * looks; {@link #refresh} brings the view up to date and returns the untagged responses
 * that tell the client, at the moments the session allows (RFC 9051 7.5.1: no EXPUNGE while
 * answering FETCH, STORE or SEARCH, because sequence numbers must not shift under them).
 *
 * <p>The messages are kept in columns (arrays indexed by sequence number less one), not as
 * entry objects in maps: about 70 bytes a message instead of about 300, which counts for a
 * session that sits in IDLE for hours with a large mailbox selected. Flag sets are shared
 * between messages and sessions ({@link #FLAG_SETS}); a body's SHA-256 is kept as 32 bytes.
 * {@link #entry} builds the {@link MessageEntry} when a command asks for it.
 */
public final class SelectedMailbox {
    private final long id;
    private final String name;
    private final long uidValidity;
    private final boolean readOnly;
    /** Messages in the view: the first {@code count} places of each column. */
    private int count;
    private long[] uids = new long[0];
    private long[] modSeqs = new long[0];
    private long[] sizes = new long[0];
    private long[] dateSeconds = new long[0];
    private int[] dateNanos = new int[0];
    @SuppressWarnings("unchecked")
    private Set<String>[] flagSets = new Set[0];
    /** The bodies' SHA-256, 32 bytes a message; an id that is not 64 lower-case hex digits goes to {@link #otherBlobIds}. */
    private byte[] blobs = new byte[0];
    /** Blob ids that are not a SHA-256 in hex (none from the embedded store), by place; null while there is none. */
    private String[] otherBlobIds;
    /** \Recent for this session (IMAP4rev1); null when the session does not keep it (IMAP4rev2). */
    private final RecentTracker recentTracker;
    private Set<Long> recent = NO_UIDS; // a set of its own from the first \Recent (most sessions have none)
    /** Keywords announced to the client in FLAGS (RFC 9051 7.3.5): those in use at SELECT and any seen since. */
    private java.util.TreeSet<String> keywords; // null until the first keyword
    private long modSeq;
    /** Which flags the user may change, when not every one (rights on a shared mailbox); null: all. */
    private java.util.function.Predicate<String> mayStore;
    /** Keeps the bodies of messages this session may still show readable after another session expunges them. */
    private Mailboxes.BodyView bodies;
    /**
     * While the session idles ({@link #compact}): the store to reload sizes, dates and bodies'
     * ids from, which are not held meanwhile (only UIDs, MODSEQs and flags are: what the updates
     * of an idle session compare); null when every column is held.
     */
    private Mailboxes compactFrom;
    /** While compact without CONDSTORE: MODSEQs are not held either (no update compares them); restore reads them back. */
    private boolean modSeqsDropped;

    private SelectedMailbox(Mailbox m, boolean readOnly, RecentTracker recentTracker) {
        this.id = m.id();
        this.name = m.name();
        this.uidValidity = m.uidValidity();
        this.readOnly = readOnly;
        this.recentTracker = recentTracker;
        this.modSeq = m.highestModSeq();
    }

    /**
     * Loads the mailbox's messages. The MODSEQ is taken from the mailbox row read before the
     * messages, so a change in between is seen again at the next refresh (applying a change
     * twice is harmless; missing one would not be).
     */
    public static SelectedMailbox open(Mailboxes store, Mailbox mailbox, boolean readOnly) {
        return open(store, mailbox, readOnly, null);
    }

    /** As {@link #open(Mailboxes, Mailbox, boolean)}, keeping \Recent with {@code recentTracker} (null: none). */
    public static SelectedMailbox open(Mailboxes store, Mailbox mailbox, boolean readOnly, RecentTracker recentTracker) {
        SelectedMailbox s = new SelectedMailbox(mailbox, readOnly, recentTracker);
        // Opened before the messages are read, at the MODSEQ they are read after: every body they name is kept.
        s.bodies = store.openView(mailbox.id(), mailbox.highestModSeq());
        List<MessageEntry> all;
        try {
            all = store.messages(mailbox.id());
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        s.ensureCapacity(all.size());
        for (MessageEntry e : all) {
            s.append(e);
            s.newKeywords(e.flags());
        }
        if (recentTracker != null) {
            long highest = s.count == 0 ? 0 : s.uids[s.count - 1];
            long from = readOnly ? recentTracker.firstRecent(mailbox.id(), all, mailbox.uidNext())
                    : recentTracker.take(mailbox.id(), highest, all, mailbox.uidNext());
            s.markRecent(from, highest);
        }
        return s;
    }

    private void markRecent(long from, long highest) {
        for (int i = count - 1; i >= 0; i--) {
            long uid = uids[i];
            if (uid < from) break;
            if (uid <= highest) {
                if (recent == NO_UIDS) recent = new HashSet<>();
                recent.add(uid);
            }
        }
    }

    /** Whether the message has \Recent in this session. */
    public boolean isRecent(long uid) {
        return recent.contains(uid);
    }

    /** How many messages have \Recent in this session (the RECENT response). */
    public int recentCount() {
        return recent.size();
    }

    /** Whether this session keeps \Recent (IMAP4rev1), so RECENT responses are due. */
    public boolean keepsRecent() {
        return recentTracker != null;
    }

    /** The FLAGS list of a message as this session shows it, \Recent included. */
    public String flags(MessageEntry e) {
        return flagList(e.flags(), recent.contains(e.uid()));
    }

    public long id() {
        return id;
    }

    public String name() {
        return name;
    }

    public long uidValidity() {
        return uidValidity;
    }

    public boolean readOnly() {
        return readOnly;
    }

    public int size() {
        return count;
    }

    /** UIDs in sequence-number order (ascending): a read-only view that follows the mailbox. */
    public List<Long> uids() {
        return uidView;
    }

    private final List<Long> uidView = new UidView();

    private final class UidView extends AbstractList<Long> implements RandomAccess {
        @Override
        public Long get(int index) {
            java.util.Objects.checkIndex(index, count);
            return uids[index];
        }

        @Override
        public int size() {
            return count;
        }
    }

    /** The message as this session last saw it, or null if it is not in the view. */
    public MessageEntry entry(long uid) {
        int i = index(uid);
        return i < 0 ? null : entryAt(i);
    }

    private MessageEntry entryAt(int i) {
        if (compactFrom != null) restore(compactFrom);
        String blobId = otherBlobIds != null && otherBlobIds[i] != null ? otherBlobIds[i]
                : HexFormat.of().formatHex(blobs, i * 32, i * 32 + 32);
        return new MessageEntry(id, uids[i], modSeqs[i], flagSets[i], Instant.ofEpochSecond(dateSeconds[i], dateNanos[i]),
                sizes[i], blobId);
    }

    /** 1-based sequence number of a UID, or 0 if this session does not know it. */
    public int msn(long uid) {
        return index(uid) + 1;
    }

    /** The place of {@code uid} in the columns, or -1. */
    private int index(long uid) {
        int i = Arrays.binarySearch(uids, 0, count, uid);
        return i < 0 ? -1 : i;
    }

    public long uidAt(int msn) {
        java.util.Objects.checkIndex(msn - 1, count);
        return uids[msn - 1];
    }

    /** Flag sets in use, shared by every session: most messages carry one of a handful. Bounded; past it, sets are not shared. */
    private static final ConcurrentHashMap<Set<String>, Set<String>> FLAG_SETS = new ConcurrentHashMap<>();
    private static final int FLAG_SETS_MAX = 4096;

    private static Set<String> shared(Set<String> flags) {
        Set<String> known = FLAG_SETS.get(flags);
        if (known != null) return known;
        if (FLAG_SETS.size() >= FLAG_SETS_MAX) return flags;
        Set<String> copy = Set.copyOf(flags);
        known = FLAG_SETS.putIfAbsent(copy, copy);
        return known == null ? copy : known;
    }

    private void ensureCapacity(int n) {
        if (n <= uids.length) return;
        int capacity = Math.max(n, count == 0 ? n : count + (count >> 1) + 1);
        uids = Arrays.copyOf(uids, capacity);
        if (!modSeqsDropped) modSeqs = Arrays.copyOf(modSeqs, capacity);
        flagSets = Arrays.copyOf(flagSets, capacity);
        if (compactFrom != null) return; // the other columns come back with restore
        sizes = Arrays.copyOf(sizes, capacity);
        dateSeconds = Arrays.copyOf(dateSeconds, capacity);
        dateNanos = Arrays.copyOf(dateNanos, capacity);
        blobs = Arrays.copyOf(blobs, capacity * 32);
        if (otherBlobIds != null) otherBlobIds = Arrays.copyOf(otherBlobIds, capacity);
    }

    /** Adds {@code e} after the last message (its UID is the highest). */
    private void append(MessageEntry e) {
        ensureCapacity(count + 1);
        uids[count] = e.uid();
        set(count, e);
        count++;
    }

    /** Stores {@code e}'s columns at place {@code i} (its UID is already there). */
    private void set(int i, MessageEntry e) {
        if (!modSeqsDropped) modSeqs[i] = e.modSeq();
        flagSets[i] = shared(e.flags());
        if (compactFrom == null) setFixed(i, e);
    }

    /** The columns that never change for a message: size, internal date, body. */
    private void setFixed(int i, MessageEntry e) {
        sizes[i] = e.size();
        dateSeconds[i] = e.internalDate().getEpochSecond();
        dateNanos[i] = e.internalDate().getNano();
        String blobId = e.blobId();
        if (isSha256Hex(blobId)) {
            for (int b = 0; b < 32; b++) {
                blobs[i * 32 + b] = (byte) ((Character.digit(blobId.charAt(2 * b), 16) << 4) | Character.digit(blobId.charAt(2 * b + 1), 16));
            }
            if (otherBlobIds != null) otherBlobIds[i] = null;
        } else {
            if (otherBlobIds == null) otherBlobIds = new String[uids.length];
            otherBlobIds[i] = blobId;
        }
    }

    private static boolean isSha256Hex(String s) {
        if (s == null || s.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) return false;
        }
        return true;
    }

    /** Removes the message at place {@code i}; later ones move up. */
    private void removeAt(int i) {
        int tail = count - i - 1;
        System.arraycopy(uids, i + 1, uids, i, tail);
        if (!modSeqsDropped) System.arraycopy(modSeqs, i + 1, modSeqs, i, tail);
        System.arraycopy(flagSets, i + 1, flagSets, i, tail);
        if (compactFrom == null) {
            System.arraycopy(sizes, i + 1, sizes, i, tail);
            System.arraycopy(dateSeconds, i + 1, dateSeconds, i, tail);
            System.arraycopy(dateNanos, i + 1, dateNanos, i, tail);
            System.arraycopy(blobs, (i + 1) * 32, blobs, i * 32, tail * 32);
            if (otherBlobIds != null) System.arraycopy(otherBlobIds, i + 1, otherBlobIds, i, tail);
        }
        count--;
        flagSets[count] = null;
        if (otherBlobIds != null) otherBlobIds[count] = null;
    }

    /** System flags, in the order SELECT lists them. */
    private static final String SYSTEM_FLAGS = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

    /** The FLAGS response's list (RFC 9051 7.3.5): the system flags and every keyword in use in the mailbox. */
    public String flagsList() {
        return "(" + SYSTEM_FLAGS + (keywords == null || keywords.isEmpty() ? "" : " " + String.join(" ", keywords)) + ")";
    }

    /**
     * The PERMANENTFLAGS response code's list (RFC 9051 7.1): none when read-only, else the
     * flags of {@link #flagsList} and {@code \*} (any new keyword can be stored).
     */
    public String permanentFlagsList() {
        if (readOnly) return "()";
        if (mayStore != null) {
            List<String> flags = new ArrayList<>();
            for (String f : SYSTEM_FLAGS.split(" ")) if (mayStore.test(f)) flags.add(f);
            if (keywords != null) for (String k : keywords) if (mayStore.test(k)) flags.add(k);
            if (mayStore.test("$New")) flags.add("\\*");
            return "(" + String.join(" ", flags) + ")";
        }
        return "(" + SYSTEM_FLAGS + (keywords == null || keywords.isEmpty() ? "" : " " + String.join(" ", keywords)) + " \\*)";
    }

    /**
     * Restricts PERMANENTFLAGS to the flags {@code mayStore} accepts (RFC 4314 5.1.1: the user's
     * rights on a shared mailbox); {@code \*} only if it accepts new keywords.
     */
    public void permanentFlagsFor(java.util.function.Predicate<String> mayStore) {
        this.mayStore = mayStore;
    }

    /** Adds the keywords of {@code flags} not announced yet; whether there were any. */
    private boolean newKeywords(Set<String> flags) {
        boolean added = false;
        for (String f : flags) {
            if (f.startsWith("\\")) continue;
            if (keywords == null) keywords = new java.util.TreeSet<>();
            if (keywords.add(f)) added = true;
        }
        return added;
    }

    /**
     * The FLAGS (and PERMANENTFLAGS) update due before this session shows {@code changed}
     * entries, if they carry a keyword the client has not been told of (RFC 9051 7.3.5: FLAGS
     * lists the flags applicable to the mailbox; a client must not see a keyword it lacks).
     * Empty if there is none.
     */
    public List<String> keywordUpdates(java.util.Collection<MessageEntry> changed) {
        boolean added = false;
        for (MessageEntry e : changed) added |= newKeywords(e.flags());
        if (!added) return List.of();
        List<String> out = new ArrayList<>();
        out.add("FLAGS " + flagsList());
        if (!readOnly) out.add("OK [PERMANENTFLAGS " + permanentFlagsList() + "] flags permitted");
        return out;
    }

    /** Records flags this session itself changed (it reports them in its own FETCH responses). */
    public void updated(MessageEntry e) {
        int i = index(e.uid());
        if (i >= 0) set(i, e);
    }

    public long modSeq() {
        return modSeq;
    }

    /**
     * Catches up with the store. With {@code expungeAllowed} false and expunges pending,
     * nothing is applied (sequence numbers must not move now; the next allowed moment
     * reports everything).
     *
     * @param fetchModSeq include MODSEQ in flag updates (CONDSTORE enabled)
     * @param vanished    report expunges as one VANISHED (QRESYNC enabled, RFC 7162 3.2.10) instead of EXPUNGEs
     * @return the untagged responses, in order, without "* "
     */
    public List<String> refresh(Mailboxes store, boolean expungeAllowed, boolean fetchModSeq, boolean vanished) {
        MailboxChanges changes = store.mailboxChanges(id, modSeq);
        List<String> out = new ArrayList<>();
        if (!expungeAllowed) {
            for (long uid : changes.expunged()) if (index(uid) >= 0) return out;
        }
        List<Long> gone = new ArrayList<>();
        for (long uid : changes.expunged()) {
            int msn = msn(uid);
            if (msn == 0) continue;
            removeAt(msn - 1);
            if (recent != NO_UIDS) recent.remove(uid);
            gone.add(uid);
            if (!vanished) out.add(msn + " EXPUNGE");
        }
        if (vanished && !gone.isEmpty()) out.add("VANISHED " + org.twinmail.imap.protocol.SequenceSet.compact(gone));
        // New keywords first: before any FETCH that shows them.
        List<String> flagUpdates = keywordUpdates(changes.changed());
        out.addAll(0, flagUpdates);
        int expungeLines = out.size();
        long last = count == 0 ? 0 : uids[count - 1];
        long before = last;
        boolean added = false;
        for (MessageEntry e : changes.changed()) {
            int i = index(e.uid());
            if (i < 0) {
                if (e.uid() > last) {
                    append(e);
                    last = e.uid();
                    added = true;
                }
                continue;
            }
            Set<String> knownFlags = flagSets[i];
            long knownModSeq = modSeqsDropped ? e.modSeq() : modSeqs[i]; // dropped only when no update shows MODSEQ
            set(i, e);
            if (!knownFlags.equals(e.flags()) || (fetchModSeq && knownModSeq != e.modSeq())) {
                out.add(msn(e.uid()) + " FETCH (UID " + e.uid() + " FLAGS " + flags(e)
                        + (fetchModSeq ? " MODSEQ (" + e.modSeq() + ")" : "") + ")");
            }
        }
        if (added) {
            // After the EXPUNGEs (the count includes them), before the flag updates.
            out.add(expungeLines, count + " EXISTS");
            if (recentTracker != null) {
                // RFC 3501 7.3.2: RECENT follows when the count changes; new messages are recent
                // here if this is the first session told about them.
                long from = readOnly ? recentTracker.firstRecent(id, List.of(), before + 1)
                        : recentTracker.take(id, last, List.of(), before + 1);
                markRecent(Math.max(from, before + 1), last);
                out.add(expungeLines + 1, recent.size() + " RECENT");
            }
        }
        modSeq = Math.max(modSeq, changes.highestModSeq());
        // Every expunge up to here is now known to the client: their bodies need not be kept for this session.
        bodies.seen(modSeq);
        return out;
    }

    /**
     * The session is about to idle for long (IMAP IDLE): lets go of the sizes, dates and bodies'
     * ids, which no update compares, and of the MODSEQs unless {@code keepModSeqs} (CONDSTORE:
     * flag updates then show them), and trims the rest to the messages in view. They are read
     * again from {@code store} by {@link #restore}, or when an entry is asked for.
     */
    public void compact(Mailboxes store, boolean keepModSeqs) {
        if (compactFrom != null) return;
        compactFrom = store;
        uids = Arrays.copyOf(uids, count);
        modSeqsDropped = !keepModSeqs;
        modSeqs = keepModSeqs ? Arrays.copyOf(modSeqs, count) : NO_LONGS;
        flagSets = Arrays.copyOf(flagSets, count);
        sizes = dateSeconds = NO_LONGS;
        dateNanos = NO_INTS;
        blobs = NO_BYTES;
        otherBlobIds = null;
    }

    private static final long[] NO_LONGS = new long[0];
    private static final Set<Long> NO_UIDS = Set.of();
    private static final int[] NO_INTS = new int[0];
    private static final byte[] NO_BYTES = new byte[0];

    /**
     * Reads back what {@link #compact} let go, from the store's current entries (the three
     * columns never change for a message). Call it before the session's next refresh: a message
     * in view that the store no longer lists was expunged after this view's MODSEQ, so that
     * refresh removes it (an IDLE ends with a refresh that may expunge); until then its size,
     * date and body read as unknown (0, the epoch, no body).
     */
    public void restore(Mailboxes store) {
        if (compactFrom == null) return;
        List<MessageEntry> all = store.messages(id); // may fail (the mailbox gone): then still compact
        compactFrom = null;
        int capacity = uids.length;
        boolean readModSeqs = modSeqsDropped;
        if (readModSeqs) modSeqs = new long[capacity];
        modSeqsDropped = false;
        sizes = new long[capacity];
        dateSeconds = new long[capacity];
        dateNanos = new int[capacity];
        blobs = new byte[capacity * 32];
        int j = 0;
        for (int i = 0; i < count; i++) {
            while (j < all.size() && all.get(j).uid() < uids[i]) j++;
            if (j < all.size() && all.get(j).uid() == uids[i]) {
                setFixed(i, all.get(j));
                // As a full view would hold it after the refresh that follows (which sets every entry changed since).
                if (readModSeqs) modSeqs[i] = all.get(j).modSeq();
            } else {
                if (otherBlobIds == null) otherBlobIds = new String[capacity];
                otherBlobIds[i] = "";
            }
        }
    }

    /** The session no longer shows this mailbox: bodies kept for it may go. Idempotent. */
    public void close() {
        bodies.close();
    }

    /** "(\Seen $Label)" in a stable order; {@code recent} adds \Recent. */
    public static String flagList(Set<String> flags, boolean recent) {
        List<String> sorted = new ArrayList<>(flags);
        Collections.sort(sorted);
        if (recent) sorted.addFirst("\\Recent");
        return "(" + String.join(" ", sorted) + ")";
    }
}
