package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.search.IndexUpdater;
import org.twinmail.search.SearchIndex;
import org.twinmail.store.Appended;

/**
 * SEARCH TEXT over one mailbox of N messages, on the wire, before (every message parsed) and
 * after the full-text index (not part of the suite: the class name does not end in Test). Run:
 * <pre>bin/mvn -o -q -pl imap -am test -Dtest=ImapSearchMeasurement -Dsurefire.failIfNoSpecifiedTests=false -Dsearch.messages=100000</pre>
 * and read {@code imap/target/surefire-reports/org.twinmail.imap.ImapSearchMeasurement-output.txt}.
 *
 * <p>The corpus: messages of about 2 KB (a header section as delivered mail has, a body of
 * words drawn from a Zipf-distributed vocabulary of 5,000 made-up English-like words, a
 * Chinese sentence in one message of 20). Queries: a rare word (one message in 1,000), a
 * common one (in about one message of 10), a Chinese word (in one of 20), a phrase of two words,
 * and a word in no message.
 */
class ImapSearchMeasurement {
    @TempDir
    Path dataDir;

    static final String[] CHINESE = {"明天下午三点开会，讨论邮件系统的升级。", "请查收本周的项目进度报告。", "北京和上海的办公室都已经通知了。"};

    @Test
    void measure() throws Exception {
        int n = Integer.getInteger("search.messages", 10_000);
        int plainRuns = Integer.getInteger("search.plainRuns", n > 20_000 ? 3 : 7);
        try (ImapFixture fx = new ImapFixture(dataDir)) {
            Account a = fx.account();
            long inbox = fx.store.mailbox(a.id(), "INBOX").orElseThrow().id();
            Random r = new Random(42);
            String[] vocabulary = vocabulary(r, 5_000);
            double[] zipf = zipf(vocabulary.length);
            long start = System.nanoTime();
            List<Appended> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                batch.add(new Appended(MessageSpool.of(message(r, i, vocabulary, zipf).getBytes(StandardCharsets.UTF_8)), Set.of(),
                        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i)));
                if (batch.size() == 500 || i == n - 1) {
                    fx.store.appendAll(inbox, batch);
                    batch.clear();
                }
            }
            System.out.printf("corpus: %d messages appended in %d ms%n", n, ms(start));
            String common = vocabulary[9];
            List<String> queries = List.of("zebracorn", common, "邮件", common + " " + vocabulary[3], "notawordanywhere");

            ImapServer plain = fx.serverWithIndex(null);
            if (!Boolean.getBoolean("search.skipBefore")) {
                try (ImapClient c = login(plain, a)) {
                    floor("before", n, c, 31);
                    for (String q : queries) report("before (full parse)", n, q, c, plainRuns);
                }
            }

