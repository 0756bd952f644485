package org.twinmail.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.core.MethodError;
import org.twinmail.store.Change;
import org.twinmail.store.MailStore;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * JMAP objects kept in the store's {@link Records} role, one record per object (kind
 * {@code jmap.<type>}, scope the account, name the id, value the object's JSON with the
 * change-log position it was created at). Their /changes reads the RECORD_CHANGED entries
 * of the log, so it is exact like the mail types'.
 */
final class RecordObjects {
    private static final String CREATED = "_created";

    private final MailStore store;
    private final String kind;

    RecordObjects(MailStore store, String kind) {
        this.store = store;
        this.kind = kind;
    }

    Map<String, ObjectNode> all(long accountId) {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        for (StoredRecord r : store.records(kind, Records.accountScope(accountId))) {
            if (r.expiresMillis() != 0 && r.expiresMillis() <= now) continue;
            out.put(r.name(), parse(r));
        }
        return out;
    }

    ObjectNode get(long accountId, String id) {
        return store.record(kind, Records.accountScope(accountId), id)
                .filter(r -> r.expiresMillis() == 0 || r.expiresMillis() > System.currentTimeMillis())
                .map(RecordObjects::parse).orElse(null);
    }

    /** Writes an object; a new one records the position it was created at. */
    void put(long accountId, String id, ObjectNode object, long expiresMillis) {
        ObjectNode o = object.deepCopy();
        if (!o.has(CREATED)) {
            ObjectNode old = get(accountId, id);
            o.put(CREATED, old != null ? old.path(CREATED).asLong() : store.lastChangePosition() + 1);
        }
        store.putRecord(kind, Records.accountScope(accountId), id, Json.bytes(o), expiresMillis);
    }

    boolean delete(long accountId, String id) {
        return store.deleteRecord(kind, Records.accountScope(accountId), id);
    }

    /** The object without the bookkeeping fields (every name starting with {@code _}). */
    static ObjectNode shown(ObjectNode o) {
        ObjectNode c = o.deepCopy();
        List<String> hidden = new ArrayList<>();
        c.fieldNames().forEachRemaining(n -> {
            if (n.startsWith("_")) hidden.add(n);
        });
        c.remove(hidden);
        return c;
    }

    /** created / updated / destroyed ids after {@code since}, and the new state. */
    record Changes(List<String> created, List<String> updated, List<String> destroyed, long newState) { }

    Changes changes(long accountId, long since) {
        long last = store.lastChangePosition();
        if (since < 0 || since > last) throw MethodError.cannotCalculateChanges("unknown state " + since);
        String prefix = kind + "\t" + Records.accountScope(accountId) + "\t";
        Set<String> touched = new LinkedHashSet<>();
        long pos = since;
        while (true) {
            List<Change> batch = store.changesSince(pos, 2000);
            if (batch.isEmpty()) break;
            for (Change c : batch) {
                pos = c.position();
                if (c.kind() == Change.Kind.RECORD_CHANGED && c.detail().startsWith(prefix)) touched.add(c.detail().substring(prefix.length()));
            }
            if (batch.size() < 2000) break;
        }
        List<String> created = new ArrayList<>();
        List<String> updated = new ArrayList<>();
        List<String> destroyed = new ArrayList<>();
        for (String id : touched) {
            ObjectNode now = get(accountId, id);
            if (now == null) destroyed.add(id);
            else if (now.path(CREATED).asLong() > since) created.add(id);
            else updated.add(id);
        }
        return new Changes(created, updated, destroyed, pos);
    }

    private static ObjectNode parse(StoredRecord r) {
        try {
            JsonNode n = Json.parse(r.value());
            return (ObjectNode) n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
