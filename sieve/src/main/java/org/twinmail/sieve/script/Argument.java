package org.twinmail.sieve.script;

import java.util.List;

/** One positional argument of a command or test (RFC 5228 2.6): a string list, a number or a tag. */
public sealed interface Argument {
    int line();

    /**
     * A string or a string list.
     *
     * @param values the strings, escapes and multi-line dot-stuffing already undone
     * @param list   written as a list in brackets (a single string is also a list of one)
     */
    record Strings(List<String> values, boolean list, int line) implements Argument {
        public Strings {
            values = List.copyOf(values);
        }
    }

    /** A number, its quantifier (K, M, G) applied. */
    record Number(long value, int line) implements Argument { }

    /** A tagged argument, {@code :name}, lower-cased. */
    record Tag(String name, int line) implements Argument { }
}
