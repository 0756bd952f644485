package org.twinmail.filter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.store.StoreException;

/**
 * Runs a {@link Chain} for the SMTP session, one stage at a time. Within a stage the checks
 * run in the chain's order until one accepts, refuses or quarantines; header and filing
 * verdicts are collected on the way. Every verdict other than continue is counted in
 * {@link FilterMetrics} and noted for the session's log line.
 *
 * <p>A check that fails (store unreachable, I/O error, a bug) ends the stage with
 * 451 4.3.0: the client retries, nothing is accepted unchecked.
 */
public final class Pipeline {
    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

    private final Chain chain;
    private final FilterMetrics metrics;

    public Pipeline(Chain chain, FilterMetrics metrics) {
        this.chain = chain;
        this.metrics = metrics;
    }

    public Chain chain() {
        return chain;
    }

    public Decision connect(Client client) {
        return run(Stage.CONNECT, null, c -> ((Check.Connect) c).connect(client));
    }

    public Decision helo(Client client) {
        return run(Stage.HELO, null, c -> ((Check.Helo) c).helo(client));
    }

    public Decision mail(Client client, Envelope envelope) {
        return run(Stage.MAIL, null, c -> ((Check.Mail) c).mail(client, envelope));
    }

    public Decision rcpt(Client client, Envelope envelope, Recipient recipient) {
        return run(Stage.RCPT, recipient, c -> ((Check.Rcpt) c).rcpt(client, envelope, recipient));
    }

    public Decision data(Client client, Envelope envelope, Message message) {
        return run(Stage.DATA, null, c -> ((Check.Data) c).data(client, envelope, message));
    }

    /** Tells the DELIVERED checks; a failing one is logged and does not affect the others. */
    public void delivered(Client client, Envelope envelope) {
        for (Check c : chain.checks(Stage.DELIVERED)) {
            try {
                ((Check.Delivered) c).delivered(client, envelope);
            } catch (RuntimeException e) {
                log.error("{}: check {} failed after delivery", envelope.queueId(), c.name(), e);
            }
        }
    }

    @FunctionalInterface
    private interface Call {
        Verdict on(Check check) throws IOException;
    }

    /** @param recipient at RCPT, named at the start of a failure's reply text; else null */
    private Decision run(Stage stage, Recipient recipient, Call call) {
        List<Verdict.Effect> effects = List.of();
        List<String> notes = List.of();
        for (Check check : chain.checks(stage)) {
            Verdict v;
            try {
                v = call.on(check);
            } catch (StoreException e) {
                log.warn("{} check {} failed: {}", stage.tag(), check.name(), e.getMessage());
                v = Verdict.tempfail(451, "4.3.0", prefix(recipient) + "Temporary lookup failure, try again later", "store_error");
            } catch (IOException | RuntimeException e) {
                log.error("{} check {} failed", stage.tag(), check.name(), e);
                v = Verdict.tempfail(451, "4.3.0", prefix(recipient) + "Temporary failure of a policy check, try again later", "check_error");
            }
            if (v == null) throw new NullPointerException("check " + check.name() + " returned no verdict");
            String detail = "";
            if (v instanceof Verdict.Explained x) {
                v = x.verdict();
                detail = x.detail().isEmpty() ? "" : "[" + x.detail() + "]";
            }
            if (v == Verdict.CONTINUE && detail.isEmpty()) continue;
            List<? extends Verdict> each = v instanceof Verdict.Effects many ? many.effects() : List.of(v);
            for (Verdict one : each) {
                metrics.count(chain.name(), stage, check.name(), one);
                if (notes.isEmpty()) notes = new ArrayList<>(2);
                notes.add(stage.tag() + "/" + check.name() + "/" + one.reason() + detail);
                detail = "";
            }
            switch (v) {
                case Verdict.Effect e -> effects = add(effects, e);
                case Verdict.Effects many -> {
                    for (Verdict.Effect e : many.effects()) effects = add(effects, e);
                }
                case Verdict.Refusal r -> {
                    return new Decision(stage, r, check.name(), List.of(), notes);
                }
                case Verdict.Accept a -> {
                    return new Decision(stage, a, check.name(), effects, notes);
                }
                case Verdict.Quarantine q -> {
                    return new Decision(stage, q, check.name(), effects, notes);
                }
                case Verdict.Continue c -> { } // noted above; the next check runs
                case Verdict.Explained x -> throw new AssertionError();
            }
        }
        return new Decision(stage, Verdict.CONTINUE, null, effects, notes);
    }

    private static String prefix(Recipient recipient) {
        return recipient == null ? "" : recipient.shown() + ": ";
    }

    private static List<Verdict.Effect> add(List<Verdict.Effect> effects, Verdict.Effect v) {
        List<Verdict.Effect> out = effects.isEmpty() ? new ArrayList<>(2) : effects;
        out.add(v);
        return out;
    }
}
