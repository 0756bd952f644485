package org.twinmail.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages and bytes sent and received per account and UTC day, to show an administrator the top
 * senders and receivers of a domain (a compromised account sending spam stands out). Counted in
 * memory as mail is accepted ({@link #sent}, {@link #received}: an add to a counter, no store
 * write) and added into the store in batches ({@link #flush}: every {@code console.trafficFlushInterval}
 * and at {@link #close}), one record per domain and day and direction: kind {@value #KIND}, scope
 * {@code domain:<ascii domain>}, name {@code 2026-12-07/sent} or {@code 2026-12-07/received},
 * value {@code {"alice@example.org":[messages,bytes],...}}. Records expire {@code retention} after
 * their day ends.
 *
 * <p>A record stays below {@value #MAX_RECORD_BYTES} bytes (the store takes 1 MiB): past it, the
 * accounts with the fewest messages are summed into the entry {@value #OTHERS}, so the top of the
 * list is exact whatever the number of accounts.
 */
public final class AccountTraffic implements AutoCloseable {
    public static final String KIND = "traffic.account";
    /** The entry the smallest accounts of a full record are summed into. */
    public static final String OTHERS = "(others)";
    static final int MAX_RECORD_BYTES = 900 * 1024;
    private static final Logger log = LoggerFactory.getLogger(AccountTraffic.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Which way a message went for an account. */
    public enum Direction {
        SENT("sent"), RECEIVED("received");

        final String suffix;

        Direction(String suffix) {
            this.suffix = suffix;
        }
    }

    /** One account's counts of a day: messages and their bytes. */
    public record Count(String address, long messages, long bytes) { }

    private record Key(String domain, String day, Direction direction) { }

    private final Records records;
    private final Duration retention;
    private final Clock clock;
    /** What was counted since the last flush, per record, per address: {messages, bytes}; swapped whole by a flush. */
    private volatile ConcurrentHashMap<Key, ConcurrentHashMap<String, AtomicLong[]>> pending = new ConcurrentHashMap<>();
    /** Counting holds the read side, so a flush's swap (the write side) never loses a count in flight. */
    private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock();
    private final Object flushLock = new Object();
    private ScheduledExecutorService timer;

    public AccountTraffic(Records records, Duration retention, Clock clock) {
        if (!retention.isPositive()) throw new IllegalArgumentException("console.trafficRetention must be positive");
        this.records = records;
        this.retention = retention;
        this.clock = clock;
    }

    /** Counts a message sent by the authenticated account {@code address} (submission, JMAP, SMS replies). */
    public void sent(String address, long bytes) {
        count(Direction.SENT, address, bytes);
    }

    /** Counts a message accepted for delivery to the local account {@code address}. */
    public void received(String address, long bytes) {
        count(Direction.RECEIVED, address, bytes);
    }

    private void count(Direction direction, String address, long bytes) {
        int at = address.lastIndexOf('@');
        if (at <= 0) return;
        String domain = asciiDomain(address.substring(at + 1));
        String day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toString();
        add(new Key(domain, day, direction), address.toLowerCase(Locale.ROOT), 1, Math.max(0, bytes));
    }

    private void add(Key key, String address, long messages, long bytes) {
        swap.readLock().lock();
        try {
            AtomicLong[] c = pending.computeIfAbsent(key, k -> new ConcurrentHashMap<>())
                    .computeIfAbsent(address, a -> new AtomicLong[] {new AtomicLong(), new AtomicLong()});
            c[0].addAndGet(messages);
            c[1].addAndGet(bytes);
        } finally {
            swap.readLock().unlock();
        }
    }

    /** Adds the counts into the store every {@code interval} on a daemon thread, and at {@link #close}. */
    public AccountTraffic start(Duration interval) {
        if (!interval.isPositive()) throw new IllegalArgumentException("console.trafficFlushInterval must be positive");
        timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("traffic-flush").daemon().unstarted(r));
        timer.scheduleWithFixedDelay(() -> {
            try {
                flush();
            } catch (RuntimeException e) {
                log.warn("traffic counts not written this time (kept for the next): {}", e.toString());
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Adds what was counted since the last flush into the store: one compare-and-set write per
     * domain, day and direction that moved. A write that fails keeps its counts for the next flush.
     */
    public void flush() {
        synchronized (flushLock) {
            ConcurrentHashMap<Key, ConcurrentHashMap<String, AtomicLong[]>> taken;
            swap.writeLock().lock();
            try {
                taken = pending;
                pending = new ConcurrentHashMap<>();
            } finally {
                swap.writeLock().unlock();
            }
            RuntimeException failed = null;
            for (Map.Entry<Key, ConcurrentHashMap<String, AtomicLong[]>> e : taken.entrySet()) {
                Map<String, long[]> counts = new HashMap<>();
                e.getValue().forEach((a, c) -> counts.put(a, new long[] {c[0].get(), c[1].get()}));
                try {
                    if (failed == null) {
                        merge(e.getKey(), counts);
                        continue;
                    }
                } catch (RuntimeException x) {
                    failed = x;
                }
                // back into the pending counts: nothing is lost when the store refuses a write
                counts.forEach((a, c) -> add(e.getKey(), a, c[0], c[1]));
            }
            if (failed != null) throw failed;
        }
    }

    private void merge(Key key, Map<String, long[]> add) {
        String scope = Records.domainScope(key.domain());
        String name = key.day() + "/" + key.direction().suffix;
        long expires = LocalDate.parse(key.day()).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(retention).toEpochMilli();
        for (int attempt = 0; attempt < 20; attempt++) {
            Optional<StoredRecord> old = records.record(KIND, scope, name);
            Map<String, long[]> all = new HashMap<>();
            old.ifPresent(r -> all.putAll(decode(r.value())));
            add.forEach((a, c) -> all.merge(a, c.clone(), (x, y) -> new long[] {x[0] + y[0], x[1] + y[1]}));
            if (records.putRecordIf(KIND, scope, name, old.map(StoredRecord::version).orElse(0L), encode(all), expires).isPresent()) return;
        }
        throw new StoreException("traffic counts of " + key.domain() + " " + name + ": the record kept changing under the write");
    }

    /**
     * The accounts of {@code domain} (null: of every domain) that sent (or received) the most
     * messages on {@code day}, most first (ties: more bytes first, then by address; the
     * {@value #OTHERS} sum of a full record last), at most {@code limit}; what is still pending in
     * memory is counted too.
     */
    public List<Count> top(String domain, LocalDate day, Direction direction, int limit) {
        synchronized (flushLock) { // not between a flush's swap and its write
            return topOf(domain, day, direction, limit);
        }
    }

    private List<Count> topOf(String domain, LocalDate day, Direction direction, int limit) {
        String name = day + "/" + direction.suffix;
        String ascii = domain == null ? null : asciiDomain(domain);
        Map<String, long[]> all = new HashMap<>();
        java.util.function.BiConsumer<String, long[]> add = (a, c) -> all.merge(a, c, (x, y) -> new long[] {x[0] + y[0], x[1] + y[1]});
        if (ascii != null) {
            records.record(KIND, Records.domainScope(ascii), name).ifPresent(r -> decode(r.value()).forEach(add));
        } else {
            for (StoredRecord r : records.records(KIND)) if (r.name().equals(name)) decode(r.value()).forEach(add);
        }
        pending.forEach((k, counts) -> {
            if (k.day().equals(day.toString()) && k.direction() == direction && (ascii == null || k.domain().equals(ascii))) {
                counts.forEach((a, c) -> add.accept(a, new long[] {c[0].get(), c[1].get()}));
            }
        });
        List<Count> out = new ArrayList<>();
        all.forEach((a, c) -> {
            if (c[0] > 0) out.add(new Count(a, c[0], c[1]));
        });
        out.sort(ORDER);
        return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
    }

    private static final Comparator<Count> ORDER = Comparator.comparing((Count c) -> c.address().equals(OTHERS))
            .thenComparing(Comparator.comparingLong(Count::messages).reversed())
            .thenComparing(Comparator.comparingLong(Count::bytes).reversed())
            .thenComparing(Count::address);

    /** The store's scope form of a domain: lower-case ASCII (an IDN in its A-labels). */
    static String asciiDomain(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        try {
            return IDN.toASCII(d, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return d;
        }
    }

    static byte[] encode(Map<String, long[]> counts) {
        List<Map.Entry<String, long[]>> entries = new ArrayList<>(counts.entrySet());
        long[] others = counts.getOrDefault(OTHERS, new long[2]).clone();
        entries.removeIf(e -> e.getKey().equals(OTHERS));
        entries.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0]).reversed().thenComparing(Map.Entry::getKey));
        ObjectNode o = JSON.createObjectNode();
        int size = 64;
        for (Map.Entry<String, long[]> e : entries) {
            int entry = e.getKey().getBytes(StandardCharsets.UTF_8).length + 48;
            if (size + entry > MAX_RECORD_BYTES) { // the smallest go into one sum
                others[0] += e.getValue()[0];
                others[1] += e.getValue()[1];
                continue;
            }
            size += entry;
            o.putArray(e.getKey()).add(e.getValue()[0]).add(e.getValue()[1]);
        }
        if (others[0] > 0) o.putArray(OTHERS).add(others[0]).add(others[1]);
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, long[]> decode(byte[] value) {
        Map<String, long[]> out = new HashMap<>();
        try {
            JsonNode o = JSON.readTree(value);
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue() instanceof ArrayNode a && a.size() == 2) out.put(e.getKey(), new long[] {a.get(0).asLong(), a.get(1).asLong()});
            }
        } catch (IOException e) {
            log.warn("an unreadable traffic record is read as empty: {}", e.toString());
        }
        return out;
    }

    /** Stops the timer and writes what is still counted in memory. */
    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
            try {
                timer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            flush();
        } catch (RuntimeException e) {
            log.warn("traffic counts since the last flush are lost: {}", e.toString());
        }
    }
}
