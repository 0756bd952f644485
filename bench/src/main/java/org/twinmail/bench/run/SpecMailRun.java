package org.twinmail.bench.run;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.twinmail.bench.model.MessageSizes;
import org.twinmail.bench.model.RecipientCounts;
import org.twinmail.bench.model.Workload;
import org.twinmail.bench.stats.ProcessTree;
import org.twinmail.bench.stats.Qos;
import org.twinmail.bench.stats.RunStats;
import org.twinmail.bench.wire.Pop3Client;
import org.twinmail.bench.wire.ProtocolException;
import org.twinmail.bench.wire.SinkServer;
import org.twinmail.bench.wire.SmtpClient;

/**
 * One open-loop SPECmail2001 run: Poisson arrivals of three kinds of session at the
 * workload's rates (a local user submits a message; a remote MTA delivers one; a user
 * checks the mailbox over POP3), plus the retry pool's periodic re-checks, each on its
 * own virtual thread, for a fixed time. Arrivals do not wait for earlier sessions, so
 * a slow server sees its backlog grow, as it would in production.
 *
 * <p>Beside the load: probers poll dedicated probe mailboxes to time local delivery
 * on a sample, and a sink SMTP server receives the remote-bound mail the server relays.
 */
public final class SpecMailRun {

    /**
     * @param duration       how long arrivals are generated
     * @param maxSessions    sessions in flight at once; an arrival beyond it is an error ("client saturated").
     *                       A guard for the generator, set above what QoS allows (4,000 by default: at the
     *                       1,600 sessions/s of 20,000 msgs/min, sessions averaging 2.5 s), so that the 5 s
     *                       response-time rule, not the guard, judges a slow server
     * @param probeShare     share of messages with a local recipient that also go to a probe mailbox
     * @param probeMailboxes number of probe mailboxes ({@link Target#probeAddress})
     * @param probeInterval  how often each probe mailbox is polled
     * @param drain          after the arrivals stop, how long to wait for probes and remote mail
     * @param remoteDomain   domain of remote recipients; the server must route it to the sink
     * @param sinkPort       loopback port of the sink (0: any free one, for servers told at run time)
     * @param serverPids     processes whose tree is the server (CPU, memory); empty: not measured
     */
    public record Options(Workload workload, Duration duration, long seed, int maxSessions, double probeShare,
                          int probeMailboxes, Duration probeInterval, Duration drain, String remoteDomain,
                          int sinkPort, List<Long> serverPids) { }

    /** What a run measured; {@link #report()} prints it. */
    public record Result(Options options, RunStats stats, List<Qos.Category> qos, double seconds, long transactions,
                         ProcessTree.Sample cpuBefore, ProcessTree.Sample cpuAfter, long sinkMessages,
                         ProcessTree.Sample benchBefore, ProcessTree.Sample benchAfter) {
        public double achievedPerMinute() {
            return stats.counter("smtp.local-sent") / (seconds / 60);
        }

        public boolean passed() {
            return Qos.passed(qos);
        }

        public String report() {
            return Report.spec(this);
        }
    }

    private final Target target;
    private final Options options;
    private final RunStats stats = new RunStats();
    private final RunStats probeStats = new RunStats();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger probeCursor = new AtomicInteger();
    private final Set<Integer> checking = ConcurrentHashMap.newKeySet();
    private final String runId;

    /** The per-command latency table of a report, for the other loads to print the same way. */
    public static String latencyTable(java.util.Map<String, org.twinmail.bench.stats.Latencies.Summary> commands) {
        return Report.latencyTable(commands);
    }

    public SpecMailRun(Target target, Options options) {
        this.target = target;
        this.options = options;
        this.runId = Long.toString(System.currentTimeMillis() % 100_000_000, 36) + "-" + Long.toString(options.seed(), 36);
    }

    private enum Kind { SEND, REMOTE_IN, CHECK }

