package org.twinmail.relay.queue;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.dns.MxResolver;
import org.twinmail.mail.dkim.MessageSigner;
import org.twinmail.store.Directory;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.MessageQueue;
import org.twinmail.store.QueuedRecipient;
import org.twinmail.store.StoreException;

/**
 * The queue manager (Postfix's qmgr in one class): claims recipients whose next attempt is
 * due, groups them into jobs (one message to one destination domain, all its recipients
 * there in one transaction), and hands the jobs to per-destination workers.
 *
 * <p>Concurrency: each destination has at most {@code maxConnectionsPerDestination} workers,
 * all destinations together at most {@code maxConnections} open connections (a semaphore);
 * a worker keeps its connection for the destination's next job (connection reuse), up to
 * {@code maxMessagesPerConnection}. Workers are virtual threads doing blocking I/O.
 *
 * <p>Runs on the active node only: {@link #start} first releases every claim (whatever was
 * in flight when a node died or handed over is due again at once; at worst a message the
 * remote side already accepted is sent again, which SMTP accepts as the price of never
 * losing one), then polls every {@code pollInterval}, or at once after {@link #wake}.
 */
public final class QueueRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueRunner.class);
    /** How often the queue gauges are refreshed (a count over the queue tables). */
    private static final long STATS_INTERVAL_MS = 5000;

    private final MessageQueue store;
    private final RelaySettings settings;
    private final RelayMetrics metrics;
    private final Delivery delivery;
    private final Semaphore connections;
    private final Map<String, Destination> destinations = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final java.util.Set<Thread> workers = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    private boolean wakeRequested;
    private volatile boolean running;
    private Thread loop;
    private long statsAt;

    /**
     * @param queue     the queue it works off
     * @param mailboxes where bodies are read and DSNs to local senders go
     * @param directory resolves a bounced sender to local accounts
     */
    /**
     * Tells {@code listener} the envelope sender of every failure notice (bounce) the relay
     * sends from now on (the outbound anomaly hold counts an account's bounces).
     */
    public void onBounce(java.util.function.Consumer<String> listener) {
        delivery.bounces = Objects.requireNonNull(listener, "listener");
    }

    /** An administrator's requests to bounce queued messages, as the server keeps them (the store's QueueBounces). */
    public interface AdminBounces {
        AdminBounces NONE = new AdminBounces() {
            @Override
            public java.util.Optional<String> requested(long messageId) {
                return java.util.Optional.empty();
            }

            @Override
            public void done(long messageId) { }
        };

        /** The reason given, when message {@code messageId} is to be bounced. */
        java.util.Optional<String> requested(long messageId);

        /** The message was bounced: the request is done. */
        void done(long messageId);
    }

    /** Bounces the messages {@code requests} name instead of sending them (with a DSN to their senders). */
    public void adminBounces(AdminBounces requests) {
        delivery.adminBounces = Objects.requireNonNull(requests, "requests");
    }

    public QueueRunner(MessageQueue queue, Mailboxes mailboxes, Directory directory, MxResolver resolver, MessageSigner signer,
                       RelaySettings settings, MeterRegistry registry) {
        this.store = Objects.requireNonNull(queue, "queue");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = new RelayMetrics(registry);
        this.delivery = new Delivery(queue, Objects.requireNonNull(mailboxes, "mailboxes"), Objects.requireNonNull(directory, "directory"), resolver, signer, settings, metrics, () -> !running);
        this.connections = new Semaphore(settings.maxConnections());
    }

    /** Releases stale claims and starts polling. A runner starts once; activation makes a new one. */
    public synchronized void start() {
        if (loop != null) throw new IllegalStateException("a queue runner starts once");
        int released = store.releaseQueueClaims();
        if (released > 0) log.info("relay: {} recipients that were being delivered when the queue last stopped are due again", released);
        running = true;
        loop = Thread.ofPlatform().name("relay-queue").daemon(true).start(this::run);
        log.info("relay: queue runner started ({} connections, {} per destination, {})", settings.maxConnections(),
                settings.maxConnectionsPerDestination(),
                settings.smarthost() == null ? "MX delivery to port " + settings.port()
                        : "smarthost " + settings.smarthost().host() + ":" + settings.smarthost().port());
    }

    /** Looks for due recipients now instead of at the next poll (after a submission, an admin retry). */
    public void wake() {
        lock.lock();
        try {
            wakeRequested = true;
            woken.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (running) {
            boolean more = false;
            try {
                more = pass();
                long now = System.currentTimeMillis();
                if (now - statsAt >= STATS_INTERVAL_MS) {
                    metrics.stats(store.queueStats());
                    statsAt = now;
                }
            } catch (StoreException e) {
                if (running) log.warn("relay: queue pass failed: {}", e.getMessage());
            } catch (RuntimeException e) {
                if (running) log.error("relay: queue pass failed", e);
            }
            if (!more) awaitWake();
        }
    }

    /** One claim; true if it filled a whole batch (more may be due right away). */
    private boolean pass() {
        int room = settings.maxInFlight() - inFlight.get();
        if (room <= 0) return false;
        // A destination that has a full round of work waiting (every connection, every message of
        // it) gets no more for now, so one slow domain cannot fill the in-flight limit and make all
        // others wait behind it (Postfix's qmgr keeps per-destination queues for the same reason).
        int cap = settings.maxConnectionsPerDestination() * settings.maxMessagesPerConnection();
        List<String> busy = destinations.values().stream().filter(d -> d.jobs.size() >= cap).map(d -> d.name).toList();
        if (settings.smarthost() != null && !busy.isEmpty()) return false;
        List<QueuedRecipient> due = store.claimQueued(Instant.now(), Math.min(room, settings.claimBatch()), busy);
        if (due.isEmpty()) return false;
        inFlight.addAndGet(due.size());
        // One job per (message, domain): the recipients of one message at one destination travel together.
        Map<String, List<QueuedRecipient>> jobs = new LinkedHashMap<>();
        for (QueuedRecipient r : due) {
            String destination = settings.smarthost() != null ? "[" + settings.smarthost().host() + "]" : r.recipient().domain();
            jobs.computeIfAbsent(r.messageId() + " " + destination, k -> new ArrayList<>()).add(r);
        }
        for (List<QueuedRecipient> rs : jobs.values()) {
            String destination = settings.smarthost() != null ? "[" + settings.smarthost().host() + "]" : rs.getFirst().recipient().domain();
            Destination d = destinations.computeIfAbsent(destination, Destination::new);
            d.jobs.add(new Job(destination, rs));
            startWorkers(d);
        }
        return due.size() == Math.min(room, settings.claimBatch());
    }

    private void awaitWake() {
        lock.lock();
        try {
            if (!wakeRequested && running) woken.await(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
            wakeRequested = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    /** One message to one destination. */
    record Job(String destination, List<QueuedRecipient> recipients) {
        QueuedRecipient first() {
            return recipients.getFirst();
        }
    }

    /** A destination's waiting jobs and how many workers serve it. */
    static final class Destination {
        final String name;
        final ConcurrentLinkedQueue<Job> jobs = new ConcurrentLinkedQueue<>();
        final AtomicInteger workers = new AtomicInteger();

        Destination(String name) {
            this.name = name;
        }
    }

    private void startWorkers(Destination d) {
        while (running) {
            int w = d.workers.get();
            if (w >= settings.maxConnectionsPerDestination() || w >= d.jobs.size()) return;
            if (!d.workers.compareAndSet(w, w + 1)) continue;
            Thread t = Thread.ofVirtual().name("relay-" + d.name).unstarted(() -> work(d));
            workers.add(t);
            t.start();
        }
    }

    private void work(Destination d) {
        try {
            while (running) {
                Job first = d.jobs.poll();
                if (first == null) break;
                try {
                    connections.acquire();
                } catch (InterruptedException e) {
                    d.jobs.add(first); // released as a claim by the next start
                    return;
                }
                try {
                    metrics.connections.incrementAndGet();
                    delivery.run(first, d.jobs, this::finished);
                } finally {
                    metrics.connections.decrementAndGet();
                    connections.release();
                }
            }
        } catch (RuntimeException e) {
            log.error("relay: worker for {} failed", d.name, e);
        } finally {
            workers.remove(Thread.currentThread());
            int left = d.workers.decrementAndGet();
            // A job added between our last poll and the decrement would otherwise wait for the next one.
            if (running && !d.jobs.isEmpty()) startWorkers(d);
            // An idle destination is forgotten, so the map does not grow with every domain ever mailed.
            // A job added to it meanwhile still has the worker startWorkers gave it; at worst a domain
            // briefly has two Destination objects, and so up to twice its connection limit.
            else if (left == 0 && d.jobs.isEmpty()) destinations.remove(d.name, d);
        }
    }

    private void finished(Job job) {
        inFlight.addAndGet(-job.recipients().size());
    }

    /** Recipients claimed and not yet finished (tests, metrics). */
    int inFlight() {
        return inFlight.get();
    }

    /**
     * Stops claiming, interrupts the workers (a virtual thread blocked in socket I/O is woken by
     * that, its connection closed) and waits a little for them. What they had not finished stays
     * claimed, not rescheduled, and is released by the next {@link #start}, here or on the node
     * that takes over: a node that stops serving must not go on sending for minutes.
     */
    @Override
    public synchronized void close() {
        if (!running) return;
        running = false;
        wake();
        try {
            if (loop != null) loop.join(10_000);
            for (Thread t : workers) t.interrupt();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (Thread t : workers) {
                long left = deadline - System.nanoTime();
                if (left > 0) t.join(java.time.Duration.ofNanos(left));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        metrics.close();
        log.info("relay: queue runner stopped");
    }
}
