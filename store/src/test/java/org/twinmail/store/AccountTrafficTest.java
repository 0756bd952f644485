package org.twinmail.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.store.AccountTraffic.Count;
import org.twinmail.store.AccountTraffic.Direction;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

class AccountTrafficTest {
    static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    @TempDir
    Path dataDir;
    MailStore store;
    final AtomicReference<Instant> now = new AtomicReference<>(DAY.atTime(10, 0).toInstant(ZoneOffset.UTC));
    final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    @BeforeEach
    void open() {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void countsStayInMemoryUntilAFlushWhichWritesOneRecordPerDomainDayAndDirection() {
        AccountTraffic t = new AccountTraffic(store, Duration.ofDays(31), clock);
        for (int i = 0; i < 5; i++) t.sent("spammer@example.org", 1000);
        t.sent("Alice@example.org", 300);
        t.received("bob@example.org", 1000);
        t.received("carol@other.org", 10);
        long before = store.records(AccountTraffic.KIND).size();
        assertThat(before).as("no store write per message").isZero();
        assertThat(t.top("example.org", DAY, Direction.SENT, 10)).as("pending counts are shown").containsExactly(
                new Count("spammer@example.org", 5, 5000), new Count("alice@example.org", 1, 300));
        t.flush();
        assertThat(store.records(AccountTraffic.KIND)).extracting(StoredRecord::scope, StoredRecord::name).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("domain:example.org", "2026-12-07/sent"),
                org.assertj.core.groups.Tuple.tuple("domain:example.org", "2026-12-07/received"),
                org.assertj.core.groups.Tuple.tuple("domain:other.org", "2026-12-07/received"));
        StoredRecord sent = store.record(AccountTraffic.KIND, "domain:example.org", "2026-12-07/sent").orElseThrow();
        assertThat(sent.expiresMillis()).as("31 days after the day ends")
                .isEqualTo(DAY.plusDays(32).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli());
        assertThat(new String(sent.value(), StandardCharsets.UTF_8)).isEqualTo("{\"spammer@example.org\":[5,5000],\"alice@example.org\":[1,300]}");

        // later counts add to what is stored; a fresh reader sees the store alone
        t.sent("alice@example.org", 300);
        t.sent("alice@example.org", 300);
        t.sent("alice@example.org", 300);
        t.sent("alice@example.org", 300);
        t.sent("alice@example.org", 300);
        t.close();
        AccountTraffic reader = new AccountTraffic(store, Duration.ofDays(1), clock);
        assertThat(reader.top("example.org", DAY, Direction.SENT, 10)).as("ties: more bytes first").containsExactly(
                new Count("alice@example.org", 6, 1800), new Count("spammer@example.org", 5, 5000));
        assertThat(reader.top("example.org", DAY, Direction.SENT, 1)).hasSize(1);
        assertThat(reader.top(null, DAY, Direction.RECEIVED, 10)).as("every domain").containsExactly(
                new Count("bob@example.org", 1, 1000), new Count("carol@other.org", 1, 10));
        assertThat(reader.top("example.org", DAY.minusDays(1), Direction.SENT, 10)).isEmpty();
    }

    @Test
    void aCountGoesIntoTheUtcDayItHappenedIn() {
        AccountTraffic t = new AccountTraffic(store, Duration.ofDays(2), clock);
        now.set(DAY.atTime(23, 59, 59).toInstant(ZoneOffset.UTC));
        t.sent("a@example.org", 1);
        now.set(DAY.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC));
        t.sent("a@example.org", 1);
        t.sent("a@example.org", 1);
        t.flush();
        assertThat(t.top("example.org", DAY, Direction.SENT, 10)).containsExactly(new Count("a@example.org", 1, 1));
        assertThat(t.top("example.org", DAY.plusDays(1), Direction.SENT, 10)).containsExactly(new Count("a@example.org", 2, 2));
        // kept two days after the day: the purge then removes it
        assertThat(store.purgeExpiredRecords(DAY.plusDays(3).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli())).isEqualTo(1);
        assertThat(t.top("example.org", DAY, Direction.SENT, 10)).isEmpty();
    }

    @Test
    void anInternationalDomainIsScopedByItsAsciiForm() {
        AccountTraffic t = new AccountTraffic(store, Duration.ofDays(2), clock);
        t.received("用户@例子.测试", 42);
        t.flush();
        assertThat(store.records(AccountTraffic.KIND).getFirst().scope()).isEqualTo("domain:xn--fsqu00a.xn--0zwm56d");
        assertThat(t.top("例子.测试", DAY, Direction.RECEIVED, 3)).containsExactly(new Count("用户@例子.测试", 1, 42));
    }

    @Test
    void aFullRecordSumsItsSmallestAccountsSoTheTopStaysExact() {
        Map<String, long[]> many = new HashMap<>();
        for (int i = 0; i < 30_000; i++) many.put("user" + i + "@example.org", new long[] {1 + i % 7, 100});
        many.put("spammer@example.org", new long[] {5000, 1});
        byte[] value = AccountTraffic.encode(many);
        assertThat(value.length).isLessThanOrEqualTo(AccountTraffic.MAX_RECORD_BYTES);
        Map<String, long[]> back = AccountTraffic.decode(value);
        assertThat(back.get("spammer@example.org")).containsExactly(5000, 1);
        long total = back.values().stream().mapToLong(c -> c[0]).sum();
        assertThat(total).as("nothing lost: the rest is in " + AccountTraffic.OTHERS)
                .isEqualTo(many.values().stream().mapToLong(c -> c[0]).sum());
        assertThat(back).containsKey(AccountTraffic.OTHERS);
        long smallestKept = back.entrySet().stream().filter(e -> !e.getKey().equals(AccountTraffic.OTHERS)).mapToLong(e -> e.getValue()[0]).min().orElseThrow();
        long largestDropped = many.entrySet().stream().filter(e -> !back.containsKey(e.getKey())).mapToLong(e -> e.getValue()[0]).max().orElseThrow();
        assertThat(smallestKept).as("the largest accounts are the ones kept").isGreaterThanOrEqualTo(largestDropped);
    }

    @Test
    void countsFromManyThreadsDuringFlushesAreNotLost() throws Exception {
        AccountTraffic t = new AccountTraffic(store, Duration.ofDays(2), clock);
        List<Thread> threads = new java.util.ArrayList<>();
        for (int n = 0; n < 4; n++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 2000; i++) t.sent("a@example.org", 2);
            }));
        }
        Thread flusher = Thread.ofPlatform().start(() -> {
            while (threads.stream().anyMatch(Thread::isAlive)) t.flush();
        });
        for (Thread th : threads) th.join();
        flusher.join();
        t.flush();
        assertThat(new AccountTraffic(store, Duration.ofDays(1), clock).top("example.org", DAY, Direction.SENT, 1))
                .containsExactly(new Count("a@example.org", 8000, 16000));
    }
}