    public Result run() throws InterruptedException, IOException {
        Workload w = options.workload();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> probers = new ArrayList<>();
        for (int p = 0; p < options.probeMailboxes(); p++) {
            int probe = p;
            probers.add(Thread.ofVirtual().name("probe-" + p).start(() -> probeLoop(probe, running)));
        }
        Semaphore sessions = new Semaphore(options.maxSessions());
        ProcessTree.Sample before = options.serverPids().isEmpty() ? null : ProcessTree.sample(options.serverPids());
        // the generator shares the machine with the server: its own cost says how much of the CPU the server had
        List<Long> self = List.of(ProcessHandle.current().pid());
        ProcessTree.Sample benchBefore = ProcessTree.sample(self);
        try (SinkServer sink = w.remoteOutShare() > 0 ? SinkServer.start(options.sinkPort(), stats::remoteArrived) : null) {
            SplittableRandom random = new SplittableRandom(options.seed());
            double send = w.localSendsPerSecond(), in = w.remoteArrivalsPerSecond(), check = w.checksPerSecond();
            double total = send + in + check;
            PriorityQueue<long[]> retries = retrySchedule(random.split(), w);
            long start = System.nanoTime();
            long end = start + options.duration().toNanos();
            long next = start + exponentialNanos(random, total);
            while (true) {
                long[] retry = retries.peek();
                boolean isRetry = retry != null && retry[0] < next;
                long at = isRetry ? retry[0] : next;
                if (at >= end) break;
                long wait = at - System.nanoTime();
                if (wait > 0) LockSupport.parkNanos(wait);
                SplittableRandom r = random.split();
                Runnable session;
                if (isRetry) {
                    retries.poll();
                    int user = (int) retry[1];
                    retries.add(new long[] {at + retryIntervalNanos(random, w), user});
                    session = () -> check(user);
                } else {
                    double u = random.nextDouble() * total;
                    Kind kind = u < send ? Kind.SEND : u < send + in ? Kind.REMOTE_IN : Kind.CHECK;
                    next = at + exponentialNanos(random, total);
                    session = switch (kind) {
                        case SEND -> () -> localSend(r, w);
                        case REMOTE_IN -> () -> remoteIn(r, w);
                        case CHECK -> {
                            int user = r.nextInt(w.users());
                            yield () -> check(user);
                        }
                    };
                }
                if (!sessions.tryAcquire()) {
                    stats.error("bench: " + options.maxSessions() + " sessions in flight, arrival dropped");
                    continue;
                }
                Thread.ofVirtual().start(() -> {
                    try {
                        session.run();
                    } finally {
                        sessions.release();
                    }
                });
            }
            long rest = end - System.nanoTime();
            if (rest > 0) LockSupport.parkNanos(rest); // the window is the whole duration, even when the next arrival falls after it
            double seconds = (System.nanoTime() - start) / 1e9;
            // let sessions started in the window finish; each is bounded by the client timeouts
            long bound = target.timeout().toMillis() * 4 + 10_000;
            if (sessions.tryAcquire(options.maxSessions(), bound, TimeUnit.MILLISECONDS)) sessions.release(options.maxSessions());
            else stats.error("bench: sessions still running " + bound + " ms after the end");
            long drainEnd = System.nanoTime() + options.drain().toNanos();
            while (System.nanoTime() < drainEnd && (stats.probesOutstanding() > 0 || stats.remoteArrivedCount() < stats.remoteSentCount())) {
                Thread.sleep(200);
            }
            running.set(false);
            for (Thread t : probers) t.join(target.timeout().toMillis() * 4);
            ProcessTree.Sample after = before == null ? null : ProcessTree.sample(options.serverPids());
            long transactions = stats.counter("smtp.local-sent") + stats.counter("smtp.remote-in") + stats.counter("pop3.check")
                    + stats.errorCount();
            return new Result(options, stats, Qos.evaluate(stats, transactions), seconds, transactions, before, after,
                    sink == null ? 0 : sink.messages(), benchBefore, ProcessTree.sample(self));
        }
    }

    /** The retry pool: the first retryPoolSize users of a seeded shuffle, each first due at a uniform point of its interval. */
    private static PriorityQueue<long[]> retrySchedule(SplittableRandom random, Workload w) {
        PriorityQueue<long[]> q = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        long now = System.nanoTime();
        Set<Integer> pool = new LinkedHashSet<>();
        int size = Math.min(w.users(), w.retryPoolSize());
        while (pool.size() < size) pool.add(random.nextInt(w.users()));
        for (int user : pool) q.add(new long[] {now + (long) (random.nextDouble() * retryIntervalNanos(random, w)), user});
        return q;
    }

    /** 300-600 s in the model; a run at k times the model's intensity re-checks k times as often. */
    static long retryIntervalNanos(SplittableRandom random, Workload w) {
        double seconds = Workload.RETRY_MIN_SECONDS + random.nextDouble() * (Workload.RETRY_MAX_SECONDS - Workload.RETRY_MIN_SECONDS);
        return (long) (seconds / w.intensity() * 1e9);
    }

    /** Exponential inter-arrival time of a Poisson process of {@code perSecond}. */
    static long exponentialNanos(SplittableRandom random, double perSecond) {
        return (long) (-Math.log1p(-random.nextDouble()) / perSecond * 1e9);
    }

