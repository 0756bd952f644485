package org.twinmail.jmap.push;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.mail.Ids;
import org.twinmail.jmap.mail.SharedAccounts;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.MailStore;
import org.twinmail.store.Rights;
import org.twinmail.store.SharedMailbox;

/**
 * Push over the change log (RFC 8620 7.1): which data types of which accounts changed between
 * two log positions, as a StateChange object. Every type's state is the log position, the same
 * string /get and /changes answer with (on a shared account too), so a client calls /changes
 * with what it was pushed. A user's StateChanges name its own account and each account it
 * reaches through mailbox ACLs ({@link SharedAccounts}): for those, the mail changes of the
 * mailboxes it sees ({@code l}), Emails only of those it reads ({@code r}) ({@link Watch}).
 */
public final class StateChanges {
    /** Every type a StateChange may name here. */
    public static final Set<String> TYPES = Set.of("Mailbox", "Email", "Thread", "EmailDelivery", "Identity", "EmailSubmission",
            "VacationResponse", "Quota");
    /** The types a StateChange may name for a shared account (its mail; its quota, identities and settings are the owner's). */
    public static final Set<String> SHARED_TYPES = Set.of("Mailbox", "Email", "Thread", "EmailDelivery");

    private StateChanges() {
    }

    /** The types one change of the log changes for the account's owner (none for a change no JMAP type shows). */
    public static Set<String> typesOf(Change c) {
        return switch (c.kind()) {
            case MESSAGE_ADDED -> Set.of("Email", "Thread", "Mailbox", "Quota", "EmailDelivery");
            case MESSAGE_EXPUNGED -> Set.of("Email", "Thread", "Mailbox", "Quota");
            case FLAGS_CHANGED -> Set.of("Email", "Mailbox");
            case MAILBOX_CREATED, MAILBOX_DELETED, MAILBOX_RENAMED -> Set.of("Mailbox");
            case ACCOUNT_CHANGED -> Set.of("Quota");
            // a PushSubscription is no account data (RFC 8620 7.2): its writes push nothing
            case RECORD_CHANGED -> c.detail().startsWith(PushSubscriptions.KIND + "\t") ? Set.of()
                    : Set.of("Identity", "VacationResponse", "EmailSubmission");
            default -> Set.of();
        };
    }

    /**
     * The types one change of a shared account changes for a user with {@code rights} on the
     * change's mailbox (null: none): a mailbox it sees ({@code l}) changes its Mailbox; a
     * message of a mailbox it reads ({@code r}) its Email, Thread, Mailbox (counts) and
     * EmailDelivery; nothing else shows in the restricted view.
     */
    public static Set<String> typesOf(Change c, Rights rights) {
        if (rights == null || !rights.has('l')) return Set.of();
        return switch (c.kind()) {
            case MAILBOX_CREATED, MAILBOX_DELETED, MAILBOX_RENAMED -> Set.of("Mailbox");
            case MESSAGE_ADDED, MESSAGE_EXPUNGED, FLAGS_CHANGED -> {
                if (!rights.has('r')) yield Set.of();
                Set<String> t = new TreeSet<>(typesOf(c));
                t.retainAll(SHARED_TYPES);
                yield t;
            }
            default -> Set.of();
        };
    }

    private static boolean mail(Change.Kind k) {
        return switch (k) {
            case MAILBOX_CREATED, MAILBOX_DELETED, MAILBOX_RENAMED, MESSAGE_ADDED, MESSAGE_EXPUNGED, FLAGS_CHANGED -> true;
            default -> false;
        };
    }

    /**
     * What one user's push names, for the three channels (EventSource, WebSocket, PushSubscription):
     * by account id, the types that changed. The mailboxes it reaches in other accounts are read
     * again when a batch holds a mail change of another account, and the ones it saw before are
     * kept for that batch, so the deletion of a mailbox it saw is named.
     */
    public static final class Watch {
        private final MailStore store;
        private final long user;
        private Map<Long, Map<Long, Rights>> seen;

