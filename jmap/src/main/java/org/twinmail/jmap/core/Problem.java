package org.twinmail.jmap.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request-level error (RFC 8620 3.6.1): the whole request is refused with an RFC 7807
 * problem details object of type {@code urn:ietf:params:jmap:error:*} and an HTTP status.
 */
public final class Problem extends RuntimeException {
    public static final String UNKNOWN_CAPABILITY = "urn:ietf:params:jmap:error:unknownCapability";
    public static final String NOT_JSON = "urn:ietf:params:jmap:error:notJSON";
    public static final String NOT_REQUEST = "urn:ietf:params:jmap:error:notRequest";
    public static final String LIMIT = "urn:ietf:params:jmap:error:limit";

    private final String type;
    private final int status;
    private final String limit;

    public Problem(String type, int status, String detail) {
        this(type, status, detail, null);
    }

    public Problem(String type, int status, String detail, String limit) {
        super(detail, null, false, false);
        this.type = type;
        this.status = status;
        this.limit = limit;
    }

    public static Problem limit(String name, int status, String detail) {
        return new Problem(LIMIT, status, detail, name);
    }

    public String type() {
        return type;
    }

    public int status() {
        return status;
    }

    /** The {@code application/problem+json} body. */
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("type", type);
        o.put("status", status);
        o.put("detail", getMessage());
        if (limit != null) o.put("limit", limit);
        return o;
    }
}
