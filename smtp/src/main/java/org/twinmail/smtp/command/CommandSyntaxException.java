package org.twinmail.smtp.command;

/**
 * A command line the parser could not accept. {@link Kind} fixes the reply code and
 * enhanced status code (RFC 5321 4.2, RFC 3463); the message is the reply text and
 * never contains raw client bytes. {@link #verb()} is null when the verb itself was
 * not recognised, so the session can still apply sequence rules (503 before 501,
 * as Postfix does) when it was.
 */
public final class CommandSyntaxException extends Exception {

    public enum Kind {
        /** Not a verb we know: 500 5.5.1. */
        UNKNOWN_COMMAND(500, "5.5.1"),
        /** Empty line, NUL, control characters, bytes that are not UTF-8, or non-ASCII outside an SMTPUTF8 address: 500 5.5.2. */
        BAD_LINE(500, "5.5.2"),
        /** Line longer than the configured limit: 500 5.5.2 (RFC 5321 4.5.3.1.10 "500 Line too long"). */
        LINE_TOO_LONG(500, "5.5.2"),
        /** Arguments that do not follow the command's grammar: 501 5.5.2. */
        BAD_SYNTAX(501, "5.5.2"),
        /** Missing, extra, repeated or out-of-range arguments or parameter values: 501 5.5.4. */
        BAD_ARGUMENTS(501, "5.5.4"),
        /** Reverse-path that is not a valid address: 501 5.1.7 (bad sender's mailbox address syntax). */
        BAD_SENDER(501, "5.1.7"),
        /** Forward-path that is not a valid address: 501 5.1.3 (bad destination mailbox address syntax). */
        BAD_RECIPIENT(501, "5.1.3"),
        /** ESMTP parameter we do not implement: 555 5.5.4 (RFC 5321 4.1.1.11). */
        UNKNOWN_PARAMETER(555, "5.5.4"),
        /** UTF-8 address without SMTPUTF8 in MAIL: 553 5.6.7 (RFC 6531 3.5, RFC 5248). */
        NON_ASCII_ADDRESS(553, "5.6.7");

        private final int code;
        private final String status;

        Kind(int code, String status) {
            this.code = code;
            this.status = status;
        }

        public int code() {
            return code;
        }

        /** The RFC 3463 enhanced status code. */
        public String status() {
            return status;
        }
    }

    private final Kind kind;
    private final Verb verb;

    public CommandSyntaxException(Kind kind, Verb verb, String message) {
        super(message, null, false, false); // expected on every bad line: no stack trace
        this.kind = kind;
        this.verb = verb;
    }

    public Kind kind() {
        return kind;
    }

    /** The recognised verb, or null if the line did not start with one. */
    public Verb verb() {
        return verb;
    }
}
