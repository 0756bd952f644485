package org.twinmail.sieve.script;

import java.util.List;
import java.util.Set;

/** A compiled script: its commands, checked against the grammar of every command and test, and the extensions it requires. */
public record Script(List<Command> commands, Set<String> extensions) {
    public Script {
        commands = List.copyOf(commands);
        extensions = Set.copyOf(extensions);
    }

    public boolean uses(String extension) {
        return extensions.contains(extension);
    }
}
