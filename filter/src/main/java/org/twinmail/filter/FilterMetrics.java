package org.twinmail.filter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code twinmail.filter.verdicts}: every verdict other than continue, tagged with the
 * {@code chain} (mx, submission), {@code stage}, {@code check}, {@code verdict} (accept, reject,
 * tempfail, add_headers, file_into, quarantine) and {@code reason}. Counters are registered on
 * first use, so a check's new reason needs no declaration.
 */
public final class FilterMetrics {
    private final MeterRegistry registry;
    private final Map<Key, Counter> counters = new ConcurrentHashMap<>();

    public FilterMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    private record Key(String chain, Stage stage, String check, String verdict, String reason) { }

    void count(String chain, Stage stage, String check, Verdict verdict) {
        counters.computeIfAbsent(new Key(chain, stage, check, kind(verdict), verdict.reason()), k ->
                Counter.builder("twinmail.filter.verdicts").tag("chain", k.chain).tag("stage", k.stage.tag())
                        .tag("check", k.check).tag("verdict", k.verdict).tag("reason", k.reason)
                        .description("policy verdicts other than continue, by chain, stage, check and reason")
                        .register(registry)).increment();
    }

    /** The verdict's kind as a tag value. */
    public static String kind(Verdict v) {
        return switch (v) {
            case Verdict.Continue c -> "continue";
            case Verdict.Accept a -> "accept";
            case Verdict.Reject r -> "reject";
            case Verdict.Tempfail t -> "tempfail";
            case Verdict.AddHeaders h -> "add_headers";
            case Verdict.FileInto f -> "file_into";
            case Verdict.CopyInto c -> "copy_into";
            case Verdict.Drop d -> "drop";
            case Verdict.Redirect r -> "redirect";
            case Verdict.RewriteHeader h -> "rewrite_header";
            case Verdict.Quarantine q -> "quarantine";
            case Verdict.Effects e -> "effects";
            case Verdict.Explained x -> kind(x.verdict());
        };
    }
}
