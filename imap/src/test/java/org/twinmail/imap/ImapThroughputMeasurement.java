package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.store.Delivery;

/**
 * A bounded loopback measurement of IMAP throughput (not part of the suite: the class name
 * does not end in Test). Run:
 * <pre>bin/mvn -o -q -pl imap test -Dtest=ImapThroughputMeasurement -Dsurefire.failIfNoSpecifiedTests=false</pre>
 * and read {@code imap/target/surefire-reports/org.twinmail.imap.ImapThroughputMeasurement-output.txt}.
 */
class ImapThroughputMeasurement {
    static final int CLIENTS = 8;
    static final long RUN_MILLIS = 5_000;

    @TempDir
    Path dataDir;

    @Test
    void measure() throws Exception {
        try (ImapFixture fx = new ImapFixture(dataDir)) {
            // a load from one address: the per-client connection limits would measure themselves
            ImapServer server = fx.serverWith(c -> c.limits.exemptNetworks = java.util.List.of("127.0.0.0/8"));
            Account big = fx.account();
            Account many = fx.account();
            deliverConcurrently(fx, big, 200, 50_000);
            deliverConcurrently(fx, many, 10_000, 2_000);
            String user = big.address().toString();

            // Logins per second: connect, LOGIN, LOGOUT (the credential cache spares Argon2 after the first).
            double logins = run(() -> {
                try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
                    c.line();
                    assertThat(c.command("a", "LOGIN " + user + " \"" + ImapFixture.PASSWORD + "\"").getLast()).startsWith("a OK");
                    c.command("b", "LOGOUT");
                }
                return 1;
            });
            System.out.printf("logins/s (connect+LOGIN+LOGOUT, %d clients): %.0f%n", CLIENTS, logins);

            // FETCH BODY.PEEK[] of 50 KB messages, random UIDs, one session per client.
            double fetches = runSessions(server, user, "INBOX", c -> {
                long uid = 1 + ThreadLocalRandom.current().nextInt(200);
                c.sendLine("f UID FETCH " + uid + " BODY.PEEK[]");
                String head = c.line();
                int n = Integer.parseInt(head.substring(head.lastIndexOf('{') + 1, head.lastIndexOf('}')));
                c.bytes(n);
                c.until("f");
                return 1;
            });
            System.out.printf("FETCH BODY.PEEK[] of 50 KB messages/s (%d sessions): %.0f (%.0f MB/s)%n", CLIENTS, fetches,
                    fetches * 50_000 / 1e6);

            // SEARCH over a 10,000-message mailbox: on flags only, and on a header (parsed messages cached).
            String manyUser = many.address().toString();
            double flagSearches = runSessions(server, manyUser, "INBOX", c -> {
                List<String> r = c.command("s", "SEARCH UNSEEN LARGER 1000");
                assertThat(r.getLast()).startsWith("s OK");
                return 1;
            });
            System.out.printf("SEARCH UNSEEN LARGER over 10,000 messages/s (%d sessions): %.1f%n", CLIENTS, flagSearches);
            double headerSearches = runSessions(server, manyUser, "INBOX", c -> {
                List<String> r = c.command("s", "SEARCH SUBJECT \"message 4711\"");
                assertThat(r.getFirst()).matches("\\* SEARCH \\d+"); // deliveries ran in parallel: any one UID
                return 1;
            });
            System.out.printf("SEARCH SUBJECT over 10,000 messages/s (%d sessions): %.1f%n", CLIENTS, headerSearches);
        }
    }

    private static void deliverConcurrently(ImapFixture fx, Account a, int count, int size) throws Exception {
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int first = t;
                futures.add(pool.submit(() -> {
                    for (int i = first; i < count; i += 16) {
                        String head = "From: load@example.org\r\nTo: " + a.address() + "\r\nSubject: message " + i
                                + "\r\nMessage-ID: <" + i + "." + a.id() + "@load>\r\n\r\n";
                        StringBuilder body = new StringBuilder(head);
                        while (body.length() < size) body.append("line ").append(i).append(" of the load text\r\n");
                        fx.store.deliver(new Delivery(List.of(a.id()), MessageSpool.of(body.toString().getBytes(StandardCharsets.UTF_8)),
                                Instant.now()));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        }
        System.out.printf("setup: %d deliveries of %d bytes in %d ms%n", count, size, (System.nanoTime() - start) / 1_000_000);
    }

    @FunctionalInterface
    interface Op {
        int call() throws Exception;
    }

    @FunctionalInterface
    interface SessionOp {
        int call(ImapClient c) throws Exception;
    }

    /** Runs {@code op} in a loop on CLIENTS virtual threads for RUN_MILLIS; operations per second. */
    private static double run(Op op) throws Exception {
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + RUN_MILLIS * 1_000_000;
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                futures.add(pool.submit(() -> {
                    while (System.nanoTime() < end) done.addAndGet(op.call());
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        }
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    private static double runSessions(ImapServer server, String user, String mailbox, SessionOp op) throws Exception {
        List<ImapClient> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            ImapClient c = new ImapClient(ImapFixture.address(server));
            c.line();
            c.command("a", "LOGIN " + user + " \"" + ImapFixture.PASSWORD + "\"");
            c.command("b", "EXAMINE " + mailbox);
            clients.add(c);
        }
        // One warm-up pass per client (fills the parsed-message cache), not counted.
        for (ImapClient c : clients) op.call(c);
        java.util.concurrent.ConcurrentLinkedQueue<ImapClient> free = new java.util.concurrent.ConcurrentLinkedQueue<>(clients);
        double rate = run(() -> {
            ImapClient c = free.poll();
            try {
                return op.call(c);
            } finally {
                free.add(c);
            }
        });
        for (ImapClient c : clients) c.close();
        return rate;
    }
}
