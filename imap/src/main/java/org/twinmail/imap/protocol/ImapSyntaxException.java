package org.twinmail.imap.protocol;

/**
 * A command the parser cannot accept; {@link #kind()} decides the reply (BAD, or
 * BAD/NO with a response code) and the message says why, for the client.
 */
public final class ImapSyntaxException extends Exception {
    public enum Kind {
        /** Malformed: unbalanced parentheses or quotes, a missing argument, a bad number. */
        SYNTAX,
        /** The command line is longer than {@code imap.maxLineLength}. */
        LINE_TOO_LONG,
        /** A literal is larger than {@code imap.maxLiteralSize}. */
        LITERAL_TOO_BIG,
        /** Parentheses nested deeper than {@code imap.maxNestingDepth}. */
        TOO_DEEP,
        /** A message sequence number after ENABLE UIDONLY (RFC 9586 3: BAD [UIDREQUIRED]). */
        UID_REQUIRED
    }

    private final Kind kind;

    public ImapSyntaxException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public static ImapSyntaxException syntax(String message) {
        return new ImapSyntaxException(Kind.SYNTAX, message);
    }

    public Kind kind() {
        return kind;
    }
}
