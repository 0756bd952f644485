package org.twinmail.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.twinmail.bench.run.ImapDesktopSession;
import org.twinmail.bench.run.SpecMailRun;
import org.twinmail.bench.run.Target;
import org.twinmail.bench.stats.ProcessTree;
import org.twinmail.bench.stats.RunStats;
import org.twinmail.bench.wire.Pop3Client;
import org.twinmail.bench.wire.ProtocolException;

/**
 * Closed-loop mailbox sessions, as fast as N clients can go, for a fixed time:
 * {@code --protocol pop3} (log in, STAT, LIST, RETR one message, QUIT; nothing is
 * deleted so every session sees the same mailbox) or {@code --protocol imap} (the
 * desktop client of {@link ImapDesktopSession}). Prints sessions/s, commands/s,
 * latency percentiles per command, errors and the server's CPU and memory.
 *
 * <pre>
 * java -cp twinmail-bench.jar org.twinmail.bench.SessionLoad --protocol imap --imap 127.0.0.1:2143 \
 *     --domain bench.test --users 1000 --clients 20 --duration 30 [--idle-ms 100] [--server-pid 1234]
 * </pre>
 */
public final class SessionLoad {
    private SessionLoad() {}

    public static void main(String[] argv) throws Exception {
        SpecMail.Args a = new SpecMail.Args(argv);
        String protocol = a.string("--protocol", "pop3");
        Target target = new Target(a.address("--smtp", "127.0.0.1:2525"), a.address("--pop3", "127.0.0.1:2110"),
                a.address("--imap", "127.0.0.1:2143"), a.string("--domain", "bench.test"), a.string("--user-pattern", "user%d"),
                a.string("--password", "bench-password-%d"), Duration.ofSeconds(a.number("--timeout", 30)));
        int users = (int) a.number("--users", 1000), clients = (int) a.number("--clients", 20);
        Duration duration = Duration.ofSeconds(a.number("--duration", 30)), warmup = Duration.ofSeconds(a.number("--warmup", 3));
        Duration idle = Duration.ofMillis(a.number("--idle-ms", 100));
        int bodies = (int) a.number("--bodies", 3);
        long seed = a.number("--seed", 1);
        List<Long> pids = a.has("--server-pid") ? ProcessTree.parsePids(a.string("--server-pid", "")) : List.of();
        a.done();
        if (!protocol.equals("pop3") && !protocol.equals("imap")) throw new IllegalArgumentException("--protocol pop3|imap");

        RunStats stats = new RunStats(), warm = new RunStats();
        AtomicLong sessions = new AtomicLong(), ops = new AtomicLong();
        long start = System.nanoTime(), measureFrom = start + warmup.toNanos(), end = measureFrom + duration.toNanos();
        ProcessTree.Sample[] before = new ProcessTree.Sample[1];
        Thread sampler = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(warmup.toMillis());
                if (!pids.isEmpty()) before[0] = ProcessTree.sample(pids);
            } catch (InterruptedException ignored) {
                // the run ended first
            }
        });
        List<Thread> threads = new ArrayList<>();
        SplittableRandom root = new SplittableRandom(seed);
        if (users < clients) throw new IllegalArgumentException("--users must be at least --clients");
        for (int i = 0; i < clients; i++) {
            SplittableRandom r = root.split();
            int id = i;
            threads.add(Thread.ofVirtual().name("client-" + i).start(() -> {
                while (System.nanoTime() < end) {
                    boolean measured = System.nanoTime() >= measureFrom;
                    RunStats s = measured ? stats : warm;
                    // client i takes users i, i + clients, ...: no two clients share a mailbox, since a
                    // POP3 server may lock it (RFC 1939 section 8) and a refusal is not what is measured here
                    int user = id + clients * r.nextInt(Math.max(1, (users - id + clients - 1) / clients));
                    try {
                        int n = protocol.equals("imap") ? ImapDesktopSession.run(target, user, bodies, idle, r, s) : pop3(target, user, s);
                        if (measured) {
                            sessions.incrementAndGet();
                            ops.addAndGet(n);
                        }
                    } catch (ProtocolException e) {
                        s.error(e.kind());
                    } catch (IOException e) {
                        s.error(protocol.toUpperCase() + " " + e.getClass().getSimpleName());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        sampler.join();
        double seconds = (System.nanoTime() - measureFrom) / 1e9;
        ProcessTree.Sample after = pids.isEmpty() ? null : ProcessTree.sample(pids);
        System.out.printf("%s sessions: %d clients, %,d users, %.1f s measured: %,d sessions (%.1f/s), %,d commands (%.1f/s), %,d errors%n",
                protocol.toUpperCase(), clients, users, seconds, sessions.get(), sessions.get() / seconds, ops.get(), ops.get() / seconds,
                stats.errorCount());
        stats.errors().forEach((k, v) -> System.out.printf("    %,8d  %s%n", v, k));
        System.out.print(SpecMailRun.latencyTable(stats.commandSummaries()));
        if (after != null && before[0] != null) {
            double cpu = after.cpuSeconds() - before[0].cpuSeconds();
            System.out.printf("  server: CPU %.1f s (%.0f%% of one core), memory %,d MiB (PSS over %d processes)%n",
                    cpu, 100 * cpu / seconds, after.memoryBytes() >> 20, after.processes());
        }
        System.exit(sessions.get() > 0 && stats.errorCount() * 100 < sessions.get() ? 0 : 2);
    }

    private static int pop3(Target target, int user, RunStats stats) throws IOException {
        try (Pop3Client c = Pop3Client.login(target.pop3(), target.address(user), target.password(user), target.timeout(), stats)) {
            int n = c.stat();
            c.list();
            if (n > 0) c.retr(1);
            c.quit();
            return n > 0 ? 6 : 5;
        }
    }
}
