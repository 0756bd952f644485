package org.twinmail.jmap.mail;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.ChangeLog;
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

    public AccountView view(long accountId) {
        long state = log.lastChangePosition(); // read first: what follows is at least this new
        List<Mailbox> boxes = store.mailboxes(accountId);
        Last previous = last.get(accountId);
        // Every change to a mailbox or its messages moves its HIGHESTMODSEQ (or its name, or the list):
        // an equal mailbox list means the same content, so the view (and what was computed on it) is reused.
        if (previous != null && previous.mailboxes().equals(boxes)) return previous.view().at(state);
        Map<Long, List<MessageEntry>> byBox = new HashMap<>();
        for (Mailbox m : boxes) {
            Entries e = entries.get(m.id());
            if (e == null || e.highestModSeq() != m.highestModSeq()) {
                e = new Entries(m.highestModSeq(), store.messages(m.id()));
                entries.put(m.id(), e);
            }
            byBox.put(m.id(), e.list());
        }
        AccountView view = new AccountView(accountId, state, boxes, byBox);
        last.put(accountId, new Last(boxes, view));
        return view;
    }
}