            try (SearchIndex index = SearchIndex.open(dataDir.resolve("index"), 1_000_000)) {
                start = System.nanoTime();
                IndexUpdater updater = IndexUpdater.start(index, fx.store, fx.store, fx.store, 500);
                long deadline = System.nanoTime() + Duration.ofHours(1).toNanos();
                while (index.position() < fx.store.lastChangePosition() && System.nanoTime() < deadline) Thread.sleep(50);
                System.out.printf("index: %d messages rebuilt in %d ms, %d MB on disk%n", index.size(), ms(start),
                        du(dataDir.resolve("index")) >> 20);
                ImapServer indexed = fx.serverWithIndex(index);
                try (ImapClient c = login(indexed, a)) {
                    floor("after", n, c, 31);
                    for (String q : queries) report("after (index)", n, q, c, 31);
                }
                updater.close();
            }
        }
    }

    /** What any command costs on this mailbox (the session's check for changes included): UID SEARCH of one UID, no text. */
    private static void floor(String what, int n, ImapClient c, int runs) throws Exception {
        timed(what + " (floor)", n, "UID SEARCH UID 1", "UID 1", c, runs);
    }

    private static void report(String what, int n, String query, ImapClient c, int runs) throws Exception {
        String command = "SEARCH CHARSET UTF-8 TEXT {" + query.getBytes(StandardCharsets.UTF_8).length + "+}\r\n" + query;
        timed(what, n, command, "TEXT \"" + query + '"', c, runs);
    }

    private static void timed(String what, int n, String command, String label, ImapClient c, int runs) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        List<String> first = c.command("w", command); // warm-up (and the message cache for the full parse)
        assertThat(first.getLast()).startsWith("w OK");
        int found = first.getFirst().startsWith("* SEARCH") ? first.getFirst().split(" ").length - 2 : 0;
        long[] t = new long[runs];
        long cpu = os.getProcessCpuTime();
        for (int i = 0; i < runs; i++) {
            long s = System.nanoTime();
            List<String> lines = c.command("s" + i, command);
            t[i] = System.nanoTime() - s;
            assertThat(lines).isEqualTo(List.of(first.getFirst(), lines.getLast()));
        }
        double cpuMs = (os.getProcessCpuTime() - cpu) / 1e6 / runs;
        Arrays.sort(t);
        System.out.printf("%-20s n=%d  SEARCH %-30s found %6d  median %8.1f ms  min %8.1f ms  max %8.1f ms  CPU %7.1f ms/search (%d runs)%n",
                what, n, label, found, t[runs / 2] / 1e6, t[0] / 1e6, t[runs - 1] / 1e6, cpuMs, runs);
    }

    private static ImapClient login(ImapServer server, Account a) throws Exception {
        ImapClient c = new ImapClient(ImapFixture.address(server));
        c.readTimeout(Duration.ofMinutes(5));
        c.line();
        c.command("l", "LOGIN " + a.address() + " \"" + ImapFixture.PASSWORD + "\"");
        c.command("s", "SELECT INBOX");
        return c;
    }

    private static String message(Random r, int i, String[] vocabulary, double[] zipf) {
        StringBuilder b = new StringBuilder(2200);
        b.append("Return-Path: <sender").append(i % 500).append("@example.org>\r\n")
                .append("Received: from mail.example.org (mail.example.org [192.0.2.").append(i % 250).append("])\r\n")
                .append("\tby mx.example.com with ESMTPS id ").append(Long.toHexString(r.nextLong())).append("\r\n")
                .append("\tfor <user@example.com>; Thu, 01 Jan 2026 00:00:00 +0000\r\n")
                .append("From: \"Sender ").append(i % 500).append("\" <sender").append(i % 500).append("@example.org>\r\n")
                .append("To: user@example.com\r\n")
                .append("Subject: ").append(words(r, vocabulary, zipf, 3 + r.nextInt(5))).append("\r\n")
                .append("Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n")
                .append("Message-ID: <").append(Long.toHexString(r.nextLong())).append(i).append("@example.org>\r\n")
                .append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
        int lines = 10 + r.nextInt(15);
        for (int l = 0; l < lines; l++) b.append(words(r, vocabulary, zipf, 8 + r.nextInt(6))).append("\r\n");
        if (i % 1000 == 500) b.append("the zebracorn was seen again\r\n");
        if (i % 20 == 7) b.append(CHINESE[i % CHINESE.length]).append("\r\n");
        return b.toString();
    }

    private static String words(Random r, String[] vocabulary, double[] zipf, int count) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) b.append(' ');
            int k = Arrays.binarySearch(zipf, r.nextDouble());
            b.append(vocabulary[Math.min(vocabulary.length - 1, k < 0 ? -k - 1 : k)]);
        }
        return b.toString();
    }

    private static String[] vocabulary(Random r, int size) {
        String[] syllables = {"ka", "lo", "mi", "ne", "ta", "ri", "so", "ve", "du", "pa", "ge", "zo", "an", "el", "or", "us", "ba", "th", "er", "ing"};
        String[] out = new String[size];
        for (int i = 0; i < size; i++) {
            StringBuilder w = new StringBuilder();
            int len = 2 + r.nextInt(3);
            for (int s = 0; s < len; s++) w.append(syllables[r.nextInt(syllables.length)]);
            out[i] = w.toString();
        }
        return out;
    }

    /** Cumulative Zipf (s = 1) probabilities over ranks 1..size. */
    private static double[] zipf(int size) {
        double[] c = new double[size];
        double sum = 0;
        for (int i = 0; i < size; i++) sum += 1.0 / (i + 1);
        double acc = 0;
        for (int i = 0; i < size; i++) {
            acc += 1.0 / (i + 1) / sum;
            c[i] = acc;
        }
        return c;
    }

    private static long ms(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static long du(Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(dir)) {
            return files.filter(java.nio.file.Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }
}
