package org.twinmail.bench.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SPECmail2001's quality-of-service criteria, each category judged on its own:
 * every command type 95% within its limit, local mail 95% in the mailbox within 60 s
 * (on the probed sample), remote mail 95% at the sink by the end of the run, and
 * fewer than 1% of transactions failing. A category without samples is "not
 * exercised", which is neither a pass nor a fail and is said so in the report.
 */
public final class Qos {
    public static final double REQUIRED_SHARE = 0.95;
    public static final double MAX_ERROR_SHARE = 0.01;

    private Qos() {}

    public enum Verdict { PASS, FAIL, NOT_EXERCISED }

    public record Category(String name, Verdict verdict, String measured, String required) { }

    /** @param transactions completed plus failed transactions (SMTP messages and POP3 checks) */
    public static List<Category> evaluate(RunStats stats, long transactions) {
        List<Category> out = new ArrayList<>();
        for (Map.Entry<String, Latencies.Summary> e : stats.commandSummaries().entrySet()) {
            out.add(share("command " + e.getKey(), e.getValue(), limitText(e.getKey())));
        }
        out.add(share("local delivery", stats.probeSummary(), ">= 95% within 60 s"));
        long sent = stats.remoteSentCount();
        out.add(sent == 0
                ? new Category("remote delivery", Verdict.NOT_EXERCISED, "no remote-bound mail", ">= 95% at the sink")
                : shareOf("remote delivery", stats.remoteArrivedCount(), sent, ">= 95% at the sink"));
        long errs = stats.errorCount();
        if (transactions == 0) {
            out.add(new Category("errors", Verdict.NOT_EXERCISED, "no transactions", "< 1%"));
        } else {
            double share = (double) errs / transactions;
            out.add(new Category("errors", share < MAX_ERROR_SHARE ? Verdict.PASS : Verdict.FAIL,
                    String.format("%.2f%% (%d of %d)", share * 100, errs, transactions), "< 1%"));
        }
        return out;
    }

    /** True when no category failed and at least one was exercised. */
    public static boolean passed(List<Category> categories) {
        return categories.stream().noneMatch(c -> c.verdict() == Verdict.FAIL)
                && categories.stream().anyMatch(c -> c.verdict() == Verdict.PASS);
    }

    private static String limitText(String command) {
        return command.endsWith("DATA") || command.endsWith("RETR") ? ">= 95% within 5 s + size/3,000 B/s" : ">= 95% within 5 s";
    }

    private static Category share(String name, Latencies.Summary s, String required) {
        if (s.count() == 0) return new Category(name, Verdict.NOT_EXERCISED, "no samples", required);
        return shareOf(name, s.withinLimit(), s.count(), required);
    }

    private static Category shareOf(String name, long good, long all, String required) {
        double share = (double) good / all;
        return new Category(name, share >= REQUIRED_SHARE ? Verdict.PASS : Verdict.FAIL,
                String.format("%.1f%% (%d of %d)", share * 100, good, all), required);
    }
}
