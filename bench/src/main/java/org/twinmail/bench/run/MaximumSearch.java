package org.twinmail.bench.run;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;

/**
 * The highest rate that still passes QoS: open-loop steps of fixed length, doubling
 * the rate from the starting one until a step fails, then bisecting between the last
 * pass and the first fail. The user population stays fixed, so above users / 200
 * msgs/min each user is busier than SPECmail2001's model (the report says by how much).
 */
public final class MaximumSearch {
    private MaximumSearch() {}

    public record Result(double bestPerMinute, int steps) { }

    public static Result run(Target target, SpecMailRun.Options base, Duration step, int maxSteps, PrintStream out)
            throws IOException, InterruptedException {
        double rate = base.workload().msgsPerMinute(), best = 0, fail = Double.POSITIVE_INFINITY;
        int steps = 0;
        while (steps < maxSteps) {
            SpecMailRun.Options o = new SpecMailRun.Options(base.workload().withRate(rate), step, base.seed() + steps,
                    base.maxSessions(), base.probeShare(), base.probeMailboxes(), base.probeInterval(), base.drain(),
                    base.remoteDomain(), base.sinkPort(), base.serverPids());
            SpecMailRun.Result r = new SpecMailRun(target, o).run();
            steps++;
            out.printf("step %d: target %.0f msgs/min, achieved %.0f, QoS %s%n", steps, rate, r.achievedPerMinute(), r.passed() ? "PASS" : "FAIL");
            out.print(r.report());
            if (r.passed()) best = Math.max(best, r.achievedPerMinute());
            else fail = Math.min(fail, rate);
            if (Double.isInfinite(fail)) rate *= 2;
            else {
                if (best > 0 && (fail - best) / best < 0.1) break;
                rate = best > 0 ? (best + fail) / 2 : rate / 2;
            }
        }
        return new Result(best, steps);
    }
}
