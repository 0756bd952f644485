package org.twinmail.admin;

/** An admin request failed; the message is one line for the operator, and {@link #kind()} maps to an HTTP status and a CLI exit code. */
public final class AdminException extends RuntimeException {
    /** FORBIDDEN: the administrator may not do this (a domain administrator outside their domains). */
    public enum Kind { INVALID, NOT_FOUND, CONFLICT, UNAVAILABLE, FORBIDDEN }

    private final Kind kind;

    public AdminException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
