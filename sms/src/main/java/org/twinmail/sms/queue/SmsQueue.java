package org.twinmail.sms.queue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.twinmail.store.RecordWrite;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The durable SMS queue in the store's {@link Records} role (docs/sms.md, "Exactly once").
 *
 * <table>
 *   <tr><th>kind</th><th>scope</th><th>name</th><th>value</th></tr>
 *   <tr><td>{@value #OUT}</td><td>{@code account:<id>} (or "" for an answer to an unknown number)</td><td>the item's id</td>
 *       <td>{@link SmsItem} while queued or sending</td></tr>
 *   <tr><td>{@value #DONE}</td><td>the same</td><td>the same id</td><td>{@link SmsItem} once final; expires after the retention</td></tr>
 *   <tr><td>{@value #REF}</td><td>""</td><td>{@code phone/ref}</td><td>{@code scope\tid} of the notice a reply with that reference answers; expires with the reply window</td></tr>
 *   <tr><td>{@value #MESSAGE_ID}</td><td>""</td><td>{@code gateway/message id}</td><td>{@code scope\tid} of the item a receipt is about</td></tr>
 *   <tr><td>{@value #COUNT}</td><td>{@code account:<id>}</td><td>the day in the user's zone</td><td>notices queued that day (the daily cap)</td></tr>
 * </table>
 *
 * An item's id is made from what caused it (the message's content address for a notice, the
 * change position for a code), and it is created only if absent in both {@value #OUT} and
 * {@value #DONE}, so a change handed over twice queues it once.
 */
public final class SmsQueue {
    public static final String OUT = "sms.out";
    public static final String DONE = "sms.done";
    public static final String REF = "sms.ref";
    public static final String MESSAGE_ID = "sms.msgid";
    public static final String COUNT = "sms.count";

    private static final String LETTERS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Records records;

    public SmsQueue(Records records) {
        this.records = records;
    }

    public Records records() {
        return records;
    }

    /** Where an item is: its scope and id. */
    public record Key(String scope, String id) {
        String text() {
            return scope + "\t" + id;
        }

        static Key parse(byte[] value) {
            String s = new String(value, StandardCharsets.UTF_8);
            int tab = s.indexOf('\t');
            return new Key(s.substring(0, tab), s.substring(tab + 1));
        }
    }

    /** Whether an item with this key was ever queued (and is not yet purged). */
    public boolean known(Key k) {
        return records.record(OUT, k.scope(), k.id()).isPresent() || records.record(DONE, k.scope(), k.id()).isPresent();
    }

    /** Queues {@code item} under {@code k} unless it is known already; true when queued now. */
    public boolean enqueue(Key k, SmsItem item) {
        if (records.record(DONE, k.scope(), k.id()).isPresent()) return false;
        return records.putRecordIf(OUT, k.scope(), k.id(), 0, item.encode(), 0).isPresent();
    }

    /** The write that queues {@code item} under {@code k} if no item is queued there ({@link #enqueue} in a batch; check {@link #known} first). */
    public RecordWrite enqueueWrite(Key k, SmsItem item) {
        return RecordWrite.putIf(OUT, k.scope(), k.id(), 0, item.encode(), 0);
    }

    /** Applies {@code writes} in one commit, all or nothing ({@link Records#writeRecords}); empty when a condition failed. */
    public Optional<List<StoredRecord>> write(List<RecordWrite> writes) {
        return records.writeRecords(writes);
    }

    /** Every item waiting or being sent. */
    public List<StoredRecord> pending() {
        return records.records(OUT);
    }

    /** The write that replaces a pending item if it is still at the version of {@code r}. */
    public RecordWrite updateWrite(StoredRecord r, SmsItem next) {
        return RecordWrite.putIf(OUT, r.scope(), r.name(), r.version(), next.encode(), 0);
    }

    /** The writes that make an item final, in one commit: written to {@value #DONE} (kept {@code retentionMillis}) and removed from {@value #OUT}. */
    public List<RecordWrite> finishWrites(Key k, SmsItem item, long retentionMillis) {
        return List.of(RecordWrite.put(DONE, k.scope(), k.id(), item.encode(), item.created() + retentionMillis),
                RecordWrite.delete(OUT, k.scope(), k.id()));
    }

    public Optional<StoredRecord> done(Key k) {
        return records.record(DONE, k.scope(), k.id());
    }

    /** A new reference and the write that reserves it (applied with the notice's item, in the same commit). */
    public record Reference(String ref, RecordWrite write) { }

    /**
     * A new reference for a notice to {@code phone}: {@code digits} decimal digits (for a
     * source-address extension) or, with 0, four letters and digits without look-alikes;
     * unique among the live references of that phone and those in {@code taken} (reserved by
     * the same batch, not yet written; the new one is added to it). The write is conditional on
     * the reference's record being as read, so a reference is never given twice.
     */
    public Reference newRef(String phone, Key k, int digits, long expiresMillis, java.util.Set<String> taken) {
        for (int attempt = 0; attempt < 50; attempt++) {
            StringBuilder b = new StringBuilder();
            int n = digits > 0 ? digits : 4;
            for (int i = 0; i < n; i++) {
                b.append(digits > 0 ? (char) ('0' + RANDOM.nextInt(10)) : LETTERS.charAt(RANDOM.nextInt(LETTERS.length())));
            }
            String ref = b.toString();
            String name = phone + "/" + ref;
            if (taken.contains(name)) continue;
            Optional<StoredRecord> old = records.record(REF, "", name);
            if (old.isPresent() && old.get().expiresMillis() > System.currentTimeMillis()) continue;
            taken.add(name);
            return new Reference(ref, RecordWrite.putIf(REF, "", name, old.map(StoredRecord::version).orElse(0L),
                    k.text().getBytes(StandardCharsets.UTF_8), expiresMillis));
        }
        throw new IllegalStateException("no free reply reference for " + phone);
    }

    /** The notice a reply from {@code phone} with reference {@code ref} answers, while the reference lives. */
    public Optional<Key> byRef(String phone, String ref, long now) {
        return records.record(REF, "", phone + "/" + ref).filter(r -> r.expiresMillis() == 0 || r.expiresMillis() > now)
                .map(r -> Key.parse(r.value()));
    }

    /** The write that maps the SMSC's message id of a part to its item (for receipts). */
    public RecordWrite messageIdWrite(String gateway, String messageId, Key k, long expiresMillis) {
        return RecordWrite.put(MESSAGE_ID, "", gateway + "/" + messageId, k.text().getBytes(StandardCharsets.UTF_8), expiresMillis);
    }

    public Optional<Key> byMessageId(String gateway, String messageId) {
        return records.record(MESSAGE_ID, "", gateway + "/" + messageId).map(r -> Key.parse(r.value()));
    }

    /** Notices queued for a scope on a day, as read, with the record's version (0: none yet). */
    public record DayCount(int count, long version) { }

    /** The notices queued for {@code scope} on {@code day}. */
    public DayCount count(String scope, String day) {
        Optional<StoredRecord> r = records.record(COUNT, scope, day);
        return new DayCount(r.map(x -> Integer.parseInt(new String(x.value(), StandardCharsets.US_ASCII))).orElse(0),
                r.map(StoredRecord::version).orElse(0L));
    }

    /** The write that sets the day's count to {@code n} over the version read in {@code read}. */
    public RecordWrite countWrite(String scope, String day, DayCount read, int n, long expiresMillis) {
        return RecordWrite.putIf(COUNT, scope, day, read.version(), Integer.toString(n).getBytes(StandardCharsets.US_ASCII), expiresMillis);
    }
}