        public Watch(MailStore store, long user) {
            this.store = store;
            this.user = user;
            this.seen = reach();
        }

        private Map<Long, Map<Long, Rights>> reach() {
            Map<Long, Map<Long, Rights>> out = new HashMap<>();
            for (Map.Entry<Long, List<SharedMailbox>> e : SharedAccounts.of(store, user).entrySet()) {
                Map<Long, Rights> boxes = new HashMap<>();
                for (SharedMailbox s : e.getValue()) boxes.put(s.mailbox().id(), s.rights());
                out.put(e.getKey(), boxes);
            }
            return out;
        }

        /** Every account the user reaches now and the types a StateChange may name for it (the first state of a stream). */
        public synchronized Map<Long, Set<String>> all() {
            seen = reach();
            Map<Long, Set<String>> out = new TreeMap<>();
            out.put(user, TYPES);
            for (Long owner : seen.keySet()) out.put(owner, SHARED_TYPES);
            return out;
        }

        /** The accounts and types that changed after {@code from}, up to {@code to}; reads the log in pages. */
        public synchronized Map<Long, Set<String>> changed(long from, long to) {
            Batch b = new Batch();
            long pos = from;
            while (pos < to) {
                List<Change> page = store.changesSince(pos, 1000);
                if (page.isEmpty()) break;
                for (Change c : page) {
                    if (c.position() > to) return b.out;
                    pos = c.position();
                    b.add(c);
                }
            }
            return b.out;
        }

        /** The accounts and types {@code batch} changes. */
        public synchronized Map<Long, Set<String>> changed(List<Change> batch) {
            Batch b = new Batch();
            for (Change c : batch) b.add(c);
            return b.out;
        }

        /** One call's tally: the types by account, and the mailboxes reached (read once per call, when needed). */
        private final class Batch {
            final Map<Long, Set<String>> out = new TreeMap<>();
            Map<Long, Map<Long, Rights>> reach;

            void add(Change c) {
                Set<String> types;
                if (c.accountId() == user) {
                    types = typesOf(c);
                } else if (c.accountId() != 0 && mail(c.kind())) {
                    if (reach == null) {
                        Map<Long, Map<Long, Rights>> now = reach();
                        reach = new HashMap<>(seen);
                        now.forEach((k, v) -> reach.merge(k, v, (a, b) -> {
                            Map<Long, Rights> m = new HashMap<>(a);
                            m.putAll(b);
                            return m;
                        }));
                        seen = now;
                    }
                    Map<Long, Rights> boxes = reach.get(c.accountId());
                    types = boxes == null ? Set.of() : typesOf(c, boxes.get(c.mailboxId()));
                } else {
                    return;
                }
                if (!types.isEmpty()) out.computeIfAbsent(c.accountId(), k -> new TreeSet<>()).addAll(types);
            }
        }
    }

    /** Keeps of {@code changed} the wanted types (null: all), dropping accounts left with none. */
    public static Map<Long, Set<String>> wanted(Map<Long, Set<String>> changed, Set<String> wanted) {
        Map<Long, Set<String>> out = new TreeMap<>();
        changed.forEach((account, types) -> {
            Set<String> t = new TreeSet<>(types);
            if (wanted != null) t.retainAll(wanted);
            if (!t.isEmpty()) out.put(account, t);
        });
        return out;
    }

    /** {@code {"@type":"StateChange","changed":{accountId:{type:state}}}} for each account's types. */
    public static ObjectNode stateChange(Map<Long, Set<String>> changed, long state) {
        ObjectNode o = Json.object();
        o.put("@type", "StateChange");
        ObjectNode all = o.putObject("changed");
        changed.forEach((account, types) -> {
            ObjectNode acc = all.putObject(Ids.account(account));
            for (String t : new TreeSet<>(types)) acc.put(t, String.valueOf(state));
        });
        return o;
    }
}
