package org.twinmail.web.session;

/**
 * A request the sessions refuse: 401 (no session, or an expired one) or 403 (a state-changing
 * request without the session's CSRF token, or from another origin).
 */
public final class SessionRefused extends Exception {
    private final int status;

    public SessionRefused(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
