package org.twinmail.imap.command;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.twinmail.imap.protocol.SearchReturn;
import org.twinmail.imap.protocol.Strings;
import org.twinmail.imap.session.SelectedMailbox;

/**
 * The searches a session asked to keep up to date (RFC 5267 CONTEXT=SEARCH and CONTEXT=SORT,
 * RETURN (UPDATE)): after each change of the selected mailbox the session reports, at a
 * moment it may send EXPUNGE, how their results changed, as {@code ESEARCH (TAG "t") [UID]
 * ADDTO (...) REMOVEFROM (...)}. A search is dropped by CANCELUPDATE or when the mailbox is
 * deselected. At most {@code imap.maxSearchUpdates} per session; beyond, the search is
 * answered without updates and {@code NO [NOUPDATE "tag"]} says so (RFC 5267 4.4).
 *
 * <p>An unsorted result's changes are at position 0 (RFC 5267 4.3); a sorted one's are at
 * positions in the sort order, removals first (positions in the list as it was), then
 * additions in ascending position (in the list as it becomes). A message that was expunged
 * is not reported: the EXPUNGE or VANISHED the client gets says it already.
 */
public final class SearchUpdates {
    private record Update(boolean uid, List<SearchCommand.Key> keys, Comparator<SearchCommand.Candidate> order, List<Long> uids) { }

    private final Map<String, Update> updates = new LinkedHashMap<>();
    private long modSeq = -1;
    private int size = -1;

    /** Keeps a search (its result as UIDs) up to date, or tells the client it cannot. */
    void add(Context ctx, String tag, boolean uid, List<SearchCommand.Key> keys, Comparator<SearchCommand.Candidate> order,
             List<Long> uids) throws IOException {
        if (!updates.containsKey(tag) && updates.size() >= ctx.limits().maxSearchUpdates) {
            ctx.untagged("NO [NOUPDATE " + Strings.string(tag, false) + "] too many searches are kept up to date");
            return;
        }
        updates.put(tag, new Update(uid, keys, order, List.copyOf(uids)));
        SelectedMailbox s = ctx.selected();
        modSeq = s.modSeq();
        size = s.size();
    }

    /** CANCELUPDATE: true if the tag named a kept search. */
    boolean cancel(String tag) {
        return updates.remove(tag) != null;
    }

    public void clear() {
        updates.clear();
    }

    public boolean isEmpty() {
        return updates.isEmpty();
    }

    /** Reports the changes of every kept search since the last report; nothing if the mailbox did not change. */
    void report(Context ctx) throws IOException {
        SelectedMailbox s = ctx.selected();
        if (updates.isEmpty() || s == null || (s.modSeq() == modSeq && s.size() == size)) return;
        modSeq = s.modSeq();
        size = s.size();
        for (Map.Entry<String, Update> e : updates.entrySet()) {
            Update u = e.getValue();
            List<Long> now;
            if (u.order() == null) {
                now = SearchCommand.evaluate(ctx, u.keys()).stream().map(c -> c.uid).toList();
            } else {
                now = SortCommand.sorted(ctx, u.keys(), u.order()).stream().map(c -> c.uid).toList();
            }
            String changes = u.order() == null ? unsorted(s, u, now) : sorted(s, u, now);
            e.setValue(new Update(u.uid(), u.keys(), u.order(), now));
            if (!changes.isEmpty()) {
                ctx.untagged("ESEARCH (TAG " + Strings.string(e.getKey(), false) + ")" + (u.uid() ? " UID" : "") + changes);
            }
        }
    }

    private static String unsorted(SelectedMailbox s, Update u, List<Long> now) {
        Set<Long> before = new HashSet<>(u.uids());
        Set<Long> after = new HashSet<>(now);
        List<Long> added = new ArrayList<>();
        for (long uid : now) if (!before.contains(uid)) added.add(number(s, u, uid));
        List<Long> removed = new ArrayList<>();
        for (long uid : u.uids()) if (!after.contains(uid) && s.msn(uid) != 0) removed.add(number(s, u, uid));
        StringBuilder b = new StringBuilder();
        if (!removed.isEmpty()) b.append(" REMOVEFROM (0 ").append(SearchReturn.ordered(removed.stream().sorted().toList())).append(')');
        if (!added.isEmpty()) b.append(" ADDTO (0 ").append(SearchReturn.ordered(added.stream().sorted().toList())).append(')');
        return b.toString();
    }

    private static String sorted(SelectedMailbox s, Update u, List<Long> now) {
        StringBuilder b = new StringBuilder();
        Set<Long> after = new HashSet<>(now);
        List<Long> list = new ArrayList<>(u.uids());
        // Expunged messages leave silently (the client removes them on EXPUNGE).
        list.removeIf(uid -> s.msn(uid) == 0);
        for (int i = list.size() - 1; i >= 0; i--) {
            long uid = list.get(i);
            if (!after.contains(uid)) {
                b.append(" REMOVEFROM (").append(i + 1).append(' ').append(number(s, u, uid)).append(')');
                list.remove(i);
            }
        }
        // A message's sort keys (dates, size, header fields) never change, so the kept ones keep their order.
        Set<Long> before = new HashSet<>(list);
        for (int i = 0; i < now.size(); i++) {
            long uid = now.get(i);
            if (!before.contains(uid)) b.append(" ADDTO (").append(i + 1).append(' ').append(number(s, u, uid)).append(')');
        }
        return b.toString();
    }

    private static long number(SelectedMailbox s, Update u, long uid) {
        return u.uid() ? uid : s.msn(uid);
    }
}
