package org.twinmail.jmap;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.twinmail.core.model.Account;
import org.twinmail.jmap.auth.Principal;
import org.twinmail.jmap.core.Json;

/**
 * Email/query + Email/get throughput on a 10,000-message mailbox (issue 14's figure): the
 * webmail's list view, one request of two calls (the newest 50 of INBOX, then their list
 * properties by result reference), driven through {@link JmapService#execute} on threads.
 * Not a test (no assertions): run with
 * {@code bin/jmap-bench} (messages, seconds, threads as arguments).
 */
public final class JmapBench {
    private JmapBench() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int[] threads = args.length > 2 ? new int[] {Integer.parseInt(args[2])} : new int[] {1, 4};
        Path dir = Files.createTempDirectory("jmap-bench");
        try (JmapFixture f = new JmapFixture(dir)) {
            Account a = f.account();
            long t0 = System.nanoTime();
            fill(f, a, messages);
            System.out.printf("filled %d messages in %.1f s%n", messages, (System.nanoTime() - t0) / 1e9);
            Principal p = new Principal(a.id(), a.address().toString());
            String inbox = "m" + f.inbox(a).id();
            byte[] listView = ("{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\"],\"methodCalls\":["
                    + "[\"Email/query\",{\"accountId\":\"a" + a.id() + "\",\"filter\":{\"inMailbox\":\"" + inbox + "\"},"
                    + "\"sort\":[{\"property\":\"receivedAt\",\"isAscending\":false}],\"limit\":50,\"calculateTotal\":true},\"q\"],"
                    + "[\"Email/get\",{\"accountId\":\"a" + a.id() + "\",\"#ids\":{\"resultOf\":\"q\",\"name\":\"Email/query\",\"path\":\"/ids\"},"
                    + "\"properties\":[\"threadId\",\"mailboxIds\",\"keywords\",\"from\",\"subject\",\"receivedAt\",\"size\",\"preview\",\"hasAttachment\"]},\"g\"]]}")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] search = ("{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\"],\"methodCalls\":["
                    + "[\"Email/query\",{\"accountId\":\"a" + a.id() + "\",\"filter\":{\"from\":\"sender7\"},"
                    + "\"sort\":[{\"property\":\"subject\"}],\"limit\":50},\"q\"],"
                    + "[\"Email/get\",{\"accountId\":\"a" + a.id() + "\",\"#ids\":{\"resultOf\":\"q\",\"name\":\"Email/query\",\"path\":\"/ids\"},"
                    + "\"properties\":[\"from\",\"subject\",\"preview\"]},\"g\"]]}").getBytes(StandardCharsets.UTF_8);
            long c0 = System.nanoTime();
            JsonNode first = f.jmap.execute(listView, p, java.net.InetAddress.getLoopbackAddress());
            System.out.printf("first list view (summaries parsed): %.0f ms, total %d%n", (System.nanoTime() - c0) / 1e6,
                    first.path("methodResponses").get(0).get(1).path("total").asInt());
            run(f, p, listView, "warm-up", Math.min(seconds, 5), 2, false);
            for (int n : threads) {
                run(f, p, listView, "list view (query newest 50 + get), mailbox unchanged", seconds, n, false);
                run(f, p, search, "search from + sort by subject (+ get), mailbox unchanged", seconds, n, false);
            }
            // Every request after a flag change (an IMAP STORE or a new message): nothing reused but the bodies' summaries.
            run(f, p, listView, "list view (query newest 50 + get), a flag changed before each", seconds, 1, true);
            run(f, p, search, "search from + sort by subject (+ get), a flag changed before each", seconds, 1, true);
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
    }

    private static void fill(JmapFixture f, Account a, int messages) throws Exception {
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<?>> futures = new ArrayList<>();
        int writers = 32;
        for (int w = 0; w < writers; w++) {
            int from = w;
            futures.add(pool.submit(() -> {
                for (int i = from; i < messages; i += writers) {
                    String body = ("Line " + i + " of a message body with some words to search and to preview. ").repeat(20);
                    String m = "From: Sender " + (i % 50) + " <sender" + (i % 50) + "@example.org>\r\nTo: " + a.address()
                            + "\r\nSubject: " + (i % 3 == 0 ? "Re: " : "") + "topic " + (i % 400) + "\r\nDate: Tue, 05 Mar 2024 10:20:30 +0000\r\n"
                            + "Message-ID: <" + i + "@bench.example>\r\n" + (i % 400 != i ? "References: <" + (i % 400) + "@bench.example>\r\n" : "")
                            + "\r\n" + body;
                    f.deliver(a, m, Instant.parse("2024-01-01T00:00:00Z").plusSeconds(i * 60L));
                }
                return null;
            }));
        }
        for (Future<?> x : futures) x.get();
        pool.close();
    }

    private static void run(JmapFixture f, Principal p, byte[] body, String name, int seconds, int threads, boolean change) throws Exception {
        long inbox = f.store.mailbox(p.accountId(), "INBOX").orElseThrow().id();
        java.util.concurrent.atomic.AtomicLong uid = new java.util.concurrent.atomic.AtomicLong();
        AtomicLong done = new AtomicLong();
        List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofPlatform().start(() -> {
                while (System.nanoTime() < end) {
                    if (change) {
                        f.store.storeFlags(inbox, List.of(1 + uid.getAndIncrement() % 10_000), org.twinmail.store.FlagChange.ADD,
                                java.util.Set.of("\\Seen"), -1);
                    }
                    long s = System.nanoTime();
                    JsonNode r = f.jmap.execute(body, p, java.net.InetAddress.getLoopbackAddress());
                    if (!r.path("methodResponses").get(1).get(0).asText().equals("Email/get")) throw new IllegalStateException(Json.text(r));
                    latencies.add(System.nanoTime() - s);
                    done.incrementAndGet();
                }
            }));
        }
        for (Thread t : ts) t.join();
        if (name.equals("warm-up")) return;
        List<Long> sorted = new ArrayList<>(latencies);
        sorted.sort(null);
        System.out.printf("%s, %d thread(s): %.1f requests/s, p50 %.1f ms, p99 %.1f ms (%d requests)%n", name, threads,
                done.get() / (double) seconds, sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) (sorted.size() * 0.99)) / 1e6, done.get());
    }
}
