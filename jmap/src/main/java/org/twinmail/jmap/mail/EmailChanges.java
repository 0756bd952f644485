package org.twinmail.jmap.mail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.jmap.core.MethodError;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeLog;

/**
 * What changed for one account between two change-log positions (RFC 8620 5.2): states are
 * log positions, so the answer is exact. The log is read after {@code since} up to the
 * newest change, or until {@code maxChanges} objects changed (then {@code hasMoreChanges}
 * and a new state in the middle, at a change boundary).
 */
public final class EmailChanges {
    /** Changes read from the log per round trip. */
    private static final int BATCH = 2000;

    /** Per content address, what the window did to it. */
    static final class Touched {
        final Set<String> added = new LinkedHashSet<>();    // "mailbox:uid" added in the window
        final Set<String> expunged = new LinkedHashSet<>(); // "mailbox:uid" expunged in the window
        boolean flags;
    }

    /** The changed objects of one window. */
    public record Window(long oldState, long newState, boolean hasMore, Map<String, Touched> emails,
                         Map<Long, Set<Change.Kind>> mailboxes) { }

    /** The detail of a RECORD_CHANGED of a mailbox ACL (the store's {@code RecordsMailboxAccess.KIND}). */
    private static final String ACL_RECORD = org.twinmail.store.access.RecordsMailboxAccess.KIND + "\t";

    private EmailChanges() {
    }

    /** Reads the account's changes after {@code since}; {@code maxChanges} counts Emails, or with {@code mailboxes} Mailboxes. */
    public static Window read(ChangeLog log, AccountView view, long since, Long maxChanges, boolean mailboxes) {
        long last = log.lastChangePosition();
        if (since < 0 || since > last) throw MethodError.cannotCalculateChanges("unknown state " + since);
        long max = maxChanges == null || maxChanges <= 0 ? Long.MAX_VALUE : maxChanges;
        Map<String, Touched> emails = new LinkedHashMap<>();
        Map<Long, Set<Change.Kind>> boxes = new LinkedHashMap<>();
        // Which body a flag change touched: the entries as they were, and those the window adds.
        Map<String, String> shaOfEntry = new java.util.HashMap<>();
        for (AccountView.Email e : view.emails()) {
            for (MessageEntry m : e.entries()) shaOfEntry.put(m.mailboxId() + ":" + m.uid(), e.sha());
        }
        long position = since;
        boolean more = false;
        outer:
        while (true) {
            List<Change> batch = log.changesSince(position, BATCH);
            if (batch.isEmpty()) break;
            for (Change c : batch) {
                if (c.accountId() == view.accountId() && view.restricted()) {
                    // A shared account as the user sees it: a change of the owner's ACLs may show or hide whole
                    // mailboxes, with no change of theirs in the log; changes where the user does not read are not its.
                    if (c.kind() == Change.Kind.RECORD_CHANGED && c.detail().startsWith(ACL_RECORD)) {
                        throw MethodError.cannotCalculateChanges("the rights on the account's mailboxes changed");
                    }
                    boolean mine = switch (c.kind()) {
                        case MESSAGE_ADDED, MESSAGE_EXPUNGED, FLAGS_CHANGED -> view.reads(c.mailboxId());
                        case MAILBOX_CREATED, MAILBOX_DELETED, MAILBOX_RENAMED -> view.mailbox(c.mailboxId()) != null;
                        default -> false;
                    };
                    if (!mine) {
                        position = c.position();
                        continue;
                    }
                }
                if (c.accountId() == view.accountId()) {
                    String key = c.mailboxId() + ":" + c.uid();
                    if (c.kind() == Change.Kind.MESSAGE_ADDED && !c.detail().isEmpty()) shaOfEntry.put(key, c.detail());
                    String sha = switch (c.kind()) {
                        case MESSAGE_ADDED, MESSAGE_EXPUNGED -> {
                            if (c.detail().isEmpty()) throw MethodError.cannotCalculateChanges("a change from before JMAP names no message");
                            yield c.detail();
                        }
                        case FLAGS_CHANGED -> shaOfEntry.get(key);
                        default -> null;
                    };
                    boolean boxChange = switch (c.kind()) {
                        case MESSAGE_ADDED, MESSAGE_EXPUNGED, FLAGS_CHANGED, MAILBOX_CREATED, MAILBOX_DELETED, MAILBOX_RENAMED -> true;
                        default -> false;
                    };
                    boolean grows = mailboxes ? boxChange && !boxes.containsKey(c.mailboxId()) : sha != null && !emails.containsKey(sha);
                    int count = mailboxes ? boxes.size() : emails.size();
                    if (grows && count >= max) {
                        more = true;
                        break outer;
                    }
                    if (sha != null) {
                        Touched t = emails.computeIfAbsent(sha, k -> new Touched());
                        switch (c.kind()) {
                            case MESSAGE_ADDED -> t.added.add(key);
                            case MESSAGE_EXPUNGED -> t.expunged.add(key);
                            default -> t.flags = true;
                        }
                    }
                    if (boxChange) boxes.computeIfAbsent(c.mailboxId(), k -> new LinkedHashSet<>()).add(c.kind());
                }
                position = c.position();
            }
            if (batch.size() < BATCH) break;
        }
        return new Window(since, position, more, emails, boxes);
    }

    /** Whether an Email the window touched existed at its start ({@code now}: the Email after the window, or null). */
    static boolean existedBefore(Touched t, AccountView.Email now) {
        for (String x : t.expunged) if (!t.added.contains(x)) return true;
        if (now != null) {
            for (MessageEntry m : now.entries()) {
                if (!t.added.contains(m.mailboxId() + ":" + m.uid())) return true;
            }
            return false;
        }
        return t.flags && t.added.isEmpty() && t.expunged.isEmpty();
    }

    /**
     * Sorts the window's emails into created, updated and destroyed ids against {@code view},
     * which must have been read after the window (so it holds every change the window saw).
     */
    public static List<List<String>> classify(Window w, AccountView view) {
        List<String> created = new ArrayList<>();
        List<String> updated = new ArrayList<>();
        List<String> destroyed = new ArrayList<>();
        for (Map.Entry<String, Touched> e : w.emails().entrySet()) {
            String id = Ids.email(e.getKey());
            Touched t = e.getValue();
            AccountView.Email now = view.email(id);
            boolean existedBefore = existedBefore(t, now);
            if (now != null && !existedBefore) created.add(id);
            else if (now != null) updated.add(id);
            else if (existedBefore) destroyed.add(id);
        }
        return List.of(created, updated, destroyed);
    }
}
