package org.twinmail.filter;

import java.util.List;

/**
 * The outcome of one stage of a chain.
 *
 * @param stage   the stage
 * @param verdict the deciding verdict: {@link Verdict.Continue} when every check continued,
 *                else the {@link Verdict.Accept}, {@link Verdict.Refusal} or
 *                {@link Verdict.Quarantine} that ended the stage
 * @param check   the name of the check that gave {@code verdict}; null when every check continued
 * @param effects the {@link Verdict.AddHeaders} and {@link Verdict.FileInto} verdicts given before
 *                the stage ended, in order (none when the stage was refused)
 * @param notes   {@code stage/check/reason} for every verdict other than continue, for the session's log line
 */
public record Decision(Stage stage, Verdict verdict, String check, List<Verdict.Effect> effects, List<String> notes) {
    public Decision {
        effects = List.copyOf(effects);
        notes = List.copyOf(notes);
    }

    /** The refusal the client gets, or null when the stage passed. */
    public Verdict.Refusal refusal() {
        return verdict instanceof Verdict.Refusal r ? r : null;
    }

    public boolean refused() {
        return verdict instanceof Verdict.Refusal;
    }

    public boolean quarantined() {
        return verdict instanceof Verdict.Quarantine;
    }
}
