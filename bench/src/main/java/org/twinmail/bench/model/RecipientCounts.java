package org.twinmail.bench.model;

import java.util.random.RandomGenerator;

/**
 * Recipients per message: SPECmail2001 gives 85.73% with one recipient and the rest
 * with up to 20, at a mean of 2 over all messages. The white paper's table for 2..20
 * is not among the facts we have, so the rest follows a truncated geometric law
 * P(k) ~ q^(k-2) on 2..20 whose q is solved so the overall mean is exactly 2 (the
 * multi-recipient messages then average about 8 recipients, mostly few, rarely 20).
 */
public final class RecipientCounts {
    public static final double SINGLE_SHARE = 0.8573;
    public static final int MAX = 20;
    public static final double TARGET_MEAN = 2.0;

    /** Cumulative probabilities for counts 1..MAX (index 0 is one recipient). */
    private static final double[] CUMULATIVE = build();

    private RecipientCounts() {}

    public static int draw(RandomGenerator random) {
        return 1 + MessageSizes.index(CUMULATIVE, random.nextDouble());
    }

    /** The probability of each count 1..MAX, as used by {@link #draw}. */
    static double[] probabilities() {
        double[] p = new double[MAX];
        double prev = 0;
        for (int i = 0; i < MAX; i++) {
            p[i] = CUMULATIVE[i] - prev;
            prev = CUMULATIVE[i];
        }
        return p;
    }

    private static double[] build() {
        // mean of the multi-recipient part that makes the overall mean TARGET_MEAN
        double restMean = (TARGET_MEAN - SINGLE_SHARE) / (1 - SINGLE_SHARE);
        // mean of the truncated geometric rises monotonically with q: bisect
        double lo = 1e-9, hi = 1 - 1e-9;
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (geometricMean(mid) < restMean) lo = mid;
            else hi = mid;
        }
        double q = (lo + hi) / 2;
        double[] weights = new double[MAX];
        weights[0] = SINGLE_SHARE;
        double norm = 0;
        for (int k = 2; k <= MAX; k++) norm += Math.pow(q, k - 2);
        for (int k = 2; k <= MAX; k++) weights[k - 1] = (1 - SINGLE_SHARE) * Math.pow(q, k - 2) / norm;
        return MessageSizes.cumulative(weights);
    }

    private static double geometricMean(double q) {
        double sum = 0, norm = 0;
        for (int k = 2; k <= MAX; k++) {
            double w = Math.pow(q, k - 2);
            sum += k * w;
            norm += w;
        }
        return sum / norm;
    }
}
