package org.twinmail.bench.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.twinmail.bench.model.MailboxFill;
import org.twinmail.bench.model.MessageSizes;
import org.twinmail.bench.stats.RunStats;
import org.twinmail.bench.wire.SmtpClient;

/**
 * Fills the mailboxes to SPECmail2001's steady state (26.5% empty, 3.43 messages on
 * average) over SMTP, so it works on any server. To keep it short, each message goes
 * to up to {@code batch} mailboxes that still need one; sizes follow the model.
 */
public final class Prepopulate {
    private Prepopulate() {}

    public record Result(long messages, long deliveries, double seconds) { }

    public static Result run(Target target, int users, long seed, int batch, int connections) throws IOException, InterruptedException {
        SplittableRandom random = new SplittableRandom(seed);
        int[] need = new int[users];
        long deliveries = 0;
        for (int u = 0; u < users; u++) deliveries += need[u] = MailboxFill.draw(random);
        // rounds: each round gives one message to every mailbox that still needs one, in batches
        ConcurrentLinkedQueue<List<Integer>> work = new ConcurrentLinkedQueue<>();
        for (boolean more = true; more; ) {
            more = false;
            List<Integer> b = new ArrayList<>(batch);
            for (int u = 0; u < users; u++) {
                if (need[u] == 0) continue;
                need[u]--;
                more = true;
                b.add(u);
                if (b.size() == batch) {
                    work.add(b);
                    b = new ArrayList<>(batch);
                }
            }
            if (!b.isEmpty()) work.add(b);
        }
        long t0 = System.nanoTime();
        AtomicLong messages = new AtomicLong();
        AtomicReference<IOException> failure = new AtomicReference<>();
        RunStats ignored = new RunStats();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            SplittableRandom r = random.split();
            threads.add(Thread.ofVirtual().name("prepopulate-" + c).start(() -> {
                try (SmtpClient client = SmtpClient.open(target.smtp(), "prepopulate.bench.invalid", target.timeout(), ignored)) {
                    for (List<Integer> b; failure.get() == null && (b = work.poll()) != null; ) {
                        List<String> rcpts = b.stream().map(target::address).toList();
                        String id = "pre." + messages.incrementAndGet();
                        client.send("prepopulate@sender.remote.invalid", rcpts, Messages.build(id, "prepopulate@sender.remote.invalid", rcpts, MessageSizes.draw(r), null));
                    }
                    client.quit();
                } catch (IOException e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : threads) t.join();
        if (failure.get() != null) throw new IOException("pre-population failed: " + failure.get().getMessage(), failure.get());
        return new Result(messages.get(), deliveries, (System.nanoTime() - t0) / 1e9);
    }
}
