package org.twinmail.sieve.run;

import java.util.List;
import java.util.Optional;

/**
 * The result of running a script on one message: the actions to take (the implicit keep
 * already added when it applies), or, after a runtime error, only the implicit keep and the
 * error for the owner (RFC 5228 2.10.6: a failed script must not lose the message).
 *
 * @param actions      what to do, in the order decided
 * @param error        the runtime error, if the script failed
 * @param instructions commands and tests run (bounded by {@link Limits#maxInstructions()})
 * @param notes        why actions were left out (a vacation not sent to a list, say), for the log
 * @param failedIn     with an error: the name of the script of the sequence that failed
 *                     ({@link Interpreter.Step#name()})
 */
public record Outcome(List<Action> actions, Optional<String> error, int instructions, List<String> notes, Optional<String> failedIn) {
    public Outcome {
        actions = List.copyOf(actions);
        notes = List.copyOf(notes);
    }

    public Outcome(List<Action> actions, Optional<String> error, int instructions, List<String> notes) {
        this(actions, error, instructions, notes, Optional.empty());
    }
}
