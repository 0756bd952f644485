package org.twinmail.sieve.script;

import java.util.List;

/** A test: its identifier (lower-cased), its arguments, and its nested tests (allof, anyof, not). */
public record Test(String name, List<Argument> arguments, List<Test> tests, int line) {
    public Test {
        arguments = List.copyOf(arguments);
        tests = List.copyOf(tests);
    }
}
