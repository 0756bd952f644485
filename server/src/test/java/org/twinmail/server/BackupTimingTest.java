package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.store.Delivery;
import org.twinmail.store.MailStore;

/**
 * The figures of docs/cluster.md's backup section, on a store of
 * {@code -Dtwinmail.backup.messages=N} messages (skipped without it): the time of a full and of
 * an incremental {@code admin backup} of the running node, the delivery latency meanwhile (one
 * delivery after the other, as a client would: its worst case is how long the backup held a
 * delivery up), and the time of {@code admin restore}. Written to target/backup-report.txt. With
 * {@code -Dtwinmail.backup.seed=DIR} the store is a copy of DIR's (one StoreOpenTimingTest built: the
 * same 100 accounts and message sizes, N its message count) instead of a fill.
 */
@EnabledIfSystemProperty(named = "twinmail.backup.messages", matches = "\\d+")
class BackupTimingTest {
    @TempDir
    Path data;
    @TempDir
    Path backups;
    @TempDir
    Path restored;

    @Test
    void backupAndRestoreOfALargeStore() throws Exception {
        int n = Integer.getInteger("twinmail.backup.messages");
        List<String> report = new ArrayList<>();
        Path dataDir = data.resolve("node");
        long messagesBefore;
        String seed = System.getProperty("twinmail.backup.seed", "");
        if (!seed.isEmpty()) {
            // a store filled the same way before (StoreOpenTimingTest's, the same accounts and message sizes): copied, not refilled
            long c0 = System.nanoTime();
            Files.createDirectories(dataDir);
            assertThat(new ProcessBuilder("cp", "-a", Path.of(seed).resolve("store").toString(), dataDir.resolve("store").toString())
                    .inheritIO().start().waitFor()).isZero();
            report.add(String.format("seeded from %s in %.1f s", seed, (System.nanoTime() - c0) / 1e9));
        }
        org.twinmail.core.config.TwinmailConfig config = TestConfigs.loopback(dataDir);
        // a copied store has no full-text index: without this the node would spend the backup indexing 100,000 messages
        if (!seed.isEmpty()) config.search.enabled = false;
        try (TwinmailServer server = TwinmailServer.start(config)) {
            MailStore store = server.store();
            List<Long> ids = new ArrayList<>();
            if (seed.isEmpty()) {
                store.addDomain("big.example");
                for (int u = 0; u < 100; u++) {
                    ids.add(store.addAccount(EmailAddress.parse("u" + u + "@big.example"), "x", 0, 0).id());
                }
            } else {
                for (int u = 0; u < 100; u++) ids.add(store.findAccount(EmailAddress.parse("u" + u + "@big.example")).orElseThrow().id());
            }
            long t0 = System.nanoTime();
            AtomicInteger next = new AtomicInteger();
            List<Thread> fill = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                fill.add(Thread.ofVirtual().start(() -> {
                    for (int i; (i = next.getAndIncrement()) < (seed.isEmpty() ? n : 0); ) deliver(store, ids.get(i % ids.size()), i);
                }));
            }
            for (Thread t : fill) t.join();
            if (seed.isEmpty()) {
                report.add(String.format("filled %d messages (100 accounts, sizes 2 KB 70%%, 20 KB 25%%, 300 KB 5%%) in %.1f s", n,
                        (System.nanoTime() - t0) / 1e9));
            }

            for (String kind : List.of("full", "incremental")) {
                List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger extra = new AtomicInteger(n);
                Thread load = Thread.ofPlatform().start(() -> {
                    while (!stop.get()) {
                        long s = System.nanoTime();
                        deliver(store, ids.get(0), extra.getAndIncrement());
                        latencies.add(System.nanoTime() - s);
                    }
                });
                long b0 = System.nanoTime();
                CliRunner.Result r = CliRunner.run("admin", "--data", dataDir.toString(), "backup", backups.toString());
                long ms = (System.nanoTime() - b0) / 1_000_000;
                stop.set(true);
                load.join();
                assertThat(r.exit()).as(r.err()).isZero();
                List<Long> l = new ArrayList<>(latencies);
                Collections.sort(l);
                report.add(String.format("%s backup: %d ms wall (CLI included): %s; %d deliveries meanwhile, latency median %.1f ms, p99 %.1f ms, max %.1f ms",
                        kind, ms, r.out().strip(), l.size(), l.get(l.size() / 2) / 1e6, l.get((int) (l.size() * 0.99)) / 1e6, l.getLast() / 1e6));
            }
            messagesBefore = ids.stream().mapToLong(id -> store.messages(store.mailbox(id, "INBOX").orElseThrow().id()).size()).sum();
        }
        // What a switchover (a rolling upgrade's step) spends opening this store on the node that takes over:
        // the same open as a takeover's, on a cold JVM for the store's classes (the node's warm-up hides those)
        for (int i = 0; i < 2; i++) {
            long o0 = System.nanoTime();
            try (MailStore store = StoreOpener.open(TestConfigs.loopback(dataDir), dataDir, new SimpleMeterRegistry())) {
                report.add(String.format("store open %d (as a takeover opens it) on %d messages: %d ms", i + 1, messagesBefore,
                        (System.nanoTime() - o0) / 1_000_000));
            }
        }
        long r0 = System.nanoTime();
        Path fresh = restored.resolve("fresh");
        CliRunner.Result r = CliRunner.run("admin", "--data", fresh.toString(), "restore", backups.toString());
        long ms = (System.nanoTime() - r0) / 1_000_000;
        assertThat(r.exit()).as(r.err()).isZero();
        report.add("restore: " + ms + " ms wall (CLI included): " + r.out().strip());
        try (MailStore store = StoreOpener.open(TestConfigs.loopback(fresh), fresh, new SimpleMeterRegistry())) {
            long restoredMessages = 0;
            for (int u = 0; u < 100; u++) {
                long id = store.findAccount(EmailAddress.parse("u" + u + "@big.example")).orElseThrow().id();
                restoredMessages += store.messages(store.mailbox(id, "INBOX").orElseThrow().id()).size();
            }
            assertThat(restoredMessages).isGreaterThanOrEqualTo(n).isLessThanOrEqualTo(messagesBefore);
            report.add("restored store holds " + restoredMessages + " messages (the node had " + messagesBefore + " when it stopped)");
        }
        report.forEach(System.out::println);
        Files.write(Path.of("target", "backup-report.txt"), report, StandardCharsets.UTF_8);
    }

    private static void deliver(MailStore store, long to, int i) {
        SplittableRandom r = new SplittableRandom(i);
        int p = r.nextInt(100);
        int size = p < 70 ? 2_000 : p < 95 ? 20_000 : 300_000;
        StringBuilder b = new StringBuilder("From: <s@big.example>\r\nSubject: message " + i + "\r\nMessage-ID: <" + i + "@big.example>\r\n\r\n");
        while (b.length() < size) b.append("line of message ").append(i).append(' ').append(b.length()).append("\r\n");
        store.deliver(new Delivery(List.of(to), MessageSpool.of(b.toString().getBytes(StandardCharsets.US_ASCII)), Instant.now()));
    }
}
