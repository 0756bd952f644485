package org.twinmail.jmap.sieve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.twinmail.filter.sieve.SieveScripts;
import org.twinmail.jmap.JmapSettings;
import org.twinmail.jmap.core.Call;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.core.MethodError;
import org.twinmail.jmap.core.SetResult;
import org.twinmail.jmap.mail.Blobs;
import org.twinmail.jmap.mail.Ids;
import org.twinmail.sieve.Extensions;
import org.twinmail.sieve.SieveException;
import org.twinmail.sieve.script.Grammar;

/**
 * JMAP for Sieve Scripts (RFC 9661, {@code urn:ietf:params:jmap:sieve}): SieveScript/get, /set
 * (content as an uploaded blob; {@code onSuccessActivateScript}, {@code onSuccessDeactivateScript}),
 * /query and SieveScript/validate, over the same records as ManageSieve and delivery
 * ({@link SieveScripts}: kind {@code sieve.script} by name, {@code sieve.active}), so a script put
 * here is the one ManageSieve lists and delivery runs.
 *
 * <p>A script's id is stable: given when the script is first stored and kept over a rename
 * ({@link SieveScripts#ids}, records {@code sieve.id}), whoever renames it (JMAP or ManageSieve).
 * The state is the change-log position of the account's last script change
 * ({@link SieveScripts#state}). RFC 9661 defines no SieveScript/changes (its methods are get, set,
 * query and validate), so none is offered; /query says {@code canCalculateChanges: false}.
 */
public final class SieveScriptMethods {
    /** Longest script name (as ManageSieve's). */
    public static final int MAX_NAME = 128;

    private final SieveScripts scripts;
    private final Blobs blobs;
    private final int maxScriptSize;
    private final int maxScripts;
    private final int maxRedirects;

    public SieveScriptMethods(SieveScripts scripts, Blobs blobs, JmapSettings.SieveLimits limits) {
        this.scripts = scripts;
        this.blobs = blobs;
        this.maxScriptSize = limits.maxScriptSize();
        this.maxScripts = limits.maxScripts();
        this.maxRedirects = limits.maxRedirects();
    }

    /** The account capability object (RFC 9661 2). */
    public ObjectNode accountCapability() {
        ObjectNode o = Json.object();
        o.put("implementation", "TwinMail");
        o.put("maxSizeScriptName", MAX_NAME);
        o.put("maxSizeScript", maxScriptSize);
        o.put("maxNumberScripts", maxScripts);
        o.put("maxNumberRedirects", maxRedirects);
        o.set("sieveExtensions", Json.array(Extensions.SUPPORTED));
        o.putNull("notificationMethods");
        o.putNull("externalLists");
        return o;
    }

    /** The scripts behind these methods, for the server's own writers (the webmail's rules editor). */
    public SieveScripts scripts() {
        return scripts;
    }

    /**
     * Stores a script the server wrote for the account (the webmail's rules) under {@code name},
     * with SieveScript/set's checks (name, size, number of scripts, compiled), and activates it
     * when {@code activate}; the refusal's description, or empty when it was stored.
     */
    public Optional<String> store(long accountId, String name, String text, boolean activate) {
        String bad = checkName(name);
        if (bad != null) return Optional.of(bad);
        if (text.getBytes(StandardCharsets.UTF_8).length > maxScriptSize) return Optional.of("a script has at most " + maxScriptSize + " octets");
        if (scripts.text(accountId, name).isEmpty() && scripts.list(accountId).size() >= maxScripts) {
            return Optional.of("at most " + maxScripts + " scripts");
        }
        ObjectNode invalid = compileError(text);
        if (invalid != null) return Optional.of(invalid.path("description").asText());
        scripts.put(accountId, name, text);
        if (activate) scripts.activate(accountId, name);
        return Optional.empty();
    }

    /** The script's stable id ({@link SieveScripts#ids}: kept over a rename). */
    private String id(long accountId, String name) {
        return scripts.ids(accountId).get(name);
    }

    /** The name of the script with that id, or null. */
    private String nameOf(long accountId, String id) {
        if (id == null) return null;
        for (Map.Entry<String, String> e : scripts.ids(accountId).entrySet()) if (e.getValue().equals(id)) return e.getKey();
        return null;
    }

