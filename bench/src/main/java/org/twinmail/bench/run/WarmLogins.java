package org.twinmail.bench.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.twinmail.bench.stats.RunStats;
import org.twinmail.bench.wire.Pop3Client;

/**
 * Logs every user (and every probe mailbox) in once over POP3 and quits, reading nothing.
 * A server that has been up for a while has seen its users' clients log in; one started
 * for the benchmark has not, and a server that caches verified credentials would pay its
 * cold start inside the first measured step. Used before the maximum search so that the
 * steps measure the running state; the cold start is what a plain run measures.
 */
public final class WarmLogins {
    private WarmLogins() {}

    public record Result(int logins, double seconds) { }

    public static Result run(Target target, int users, int probes, int connections) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        AtomicReference<IOException> failure = new AtomicReference<>();
        RunStats ignored = new RunStats();
        List<Thread> threads = new ArrayList<>();
        int total = users + probes;
        for (int c = 0; c < connections; c++) {
            threads.add(Thread.ofVirtual().name("warm-logins-" + c).start(() -> {
                for (int i; failure.get() == null && (i = next.getAndIncrement()) < total; ) {
                    String user = i < users ? target.address(i) : target.probeAddress(i - users);
                    String password = i < users ? target.password(i) : target.probePassword(i - users);
                    try (Pop3Client client = Pop3Client.login(target.pop3(), user, password, target.timeout(), ignored)) {
                        client.quit();
                    } catch (IOException e) {
                        failure.compareAndSet(null, new IOException("warm-up login of " + user + " failed: " + e.getMessage(), e));
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        if (failure.get() != null) throw failure.get();
        return new Result(total, (System.nanoTime() - t0) / 1e9);
    }
}
