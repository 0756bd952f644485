package org.twinmail.managesieve.command;

/** A command that does not parse; the message is the reply's text. */
public final class ParseException extends Exception {
    public ParseException(String message) {
        super(message, null, false, false);
    }
}
