package org.twinmail.sieve;

/**
 * A script that cannot run: a syntax error, an unknown or unrequired command, test or
 * extension, a wrong argument ({@link #line()} says where), or a runtime error (a limit, a
 * failed include). The message is for the script's owner: it names the line and the rule.
 */
public final class SieveException extends Exception {
    private final int line;

    public SieveException(int line, String message) {
        super(line > 0 ? "line " + line + ": " + message : message, null, false, false);
        this.line = line;
    }

    /** 1-based line of the script, 0 when none applies. */
    public int line() {
        return line;
    }
}
