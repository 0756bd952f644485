package org.twinmail.imap.command;

/** A command that is well-formed but cannot be done: tagged NO, with an optional response code ("TRYCREATE", "OVERQUOTA"). */
public final class No extends Exception {
    private final String code;

    public No(String code, String text) {
        super(text, null, false, false);
        this.code = code;
    }

    /** The response code without brackets, or null. */
    public String code() {
        return code;
    }
}
