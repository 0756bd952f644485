package org.twinmail.imap.command;

import org.twinmail.imap.protocol.ArgReader;

/**
 * One parsed command line: tag, name (upper case), whether it came as "UID name", and
 * the reader positioned after the name (and its space, if arguments follow).
 */
public record Request(String tag, String name, boolean uid, ArgReader args) {
    /** "UID FETCH" or "FETCH", for replies. */
    public String display() {
        return uid ? "UID " + name : name;
    }
}
