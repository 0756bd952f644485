package org.twinmail.jmap.push;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.mail.Ids;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeLog;

/**
 * Push over the change log (RFC 8620 7.1): which data types of an account changed between two
 * log positions, as a StateChange object. Every type's state is the log position, the same
 * string /get and /changes answer with, so a client calls /changes with what it was pushed.
 */
public final class StateChanges {
    /** Every type a StateChange may name here. */
    public static final Set<String> TYPES = Set.of("Mailbox", "Email", "Thread", "EmailDelivery", "Identity", "EmailSubmission",
            "VacationResponse", "Quota");

    private StateChanges() {
    }

    /** The types of {@code accountId} that changed after {@code from}, up to the newest change; reads the log in pages. */
    public static Set<String> changedTypes(ChangeLog log, long accountId, long from, long to) {
        Set<String> types = new TreeSet<>();
        long pos = from;
        while (pos < to) {
            List<Change> batch = log.changesSince(pos, 1000);
            if (batch.isEmpty()) break;
            for (Change c : batch) {
                if (c.position() > to) return types;
                pos = c.position();
                if (c.accountId() == accountId) types.addAll(typesOf(c));
            }
        }
        return types;
    }

    /** The types one change of the log changes (none for a change no JMAP type shows). */
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

    /** {@code {"@type":"StateChange","changed":{accountId:{type:state}}}} for the wanted types (null: all). */
    public static ObjectNode stateChange(long accountId, Set<String> types, Set<String> wanted, long state) {
        ObjectNode o = Json.object();
        o.put("@type", "StateChange");
        ObjectNode acc = o.putObject("changed").putObject(Ids.account(accountId));
        for (String t : types) if (wanted == null || wanted.contains(t)) acc.put(t, String.valueOf(state));
        return o;
    }
}
