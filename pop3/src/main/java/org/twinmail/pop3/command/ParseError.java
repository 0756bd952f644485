package org.twinmail.pop3.command;

/**
 * A line the parser refused. {@code text} is what follows "-ERR " in the reply; it
 * never echoes client input, so it cannot be used to inject reply lines.
 */
public record ParseError(Kind kind, String text) implements ParseResult, SaslResponse {

    public enum Kind {
        /** Longer than the configured maximum line length. */
        LINE_TOO_LONG,
        /** NUL, other control characters or bytes that are not UTF-8. */
        INVALID_CHARACTERS,
        EMPTY,
        UNKNOWN_COMMAND,
        /** A known verb that the current state does not allow. */
        WRONG_STATE,
        /** Missing, surplus or malformed arguments. */
        SYNTAX,
        /** A message number that is not a decimal number. */
        INVALID_NUMBER
    }
}
