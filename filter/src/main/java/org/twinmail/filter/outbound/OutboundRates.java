package org.twinmail.filter.outbound;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The outbound anomaly hold's per-account rates as records of the store, so a restart or a
 * takeover does not forget an account's usual sending rate (which would let a stolen password
 * send {@code minMessages} an hour at once): kind {@value #KIND}, scope "" (global, like the
 * Bayes counts: a rate is the node's bookkeeping, not the account's data), names {@code 00} to
 * {@code 63} (an account's shard: its id modulo {@value #SHARDS}), so saving every dirty account is
 * at most {@value #SHARDS} writes, whatever the number of messages. Binary value: a version octet
 * {@value #VERSION}, the number of entries, then per account its id, window start (epoch ms), count
 * in that window, usual rate, and the times of its recent bounces (at most {@code maxBounces}).
 * A shard holds at most {@link Records}' 1 MiB: past it the accounts with the lowest usual rate are
 * left out (about 25,000 accounts a shard before that happens).
 */
final class OutboundRates {
    static final String KIND = "outbound.rate";
    static final int SHARDS = 64;
    private static final int VERSION = 1;
    private static final int MAX_VALUE = 1 << 20;

    /** One account's saved state. */
    record Entry(long accountId, long windowStart, int count, double usual, long[] bounces) {
        int size() {
            return 8 + 8 + 4 + 8 + 2 + 8 * bounces.length;
        }
    }

    private OutboundRates() {
    }

    static int shard(long accountId) {
        return (int) Math.floorMod(accountId, (long) SHARDS);
    }

    static String name(int shard) {
        return String.format(Locale.ROOT, "%02d", shard);
    }

    static byte[] encode(List<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingDouble(Entry::usual).reversed().thenComparingLong(Entry::accountId));
        List<Entry> kept = new ArrayList<>();
        int size = 1 + 4;
        for (Entry e : sorted) {
            if (size + e.size() > MAX_VALUE) break;
            size += e.size();
            kept.add(e);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(size);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeInt(kept.size());
            for (Entry e : kept) {
                out.writeLong(e.accountId());
                out.writeLong(e.windowStart());
                out.writeInt(e.count());
                out.writeDouble(e.usual());
                out.writeShort(e.bounces().length);
                for (long b : e.bounces()) out.writeLong(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException for a value that is not one */
    static List<Entry> decode(byte[] value) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
            if (in.readUnsignedByte() != VERSION) throw new IllegalArgumentException("unknown outbound rate version");
            int n = in.readInt();
            if (n < 0 || n > value.length / 30) throw new IllegalArgumentException("bad outbound rate count " + n);
            List<Entry> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long id = in.readLong();
                long start = in.readLong();
                int count = in.readInt();
                double usual = in.readDouble();
                long[] bounces = new long[in.readUnsignedShort()];
                for (int k = 0; k < bounces.length; k++) bounces[k] = in.readLong();
                out.add(new Entry(id, start, count, usual, bounces));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated outbound rate value", e);
        }
    }

    /** Every saved entry, by account; unreadable shards are skipped (and reported to {@code skipped}). */
    static void load(Records records, Map<Long, Entry> into, java.util.function.Consumer<String> skipped) {
        for (StoredRecord r : records.records(KIND, "")) {
            try {
                for (Entry e : decode(r.value())) into.put(e.accountId(), e);
            } catch (IllegalArgumentException e) {
                skipped.accept(r.name() + ": " + e.getMessage());
            }
        }
    }
}
