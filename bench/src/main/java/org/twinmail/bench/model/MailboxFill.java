package org.twinmail.bench.model;

import java.util.random.RandomGenerator;

/**
 * Messages per mailbox at SPECmail2001's steady state: 26.5% of mailboxes empty, 3.43
 * messages per mailbox on average. The white paper's facts stop there; the non-empty
 * ones here hold 1 + a geometric number of messages, with the mean that gives 3.43
 * overall (4.67 per non-empty mailbox).
 */
public final class MailboxFill {
    public static final double EMPTY_SHARE = 0.265;
    public static final double MEAN = 3.43;

    private MailboxFill() {}

    public static int draw(RandomGenerator random) {
        if (random.nextDouble() < EMPTY_SHARE) return 0;
        // extra messages beyond the first: geometric on {0, 1, ...} with mean m, p = 1 / (1 + m)
        double extraMean = MEAN / (1 - EMPTY_SHARE) - 1;
        double p = 1 / (1 + extraMean);
        double u = random.nextDouble();
        return 1 + (int) Math.floor(Math.log1p(-u) / Math.log1p(-p));
    }
}
