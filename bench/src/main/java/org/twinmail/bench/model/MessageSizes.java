package org.twinmail.bench.model;

import java.util.random.RandomGenerator;

/**
 * SPECmail2001's message size distribution (architecture white paper v1.00): ten sizes
 * with their shares of all messages. The shares add up to 100%; a draw is one uniform
 * number looked up in the cumulative table.
 */
public final class MessageSizes {
    /** Sizes in bytes, in the order of {@link #SHARES}. 1 KB is 1,024 bytes. */
    static final int[] SIZES = {1 << 10, 2 << 10, 3 << 10, 4 << 10, 5 << 10, 6 << 10, 10 << 10, 100 << 10, 1 << 20, 2675 << 10};
    /** Percent of messages of each size. */
    static final double[] SHARES = {10.20, 30.71, 20.59, 10.78, 5.88, 3.74, 7.44, 9.79, 0.69, 0.18};

    private static final double[] CUMULATIVE = cumulative(SHARES);

    private MessageSizes() {}

    /** One message size in bytes. */
    public static int draw(RandomGenerator random) {
        return SIZES[index(CUMULATIVE, random.nextDouble())];
    }

    /** The expected size of a message, in bytes (about 24.7 KiB). */
    public static double mean() {
        double total = 0, sum = 0;
        for (int i = 0; i < SIZES.length; i++) {
            total += SHARES[i];
            sum += SHARES[i] * SIZES[i];
        }
        return sum / total;
    }

    /** Running totals of {@code weights}, normalised so the last is exactly 1. */
    static double[] cumulative(double[] weights) {
        double total = 0;
        for (double w : weights) total += w;
        double[] c = new double[weights.length];
        double run = 0;
        for (int i = 0; i < weights.length; i++) {
            run += weights[i];
            c[i] = run / total;
        }
        c[c.length - 1] = 1.0;
        return c;
    }

    /** The first index whose cumulative share exceeds {@code u} (u in [0, 1)). */
    static int index(double[] cumulative, double u) {
        int lo = 0, hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (u < cumulative[mid]) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }
}
