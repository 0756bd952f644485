package org.twinmail.relay.client;

/**
 * A delivery attempt failed before or outside a recipient's own reply: no connection, a
 * timeout, a broken conversation, a refusal of the whole session. {@code reply} is the
 * remote server's reply when there was one.
 */
public final class SmtpClientException extends Exception {
    private final SmtpReply reply;
    private final boolean permanent;
    private final String status;

    public SmtpClientException(String message, SmtpReply reply, boolean permanent, String status, Throwable cause) {
        super(message, cause);
        this.reply = reply;
        this.permanent = permanent;
        this.status = status;
    }

    /** A temporary failure of our own diagnosis (no usable reply): retry later. */
    public static SmtpClientException temporary(String message, String status, Throwable cause) {
        return new SmtpClientException(message, null, false, status, cause);
    }

    /** The server refused the session or a command of it with {@code reply}. */
    public static SmtpClientException refused(String what, SmtpReply reply) {
        return new SmtpClientException(what + ": " + reply, reply, reply.permanent(), reply.status("0.0"), null);
    }

    public SmtpReply reply() {
        return reply;
    }

    public boolean permanent() {
        return permanent;
    }

    /** RFC 3463 status for DSNs. */
    public String status() {
        return status;
    }
}
