package org.twinmail.sieve.script;

import java.util.List;

/**
 * A command: its identifier (lower-cased), its arguments, the test or test list of a control
 * command ({@code if}, {@code elsif}), and its block (null when it ends with ";").
 */
public record Command(String name, List<Argument> arguments, List<Test> tests, List<Command> block, int line) {
    public Command {
        arguments = List.copyOf(arguments);
        tests = List.copyOf(tests);
        if (block != null) block = List.copyOf(block);
    }
}
