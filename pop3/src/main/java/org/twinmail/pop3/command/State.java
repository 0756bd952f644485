package org.twinmail.pop3.command;

/**
 * The POP3 states in which commands are read (RFC 1939 section 3). UPDATE is not
 * here: the session enters it only while answering QUIT and reads nothing in it.
 */
public enum State {
    /** Before a successful USER/PASS or AUTH: the client is not yet anybody. */
    AUTHORIZATION,
    /** The maildrop is locked and its snapshot taken. */
    TRANSACTION
}
