package org.twinmail.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.policy.QuarantineItem;

/**
 * The administrator's quarantine: messages a filter verdict held instead of delivering
 * (a virus with {@code filter.clamav.action: quarantine}, a sender rule {@code quarantine}),
 * kept in the store's {@link Records} so they are durable and go to the standby with the rest
 * of the data. A message is kept as {@link QuarantineItem#PART} records of at most
 * {@value #PART_SIZE} octets (a record's value is at most 1 MiB), then one
 * {@link QuarantineItem#ITEM} record that names them, written last: a message is listed only
 * once it is complete. Held messages count toward nobody's quota until released.
 *
 * <p>{@link #release} delivers the message as it arrived to the local accounts it was for (those
 * that still exist), in one store transaction, and then removes it; {@link #delete} removes it.
 * Safe for many threads; two releases of one message deliver it once (compare-and-set on the item).
 */
public final class Quarantine {
    static final int PART_SIZE = 1 << 20;

    private final Records records;
    private final Mailboxes mailboxes;

    public Quarantine(Records records, Mailboxes mailboxes) {
        this.records = records;
        this.mailboxes = mailboxes;
    }

    /** Holds {@code content}; {@code item.parts()} and {@code item.size()} are filled in here. */
    public QuarantineItem hold(MessageData content, QuarantineItem item) {
        int parts = 0;
        try (InputStream in = content.open()) {
            byte[] buffer = new byte[PART_SIZE];
            while (true) {
                int n = in.readNBytes(buffer, 0, PART_SIZE);
                if (n == 0 && parts > 0) break;
                byte[] value = n == PART_SIZE ? buffer.clone() : java.util.Arrays.copyOf(buffer, n);
                records.putRecord(QuarantineItem.PART, "", QuarantineItem.partName(item.id(), parts++), value, 0);
                if (n < PART_SIZE) break;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the message to hold: " + e.getMessage(), e);
        }
        QuarantineItem held = new QuarantineItem(item.id(), item.sender(), item.recipients(), item.accountIds(), item.reason(), item.check(),
                item.client(), item.from(), item.subject(), item.arrivedMillis(), content.size(), parts, item.relay());
        records.putRecord(QuarantineItem.ITEM, "", held.id(), held.encode(), 0);
        return held;
    }

    /** Every held message, oldest first. */
    public List<QuarantineItem> list() {
        List<QuarantineItem> out = new ArrayList<>();
        for (StoredRecord r : records.records(QuarantineItem.ITEM, "")) {
            if (r.expiresMillis() == 0) out.add(QuarantineItem.decode(r.value())); // one with an expiry is being released
        }
        out.sort((a, b) -> Long.compare(a.arrivedMillis(), b.arrivedMillis()));
        return out;
    }

    public Optional<QuarantineItem> find(String id) {
        return records.record(QuarantineItem.ITEM, "", id).map(r -> QuarantineItem.decode(r.value()));
    }

    /** The held message as it arrived. @throws StoreException.NotFound when it is not held */
    public InputStream open(String id) {
        QuarantineItem item = find(id).orElseThrow(() -> new StoreException.NotFound("no quarantined message " + id));
        List<InputStream> streams = new ArrayList<>(item.parts());
        for (int n = 0; n < item.parts(); n++) {
            StoredRecord part = records.record(QuarantineItem.PART, "", QuarantineItem.partName(id, n))
                    .orElseThrow(() -> new StoreException.NotFound("quarantined message " + id + " is incomplete"));
            streams.add(new java.io.ByteArrayInputStream(part.value()));
        }
        return new SequenceInputStream(Collections.enumeration(streams));
    }

    /**
     * Delivers the message to its local accounts that still exist (and, for a held outbound
     * message, queues it for its remote recipients) and removes it.
     *
     * @return the accounts it was delivered to (empty when none of them exists any more: it is removed all the same)
     * @throws StoreException.NotFound when it is not held (or another release took it first)
     */
    public List<Long> release(String id, Directory directory) {
        StoredRecord record = records.record(QuarantineItem.ITEM, "", id)
                .orElseThrow(() -> new StoreException.NotFound("no quarantined message " + id));
        QuarantineItem item = QuarantineItem.decode(record.value());
        List<Long> accounts = item.accountIds().stream().filter(a -> directory.findAccount(a).isPresent()).toList();
        byte[] bytes;
        try (InputStream in = open(id)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Claim it first (compare-and-set; the claim is an expiry in the past), so two releases at once deliver it once.
        records.putRecordIf(QuarantineItem.ITEM, "", id, record.version(), record.value(), 1)
                .orElseThrow(() -> new StoreException.NotFound("quarantined message " + id + " is being released or removed"));
        Outbound outbound = null;
        if (item.relay() != null && !item.relay().recipients().isEmpty()) { // a held outbound message: queued for the relay
            outbound = new Outbound(item.relay().sender(), item.relay().recipients().stream().map(EmailAddress::parse).toList(),
                    item.relay().smtputf8(), item.relay().eightBitMime());
        }
        if (!accounts.isEmpty() || outbound != null) {
            try (MessageData content = MessageSpool.of(bytes)) {
                mailboxes.deliver(new Delivery(accounts, content, Instant.ofEpochMilli(item.arrivedMillis()), outbound));
            }
        }
        delete(id);
        return accounts;
    }

    /**
     * Removes every held message that arrived before {@code cutoffMillis} (not one being released);
     * returns how many.
     */
    public int purgeArrivedBefore(long cutoffMillis) {
        int n = 0;
        for (QuarantineItem item : list()) {
            if (item.arrivedMillis() < cutoffMillis && delete(item.id())) n++;
        }
        return n;
    }

    /** Removes a held message; false if there was none. */
    public boolean delete(String id) {
        Optional<QuarantineItem> item = find(id);
        boolean was = records.deleteRecord(QuarantineItem.ITEM, "", id);
        int parts = item.map(QuarantineItem::parts).orElse(0);
        for (int n = 0; n < parts; n++) records.deleteRecord(QuarantineItem.PART, "", QuarantineItem.partName(id, n));
        return was;
    }

    /** The header section of a held message (at most {@code max} octets), for the administrator to look at. */
    public String headerSection(String id, int max) {
        try (InputStream in = open(id)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int prev3 = 0, c;
            while (out.size() < max && (c = in.read()) >= 0) {
                out.write(c);
                prev3 = (prev3 << 8 | c) & 0xffffffff;
                if (prev3 == 0x0d0a0d0a || (prev3 & 0xffff) == 0x0a0a) break;
            }
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
