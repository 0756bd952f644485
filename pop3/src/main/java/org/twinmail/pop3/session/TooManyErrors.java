package org.twinmail.pop3.session;

/** The session reached {@code pop3.maxErrors} failed commands; the connection is closed. */
final class TooManyErrors extends Exception {
    TooManyErrors() {
        super("too many errors", null, false, false);
    }
}