    private String state(long accountId) {
        return String.valueOf(scripts.state(accountId));
    }

    private ObjectNode object(long accountId, SieveScripts.Script s) {
        ObjectNode o = Json.object();
        o.put("id", id(accountId, s.name()));
        o.put("name", s.name());
        // the content as a blob the account may download (content-addressed: stored once)
        o.put("blobId", Ids.blob(blobs.upload(accountId, s.text().getBytes(StandardCharsets.UTF_8))));
        o.put("isActive", s.active());
        return o;
    }

    private static String account(Call c) {
        String id = c.args().path("accountId").asText(null);
        if (id == null) throw MethodError.invalidArguments("accountId is required");
        if (Ids.accountOf(id) != c.accountId()) throw MethodError.accountNotFound();
        return id;
    }

    public ObjectNode get(Call c) {
        String account = account(c);
        List<SieveScripts.Script> all = scripts.list(c.accountId());
        JsonNode ids = c.args().get("ids");
        ObjectNode out = Json.object();
        out.put("accountId", account);
        out.put("state", state(c.accountId()));
        ArrayNode list = out.putArray("list");
        ArrayNode notFound = out.putArray("notFound");
        List<String> props = Json.optStrings(c.args(), "properties");
        if (ids == null || ids.isNull()) {
            for (SieveScripts.Script s : all) list.add(pick(object(c.accountId(), s), props));
        } else {
            if (!ids.isArray()) throw MethodError.invalidArguments("ids is a list");
            for (JsonNode i : ids) {
                String name = nameOf(c.accountId(), c.id(i.asText()));
                Optional<SieveScripts.Script> s = all.stream().filter(x -> x.name().equals(name)).findFirst();
                if (s.isPresent()) list.add(pick(object(c.accountId(), s.get()), props));
                else notFound.add(i.asText());
            }
        }
        return out;
    }

    private static ObjectNode pick(ObjectNode o, List<String> props) {
        if (props == null) return o;
        ObjectNode p = Json.object();
        p.set("id", o.get("id"));
        for (String k : props) {
            if (!List.of("id", "name", "blobId", "isActive").contains(k)) throw MethodError.invalidArguments("unknown property " + k);
            p.set(k, o.get(k));
        }
        return p;
    }

