package org.twinmail.bench.run;

import java.util.Map;
import org.twinmail.bench.model.Workload;
import org.twinmail.bench.stats.Latencies;
import org.twinmail.bench.stats.ProcessTree;
import org.twinmail.bench.stats.Qos;
import org.twinmail.bench.stats.RunStats;

/** The text a run prints: what was exercised, the achieved rate, QoS, latencies, errors, server cost. */
final class Report {
    private Report() {}

    static String spec(SpecMailRun.Result r) {
        Workload w = r.options().workload();
        RunStats s = r.stats();
        StringBuilder b = new StringBuilder();
        b.append(String.format("SPECmail2001 run: %,d users, target %.1f msgs/min (%.2fx the model's intensity), %.0f s, seed %d%n",
                w.users(), w.msgsPerMinute(), w.intensity(), r.seconds(), r.options().seed()));
        b.append(String.format("  exercised: local submissions; mail from remote MTAs (%.0f%% of mail received); POP3 checks"
                        + " (retry pool %,d mailboxes); local delivery probed on %.0f%% of local mail%n",
                w.remoteInShare() * 100, w.retryPoolSize(), r.options().probeShare() * 100));
        if (w.remoteOutShare() > 0) {
            b.append(String.format("  remote-bound: %.0f%% of recipients relayed to the bench's sink (%,d messages arrived there)%n",
                    w.remoteOutShare() * 100, r.sinkMessages()));
        } else {
            b.append(String.format("  remote-bound: NOT exercised (share 0%%; the model has %.0f%%): every recipient of locally sent mail is local%n",
                    Workload.REMOTE_SHARE * 100));
        }
        long checks = s.counter("pop3.check");
        b.append(String.format("  achieved: %.1f msgs/min sent by local users (%,d); %,d messages from remote MTAs; %,d POP3 checks"
                        + " (%.0f%% found nothing), %,d messages retrieved%n",
                r.achievedPerMinute(), s.counter("smtp.local-sent"), s.counter("smtp.remote-in"), checks,
                checks == 0 ? 0.0 : 100.0 * s.counter("pop3.check-empty") / checks, s.counter("pop3.retrieved")));
        if (s.counter("pop3.check-skipped-busy") > 0) {
            b.append(String.format("  %,d checks skipped: that user's previous check was still running (one client per user)%n",
                    s.counter("pop3.check-skipped-busy")));
        }
        b.append("  QoS: ").append(r.passed() ? "PASS" : "FAIL").append('\n');
        for (Qos.Category c : r.qos()) {
            b.append(String.format("    %-13s %-24s %-26s (%s)%n", c.verdict(), c.name(), c.measured(), c.required()));
        }
        b.append(latencyTable(s.commandSummaries()));
        Latencies.Summary p = s.probeSummary();
        if (p.count() > 0) {
            b.append(String.format("  local delivery (probes): %d timed, p50 %.2f s, p95 %.2f s, max %.2f s; %d not found%n",
                    p.count(), p.p50() / 1e6, p.p95() / 1e6, p.max() / 1e6, s.probesOutstanding()));
        }
        b.append(String.format("  errors: %,d of %,d transactions%n", s.errorCount(), r.transactions()));
        for (Map.Entry<String, Long> e : s.errors().entrySet()) b.append(String.format("    %,8d  %s%n", e.getValue(), e.getKey()));
        b.append(server(r.cpuBefore(), r.cpuAfter(), r.seconds()));
        double benchCpu = r.benchAfter().cpuSeconds() - r.benchBefore().cpuSeconds();
        b.append(String.format("  bench (generator and sink, same machine): CPU %.1f s (%.0f%% of one core over the run)%n",
                benchCpu, 100 * benchCpu / r.seconds()));
        return b.toString();
    }

    static String latencyTable(Map<String, Latencies.Summary> commands) {
        StringBuilder b = new StringBuilder(String.format("  %-18s %9s %9s %9s %9s %9s%n", "latency (ms)", "count", "p50", "p95", "p99", "max"));
        for (Map.Entry<String, Latencies.Summary> e : commands.entrySet()) {
            Latencies.Summary l = e.getValue();
            b.append(String.format("  %-18s %,9d %9.1f %9.1f %9.1f %9.1f%n", e.getKey(), l.count(), l.p50() / 1e3, l.p95() / 1e3, l.p99() / 1e3, l.max() / 1e3));
        }
        return b.toString();
    }

    static String server(ProcessTree.Sample before, ProcessTree.Sample after, double seconds) {
        if (before == null || after == null) return "  server: not measured (no --server-pid)\n";
        double cpu = after.cpuSeconds() - before.cpuSeconds();
        return String.format("  server: CPU %.1f s (%.0f%% of one core over the run), memory %,d MiB (PSS over %d processes)%n",
                cpu, 100 * cpu / seconds, after.memoryBytes() >> 20, after.processes());
    }
}
