package org.twinmail.bench.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The workload's distributions match SPECmail2001's published figures (seeded, so exact and repeatable). */
class DistributionsTest {
    private static final int N = 400_000;

    @Test
    void messageSizesFollowTheTableShareByShare() {
        SplittableRandom r = new SplittableRandom(42);
        int[] counts = new int[MessageSizes.SIZES.length];
        for (int i = 0; i < N; i++) {
            int size = MessageSizes.draw(r);
            int k = java.util.Arrays.binarySearch(MessageSizes.SIZES, size);
            assertThat(k).as("drawn size %d is one of the table's", size).isGreaterThanOrEqualTo(0);
            counts[k]++;
        }
        for (int k = 0; k < counts.length; k++) {
            assertThat(100.0 * counts[k] / N).as("share of %d bytes", MessageSizes.SIZES[k]).isCloseTo(MessageSizes.SHARES[k], within(0.25));
        }
        assertThat(MessageSizes.mean()).isCloseTo(25_290.85, within(0.01));
    }

    @Test
    void recipientsAreMostlyOneAtMostTwentyAndTwoOnAverage() {
        SplittableRandom r = new SplittableRandom(7);
        long sum = 0;
        int ones = 0, max = 0;
        for (int i = 0; i < N; i++) {
            int k = RecipientCounts.draw(r);
            assertThat(k).isBetween(1, RecipientCounts.MAX);
            sum += k;
            if (k == 1) ones++;
            max = Math.max(max, k);
        }
        assertThat((double) ones / N).isCloseTo(0.8573, within(0.003));
        assertThat((double) sum / N).isCloseTo(2.0, within(0.03));
        assertThat(max).isEqualTo(20);
        // the exact law: probabilities add up to 1, one recipient is 85.73%, the mean is exactly 2, and more is rarer
        double[] p = RecipientCounts.probabilities();
        double total = 0, mean = 0;
        for (int i = 0; i < p.length; i++) {
            total += p[i];
            mean += (i + 1) * p[i];
            if (i >= 2) assertThat(p[i]).isLessThan(p[i - 1]);
        }
        assertThat(total).isCloseTo(1.0, within(1e-9));
        assertThat(p[0]).isCloseTo(0.8573, within(1e-9));
        assertThat(mean).isCloseTo(2.0, within(1e-6));
    }

    @Test
    void steadyStateMailboxesAreAQuarterEmptyWithThreePointFourThreeOnAverage() {
        SplittableRandom r = new SplittableRandom(3);
        long sum = 0;
        int empty = 0;
        for (int i = 0; i < N; i++) {
            int n = MailboxFill.draw(r);
            assertThat(n).isNotNegative();
            sum += n;
            if (n == 0) empty++;
        }
        assertThat((double) empty / N).isCloseTo(0.265, within(0.003));
        assertThat((double) sum / N).isCloseTo(3.43, within(0.03));
    }

    @Test
    void ratesFollowTheModelsDay() {
        Workload w = Workload.spec(100_000, 1.0);
        assertThat(w.msgsPerMinute()).isEqualTo(500.0);
        assertThat(w.intensity()).isEqualTo(1.0);
        // 100,000 users x 4 checks x 15% in the peak hour
        assertThat(w.checksPerSecond() * 3600).isCloseTo(60_000, within(1e-6));
        // they receive 4 a day, 90% from outside, 2 recipients per message
        assertThat(w.remoteArrivalsPerSecond() * 3600).isCloseTo(100_000 * 4 * 0.15 * 0.9 / 2, within(1e-6));
        assertThat(w.retryPoolSize()).isEqualTo(7_500);
        assertThat(Workload.spec(100_000, 1.2).msgsPerMinute()).isCloseTo(600, within(1e-9));
        assertThatThrownBy(() -> w.withRemoteOut(1.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
