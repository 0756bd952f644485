package org.twinmail.jmap.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Back-references between method calls (RFC 8620 3.7): an argument {@code "#name"} whose
 * value is {@code {resultOf, name, path}} is replaced by the value the JSON Pointer (with
 * the {@code *} extension for lists) selects in an earlier response.
 */
public final class ResultReferences {
    private ResultReferences() {
    }

    /**
     * Returns the arguments with every reference resolved.
     *
     * @throws MethodError invalidArguments (both "x" and "#x"), invalidResultReference
     */
    public static ObjectNode resolve(ObjectNode args, List<Invocation> responses) {
        boolean any = false;
        for (Map.Entry<String, JsonNode> e : args.properties()) {
            if (e.getKey().startsWith("#")) {
                any = true;
                break;
            }
        }
        if (!any) return args;
        ObjectNode out = Json.object();
        for (Map.Entry<String, JsonNode> e : args.properties()) {
            String key = e.getKey();
            if (!key.startsWith("#")) {
                if (!out.has(key)) out.set(key, e.getValue());
                continue;
            }
            String plain = key.substring(1);
            if (args.has(plain)) throw MethodError.invalidArguments("both " + plain + " and " + key + " are given");
            out.set(plain, evaluate(e.getValue(), responses));
        }
        return out;
    }

    private static JsonNode evaluate(JsonNode ref, List<Invocation> responses) {
        if (!ref.isObject() || !ref.path("resultOf").isTextual() || !ref.path("name").isTextual() || !ref.path("path").isTextual()) {
            throw invalid("a result reference is {resultOf, name, path}");
        }
        String callId = ref.get("resultOf").asText();
        String name = ref.get("name").asText();
        Invocation target = null;
        for (Invocation r : responses) {
            if (r.callId().equals(callId)) {
                target = r;
                break; // the first response with that call id (RFC 8620 3.7)
            }
        }
        if (target == null) throw invalid("no response for call " + callId);
        if (!target.name().equals(name)) throw invalid("call " + callId + " answered " + target.name() + ", not " + name);
        JsonNode v = pointer(target.arguments(), ref.get("path").asText());
        if (v == null) throw invalid("the path " + ref.get("path").asText() + " selects nothing");
        return v;
    }

    /** RFC 6901 JSON Pointer with RFC 8620's "*": applied to a list, maps the rest over its items, flattening lists. */
    static JsonNode pointer(JsonNode root, String path) {
        if (path.isEmpty()) return root;
        if (!path.startsWith("/")) return null;
        String[] tokens = path.substring(1).split("/", -1);
        return walk(root, tokens, 0);
    }

    private static JsonNode walk(JsonNode node, String[] tokens, int i) {
        if (i == tokens.length) return node;
        String t = tokens[i].replace("~1", "/").replace("~0", "~");
        if (node.isArray()) {
            if (t.equals("*")) {
                ArrayNode out = Json.array();
                for (JsonNode item : node) {
                    JsonNode v = walk(item, tokens, i + 1);
                    if (v == null) return null;
                    if (v.isArray()) out.addAll((ArrayNode) v);
                    else out.add(v);
                }
                return out;
            }
            int index;
            try {
                index = Integer.parseInt(t);
            } catch (NumberFormatException e) {
                return null;
            }
            if (index < 0 || index >= node.size()) return null;
            return walk(node.get(index), tokens, i + 1);
        }
        if (node.isObject()) {
            JsonNode child = node.get(t);
            return child == null ? null : walk(child, tokens, i + 1);
        }
        return null;
    }

    private static MethodError invalid(String description) {
        return new MethodError("invalidResultReference", description);
    }

    /** The ids of a list argument, with creation ids ("#k") replaced by the ids they were given. */
    public static List<String> ids(List<String> ids, Map<String, String> created) {
        List<String> out = new ArrayList<>(ids.size());
        for (String id : ids) out.add(id.startsWith("#") && created.containsKey(id.substring(1)) ? created.get(id.substring(1)) : id);
        return out;
    }
}
