package org.twinmail.smtp.session;

/**
 * What an SMTP listener is for. One session class serves both; the mode picks the command
 * table and the policy.
 */
public enum SmtpMode {
    /** Port 25: mail from anyone to our local domains; no AUTH, never relays. */
    MX,
    /**
     * Ports 587/465 (RFC 6409, RFC 8314): our users' mail. AUTH before MAIL, the envelope
     * sender and From must be the user's own, per-user sending limits.
     */
    SUBMISSION
}
