package org.twinmail.filter;

import java.util.Locale;

/** The points of an SMTP conversation at which the session consults its {@link Chain}, in the order they come. */
public enum Stage {
    /** The client connected; nothing has been said yet. */
    CONNECT,
    /** HELO or EHLO. */
    HELO,
    /** MAIL FROM: the envelope sender and its parameters. */
    MAIL,
    /** Each RCPT TO, one recipient at a time. */
    RCPT,
    /** The end of DATA: the whole message has been read, nothing is committed yet. */
    DATA,
    /** After the commit: the message is on disk and the client has its 250 (no verdict any more). */
    DELIVERED;

    /** The lower-case name used in log lines and metric tags. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
