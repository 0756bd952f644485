package org.twinmail.jmap.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * One method call as a method sees it: its arguments (references resolved), the
 * authenticated account, the creation ids of the request so far (RFC 8620 3.3: a
 * {@code #creationId} names an object created earlier in the same request), and a way to
 * add implicit responses (RFC 8621's Email/set after Email/copy with onSuccessDestroyOriginal).
 */
public final class Call {
    private final String name;
    private final ObjectNode args;
    private final String callId;
    private final long accountId;
    private final Map<String, String> createdIds;
    private final List<Invocation> responses;
    private final java.net.InetAddress client;

    public Call(String name, ObjectNode args, String callId, long accountId, Map<String, String> createdIds, List<Invocation> responses) {
        this(name, args, callId, accountId, createdIds, responses, java.net.InetAddress.getLoopbackAddress());
    }

    public Call(String name, ObjectNode args, String callId, long accountId, Map<String, String> createdIds, List<Invocation> responses,
                java.net.InetAddress client) {
        this.client = client;
        this.name = name;
        this.args = args;
        this.callId = callId;
        this.accountId = accountId;
        this.createdIds = createdIds;
        this.responses = responses;
    }

    public String name() {
        return name;
    }

    public ObjectNode args() {
        return args;
    }

    /** The client's address (the submission checks and logs see it). */
    public java.net.InetAddress client() {
        return client;
    }

    /** The authenticated user's account (store id). */
    public long accountId() {
        return accountId;
    }

    /** The creation ids so far, by creation id; a method that creates adds to it. */
    public Map<String, String> createdIds() {
        return createdIds;
    }

    /** Resolves {@code "#k"} to the id created as {@code k} in this request; other ids unchanged. */
    public String id(String id) {
        if (id != null && id.startsWith("#")) {
            String real = createdIds.get(id.substring(1));
            if (real != null) return real;
        }
        return id;
    }

    /** Adds a response after this call's own, with the same call id. */
    public void respondAlso(String name, ObjectNode args) {
        pending.add(new Invocation(name, args, callId));
    }

    private final java.util.List<Invocation> pending = new java.util.ArrayList<>();

    List<Invocation> pending() {
        return pending;
    }

    List<Invocation> responses() {
        return responses;
    }
}
