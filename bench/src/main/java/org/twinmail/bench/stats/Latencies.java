package org.twinmail.bench.stats;

import java.util.Arrays;

/**
 * Latencies of one command type, kept whole (runs are bounded, so every sample fits)
 * so percentiles are exact, plus the count answered within their QoS limit.
 */
public final class Latencies {
    private long[] micros = new long[1024];
    private int count;
    private long withinLimit;

    /** One answered command: its latency and the limit QoS allows for it. */
    public synchronized void record(long latencyMicros, long limitMicros) {
        if (count == micros.length) micros = Arrays.copyOf(micros, count * 2);
        micros[count++] = latencyMicros;
        if (latencyMicros <= limitMicros) withinLimit++;
    }

    public synchronized Summary summary() {
        long[] sorted = Arrays.copyOf(micros, count);
        Arrays.sort(sorted);
        return new Summary(count, withinLimit, pct(sorted, 50), pct(sorted, 95), pct(sorted, 99), count == 0 ? 0 : sorted[count - 1]);
    }

    /** Nearest-rank percentile. */
    static long pct(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** @param count answered commands; withinLimit those answered within their QoS limit; latencies in microseconds */
    public record Summary(long count, long withinLimit, long p50, long p95, long p99, long max) {
        public double withinShare() {
            return count == 0 ? 1 : (double) withinLimit / count;
        }
    }
}
