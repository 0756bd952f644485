package org.twinmail.jmap.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The JSON of JMAP: Jackson's tree model, and typed readers of arguments that fail as {@code invalidArguments}. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static {
        // Nesting deeper than this is no JMAP request: refuse it before it costs stack.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private Json() {
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    public static ArrayNode array(Collection<String> values) {
        ArrayNode a = array();
        values.forEach(a::add);
        return a;
    }

    public static JsonNode parse(byte[] body) throws IOException {
        return MAPPER.readTree(body);
    }

    public static JsonNode parse(String body) throws IOException {
        return MAPPER.readTree(body);
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String text(JsonNode node) {
        return node.toString();
    }

    public static JsonNode valueOf(Object o) {
        return MAPPER.valueToTree(o);
    }

    // ---- argument readers ----

    /** A required string argument. */
    public static String string(JsonNode args, String name) {
        JsonNode v = args.get(name);
        if (v == null || !v.isTextual()) throw MethodError.invalidArguments(name + " must be a string");
        return v.asText();
    }

    /** An optional string argument (absent or null: null). */
    public static String optString(JsonNode args, String name) {
        JsonNode v = args.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw MethodError.invalidArguments(name + " must be a string");
        return v.asText();
    }

    public static boolean optBoolean(JsonNode args, String name, boolean dflt) {
        JsonNode v = args.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw MethodError.invalidArguments(name + " must be a boolean");
        return v.asBoolean();
    }

    /** An optional integer argument (RFC 8620 "Int"/"UnsignedInt"): null when absent. */
    public static Long optLong(JsonNode args, String name) {
        JsonNode v = args.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw MethodError.invalidArguments(name + " must be an integer");
        return v.asLong();
    }

    /** An optional list of strings: null when absent or null. */
    public static List<String> optStrings(JsonNode args, String name) {
        JsonNode v = args.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isArray()) throw MethodError.invalidArguments(name + " must be a list of strings");
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode e : v) {
            if (!e.isTextual()) throw MethodError.invalidArguments(name + " must be a list of strings");
            out.add(e.asText());
        }
        return out;
    }

    /** An optional object argument: null when absent or null. */
    public static ObjectNode optObject(JsonNode args, String name) {
        JsonNode v = args.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isObject()) throw MethodError.invalidArguments(name + " must be an object");
        return (ObjectNode) v;
    }
}