    private void localSend(SplittableRandom r, Workload w) {
        int sender = r.nextInt(w.users());
        int count = RecipientCounts.draw(r);
        List<String> rcpts = new ArrayList<>(count);
        Set<Integer> local = new LinkedHashSet<>();
        int remote = 0;
        for (int i = 0; i < count; i++) {
            if (r.nextDouble() < w.remoteOutShare()) remote++;
            else local.add(r.nextInt(w.users()));
        }
        for (int u : local) rcpts.add(target.address(u));
        for (int i = 0; i < remote; i++) rcpts.add("r" + r.nextInt(1_000_000) + "@" + options.remoteDomain());
        deliver("smtp.local-sent", target.address(sender), rcpts, !local.isEmpty(), remote > 0, r);
    }

    private void remoteIn(SplittableRandom r, Workload w) {
        int count = RecipientCounts.draw(r);
        Set<Integer> local = new LinkedHashSet<>();
        for (int i = 0; i < count; i++) local.add(r.nextInt(w.users()));
        List<String> rcpts = new ArrayList<>();
        for (int u : local) rcpts.add(target.address(u));
        deliver("smtp.remote-in", "mta" + r.nextInt(1000) + "@sender.remote.invalid", rcpts, true, false, r);
    }

    private void deliver(String counter, String from, List<String> rcpts, boolean hasLocal, boolean hasRemote, SplittableRandom r) {
        String id = runId + "." + ids.incrementAndGet();
        String probe = null;
        if (hasLocal && options.probeMailboxes() > 0 && r.nextDouble() < options.probeShare()) {
            probe = id;
            rcpts.add(target.probeAddress(Math.floorMod(probeCursor.getAndIncrement(), options.probeMailboxes())));
        }
        byte[] message = Messages.build(id, from, rcpts, MessageSizes.draw(r), probe);
        try (SmtpClient c = SmtpClient.open(target.smtp(), "client.bench.invalid", target.timeout(), stats)) {
            long accepted = c.send(from, rcpts, message);
            stats.count(counter);
            stats.count("smtp.bytes", message.length);
            if (probe != null) stats.probeSent(probe, accepted);
            if (hasRemote) stats.remoteSent(id);
            c.quit();
        } catch (ProtocolException e) {
            stats.error(e.kind());
        } catch (IOException e) {
            stats.error("SMTP " + e.getClass().getSimpleName());
        }
    }

    /**
     * A mailbox check: log in, list, retrieve and delete everything, quit. Each user has one
     * mail client, which does not start a check while its previous one still runs: at rates far
     * above the model's 200 users per msg/min, checks of one mailbox would otherwise overlap and
     * measure the server's mailbox lock (POP3 [IN-USE]) instead of its throughput. Such a check
     * is skipped and counted, not an error.
     */
    private void check(int user) {
        if (!checking.add(user)) {
            stats.count("pop3.check-skipped-busy");
            return;
        }
        try {
            checkNow(user);
        } finally {
            checking.remove(user);
        }
    }

    private void checkNow(int user) {
        try (Pop3Client c = Pop3Client.login(target.pop3(), target.address(user), target.password(user), target.timeout(), stats)) {
            int n = c.stat();
            if (n > 0) {
                c.list();
                for (int i = 1; i <= n; i++) {
                    c.retr(i);
                    c.dele(i);
                }
            }
            c.quit();
            stats.count("pop3.check");
            if (n == 0) stats.count("pop3.check-empty");
            stats.count("pop3.retrieved", n);
        } catch (ProtocolException e) {
            stats.error(e.kind());
        } catch (IOException e) {
            stats.error("POP3 " + e.getClass().getSimpleName());
        }
    }

    /** Polls one probe mailbox until the run ends: every probe found is timed and deleted. */
    private void probeLoop(int probe, AtomicBoolean running) {
        while (running.get()) {
            try {
                Thread.sleep(options.probeInterval().toMillis());
            } catch (InterruptedException e) {
                return;
            }
            try (Pop3Client c = Pop3Client.login(target.pop3(), target.probeAddress(probe), target.probePassword(probe), target.timeout(), probeStats)) {
                int n = c.stat();
                for (int i = 1; i <= n; i++) {
                    String id = c.retr(i).header(Messages.PROBE_HEADER);
                    if (id != null) stats.probeFound(id, System.nanoTime());
                    c.dele(i);
                }
                c.quit();
            } catch (IOException e) {
                // a failed poll is retried at the next interval; the probe's delay grows meanwhile, which QoS sees
                probeStats.error("probe " + e.getMessage());
            }
        }
    }
}