    /** The script text of a blob the account uploaded; a SetError when it cannot be one. */
    private Object text(long accountId, String blobId) {
        byte[] b = blobs.download(accountId, blobId);
        if (b == null) return SetResult.error("blobNotFound", "no blob " + blobId, "blobId");
        if (b.length > maxScriptSize) return SetResult.error("tooLarge", "a script has at most " + maxScriptSize + " octets", "blobId");
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return SetResult.error("invalidSieve", "a script is UTF-8 text", "blobId");
        }
    }

    private ObjectNode compileError(String text) {
        try {
            Grammar.compile(text, maxScriptSize);
            return null;
        } catch (SieveException e) {
            return SetResult.error("invalidSieve", e.getMessage(), "blobId");
        }
    }

    private static String checkName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME) return "a name has 1 to " + MAX_NAME + " characters";
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch < 0x20 || ch == 0x7f || ch >= 0x80 && ch < 0xa0 || ch == 0x2028 || ch == 0x2029) return "a name has no control characters";
        }
        return null;
    }

    public ObjectNode set(Call c) {
        String account = account(c);
        long id = c.accountId();
        String oldState = state(id);
        String ifIn = Json.optString(c.args(), "ifInState");
        if (ifIn != null && !ifIn.equals(oldState)) throw new MethodError("stateMismatch", "the state is " + oldState);
        SetResult r = new SetResult();
        Map<String, String> created = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "create")) {
            JsonNode o = e.getValue();
            String name = o.path("name").isTextual() ? o.get("name").asText() : null;
            String blobId = o.path("blobId").isTextual() ? o.get("blobId").asText() : null;
            String unknown = null;
            for (Map.Entry<String, JsonNode> p : o.properties()) {
                boolean inactive = p.getKey().equals("isActive") && p.getValue().isBoolean() && !p.getValue().asBoolean();
                if (!List.of("name", "blobId").contains(p.getKey()) && !inactive) unknown = p.getKey();
            }
            if (unknown != null) {
                r.notCreated(e.getKey(), SetResult.error("invalidProperties", unknown + " cannot be set", unknown));
                continue;
            }
            if (blobId == null) {
                r.notCreated(e.getKey(), SetResult.error("invalidProperties", "blobId is required", "blobId"));
                continue;
            }
            if (name == null) name = "script-" + e.getKey(); // RFC 9661 2.2: the server picks one
            String bad = checkName(name);
            if (bad != null) {
                r.notCreated(e.getKey(), SetResult.error("invalidProperties", bad, "name"));
                continue;
            }
            if (scripts.text(id, name).isPresent()) {
                r.notCreated(e.getKey(), SetResult.error("alreadyExists", "a script is named " + name, "name"));
                continue;
            }
            if (scripts.list(id).size() >= maxScripts) {
                r.notCreated(e.getKey(), SetResult.error("overQuota", "at most " + maxScripts + " scripts"));
                continue;
            }
            Object text = text(id, c.id(blobId));
            if (text instanceof ObjectNode err) {
                r.notCreated(e.getKey(), err);
                continue;
            }
            ObjectNode invalid = compileError((String) text);
            if (invalid != null) {
                r.notCreated(e.getKey(), invalid);
                continue;
            }
            scripts.put(id, name, (String) text);
            ObjectNode made = Json.object();
            made.put("id", id(id, name));
            made.put("name", name);
            made.put("blobId", Ids.blob(blobs.upload(id, ((String) text).getBytes(StandardCharsets.UTF_8))));
            made.put("isActive", false);
            r.created(e.getKey(), made);
            created.put(e.getKey(), id(id, name));
            c.createdIds().put(e.getKey(), id(id, name));
        }
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "update")) {
            String name = nameOf(id, c.id(e.getKey()));
            Optional<String> current = name == null ? Optional.empty() : scripts.text(id, name);
            if (current.isEmpty()) {
                r.notUpdated(e.getKey(), SetResult.error("notFound", null));
                continue;
            }
            String newName = name;
            String text = current.get();
            ObjectNode error = null;
            for (Map.Entry<String, JsonNode> p : e.getValue().properties()) {
                switch (p.getKey()) {
                    case "name" -> {
                        String n = p.getValue().asText(null);
                        String bad = p.getValue().isTextual() ? checkName(n) : "name is a string";
                        if (bad != null) error = SetResult.error("invalidProperties", bad, "name");
                        else if (!n.equals(name) && scripts.text(id, n).isPresent()) error = SetResult.error("alreadyExists", "a script is named " + n, "name");
                        else newName = n;
                    }
                    case "blobId" -> {
                        Object t = p.getValue().isTextual() ? text(id, c.id(p.getValue().asText())) : SetResult.error("invalidProperties", "blobId is a string", "blobId");
                        if (t instanceof ObjectNode err) error = err;
                        else {
                            error = compileError((String) t);
                            text = (String) t;
                        }
                    }
                    default -> error = SetResult.error("invalidProperties", p.getKey() + " cannot be set", p.getKey());
                }
                if (error != null) break;
            }
            if (error != null) {
                r.notUpdated(e.getKey(), error);
                continue;
            }
            if (!newName.equals(name)) scripts.rename(id, name, newName, text);
            else scripts.put(id, name, text);
            ObjectNode changes = Json.object();
            if (!newName.equals(name)) changes.put("name", newName); // the id stays (RFC 8620 5.1: an id never changes)
            r.updated(e.getKey(), changes.isEmpty() ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : changes);
        }
        JsonNode destroy = c.args().get("destroy");
        if (destroy != null && destroy.isArray()) {
            for (JsonNode d : destroy) {
                String name = nameOf(id, c.id(d.asText()));
                if (name == null || scripts.text(id, name).isEmpty()) {
                    r.notDestroyed(d.asText(), SetResult.error("notFound", null));
                } else if (scripts.activeName(id).filter(name::equals).isPresent()) {
                    r.notDestroyed(d.asText(), SetResult.error("scriptIsActive", "deactivate the script first"));
                } else {
                    scripts.delete(id, name);
                    r.destroyed(d.asText());
                }
            }
        }
        // RFC 9661 2.2: after the rest succeeded, activate one script or deactivate all
        JsonNode activate = c.args().get("onSuccessActivateScript");
        boolean deactivate = Json.optBoolean(c.args(), "onSuccessDeactivateScript", false);
        if (activate != null && !activate.isNull()) {
            String target = activate.asText();
            String resolved = target.startsWith("#") ? created.get(target.substring(1)) : target;
            String name = nameOf(id, resolved);
            if (name != null && scripts.text(id, name).isPresent()) {
                String was = scripts.activeName(id).orElse(null);
                scripts.activate(id, name);
                if (was != null && !was.equals(name)) markActive(r, id(id, was), false);
                markActive(r, id(id, name), true);
            }
        } else if (deactivate) {
            String was = scripts.activeName(id).orElse(null);
            scripts.activate(id, "");
            if (was != null) markActive(r, id(id, was), false);
        }
        return r.toJson(account, oldState, state(id));
    }

    private static void markActive(SetResult r, String scriptId, boolean active) {
        ObjectNode change = Json.object();
        change.put("isActive", active);
        r.updated(scriptId, change);
    }

    public ObjectNode query(Call c) {
        String account = account(c);
        List<SieveScripts.Script> all = new ArrayList<>(scripts.list(c.accountId()));
        JsonNode filter = c.args().get("filter");
        if (filter != null && !filter.isNull()) {
            for (Map.Entry<String, JsonNode> f : filter.properties()) {
                switch (f.getKey()) {
                    case "name" -> all.removeIf(s -> !s.name().toLowerCase(java.util.Locale.ROOT).contains(f.getValue().asText().toLowerCase(java.util.Locale.ROOT)));
                    case "isActive" -> all.removeIf(s -> s.active() != f.getValue().asBoolean());
                    default -> throw MethodError.unsupportedFilter("SieveScript filters on name and isActive");
                }
            }
        }
        JsonNode sort = c.args().get("sort");
        java.util.Comparator<SieveScripts.Script> order = java.util.Comparator.comparing(SieveScripts.Script::name);
        if (sort != null && sort.isArray() && !sort.isEmpty()) {
            java.util.Comparator<SieveScripts.Script> cmp = null;
            for (JsonNode s : sort) {
                java.util.Comparator<SieveScripts.Script> one = switch (s.path("property").asText()) {
                    case "name" -> java.util.Comparator.comparing(SieveScripts.Script::name);
                    case "isActive" -> java.util.Comparator.comparing(SieveScripts.Script::active);
                    default -> throw MethodError.unsupportedSort("SieveScript sorts by name or isActive");
                };
                if (!s.path("isAscending").asBoolean(true)) one = one.reversed();
                cmp = cmp == null ? one : cmp.thenComparing(one);
            }
            order = cmp;
        }
        all.sort(order);
        long position = Math.max(0, Json.optLong(c.args(), "position") == null ? 0 : Json.optLong(c.args(), "position"));
        Long limit = Json.optLong(c.args(), "limit");
        ObjectNode out = Json.object();
        out.put("accountId", account);
        out.put("queryState", state(c.accountId()));
        out.put("canCalculateChanges", false);
        out.put("position", position);
        ArrayNode ids = out.putArray("ids");
        all.stream().skip(position).limit(limit == null ? Long.MAX_VALUE : limit).forEach(s -> ids.add(id(c.accountId(), s.name())));
        out.put("total", all.size());
        return out;
    }

    /** SieveScript/validate (RFC 9661 2.4): {@code error} null when the blob is a script this server runs. */
    public ObjectNode validate(Call c) {
        String account = account(c);
        String blobId = Json.string(c.args(), "blobId");
        Object text = text(c.accountId(), c.id(blobId));
        ObjectNode out = Json.object();
        out.put("accountId", account);
        if (text instanceof ObjectNode err) {
            if (err.path("type").asText().equals("blobNotFound")) throw new MethodError("invalidArguments", "no blob " + blobId);
            out.set("error", err);
        } else {
            ObjectNode invalid = compileError((String) text);
            if (invalid == null) out.putNull("error");
            else out.set("error", invalid);
        }
        return out;
    }
}
