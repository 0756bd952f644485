package org.twinmail.pop3.command;

import java.util.OptionalInt;

/**
 * A parsed, well-formed POP3 command, one record per verb. Message numbers are
 * syntactically valid here; whether they name a message is the maildrop's business.
 */
public sealed interface Command extends ParseResult {

    Verb verb();

    /** USER name (RFC 1939 section 7). */
    record User(String name) implements Command {
        public Verb verb() { return Verb.USER; }
    }

    /**
     * PASS string: everything after "PASS ", spaces included (RFC 1939 section 7
     * allows servers to treat spaces as part of the password).
     */
    record Pass(char[] password) implements Command {
        public Verb verb() { return Verb.PASS; }

        @Override
        public String toString() {
            return "Pass[***]"; // never let a password reach a log through toString
        }
    }

    /**
     * AUTH [mechanism [initial-response]] (RFC 5034). With no mechanism the client
     * asks for the mechanism list, as RFC 1734-era clients (and Dovecot) do.
     *
     * @param mechanism       upper-cased, or null when the client asked for the list
     * @param initialResponse base64 text, "" for the "=" empty response, null when absent
     */
    record Auth(String mechanism, String initialResponse) implements Command {
        public Verb verb() { return Verb.AUTH; }

        @Override
        public String toString() {
            return "Auth[" + mechanism + (initialResponse == null ? "" : " ***") + "]";
        }
    }

    /** STLS (RFC 2595): start TLS; no arguments. */
    record Stls() implements Command {
        public Verb verb() { return Verb.STLS; }
    }

    record Capa() implements Command {
        public Verb verb() { return Verb.CAPA; }
    }

    record Stat() implements Command {
        public Verb verb() { return Verb.STAT; }
    }

    /** LIST [msg]. */
    record List(OptionalInt message) implements Command {
        public Verb verb() { return Verb.LIST; }
    }

    record Retr(int message) implements Command {
        public Verb verb() { return Verb.RETR; }
    }

    /** TOP msg n: the headers, the blank line and the first {@code lines} body lines. */
    record Top(int message, long lines) implements Command {
        public Verb verb() { return Verb.TOP; }
    }

    /** UIDL [msg]. */
    record Uidl(OptionalInt message) implements Command {
        public Verb verb() { return Verb.UIDL; }
    }

    record Dele(int message) implements Command {
        public Verb verb() { return Verb.DELE; }
    }

    record Rset() implements Command {
        public Verb verb() { return Verb.RSET; }
    }

    record Noop() implements Command {
        public Verb verb() { return Verb.NOOP; }
    }

    record Quit() implements Command {
        public Verb verb() { return Verb.QUIT; }
    }
}
