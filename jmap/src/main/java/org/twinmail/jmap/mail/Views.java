package org.twinmail.jmap.mail;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.MailboxChanges;
import org.twinmail.store.Mailboxes;

/**
 * Builds {@link AccountView}s. A mailbox's entries are read again only when its HIGHESTMODSEQ
 * moved (every add, flag change and expunge raises it), so a request on a quiet 10,000-message
 * account reads the mailbox list and nothing else.
 */
public final class Views {
    private final Mailboxes store;
    private final ChangeLog log;
    private final Map<Long, Entries> entries = new ConcurrentHashMap<>();

    private record Entries(long highestModSeq, List<MessageEntry> list) { }

    /** The last view of each account and what it was built from (mailbox ids, names and HIGHESTMODSEQs). */
    private record Last(List<Mailbox> mailboxes, AccountView view) { }

    private final Map<Long, Last> last = new ConcurrentHashMap<>();

    public Views(Mailboxes store, ChangeLog log) {
        this.store = store;
        this.log = log;
    }

    /**
     * A mailbox's entries brought up to date from what changed since they were read (CONDSTORE's
     * view of the change log: entries added or changed, UIDs expunged), not read again whole.
     */
    private Entries refresh(Mailbox m, Entries old) {
        MailboxChanges ch;
        try {
            ch = store.mailboxChanges(m.id(), old.highestModSeq());
        } catch (RuntimeException e) {
            return new Entries(m.highestModSeq(), store.messages(m.id()));
        }
        java.util.TreeMap<Long, MessageEntry> byUid = new java.util.TreeMap<>();
        for (MessageEntry x : old.list()) byUid.put(x.uid(), x);
        for (long uid : ch.expunged()) byUid.remove(uid);
        for (MessageEntry x : ch.changed()) byUid.put(x.uid(), x);
        return new Entries(ch.highestModSeq(), List.copyOf(byUid.values()));
    }

    /**
     * The account's view, exact at its state when it can be: its content read after the state,
     * then the change log checked for a change to the account's mail since (a change committed
     * between the two reads is read again, mailbox by mailbox). An exact view holds every Email
     * that existed at its state, which /queryChanges relies on: an Email expunged just after the
     * state but before the content was read would otherwise be missing from the results of that
     * state, and its thread unknown later (its body gone with it). After {@link #EXACT_ATTEMPTS}
     * tries (an account changed without pause) the view is at least as new as its state, as RFC
     * 8620 allows, and a /queryChanges that needs more answers cannotCalculateChanges.
     */
    public AccountView view(long accountId) {
        for (int attempt = 1; ; attempt++) {
            long state = log.lastChangePosition(); // read first: what follows is at least this new
            AccountView v = build(accountId, state);
            if (attempt >= EXACT_ATTEMPTS || unchangedSince(accountId, state)) return v;
        }
    }

    /**
     * The view of a call's account: the whole account for its owner, or as a user with ACL rights
     * sees it ({@link AccountView#restrict}), computed once per content and set of rights.
     */
    public AccountView view(Scope scope) {
        AccountView full = view(scope.owner());
        if (scope.own()) return full;
        StringBuilder key = new StringBuilder("restrict");
        new java.util.TreeMap<>(scope.rights()).forEach((id, r) -> key.append('\0').append(id).append(':').append(r));
        AccountView restricted = full.derived(key.toString(), () -> full.restrict(scope.rights()));
        return restricted.at(full.state());
    }

    /** Tries at an exact view before settling for one at least as new as its state. */
    static final int EXACT_ATTEMPTS = 8;
    /** Changes of every account read to look for the account's own; more since the state count as a change. */
    private static final int EXACT_SCAN = 1000;

    /** Whether nothing of the account's mailboxes and messages changed after {@code state}. */
    private boolean unchangedSince(long accountId, long state) {
        if (log.lastChangePosition() == state) return true;
        List<Change> after = log.changesSince(state, EXACT_SCAN);
        if (after.size() >= EXACT_SCAN) return false;
        for (Change c : after) {
            if (c.accountId() != accountId) continue;
            switch (c.kind()) {
                case MAILBOX_CREATED, MAILBOX_DELETED, MAILBOX_RENAMED, MESSAGE_ADDED, MESSAGE_EXPUNGED, FLAGS_CHANGED -> {
                    return false;
                }
                default -> { }
            }
        }
        return true;
    }

    private AccountView build(long accountId, long state) {
        List<Mailbox> boxes = store.mailboxes(accountId);
        Last previous = last.get(accountId);
        // Every change to a mailbox or its messages moves its HIGHESTMODSEQ (or its name, or the list):
        // an equal mailbox list means the same content, so the view (and what was computed on it) is reused.
        if (previous != null && previous.mailboxes().equals(boxes)) return previous.view().at(state);
        Map<Long, List<MessageEntry>> byBox = new HashMap<>();
        for (Mailbox m : boxes) {
            Entries e = entries.get(m.id());
            if (e == null) {
                e = new Entries(m.highestModSeq(), store.messages(m.id()));
                entries.put(m.id(), e);
            } else if (e.highestModSeq() != m.highestModSeq()) {
                e = refresh(m, e);
                entries.put(m.id(), e);
            }
            byBox.put(m.id(), e.list());
        }
        AccountView view = new AccountView(accountId, state, boxes, byBox);
        last.put(accountId, new Last(boxes, view));
        return view;
    }
}
