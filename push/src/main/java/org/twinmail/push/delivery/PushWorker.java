package org.twinmail.push.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.push.PushSettings;
import org.twinmail.push.Subscriptions;
import org.twinmail.push.Subscriptions.Subscription;

/**
 * Sends push messages and retries them: a message refused for now (429, 5xx, no answer) goes
 * again after the next wait of {@code push.retrySchedule} (or the service's longer
 * {@code Retry-After}) until the schedule or the message's TTL runs out; a 404 or 410 drops the
 * subscription; any other refusal gives the message up. Attempts run on virtual threads (a
 * scheduler of a few); pending retries live in memory: a node that stops loses them, which
 * costs a notification, never mail (the push service holds what it accepted, the mail is in the store).
 * <p>
 * Two kinds of sender use it: the webmail's new-mail notices ({@link #submit(long, Subscription, byte[])},
 * a fixed payload) and JMAP's PushSubscriptions (a {@link Job}: its payload is asked for at each
 * attempt, so a retry carries what gathered meanwhile, and it hears the last outcome).
 */
public final class PushWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PushWorker.class);
    private static final int THREADS = 4;

    /** One message to one push resource, as its owner sees it. */
    public interface Job {
        PushTarget target();

        /** The payload of the next attempt (asked at each one). */
        byte[] payload();

        /**
         * The message is done: {@link PushSender.Delivered}, {@link PushSender.Gone} (the owner drops
         * the subscription), {@link PushSender.Failed}, or the last {@link PushSender.Retry} when
         * the schedule or the TTL ran out; null when the attempt failed in our code.
         */
        void finished(PushSender.Outcome last);

        /** Who it is for, in the log. */
        String describe();
    }

    private final PushSender sender;
    private final Subscriptions subscriptions;
    private final PushSettings settings;
    private final PushMetrics metrics;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;

    /** @param subscriptions the webmail's subscriptions, which {@link #submit(long, Subscription, byte[])} drops when gone; null when unused */
    public PushWorker(PushSender sender, Subscriptions subscriptions, PushSettings settings, PushMetrics metrics, Clock clock) {
        this.sender = sender;
        this.subscriptions = subscriptions;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(THREADS, Thread.ofVirtual().name("web-push-", 0).factory());
        s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.scheduler = s;
    }

    /** Sends {@code payload} to {@code s} of {@code accountId} now, and again as the schedule says. */
    public void submit(long accountId, Subscription s, byte[] payload) {
        submit(new Job() {
            public PushTarget target() {
                return s.target();
            }

            public byte[] payload() {
                return payload;
            }

            public void finished(PushSender.Outcome last) {
                if (!(last instanceof PushSender.Gone g)) return;
                try {
                    subscriptions.remove(accountId, s.endpoint());
                    log.info("push: the subscription of account {} at {} is gone (HTTP {}); removed", accountId, s.uri().getHost(), g.status());
                } catch (RuntimeException e) {
                    log.warn("push: removing a gone subscription of account {} failed: {}", accountId, e.toString());
                }
            }

            public String describe() {
                return "account " + accountId;
            }
        }, Duration.ZERO);
    }

    /** Sends {@code job} after {@code delay}, and again as the schedule says; false when the worker is closing. */
    public boolean submit(Job job, Duration delay) {
        long deadline = clock.millis() + delay.toMillis() + settings.ttl().toMillis();
        try {
            scheduler.schedule(() -> attempt(job, 0, deadline), delay.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            return false;
        }
    }

    private void attempt(Job job, int attempt, long deadline) {
        PushSender.Outcome o;
        try {
            o = sender.send(job.target(), job.payload());
        } catch (InterruptedException e) {
            return; // closing
        } catch (RuntimeException e) {
            log.warn("push to {} failed: {}", host(job), e.toString());
            metrics.count("failed");
            finish(job, null);
            return;
        }
        switch (o) {
            case PushSender.Delivered d -> metrics.count("delivered");
            case PushSender.Gone g -> metrics.count("gone");
            case PushSender.Retry r -> {
                List<Duration> schedule = settings.retrySchedule();
                if (attempt >= schedule.size()) {
                    metrics.count("given_up");
                    log.info("push to {} for {} given up after {} attempts ({})", host(job), job.describe(), attempt + 1, r.reason());
                    break;
                }
                Duration wait = schedule.get(attempt);
                if (r.retryAfter().isPresent() && r.retryAfter().get().compareTo(wait) > 0) wait = r.retryAfter().get();
                if (clock.millis() + wait.toMillis() > deadline) {
                    metrics.count("given_up");
                    break;
                }
                metrics.count("retried");
                try {
                    scheduler.schedule(() -> attempt(job, attempt + 1, deadline), wait.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    // the node is stopping
                }
                return;
            }
            case PushSender.Failed f -> {
                metrics.count("failed");
                log.info("push to {} for {} refused: {}", host(job), job.describe(), f.reason());
            }
        }
        finish(job, o);
    }

    private static void finish(Job job, PushSender.Outcome o) {
        try {
            job.finished(o);
        } catch (RuntimeException e) {
            log.warn("push: after the push for {}: {}", job.describe(), e.toString());
        }
    }

    private static String host(Job job) {
        return job.target().uri().getHost();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
