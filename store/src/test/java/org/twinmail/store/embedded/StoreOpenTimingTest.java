package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.store.Delivery;

/**
 * The open time of a large store, what every takeover waits for (docs/cluster.md, "The store open on
 * a large store"). Enabled with {@code -Dtwinmail.open.messages=N}: fills a store of N messages in
 * {@code -Dtwinmail.open.dir=DIR} (default target/open-timing; kept, so later runs reuse it) the
 * way BackupTimingTest does (100 accounts, 2 KB 70 %, 20 KB 25 %, 300 KB 5 %), then opens it
 * {@code -Dtwinmail.open.rounds} times (default 3) and writes each open's time, and its steps, to
 * target/open-report.txt, then starts the background sweep of unreferenced blob files at once and times
 * it (before it moved out of the open, the open did that work). With {@code -Dtwinmail.open.cold=true}
 * the store's files are dropped from the page cache (posix_fadvise DONTNEED through python3, this
 * store's files only) before each open; with {@code =all} the whole machine's caches too (root; the
 * blob directories' blocks are only dropped that way: a machine that has just taken over has none of
 * them cached).
 */
@EnabledIfSystemProperty(named = "twinmail.open.messages", matches = "\\d+")
class StoreOpenTimingTest {

    @Test
    void openALargeStore() throws Exception {
        int n = Integer.getInteger("twinmail.open.messages");
        Path dir = Path.of(System.getProperty("twinmail.open.dir", "target/open-timing")).toAbsolutePath();
        List<String> report = new ArrayList<>();
        StoreOptions options = StoreOptions.defaults(dir);
        if (!Files.exists(dir.resolve("store/mail.db"))) {
            long t0 = System.nanoTime();
            try (EmbeddedMailStore store = EmbeddedMailStore.open(options)) {
                store.addDomain("big.example");
                List<Long> ids = new ArrayList<>();
                for (int u = 0; u < 100; u++) {
                    ids.add(store.addAccount(EmailAddress.parse("u" + u + "@big.example"), "x", 0, 0).id());
                }
                AtomicInteger next = new AtomicInteger();
                List<Thread> fill = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    fill.add(Thread.ofVirtual().start(() -> {
                        for (int i; (i = next.getAndIncrement()) < n; ) deliver(store, ids.get(i % ids.size()), i);
                    }));
                }
                for (Thread t : fill) t.join();
            }
            report.add(String.format("filled %d messages in %.1f s", n, (System.nanoTime() - t0) / 1e9));
        }
        // classes and SQLite's native library loaded first, as a standby's warm-up has them (ProtocolWarmUp)
        Path warm = Files.createTempDirectory("open-timing-warm-up");
        EmbeddedMailStore.open(StoreOptions.defaults(warm)).close();
        int rounds = Integer.getInteger("twinmail.open.rounds", 3);
        String coldMode = System.getProperty("twinmail.open.cold", "false");
        boolean cold = coldMode.equals("true") || coldMode.equals("all");
        for (int i = 0; i < rounds; i++) {
            if (cold) dropFromPageCache(dir);
            if ("all".equals(System.getProperty("twinmail.open.cold"))) dropAllCaches();
            long o0 = System.nanoTime();
            try (EmbeddedMailStore store = EmbeddedMailStore.open(options.withRegistry(new SimpleMeterRegistry()))) {
                long ms = (System.nanoTime() - o0) / 1_000_000;
                long c0 = System.nanoTime();
                long messages = store.listAccounts("big.example").stream()
                        .mapToLong(a -> store.messages(store.mailbox(a.id(), "INBOX").orElseThrow().id()).size()).sum();
                long countMs = (System.nanoTime() - c0) / 1_000_000;
                assertThat(messages).isGreaterThanOrEqualTo(n);
                // the sweep of unreferenced blob files, which the open did before it served and now leaves to a
                // thread of its own: started here at once and timed, on a cache as cold as the open found it
                long s0 = System.nanoTime();
                store.sweepOrphansNow();
                int removed = store.orphanSweep().get(10, java.util.concurrent.TimeUnit.MINUTES);
                long sweepMs = (System.nanoTime() - s0) / 1_000_000;
                report.add(String.format("open %d%s of %d messages: %d ms (%s); then the blob sweep in the background: %d ms, %d removed; counting the messages: %d ms",
                        i + 1, cold ? " (cold)" : "", messages, ms, store.openSteps(), sweepMs, removed, countMs));
            }
        }
        report.forEach(System.out::println);
        Files.write(Path.of("target", "open-report.txt"), report, StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    /** The whole machine's page, dentry and inode caches (root only): the blob directories too, which fadvise cannot drop. */
    private static void dropAllCaches() throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("sync").inheritIO().start().waitFor()).isZero();
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
    }

    private static void dropFromPageCache(Path dir) throws IOException, InterruptedException {
        List<String> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).map(Path::toString).toList();
        }
        Path list = Files.createTempFile("open-timing", ".txt");
        Files.write(list, files);
        Process p = new ProcessBuilder("python3", "-c", """
                import os, sys
                for f in open(sys.argv[1]).read().split('\\n'):
                    if not f: continue
                    fd = os.open(f, os.O_RDONLY)
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                    os.close(fd)
                """, list.toString()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
        Files.delete(list);
    }

    private static void deliver(EmbeddedMailStore store, long to, int i) {
        SplittableRandom r = new SplittableRandom(i);
        int p = r.nextInt(100);
        int size = p < 70 ? 2_000 : p < 95 ? 20_000 : 300_000;
        StringBuilder b = new StringBuilder("From: <s@big.example>\r\nSubject: message " + i + "\r\nMessage-ID: <" + i + "@big.example>\r\n\r\n");
        while (b.length() < size) b.append("line of message ").append(i).append(' ').append(b.length()).append("\r\n");
        store.deliver(new Delivery(List.of(to), MessageSpool.of(b.toString().getBytes(StandardCharsets.US_ASCII)), Instant.now()));
    }
}
