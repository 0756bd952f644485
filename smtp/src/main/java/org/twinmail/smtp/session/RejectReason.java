package org.twinmail.smtp.session;

/**
 * Why a recipient or message was refused: the {@code reason} tag of {@code twinmail.smtp.messages}.
 * These are registered at start (so they show as 0); the session gives the protocol's ones
 * itself, the filter's built-in checks the others as their verdicts' reasons, and a check
 * added later may give a reason of its own.
 */
public enum RejectReason {
    UNKNOWN_USER("unknown_user"),
    RELAY_DENIED("relay_denied"),
    QUOTA("quota"),
    TOO_BIG("too_big"),
    TOO_MANY_RECIPIENTS("too_many_recipients"),
    NO_RECIPIENTS("no_recipients"),
    SYNTAX("syntax"),
    LINE_TOO_LONG("line_too_long"),
    NUL("nul"),
    LOOP("loop"),
    STORE_ERROR("store_error"),
    /** The client went away during DATA: nothing was delivered. */
    DISCONNECT("disconnect"),
    /** The client stalled during DATA: 421 and nothing delivered. */
    TIMEOUT("timeout"),
    /** Submission: MAIL before a successful AUTH (530 5.7.0). */
    AUTH_REQUIRED("auth_required"),
    /** Submission: envelope sender or From not the authenticated user's (553 5.7.1). */
    SENDER_MISMATCH("sender_mismatch"),
    /** Submission: the user's messages-per-hour limit (450 4.7.1). */
    RATE_LIMIT("rate_limit");

    private final String tag;

    RejectReason(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }
}
