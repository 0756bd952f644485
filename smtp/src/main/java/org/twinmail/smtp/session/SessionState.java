package org.twinmail.smtp.session;

/** Where an SMTP session stands, as far as the command table cares (RFC 5321 4.1.4). */
public enum SessionState {
    /** Greeting sent, no HELO/EHLO yet. */
    CONNECTED,
    /** HELO/EHLO done, no mail transaction open. */
    GREETED,
    /** MAIL accepted, no recipient accepted yet. */
    MAIL,
    /** At least one RCPT accepted: DATA may follow. */
    RCPT
}
