package org.twinmail.filter.content;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.RecordWatcher;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The Bayes token counts, kept in the store as {@value #SHARDS} {@link Records} records of kind
 * {@value #KIND} (global scope, names {@code 00} to {@code 63}: a token's shard is the top six
 * bits of its 64-bit hash) plus one record {@value #TOTALS} with the messages learned of each
 * class. A shard's value is binary: a format byte (1), the change-log position of the last
 * learning batch applied to it (so a batch handed over twice is applied once), the token count,
 * then per token, in hash order, its hash (8 octets) and its spam and ham counts (4 octets each):
 * 16 octets a token, 62,500 tokens in a 1 MiB record. A full shard drops its rarest tokens.
 *
 * <p>The classifier reads an in-memory copy (sorted arrays, binary search, no lock), reloaded
 * from the change log when a shard changes ({@link RecordWatcher}); only the shards whose
 * version moved are parsed again.
 */
public final class BayesTokens implements Bayes.Counts, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BayesTokens.class);
    public static final String KIND = "bayes.tokens";
    static final int SHARDS = 64;
    static final String TOTALS = "totals";
    private static final byte FORMAT = 1;
    private static final int HEAD = 1 + 8 + 4;

    /** One shard: hashes sorted, with their counts. */
    record Shard(long position, long[] hashes, int[] spam, int[] ham, long version) {
        static final Shard EMPTY = new Shard(0, new long[0], new int[0], new int[0], 0);

        long counts(long hash) {
            int i = Arrays.binarySearch(hashes, hash);
            return i < 0 ? 0 : ((long) spam[i] << 32) | (ham[i] & 0xffffffffL);
        }
    }

    private record Totals(long position, long spam, long ham, long version) { }

    private final Records records;
    private final int maxPerShard;
    /** Replaced whole on reload (never written in place), so readers need no lock. */
    private volatile Shard[] shards = new Shard[SHARDS];
    private volatile Totals totals = new Totals(0, 0, 0, 0);
    private RecordWatcher watcher;

    private BayesTokens(Records records, int maxTokens) {
        if (maxTokens < SHARDS) throw new IllegalArgumentException("filter.content.bayes.maxTokens must be at least " + SHARDS);
        this.records = records;
        this.maxPerShard = Math.min(maxTokens / SHARDS, (Records.MAX_VALUE - HEAD) / 16);
        Arrays.fill(shards, Shard.EMPTY);
    }

    /** Loads the counts and keeps them fresh from {@code changes} until {@link #close()}. */
    public static BayesTokens watch(Records records, ChangeLog changes, int maxTokens) {
        BayesTokens t = new BayesTokens(records, maxTokens);
        t.watcher = RecordWatcher.start(changes, Set.of(KIND), t::reload, "bayes");
        return t;
    }

    /** Loads the counts once (tests, the learner's own instance). */
    public static BayesTokens load(Records records, int maxTokens) {
        BayesTokens t = new BayesTokens(records, maxTokens);
        t.reload();
        return t;
    }

    /** Reads the records again, parsing only those whose version changed. */
    public synchronized void reload() {
        Shard[] next = shards.clone();
        for (StoredRecord r : records.records(KIND, "")) {
            if (r.name().equals(TOTALS)) {
                if (r.version() != totals.version()) totals = parseTotals(r);
                continue;
            }
            int i = shardIndex(r.name());
            if (i < 0) continue;
            if (next[i].version() != r.version()) {
                try {
                    next[i] = parseShard(r.value(), r.version());
                } catch (RuntimeException e) {
                    log.warn("bayes shard {} unreadable, ignored: {}", r.name(), e.toString());
                }
            }
        }
        shards = next;
    }

    @Override
    public long spamMessages() {
        return totals.spam();
    }

    @Override
    public long hamMessages() {
        return totals.ham();
    }

    @Override
    public long counts(long hash) {
        return shards[shard(hash)].counts(hash);
    }

    /** Distinct tokens held. */
    public int size() {
        int n = 0;
        for (Shard s : shards) n += s.hashes().length;
        return n;
    }

    static int shard(long hash) {
        return (int) (hash >>> 58);
    }

    static String shardName(int i) {
        return String.format("%02d", i);
    }

    private static int shardIndex(String name) {
        if (name.length() != 2 || !Character.isDigit(name.charAt(0)) || !Character.isDigit(name.charAt(1))) return -1;
        int i = Integer.parseInt(name);
        return i < SHARDS ? i : -1;
    }

    // ---- learning (one writer at a time: the learner on the active node; compare-and-set keeps it safe anyway) ----

    /**
     * Adds {@code deltas} (token hash to {spam, ham} changes, negative to unlearn) and the
     * message counts to the store, for the learning batch that ends at change-log position
     * {@code position}; each record already at or past {@code position} is left as it is.
     */
    public void apply(Map<Long, int[]> deltas, long spamMessages, long hamMessages, long position) {
        Map<Integer, Map<Long, int[]>> byShard = new HashMap<>();
        for (var e : deltas.entrySet()) byShard.computeIfAbsent(shard(e.getKey()), k -> new HashMap<>()).put(e.getKey(), e.getValue());
        for (var e : byShard.entrySet()) {
            String name = shardName(e.getKey());
            while (true) {
                Optional<StoredRecord> now = records.record(KIND, "", name);
                Shard s = now.map(r -> parseShard(r.value(), r.version())).orElse(Shard.EMPTY);
                if (s.position() >= position) break;
                byte[] value = encode(merge(s, e.getValue()), position);
                if (records.putRecordIf(KIND, "", name, now.map(StoredRecord::version).orElse(0L), value, 0).isPresent()) break;
            }
        }
        while (spamMessages != 0 || hamMessages != 0) {
            Optional<StoredRecord> now = records.record(KIND, "", TOTALS);
            Totals t = now.map(BayesTokens::parseTotals).orElse(new Totals(0, 0, 0, 0));
            if (t.position() >= position) break;
            ByteBuffer b = ByteBuffer.allocate(1 + 8 * 3);
            b.put(FORMAT).putLong(position).putLong(Math.max(0, t.spam() + spamMessages)).putLong(Math.max(0, t.ham() + hamMessages));
            if (records.putRecordIf(KIND, "", TOTALS, now.map(StoredRecord::version).orElse(0L), b.array(), 0).isPresent()) break;
        }
    }

    /** The shard with the deltas added, tokens at zero removed, and the rarest dropped beyond the shard's size. */
    private List<long[]> merge(Shard s, Map<Long, int[]> deltas) {
        Map<Long, long[]> all = new HashMap<>(s.hashes().length + deltas.size());
        for (int i = 0; i < s.hashes().length; i++) all.put(s.hashes()[i], new long[] {s.hashes()[i], s.spam()[i], s.ham()[i]});
        for (var d : deltas.entrySet()) {
            long[] c = all.computeIfAbsent(d.getKey(), k -> new long[] {k, 0, 0});
            c[1] = Math.clamp(c[1] + d.getValue()[0], 0, Integer.MAX_VALUE);
            c[2] = Math.clamp(c[2] + d.getValue()[1], 0, Integer.MAX_VALUE);
        }
        List<long[]> out = new ArrayList<>(all.size());
        for (long[] c : all.values()) if (c[1] + c[2] > 0) out.add(c);
        if (out.size() > maxPerShard) {
            out.sort((a, b) -> Long.compare(b[1] + b[2], a[1] + a[2]));
            out = new ArrayList<>(out.subList(0, maxPerShard));
        }
        out.sort((a, b) -> Long.compare(a[0], b[0]));
        return out;
    }

    private static byte[] encode(List<long[]> tokens, long position) {
        ByteBuffer b = ByteBuffer.allocate(HEAD + 16 * tokens.size());
        b.put(FORMAT).putLong(position).putInt(tokens.size());
        for (long[] t : tokens) b.putLong(t[0]).putInt((int) t[1]).putInt((int) t[2]);
        return b.array();
    }

    static Shard parseShard(byte[] value, long version) {
        ByteBuffer b = ByteBuffer.wrap(value);
        if (b.get() != FORMAT) throw new IllegalArgumentException("unknown shard format");
        long position = b.getLong();
        int n = b.getInt();
        if (n < 0 || n > (value.length - HEAD) / 16) throw new IllegalArgumentException("bad token count " + n);
        long[] hashes = new long[n];
        int[] spam = new int[n];
        int[] ham = new int[n];
        for (int i = 0; i < n; i++) {
            hashes[i] = b.getLong();
            spam[i] = b.getInt();
            ham[i] = b.getInt();
        }
        return new Shard(position, hashes, spam, ham, version);
    }

    private static Totals parseTotals(StoredRecord r) {
        ByteBuffer b = ByteBuffer.wrap(r.value());
        if (b.get() != FORMAT) throw new IllegalArgumentException("unknown totals format");
        return new Totals(b.getLong(), b.getLong(), b.getLong(), r.version());
    }

    @Override
    public void close() {
        if (watcher != null) watcher.close();
    }
}
