package org.twinmail.core.fuzz;

import java.time.Duration;
import java.util.function.IntFunction;

/**
 * The bounds every parser's fuzz test asserts (docs/fuzzing.md), one place for all modules:
 * <ul>
 *   <li>{@link #parse}: only the parser's own typed error may come out, and one input may take at
 *       most {@link #PER_INPUT};</li>
 *   <li>{@link #bounded}: what a parser builds is bounded by what it read (no allocation that
 *       an attacker scales for free);</li>
 *   <li>{@link #linear}: ten times the input takes about ten times the time, on the adversarial
 *       repetitions each target names (a quadratic parser takes a hundred times).</li>
 * </ul>
 * A failure is thrown as an {@link AssertionError} (or the unexpected exception itself), which
 * Jazzer reports as a finding and stores as a crash input.
 */
public final class Fuzzing {
    /** Longest input handed to a parser by a fuzz test (libFuzzer's -max_len in bin/fuzz is below it). */
    public static final int MAX_INPUT = 64 * 1024;
    /**
     * The longest one input of at most {@link #MAX_INPUT} may take. Generous for a shared 2-core
     * machine and a cold JIT; a quadratic parser on 64 KiB takes far longer.
     */
    public static final Duration PER_INPUT = Duration.ofSeconds(2);
    /** How much more than linear {@link #linear} tolerates (noise, JIT, GC); quadratic is 10 and more. */
    static final double LINEAR_SLACK = 5;

    private Fuzzing() {
    }

    /** A parser's call. */
    @FunctionalInterface
    public interface Parse<T> {
        T run() throws Exception;
    }

    /** A parser's call with no result. */
    @FunctionalInterface
    public interface Run {
        void run() throws Exception;
    }

    /**
     * Runs {@code parse}: returns its result, or null when it threw one of {@code allowed} (the
     * parser's own typed errors). Anything else it throws is rethrown as it came (a finding);
     * taking more than {@link #PER_INPUT} of this thread's CPU time fails (wall time would count
     * the other processes of a shared machine; a hang is the class's {@code @Timeout}, which
     * Jazzer turns into libFuzzer's per-input timeout).
     */
    @SafeVarargs
    public static <T> T parse(Parse<T> parse, Class<? extends Throwable>... allowed) {
        long start = THREADS.getCurrentThreadCpuTime(); // CPU time: a loaded machine's waits are not the parser's
        T result = null;
        try {
            result = parse.run();
        } catch (Throwable t) {
            if (!isAllowed(t, allowed)) throw sneaky(t);
        }
        long took = THREADS.getCurrentThreadCpuTime() - start;
        if (took > PER_INPUT.toNanos()) {
            throw new AssertionError("one input took " + took / 1_000_000 + " ms of CPU, more than " + PER_INPUT.toMillis() + " ms");
        }
        return result;
    }

    /** {@link #parse} for a call without result: true when it completed, false when it threw an allowed error. */
    @SafeVarargs
    public static boolean run(Run run, Class<? extends Throwable>... allowed) {
        return parse(() -> {
            run.run();
            return Boolean.TRUE;
        }, allowed) != null;
    }

    /** Fails unless {@code output <= factor * input + constant}: the parser built no more than it read allows. */
    public static void bounded(String what, long output, long input, long factor, long constant) {
        if (output > factor * input + constant) {
            throw new AssertionError(what + ": " + output + " from an input of " + input + " (bound " + factor + " * input + " + constant + ")");
        }
    }

    private static boolean isAllowed(Throwable t, Class<? extends Throwable>[] allowed) {
        for (Class<? extends Throwable> c : allowed) if (c.isInstance(t)) return true;
        return false;
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    /**
     * Fails when {@code parse} of {@code input.apply(10 * n)} takes much more than ten times
     * {@code parse} of {@code input.apply(n)}: after a warm-up, the two sizes are run in turn
     * and each timed as its best run in CPU time of the calling thread; the larger may take {@link #LINEAR_SLACK} times more than linear. A measurement
     * over the bound is taken again (up to three times): a super-linear parser fails every one.
     * {@code n} should make the small input take a hundred microseconds or more.
     *
     * @return the measured ratio
     */
    public static <T> double linear(String what, int n, IntFunction<T> input, java.util.function.Consumer<T> parse) {
        T small = input.apply(n);
        T large = input.apply(10 * n);
        for (int i = 0; i < 5; i++) parse.accept(small); // JIT
        parse.accept(large);
        double ratio = 0;
        String last = "";
        for (int attempt = 0; attempt < 3; attempt++) {
            long tSmall = Long.MAX_VALUE;
            long tLarge = Long.MAX_VALUE;
            for (int round = 0; round < 7; round++) {
                tSmall = Math.min(tSmall, time(small, parse));
                tLarge = Math.min(tLarge, time(large, parse));
            }
            // Below ~0.1 ms the small run is timer and cache noise: measure against that floor instead.
            ratio = (double) tLarge / Math.max(tSmall, 100_000);
            if (ratio <= 10 * LINEAR_SLACK) return ratio;
            last = tSmall / 1000 + " us -> " + tLarge / 1000 + " us";
        }
        throw new AssertionError(what + ": 10x the input took " + String.format("%.1f", ratio) + "x the time (" + last + "): not linear");
    }

    /**
     * The CPU time of this thread for one parse: neither the other processes of a shared machine
     * nor the garbage collector's threads count (a parser that keeps what it read alive makes
     * the collector's work grow faster than its own; that is the heap's, not the parser's).
     */
    private static <T> long time(T in, java.util.function.Consumer<T> parse) {
        long s = THREADS.getCurrentThreadCpuTime();
        parse.accept(in);
        return THREADS.getCurrentThreadCpuTime() - s;
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /** {@code unit} repeated until the text is {@code length} characters (the last copy cut). */
    public static String repeat(String unit, int length) {
        StringBuilder b = new StringBuilder(length + unit.length());
        while (b.length() < length) b.append(unit);
        b.setLength(length);
        return b.toString();
    }
}
