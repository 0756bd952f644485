package org.twinmail.jmap.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A /set response (RFC 8620 5.3) being put together: created, updated, destroyed and the
 * per-object SetErrors of what was not.
 */
public final class SetResult {
    private final ObjectNode created = Json.object();
    private final ObjectNode updated = Json.object();
    private final List<String> destroyed = new ArrayList<>();
    private final ObjectNode notCreated = Json.object();
    private final ObjectNode notUpdated = Json.object();
    private final ObjectNode notDestroyed = Json.object();

    /** A SetError (RFC 8620 5.3). */
    public static ObjectNode error(String type, String description, String... properties) {
        ObjectNode e = Json.object();
        e.put("type", type);
        if (description != null) e.put("description", description);
        if (properties.length > 0) e.set("properties", Json.array(List.of(properties)));
        return e;
    }

    public void created(String creationId, ObjectNode object) {
        created.set(creationId, object);
    }

    public void updated(String id, JsonNode changes) {
        updated.set(id, changes);
    }

    public void destroyed(String id) {
        destroyed.add(id);
    }

    public void notCreated(String creationId, ObjectNode error) {
        notCreated.set(creationId, error);
    }

    public void notUpdated(String id, ObjectNode error) {
        notUpdated.set(id, error);
    }

    public void notDestroyed(String id, ObjectNode error) {
        notDestroyed.set(id, error);
    }

    public ObjectNode toJson(String accountId, String oldState, String newState) {
        ObjectNode r = Json.object();
        r.put("accountId", accountId);
        if (oldState == null) r.putNull("oldState");
        else r.put("oldState", oldState);
        r.put("newState", newState);
        r.set("created", created.isEmpty() ? null : created);
        r.set("updated", updated.isEmpty() ? null : updated);
        r.set("destroyed", destroyed.isEmpty() ? null : Json.array(destroyed));
        r.set("notCreated", notCreated.isEmpty() ? null : notCreated);
        r.set("notUpdated", notUpdated.isEmpty() ? null : notUpdated);
        r.set("notDestroyed", notDestroyed.isEmpty() ? null : notDestroyed);
        return r;
    }

    /** Checks the /set arguments' shape and the maxObjectsInSet limit. */
    public static void checkSize(ObjectNode args, int max) {
        int n = 0;
        JsonNode c = args.get("create");
        JsonNode u = args.get("update");
        JsonNode d = args.get("destroy");
        if (c != null && !c.isNull()) {
            if (!c.isObject()) throw MethodError.invalidArguments("create is an object");
            n += c.size();
        }
        if (u != null && !u.isNull()) {
            if (!u.isObject()) throw MethodError.invalidArguments("update is an object");
            n += u.size();
        }
        if (d != null && !d.isNull()) {
            if (!d.isArray()) throw MethodError.invalidArguments("destroy is a list of ids");
            n += d.size();
        }
        if (n > max) throw MethodError.requestTooLarge("at most " + max + " objects in one /set");
    }

    /** The entries of an object argument (create, update), or none. */
    public static Iterable<Map.Entry<String, JsonNode>> entries(ObjectNode args, String name) {
        JsonNode v = args.get(name);
        if (v == null || v.isNull()) return List.of();
        return v.properties();
    }
}
