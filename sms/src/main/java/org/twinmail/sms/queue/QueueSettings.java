package org.twinmail.sms.queue;

import java.time.Duration;
import java.util.List;

/**
 * The node's SMS queue settings (docs/configuration.md, {@code sms.*}).
 *
 * @param maxParts      parts a notice may take at most (1: one SMS)
 * @param retrySchedule waits after the 1st, 2nd ... failed attempt; the last repeats
 * @param expireAfter   an SMS still not sent this long after it was queued is given up
 * @param replyWindow   how long a notice's reference matches a reply (and the final items are kept)
 * @param maxNoticeAge  a message older than this when the consumer sees it makes no notice (a copy or move of old mail)
 * @param codeValidity  how long a verification code counts
 * @param pollInterval  how often the queue looks for due items when nothing woke it
 * @param refDigits     a notice's reference is this many digits (to fit a source-address extension); 0: four letters and digits
 * @param sendBatch     due items the worker takes in one round: written {@code sending} in one commit, submitted at once
 *                      (each gateway's window limits those awaiting their answer), their outcomes written in one commit
 * @param moDedupWindow a mobile-originated message received again within this time of the first (the same SMSC message id,
 *                      or the same phone, number and text) is a redelivery and dropped
 */
public record QueueSettings(int maxParts, List<Duration> retrySchedule, Duration expireAfter, Duration replyWindow, Duration maxNoticeAge,
                            Duration codeValidity, Duration pollInterval, int refDigits, int sendBatch, Duration moDedupWindow) {
    /** {@code sms.sendBatch}'s default. */
    public static final int SEND_BATCH = 32;
    /** {@code sms.moDedupWindow}'s default. */
    public static final Duration MO_DEDUP_WINDOW = Duration.ofHours(1);

    public QueueSettings {
        retrySchedule = List.copyOf(retrySchedule);
        if (retrySchedule.isEmpty()) throw new IllegalArgumentException("the retry schedule must not be empty");
        if (maxParts < 1) throw new IllegalArgumentException("maxParts must be at least 1");
        if (sendBatch < 1) throw new IllegalArgumentException("sendBatch must be at least 1");
    }

    /** With the defaults {@link #SEND_BATCH} and {@link #MO_DEDUP_WINDOW}. */
    public QueueSettings(int maxParts, List<Duration> retrySchedule, Duration expireAfter, Duration replyWindow, Duration maxNoticeAge,
                         Duration codeValidity, Duration pollInterval, int refDigits) {
        this(maxParts, retrySchedule, expireAfter, replyWindow, maxNoticeAge, codeValidity, pollInterval, refDigits, SEND_BATCH, MO_DEDUP_WINDOW);
    }

    public static QueueSettings defaults() {
        return new QueueSettings(1, List.of(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5)),
                Duration.ofHours(1), Duration.ofDays(7), Duration.ofHours(1), Duration.ofMinutes(15), Duration.ofSeconds(1), 0);
    }

    /** The wait after failed attempt {@code attempts} (1-based). */
    public Duration retryAfter(int attempts) {
        return retrySchedule.get(Math.min(Math.max(attempts, 1), retrySchedule.size()) - 1);
    }
}
