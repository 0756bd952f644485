package org.twinmail.pop3.command;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The command table: every verb this server knows and the states in which it is
 * valid. The parser consults it before looking at arguments, so a command in the
 * wrong state gets the same answer whatever its arguments are, and no state check
 * is scattered through the session code. A new command (STLS was one) is one entry
 * here, one record in {@link Command} and one case in the parser.
 */
public enum Verb {
    USER(State.AUTHORIZATION),
    PASS(State.AUTHORIZATION),
    AUTH(State.AUTHORIZATION),
    /** RFC 2595 section 4: only before login. */
    STLS(State.AUTHORIZATION),
    CAPA(State.AUTHORIZATION, State.TRANSACTION),
    STAT(State.TRANSACTION),
    LIST(State.TRANSACTION),
    RETR(State.TRANSACTION),
    TOP(State.TRANSACTION),
    UIDL(State.TRANSACTION),
    DELE(State.TRANSACTION),
    RSET(State.TRANSACTION),
    NOOP(State.TRANSACTION),
    QUIT(State.AUTHORIZATION, State.TRANSACTION);

    private final Set<State> states;

    Verb(State first, State... rest) {
        this.states = EnumSet.of(first, rest);
    }

    public boolean allowedIn(State state) {
        return states.contains(state);
    }

    /** The verb for a keyword in any case (RFC 1939: keywords are case-insensitive), or null. */
    public static Verb lookup(String keyword) {
        // RFC 2449 section 3: keywords are three or four characters; refusing others early
        // also keeps valueOf from seeing arbitrary client text.
        if (keyword.length() < 3 || keyword.length() > 4) return null;
        String upper = keyword.toUpperCase(Locale.ROOT);
        for (Verb v : values()) {
            if (v.name().equals(upper)) return v;
        }
        return null;
    }
}
