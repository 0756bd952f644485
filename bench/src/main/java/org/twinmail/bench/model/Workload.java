package org.twinmail.bench.model;

/**
 * The rates of one SPECmail2001 run, derived from the user count and the load.
 *
 * <p>The white paper's day per user: sends 2 messages, receives 4, checks the mailbox
 * 4 times; the simulated peak hour carries 15% of the day. Hence 1 message/minute per
 * 200 users. {@code msgsPerMinute} is the rate of messages sent by local users (the
 * figure SPECmail2001 reports); everything else scales with it, so a run at a rate
 * above {@code users / 200} loads each user more than the model's day does.
 *
 * @param users          mailboxes in the population (pre-populated, checked, written to)
 * @param msgsPerMinute  messages sent by local users per minute
 * @param remoteOutShare share of the recipients of locally sent mail that are remote (relayed to the sink)
 * @param remoteInShare  share of the mail local users receive that arrives from remote MTAs
 * @param retryPoolShare share of mailboxes in the retry pool
 */
public record Workload(int users, double msgsPerMinute, double remoteOutShare, double remoteInShare, double retryPoolShare) {
    public static final int USERS_PER_MSG_PER_MINUTE = 200;
    public static final double SENT_PER_DAY = 2, RECEIVED_PER_DAY = 4, CHECKS_PER_DAY = 4, PEAK_HOUR_SHARE = 0.15;
    public static final double REMOTE_SHARE = 0.90, RETRY_POOL_SHARE = 0.075;
    public static final int RETRY_MIN_SECONDS = 300, RETRY_MAX_SECONDS = 600;

    public Workload {
        if (users < 1) throw new IllegalArgumentException("users must be at least 1");
        if (!(msgsPerMinute > 0)) throw new IllegalArgumentException("the rate must be positive");
        checkShare("remoteOutShare", remoteOutShare);
        checkShare("remoteInShare", remoteInShare);
        checkShare("retryPoolShare", retryPoolShare);
    }

    /** The model as SPEC defines it: the rate that the user count stands for, 90% remote both ways. */
    public static Workload spec(int users, double loadFactor) {
        return new Workload(users, loadFactor * users / USERS_PER_MSG_PER_MINUTE, REMOTE_SHARE, REMOTE_SHARE, RETRY_POOL_SHARE);
    }

    public Workload withRate(double perMinute) {
        return new Workload(users, perMinute, remoteOutShare, remoteInShare, retryPoolShare);
    }

    public Workload withRemoteOut(double share) {
        return new Workload(users, msgsPerMinute, share, remoteInShare, retryPoolShare);
    }

    /** How much busier each user is than in the model's peak hour (1.0 at users/200 msgs/min). */
    public double intensity() {
        return msgsPerMinute * USERS_PER_MSG_PER_MINUTE / users;
    }

    /** Messages per second submitted by local users. */
    public double localSendsPerSecond() {
        return msgsPerMinute / 60;
    }

    /**
     * Messages per second arriving from remote MTAs: each user receives twice what it
     * sends, remoteInShare of it from outside, in messages of {@link RecipientCounts#TARGET_MEAN} local recipients.
     */
    public double remoteArrivalsPerSecond() {
        return localSendsPerSecond() * (RECEIVED_PER_DAY / SENT_PER_DAY) * remoteInShare / RecipientCounts.TARGET_MEAN;
    }

    /** Regular mailbox checks per second (the retry pool comes on top). */
    public double checksPerSecond() {
        return localSendsPerSecond() * CHECKS_PER_DAY / SENT_PER_DAY;
    }

    /** Mailboxes in the retry pool, each re-checked every 300-600 s (scaled by the intensity). */
    public int retryPoolSize() {
        return (int) Math.round(users * retryPoolShare);
    }

    private static void checkShare(String name, double v) {
        if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException(name + " must be in [0, 1], got " + v);
    }
}
