package org.twinmail.jmap.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed JMAP request (RFC 8620 3.3): the one place where a request body becomes typed
 * values; everything wrong with it as a whole is a {@link Problem} (3.6.1), thrown here
 * before any method runs.
 *
 * @param using      the capabilities the client uses
 * @param calls      the method calls, in order
 * @param createdIds creation ids the client passes in (may be empty), or null when it sent none
 */
public record JmapRequest(Set<String> using, List<Invocation> calls, Map<String, String> createdIds) {

    /**
     * @param known    capabilities this server implements
     * @param maxCalls {@code maxCallsInRequest}
     */
    public static JmapRequest parse(byte[] body, Set<String> known, int maxCalls) {
        JsonNode root;
        try {
            root = Json.parse(body);
        } catch (IOException e) {
            throw new Problem(Problem.NOT_JSON, 400, "the request is not I-JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) throw new Problem(Problem.NOT_REQUEST, 400, "the request is not a JSON object");
        JsonNode using = root.get("using");
        JsonNode calls = root.get("methodCalls");
        if (using == null || !using.isArray()) throw new Problem(Problem.NOT_REQUEST, 400, "using must be a list of capabilities");
        if (calls == null || !calls.isArray()) throw new Problem(Problem.NOT_REQUEST, 400, "methodCalls must be a list of invocations");
        Set<String> caps = new LinkedHashSet<>();
        for (JsonNode u : using) {
            if (!u.isTextual()) throw new Problem(Problem.NOT_REQUEST, 400, "using must be a list of strings");
            caps.add(u.asText());
        }
        for (String c : caps) {
            if (!known.contains(c)) throw new Problem(Problem.UNKNOWN_CAPABILITY, 400, "unknown capability: " + c);
        }
        if (calls.size() > maxCalls) {
            throw Problem.limit("maxCallsInRequest", 400, "at most " + maxCalls + " method calls in one request");
        }
        List<Invocation> out = new ArrayList<>(calls.size());
        for (JsonNode c : calls) {
            if (!c.isArray() || c.size() != 3 || !c.get(0).isTextual() || !c.get(1).isObject() || !c.get(2).isTextual()) {
                throw new Problem(Problem.NOT_REQUEST, 400, "an invocation is [String, Object, String]");
            }
            out.add(new Invocation(c.get(0).asText(), (ObjectNode) c.get(1), c.get(2).asText()));
        }
        Map<String, String> created = null;
        JsonNode ids = root.get("createdIds");
        if (ids != null && !ids.isNull()) {
            if (!ids.isObject()) throw new Problem(Problem.NOT_REQUEST, 400, "createdIds must be an object");
            created = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : ids.properties()) {
                if (!e.getValue().isTextual()) throw new Problem(Problem.NOT_REQUEST, 400, "createdIds values must be ids");
                created.put(e.getKey(), e.getValue().asText());
            }
        }
        return new JmapRequest(caps, out, created);
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
