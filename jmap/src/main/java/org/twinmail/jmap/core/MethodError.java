package org.twinmail.jmap.core;

/**
 * A method-level error (RFC 8620 3.6.2): the invocation is answered with
 * {@code ["error", {"type": type, "description": ...}, callId]} and the request goes on.
 */
public final class MethodError extends RuntimeException {
    private final String type;
    private final transient java.util.Map<String, Object> extra;

    public MethodError(String type, String description) {
        this(type, description, java.util.Map.of());
    }

    public MethodError(String type, String description, java.util.Map<String, Object> extra) {
        super(description, null, false, false);
        this.type = type;
        this.extra = extra;
    }

    public String type() {
        return type;
    }

    public java.util.Map<String, Object> extra() {
        return extra;
    }

    public static MethodError invalidArguments(String description) {
        return new MethodError("invalidArguments", description);
    }

    public static MethodError accountNotFound() {
        return new MethodError("accountNotFound", "no such account");
    }

    public static MethodError requestTooLarge(String description) {
        return new MethodError("requestTooLarge", description);
    }

    public static MethodError cannotCalculateChanges(String description) {
        return new MethodError("cannotCalculateChanges", description);
    }

    public static MethodError serverFail(String description) {
        return new MethodError("serverFail", description);
    }

    public static MethodError unsupportedFilter(String description) {
        return new MethodError("unsupportedFilter", description);
    }

    public static MethodError unsupportedSort(String description) {
        return new MethodError("unsupportedSort", description);
    }

    public static MethodError anchorNotFound() {
        return new MethodError("anchorNotFound", "the anchor is not in the results");
    }
}
