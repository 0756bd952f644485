package org.twinmail.imap.command;

/** Connection states (RFC 9051 3): a command table entry lists those it is allowed in. */
public enum State { NOT_AUTHENTICATED, AUTHENTICATED, SELECTED }
