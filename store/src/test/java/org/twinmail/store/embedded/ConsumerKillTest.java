package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeConsumer;
import org.twinmail.store.Delivery;
import org.twinmail.store.MailStore;

/**
 * The change-log consumer's guarantee across a crash: a child JVM delivers mail while a
 * {@link ChangeConsumer} in it records every position it is handed (fsynced before the
 * handler returns); the test kills it with SIGKILL mid-stream, starts it again, and checks
 * that every change of the log was recorded at least once, in order, none skipped.
 */
class ConsumerKillTest extends StoreFixture {
    private static final String CONSUMER = "recorder";

    @Test
    void aConsumerKilledMidStreamResumesWithoutSkippingAChange() throws Exception {
        Path record = dataDir.resolve("record.txt");
        Process first = child("forever", record);
        try {
            awaitRecorded(record, 200);
        } finally {
            first.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        Process second = child("20", record);
        assertThat(second.waitFor(120, TimeUnit.SECONDS)).as("the second run finishes").isTrue();
        assertThat(second.exitValue()).as(new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();

        MailStore store = open(StoreOptions.defaults(dataDir));
        List<Long> log = new ArrayList<>();
        for (List<Change> page = store.changesSince(0, 10_000); !page.isEmpty(); page = store.changesSince(log.getLast(), 10_000)) {
            for (Change c : page) log.add(c.position());
        }
        Map<Long, Long> next = new HashMap<>();
        for (int i = 0; i + 1 < log.size(); i++) next.put(log.get(i), log.get(i + 1));
        next.put(0L, log.getFirst());

        List<String> lines = Files.readAllLines(record);
        assertThat(lines.stream().filter(l -> l.startsWith("start ")).count()).as("two runs").isEqualTo(2);
        long previous = -1;
        long highestRecorded = 0;
        java.util.Set<Long> recorded = new java.util.HashSet<>();
        for (String line : lines) {
            if (line.startsWith("start ")) {
                long cursor = Long.parseLong(line.substring(6));
                assertThat(cursor).as("a cursor is never ahead of what its handler was given").isLessThanOrEqualTo(highestRecorded);
                previous = cursor;
                continue;
            }
            if (line.isEmpty()) continue; // a line cut by the kill cannot be whole and newline-less, but be exact
            long p = Long.parseLong(line);
            assertThat(p).as("after %s comes the next change of the log, none skipped", previous).isEqualTo(next.get(previous));
            previous = p;
            highestRecorded = Math.max(highestRecorded, p);
            recorded.add(p);
        }
        assertThat(recorded).as("every change seen at least once").containsAll(log);
        assertThat(store.consumerPosition(CONSUMER)).isEqualTo(log.getLast());
        assertThat(log.size()).as("the first run was killed with changes still coming").isGreaterThan(200 + 20);
    }

    private Process child(String messages, Path record) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), Child.class.getName(),
                dataDir.toString(), record.toString(), messages).redirectErrorStream(true).start();
    }

    private static void awaitRecorded(Path record, int positions) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            long n = Files.exists(record) ? Files.readAllLines(record).stream().filter(l -> !l.startsWith("start")).count() : 0;
            if (n >= positions) return;
            assertThat(System.nanoTime()).as("%s positions recorded in time", positions).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /**
     * The child: opens the store, starts the recorder from its cursor (writing "start
     * &lt;cursor&gt;"), delivers {@code messages} messages ("forever": until killed), then waits
     * until the recorder has caught up and exits cleanly.
     */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path dataDir = Path.of(args[0]);
            Path record = Path.of(args[1]);
            boolean forever = args[2].equals("forever");
            int messages = forever ? Integer.MAX_VALUE : Integer.parseInt(args[2]);
            try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
                 FileChannel out = FileChannel.open(record, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                if (store.findDomain("example.com").isEmpty()) store.addDomain("example.com");
                long account = store.findAccount(EmailAddress.parse("alice@example.com"))
                        .orElseGet(() -> store.addAccount(EmailAddress.parse("alice@example.com"), "$argon2id$x", 0, 0)).id();
                write(out, "start " + store.consumerPosition(CONSUMER) + "\n");
                ChangeConsumer consumer = ChangeConsumer.start(store, CONSUMER, 7, Duration.ofMillis(10), batch -> {
                    StringBuilder sb = new StringBuilder();
                    for (Change c : batch) sb.append(c.position()).append('\n');
                    write(out, sb.toString());
                });
                for (int i = 0; i < messages; i++) {
                    store.deliver(new Delivery(List.of(account), MessageSpool.of(("Subject: " + i + "\r\n\r\nbody " + i + "\r\n")
                            .getBytes(StandardCharsets.US_ASCII)), Instant.now()));
                    if (i % 5 == 0) store.storeFlags(store.mailbox(account, "INBOX").orElseThrow().id(), List.of((long) i + 1),
                            org.twinmail.store.FlagChange.ADD, java.util.Set.of("\\Seen"), -1);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (consumer.position() < store.lastChangePosition() && System.nanoTime() < deadline) Thread.sleep(10);
                consumer.close();
                if (consumer.position() < store.lastChangePosition()) System.exit(2);
            }
        }

        private static void write(FileChannel out, String text) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
            while (b.hasRemaining()) out.write(b);
            out.force(false);
        }
    }
}
