package org.twinmail.imap.session;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 */
public final class SelectedMailbox {
    private final long id;
    private final String name;
    private final long uidValidity;
    private final boolean readOnly;
    private final ArrayList<Long> uids = new ArrayList<>();
    private final Map<Long, MessageEntry> entries = new HashMap<>();
    /** \Recent for this session (IMAP4rev1); null when the session does not keep it (IMAP4rev2). */
    private final RecentTracker recentTracker;
    private final Set<Long> recent = new HashSet<>();
    /** Keywords announced to the client in FLAGS (RFC 9051 7.3.5): those in use at SELECT and any seen since. */
    private final java.util.TreeSet<String> keywords = new java.util.TreeSet<>();
    private long modSeq;
    /** Which flags the user may change, when not every one (rights on a shared mailbox); null: all. */
    private java.util.function.Predicate<String> mayStore;
    /** Keeps the bodies of messages this session may still show readable after another session expunges them. */
    private Mailboxes.BodyView bodies;

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
        for (MessageEntry e : all) {
            s.uids.add(e.uid());
            s.entries.put(e.uid(), e);
            s.newKeywords(e.flags());
        }
        if (recentTracker != null) {
            long highest = s.uids.isEmpty() ? 0 : s.uids.getLast();
            long from = readOnly ? recentTracker.firstRecent(mailbox.id(), all, mailbox.uidNext())
                    : recentTracker.take(mailbox.id(), highest, all, mailbox.uidNext());
            s.markRecent(from, highest);
        }
        return s;
    }

    private void markRecent(long from, long highest) {
        for (int i = uids.size() - 1; i >= 0; i--) {
            long uid = uids.get(i);
            if (uid < from) break;
            if (uid <= highest) recent.add(uid);
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
        return uids.size();
    }

    /** UIDs in sequence-number order (ascending); do not modify. */
    public List<Long> uids() {
        return Collections.unmodifiableList(uids);
    }

    public MessageEntry entry(long uid) {
        return entries.get(uid);
    }

    /** 1-based sequence number of a UID, or 0 if this session does not know it. */
    public int msn(long uid) {
        int i = Collections.binarySearch(uids, uid);
        return i < 0 ? 0 : i + 1;
    }

    public long uidAt(int msn) {
        return uids.get(msn - 1);
    }

    /** System flags, in the order SELECT lists them. */
    private static final String SYSTEM_FLAGS = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

    /** The FLAGS response's list (RFC 9051 7.3.5): the system flags and every keyword in use in the mailbox. */
    public String flagsList() {
        return "(" + SYSTEM_FLAGS + (keywords.isEmpty() ? "" : " " + String.join(" ", keywords)) + ")";
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
            for (String k : keywords) if (mayStore.test(k)) flags.add(k);
            if (mayStore.test("$New")) flags.add("\\*");
            return "(" + String.join(" ", flags) + ")";
        }
        return "(" + SYSTEM_FLAGS + (keywords.isEmpty() ? "" : " " + String.join(" ", keywords)) + " \\*)";
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
            if (!f.startsWith("\\") && keywords.add(f)) added = true;
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
        if (entries.containsKey(e.uid())) entries.put(e.uid(), e);
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
            for (long uid : changes.expunged()) if (entries.containsKey(uid)) return out;
        }
        List<Long> gone = new ArrayList<>();
        for (long uid : changes.expunged()) {
            int msn = msn(uid);
            if (msn == 0) continue;
            uids.remove(msn - 1);
            entries.remove(uid);
            recent.remove(uid);
            gone.add(uid);
            if (!vanished) out.add(msn + " EXPUNGE");
        }
        if (vanished && !gone.isEmpty()) out.add("VANISHED " + org.twinmail.imap.protocol.SequenceSet.compact(gone));
        // New keywords first: before any FETCH that shows them.
        List<String> flagUpdates = keywordUpdates(changes.changed());
        out.addAll(0, flagUpdates);
        int expungeLines = out.size();
        long last = uids.isEmpty() ? 0 : uids.getLast();
        long before = last;
        boolean added = false;
        for (MessageEntry e : changes.changed()) {
            MessageEntry known = entries.get(e.uid());
            if (known == null) {
                if (e.uid() > last) {
                    uids.add(e.uid());
                    entries.put(e.uid(), e);
                    last = e.uid();
                    added = true;
                }
                continue;
            }
            entries.put(e.uid(), e);
            if (!known.flags().equals(e.flags()) || (fetchModSeq && known.modSeq() != e.modSeq())) {
                out.add(msn(e.uid()) + " FETCH (UID " + e.uid() + " FLAGS " + flags(e)
                        + (fetchModSeq ? " MODSEQ (" + e.modSeq() + ")" : "") + ")");
            }
        }
        if (added) {
            // After the EXPUNGEs (the count includes them), before the flag updates.
            out.add(expungeLines, uids.size() + " EXISTS");
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
