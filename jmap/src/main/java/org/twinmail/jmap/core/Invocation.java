package org.twinmail.jmap.core;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One method call or response: {@code [name, arguments, methodCallId]} (RFC 8620 3.2). */
public record Invocation(String name, ObjectNode arguments, String callId) {
    public ArrayNode toJson() {
        ArrayNode a = Json.array();
        a.add(name);
        a.add(arguments);
        a.add(callId);
        return a;
    }
}
