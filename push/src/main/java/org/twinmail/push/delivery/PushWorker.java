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
 */
public final class PushWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PushWorker.class);
    private static final int THREADS = 4;

    private final PushSender sender;
    private final Subscriptions subscriptions;
    private final PushSettings settings;
    private final PushMetrics metrics;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;

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
        long deadline = clock.millis() + settings.ttl().toMillis();
        scheduler.execute(() -> attempt(accountId, s, payload, 0, deadline));
    }

    private void attempt(long accountId, Subscription s, byte[] payload, int attempt, long deadline) {
        PushSender.Outcome o;
        try {
            o = sender.send(s, payload);
        } catch (InterruptedException e) {
            return; // closing
        } catch (RuntimeException e) {
            log.warn("push to {} failed: {}", host(s), e.toString());
            metrics.count("failed");
            return;
        }
        switch (o) {
            case PushSender.Delivered d -> metrics.count("delivered");
            case PushSender.Gone g -> {
                metrics.count("gone");
                try {
                    subscriptions.remove(accountId, s.endpoint());
                    log.info("push: the subscription of account {} at {} is gone (HTTP {}); removed", accountId, host(s), g.status());
                } catch (RuntimeException e) {
                    log.warn("push: removing a gone subscription of account {} failed: {}", accountId, e.toString());
                }
            }
            case PushSender.Retry r -> {
                List<Duration> schedule = settings.retrySchedule();
                if (attempt >= schedule.size()) {
                    metrics.count("given_up");
                    log.info("push to {} for account {} given up after {} attempts ({})", host(s), accountId, attempt + 1, r.reason());
                    return;
                }
                Duration wait = schedule.get(attempt);
                if (r.retryAfter().isPresent() && r.retryAfter().get().compareTo(wait) > 0) wait = r.retryAfter().get();
                if (clock.millis() + wait.toMillis() > deadline) {
                    metrics.count("given_up");
                    return;
                }
                metrics.count("retried");
                try {
                    scheduler.schedule(() -> attempt(accountId, s, payload, attempt + 1, deadline), wait.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    // the node is stopping
                }
            }
            case PushSender.Failed f -> {
                metrics.count("failed");
                log.info("push to {} for account {} refused: {}", host(s), accountId, f.reason());
            }
        }
    }

    private static String host(Subscription s) {
        return s.uri().getHost();
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
