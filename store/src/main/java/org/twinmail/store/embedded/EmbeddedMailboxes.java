package org.twinmail.store.embedded;

import static org.twinmail.store.embedded.StoreSql.*;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.twinmail.core.event.StoreEvent;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.store.AppendResult;
import org.twinmail.store.Appended;
import org.twinmail.store.Change;
import org.twinmail.store.CopyResult;
import org.twinmail.store.Delivery;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.ExpungeResult;
import org.twinmail.store.FlagChange;
import org.twinmail.store.FlagsResult;
import org.twinmail.store.MailboxChanges;
import org.twinmail.store.MailboxStatus;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.Outbound;
import org.twinmail.store.PrefixedContent;
import org.twinmail.store.QuotaUsage;
import org.twinmail.store.StoreException;
import org.twinmail.store.StoreException.QuotaExceeded;
import org.twinmail.store.embedded.Engine.PreparedBlob;
import org.twinmail.store.embedded.GroupCommitWriter.WriteTx;

/**
 * The embedded {@link Mailboxes}: deliveries, mailboxes, message entries and flags in the
 * store's SQLite database; bodies inline in the {@code blob} table up to
 * {@link StoreOptions#inlineBlobMaxBytes()} and in the {@link FileBlobStore} above.
 */
final class EmbeddedMailboxes implements Mailboxes {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EmbeddedMailboxes.class);
    private final Engine engine;
    private final Counter delivered;
    private final Counter refused;
    private final Counter failed;
    private final Counter deliveredEntries;
    private final BodyViews views = new BodyViews(this::releaseHeld);

    EmbeddedMailboxes(Engine engine) {
        this.engine = engine;
        MeterRegistry r = engine.options().registry();
        String deliveries = "twinmail.store.deliveries";
        String what = "Messages handed to deliver(), by outcome (one per message, however many recipients)";
        this.delivered = Counter.builder(deliveries).description(what).tag("outcome", "delivered").register(r);
        this.refused = Counter.builder(deliveries).description(what).tag("outcome", "refused").register(r);
        this.failed = Counter.builder(deliveries).description(what).tag("outcome", "failed").register(r);
        this.deliveredEntries = Counter.builder("twinmail.store.delivered.entries")
                .description("Message entries created by deliveries (one per recipient)").register(r);
    }

    @Override
    public DeliveryReceipt deliver(Delivery delivery) {
        Objects.requireNonNull(delivery, "delivery");
        MessageData content = Objects.requireNonNull(delivery.content(), "delivery content");
        Objects.requireNonNull(delivery.internalDate(), "delivery internal date");
        if (!BlobFiles.isSha256(content.sha256())) {
            throw new IllegalArgumentException("message SHA-256 is not 64 lower-case hex digits: " + Printable.of(content.sha256()));
        }
        if (content.size() < 0) throw new IllegalArgumentException("negative message size");
        engine.checkOpen();
        try {
            DeliveryReceipt receipt = deliverInTransaction(delivery, null);
            delivered.increment();
            deliveredEntries.increment(receipt.placed().size());
            return receipt;
        } catch (QuotaExceeded e) {
            refused.increment();
            throw e;
        } catch (RuntimeException e) {
            failed.increment();
            throw e;
        }
    }

    /** Something else to do in the transaction of a delivery, before it (the queue's outcomes before their DSN). */
    @FunctionalInterface
    interface Before {
        void run(WriteTx tx) throws SQLException;
    }

    /**
     * Stages the bodies of {@code delivery} and commits it in one transaction, after
     * {@code before} (or nothing) in the same one. One body for every recipient without
     * header fields of its own and for the outbound part; one per distinct set of prepended
     * header fields besides.
     */
    DeliveryReceipt deliverInTransaction(Delivery delivery, Before before) {
        List<Delivery.Recipient> recipients = delivery.recipients();
        for (Delivery.Recipient r : recipients) {
            flagSet(r.flags()); // checked before anything is written
            if (r.mailbox() != null) mailboxName(r.mailbox());
        }
        // contents.get(0) is the delivery's own content when anyone needs it; then one per distinct header set
        record Look(List<String> fields, Delivery.HeaderRewrite rewrite) { }
        List<MessageData> contents = new ArrayList<>();
        Map<Object, Integer> byHeaders = new LinkedHashMap<>();
        boolean originalNeeded = delivery.outbound() != null || recipients.stream().anyMatch(Delivery.Recipient::plainContent);
        if (originalNeeded) byHeaders.put(List.of(), 0);
        if (originalNeeded) contents.add(delivery.content());
        int[] contentOf = new int[recipients.size()];
        for (int i = 0; i < recipients.size(); i++) {
            Delivery.Recipient r = recipients.get(i);
            Object key = r.rewrite() == null ? r.headerFields() : new Look(r.headerFields(), r.rewrite());
            Integer index = byHeaders.get(key);
            if (index == null) {
                index = contents.size();
                byHeaders.put(key, index);
                contents.add(new PrefixedContent(r.headerFields(), r.rewrite(), delivery.content()));
            }
            contentOf[i] = index;
        }
        List<Delivery.Redirect> redirects = delivery.redirects();
        int[] redirectContent = new int[redirects.size()];
        for (int i = 0; i < redirects.size(); i++) {
            Delivery.Redirect rd = redirects.get(i);
            List<String> fields = rd.headerFields();
            Object key = rd.rewrite() == null ? fields : new Look(fields, rd.rewrite());
            Integer index = byHeaders.get(key);
            if (index == null) {
                index = contents.size();
                byHeaders.put(key, index);
                contents.add(fields.isEmpty() && rd.rewrite() == null ? delivery.content()
                        : new PrefixedContent(fields, rd.rewrite(), delivery.content()));
            }
            redirectContent[i] = index;
        }
        long internalDate = delivery.internalDate().toEpochMilli();
        return engine.withBlobs(contents, blobs -> tx -> {
            if (before != null) before.run(tx);
            List<Placement> placements = new ArrayList<>(recipients.size());
            for (int i = 0; i < recipients.size(); i++) placements.add(new Placement(recipients.get(i), blobs.get(contentOf[i])));
            DeliveryReceipt receipt = deliverAndQueue(tx, placements, delivery.outbound(), originalNeeded ? blobs.getFirst() : null,
                    delivery.content().sha256(), internalDate);
            for (int i = 0; i < redirects.size(); i++) {
                PreparedBlob blob = blobs.get(redirectContent[i]);
                engine.addBlobReferences(tx, blob, 1);
                QueueTables.enqueue(tx.db(), redirects.get(i).outbound(), blob.sha256(), blob.size(), internalDate);
            }
            return receipt;
        });
    }

    /** One local recipient with the body its copy references. */
    private record Placement(Delivery.Recipient recipient, PreparedBlob blob) { }

    /**
     * The local part (if any) and the queued remote part (if any) of one message, in the
     * caller's transaction: a refusal of either leaves nothing of the other.
     */
    private DeliveryReceipt deliverAndQueue(WriteTx tx, List<Placement> placements, Outbound outbound, PreparedBlob original,
                                            String originalSha256, long internalDate) throws SQLException {
        DeliveryReceipt local = placements.isEmpty() ? new DeliveryReceipt(originalSha256, List.of(), 0)
                : deliver(tx, placements, originalSha256, internalDate);
        if (outbound == null) return local;
        engine.addBlobReferences(tx, original, 1);
        long queueId = QueueTables.enqueue(tx.db(), outbound, original.sha256(), original.size(), internalDate);
        return new DeliveryReceipt(local.blobId(), local.placed(), local.changePosition(), queueId);
    }

    private DeliveryReceipt deliver(WriteTx tx, List<Placement> placements, String originalSha256, long internalDate)
            throws SQLException {
        Db db = tx.db();
        record Target(long accountId, long domainId, long quota, long maxMessage, long used, long domainQuota, long domainUsed,
                      long maxMessages, long count, long domainMaxMessages, long domainCount) { }
        List<Target> targets = new ArrayList<>(placements.size());
        Map<Long, Long> addedPerDomain = new LinkedHashMap<>();
        Map<Long, Long> countPerDomain = new LinkedHashMap<>();
        Map<Long, Long> addedPerAccount = new LinkedHashMap<>();
        Map<Long, Long> countPerAccount = new LinkedHashMap<>();
        for (Placement p : placements) {
            long id = p.recipient().accountId();
            Target t = db.one("""
                    SELECT a.id, a.domain_id, a.quota_bytes, a.max_message_bytes, a.used_bytes, d.quota_bytes, d.used_bytes,
                           a.max_messages, a.message_count, d.max_messages, d.message_count
                    FROM account a JOIN domain d ON d.id = a.domain_id WHERE a.id = ?""",
                    rs -> new Target(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7),
                            rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getLong(11)),
                    id).orElseThrow(() -> new StoreException.NotFound("account " + id + " does not exist"));
            targets.add(t);
            addedPerAccount.merge(id, p.blob().size(), Long::sum); // an account may get copies in several mailboxes
            countPerAccount.merge(id, 1L, Long::sum);
            addedPerDomain.merge(t.domainId(), p.blob().size(), Long::sum);
            countPerDomain.merge(t.domainId(), 1L, Long::sum);
        }
        List<QuotaExceeded.Refusal> refusals = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            Target t = targets.get(i);
            long size = placements.get(i).blob().size();
            if (t.maxMessage() > 0 && size > t.maxMessage()) {
                refusals.add(new QuotaExceeded.Refusal(t.accountId(), QuotaExceeded.Reason.MESSAGE_TOO_BIG));
            }
            if (t.quota() > 0 && t.used() + addedPerAccount.get(t.accountId()) > t.quota()) {
                refusals.add(new QuotaExceeded.Refusal(t.accountId(), QuotaExceeded.Reason.ACCOUNT_FULL));
            }
            if (t.domainQuota() > 0 && t.domainUsed() + addedPerDomain.get(t.domainId()) > t.domainQuota()) {
                refusals.add(new QuotaExceeded.Refusal(t.accountId(), QuotaExceeded.Reason.DOMAIN_FULL));
            }
            if (t.maxMessages() > 0 && t.count() + countPerAccount.get(t.accountId()) > t.maxMessages()) {
                refusals.add(new QuotaExceeded.Refusal(t.accountId(), QuotaExceeded.Reason.ACCOUNT_MESSAGES));
            }
            if (t.domainMaxMessages() > 0 && t.domainCount() + countPerDomain.get(t.domainId()) > t.domainMaxMessages()) {
                refusals.add(new QuotaExceeded.Refusal(t.accountId(), QuotaExceeded.Reason.DOMAIN_MESSAGES));
            }
        }
        if (!refusals.isEmpty()) throw new QuotaExceeded(refusals.stream().distinct().toList()); // an account with two copies is refused once

        // one reference per entry, taken per body: recipients sharing a body add to one row
        Map<String, Integer> references = new LinkedHashMap<>();
        Map<String, PreparedBlob> bodies = new LinkedHashMap<>();
        for (Placement p : placements) {
            references.merge(p.blob().sha256(), 1, Integer::sum);
            bodies.putIfAbsent(p.blob().sha256(), p.blob());
        }
        for (Map.Entry<String, Integer> e : references.entrySet()) engine.addBlobReferences(tx, bodies.get(e.getKey()), e.getValue());
        List<DeliveryReceipt.Placed> placed = new ArrayList<>(placements.size());
        long position = 0;
        for (Placement p : placements) {
            Delivery.Recipient r = p.recipient();
            TargetBox box = target(db, r);
            long uid = box.uidNext();
            position = placeEntry(tx, r.accountId(), box.id(), uid, flagText(flagSet(r.flags())), internalDate, p.blob().size(),
                    p.blob().sha256());
            placed.add(new DeliveryReceipt.Placed(r.accountId(), box.id(), uid));
            tx.publish(new StoreEvent.MessagesAdded(r.accountId(), box.id(), position));
        }
        for (Map.Entry<Long, Long> e : addedPerDomain.entrySet()) {
            db.update("UPDATE domain SET used_bytes = used_bytes + ?, message_count = message_count + ? WHERE id = ?",
                    e.getValue(), countPerDomain.get(e.getKey()), e.getKey());
        }
        return new DeliveryReceipt(originalSha256, placed, position);
    }

    private record TargetBox(long id, long uidNext) { }

    /** The recipient's target mailbox: by name, else by special use, else (or if missing) INBOX. */
    private static TargetBox target(Db db, Delivery.Recipient r) throws SQLException {
        Optional<TargetBox> found = Optional.empty();
        if (r.mailbox() != null) {
            found = db.one("SELECT id, uid_next FROM mailbox WHERE account_id = ? AND name = ?",
                    rs -> new TargetBox(rs.getLong(1), rs.getLong(2)), r.accountId(), mailboxName(r.mailbox()));
        } else if (r.specialUse() != null) {
            found = db.one("SELECT id, uid_next FROM mailbox WHERE account_id = ? AND special_use = ?",
                    rs -> new TargetBox(rs.getLong(1), rs.getLong(2)), r.accountId(), r.specialUse().name());
        }
        if (found.isPresent()) return found.get();
        return db.one("SELECT id, uid_next FROM mailbox WHERE account_id = ? AND special_use = 'INBOX'",
                rs -> new TargetBox(rs.getLong(1), rs.getLong(2)), r.accountId())
                .orElseThrow(() -> new IllegalStateException("account " + r.accountId() + " has no INBOX"));
    }

    @Override
    public List<Mailbox> mailboxes(long accountId) {
        return engine.read(db -> db.list(MAILBOX_COLUMNS + " WHERE account_id = ? ORDER BY id", StoreSql::mailbox, accountId));
    }

    @Override
    public Optional<Mailbox> mailbox(long accountId, String name) {
        Objects.requireNonNull(name, "name");
        // INBOX is case-insensitive (RFC 9051 5.1); every other name is exact.
        String n = name.equalsIgnoreCase("INBOX") ? "INBOX" : name;
        return engine.read(db -> db.one(MAILBOX_COLUMNS + " WHERE account_id = ? AND name = ?", StoreSql::mailbox, accountId, n));
    }

    @Override
    public List<MessageEntry> messages(long mailboxId) {
        return engine.read(db -> db.list(MESSAGE_COLUMNS + " WHERE mailbox_id = ? ORDER BY uid", StoreSql::message, mailboxId));
    }

    @Override
    public InputStream openBlob(String blobId) throws IOException {
        if (!BlobFiles.isSha256(blobId)) throw new IllegalArgumentException("not a blob id: " + Printable.of(blobId));
        record Stored(boolean inFile, byte[] content) { }
        // Two looks: the file of a blob found in the first can be released and deleted before we open it.
        for (int attempt = 0; attempt < 2; attempt++) {
            Optional<Stored> stored = engine.read(db -> db.one("SELECT in_file, content FROM blob WHERE sha256 = ?",
                    rs -> new Stored(rs.getInt(1) == 1, rs.getBytes(2)), blobId));
            if (stored.isEmpty()) throw new StoreException.NotFound("blob " + blobId + " does not exist");
            if (!stored.get().inFile()) return new ByteArrayInputStream(stored.get().content());
            try {
                return engine.blobs().open(blobId);
            } catch (StoreException.NotFound e) {
                if (attempt == 1) throw new IOException("blob " + blobId + " is recorded but its file is missing", e);
            }
        }
        throw new IllegalStateException("unreachable");
    }

    @Override
    public BodyView openView(long mailboxId, long modSeq) {
        return views.open(mailboxId, modSeq);
    }

    /** Drops an expunged message's body reference, or keeps it in held_body while a view of the mailbox is open. */
    private void releaseOrHold(GroupCommitWriter.WriteTx tx, long mailboxId, long position, String sha256) throws java.sql.SQLException {
        // Only a release that frees the body needs a hold: while another entry (the target of a MOVE,
        // a copy, another recipient's message) references it, the body stays readable anyway, and a
        // hold would cost a second write (and fsync) when the views move on: MOVE's p50 went from 3.1
        // to 5.4 ms and IMAP sessions/s fell 14% in the side-by-side run before this check.
        long refs = tx.db().queryLong("SELECT refs FROM blob WHERE sha256 = ?", sha256).orElse(0L);
        if (refs <= 1 && views.held(mailboxId, position)) {
            tx.db().update("INSERT INTO held_body (mailbox_id, position, sha256) VALUES (?, ?, ?)", mailboxId, position, sha256);
        } else {
            releaseBlob(tx, sha256, 1);
        }
    }

    /** Frees the bodies of a mailbox held at positions up to {@code upTo}; the lowest position still held, or Long.MAX_VALUE. */
    private long releaseHeld(long mailboxId, long upTo) {
        try {
            return engine.write(tx -> {
                Db db = tx.db();
                List<String> shas = db.list("SELECT sha256 FROM held_body WHERE mailbox_id = ? AND position <= ?",
                        rs -> rs.getString(1), mailboxId, upTo);
                db.update("DELETE FROM held_body WHERE mailbox_id = ? AND position <= ?", mailboxId, upTo);
                for (String sha : shas) releaseBlob(tx, sha, 1);
                long lowest = db.queryLong("SELECT coalesce(min(position), -1) FROM held_body WHERE mailbox_id = ?", mailboxId).orElse(-1L);
                return lowest < 0 ? Long.MAX_VALUE : lowest;
            });
        } catch (StoreException e) {
            // Kept for the next view to move on, or the next open; nothing is lost but space meanwhile.
            log.warn("store: cannot free held message bodies of mailbox {}: {}", mailboxId, e.toString());
            return 0;
        }
    }

    /** At open no view exists: every held body is freed (a fenced store leaves them to the next writer's open). */
    void releaseAllHeld() {
        try {
            engine.write(tx -> {
                Db db = tx.db();
                List<String> shas = db.list("SELECT sha256 FROM held_body", rs -> rs.getString(1));
                db.update("DELETE FROM held_body");
                for (String sha : shas) releaseBlob(tx, sha, 1);
                return null;
            });
        } catch (StoreException e) {
            log.info("store: held message bodies left for a later open: {}", e.toString());
        }
    }

    @Override
    public ExpungeResult expunge(long mailboxId, Collection<Long> uids) {
        Objects.requireNonNull(uids, "uids");
        TreeSet<Long> wanted = new TreeSet<>();
        for (Long uid : uids) wanted.add(Objects.requireNonNull(uid, "uid"));
        return engine.write(tx -> {
            Db db = tx.db();
            record Box(long accountId, long domainId, long highestModSeq) { }
            Box box = db.one("""
                    SELECT b.account_id, a.domain_id, b.highest_modseq FROM mailbox b JOIN account a ON a.id = b.account_id
                    WHERE b.id = ?""", rs -> new Box(rs.getLong(1), rs.getLong(2), rs.getLong(3)), mailboxId)
                    .orElseThrow(() -> new StoreException.NotFound("mailbox " + mailboxId + " does not exist"));
            List<Long> removed = new ArrayList<>();
            long freed = 0;
            long position = box.highestModSeq();
            for (long uid : wanted) {
                record Entry(long size, String sha256) { }
                Optional<Entry> entry = db.one("SELECT size, blob_sha256 FROM message WHERE mailbox_id = ? AND uid = ?",
                        rs -> new Entry(rs.getLong(1), rs.getString(2)), mailboxId, uid);
                if (entry.isEmpty()) continue;
                db.update("DELETE FROM message WHERE mailbox_id = ? AND uid = ?", mailboxId, uid);
                position = tx.appendChange(Change.Kind.MESSAGE_EXPUNGED, box.accountId(), mailboxId, uid, entry.get().sha256());
                releaseOrHold(tx, mailboxId, position, entry.get().sha256());
                freed += entry.get().size();
                removed.add(uid);
            }
            if (!removed.isEmpty()) {
                int n = removed.size();
                db.update("""
                        UPDATE mailbox SET highest_modseq = ?, message_count = message_count - ?, size_bytes = size_bytes - ?
                        WHERE id = ?""", position, n, freed, mailboxId);
                db.update("UPDATE account SET used_bytes = used_bytes - ?, message_count = message_count - ? WHERE id = ?",
                        freed, n, box.accountId());
                db.update("UPDATE domain SET used_bytes = used_bytes - ?, message_count = message_count - ? WHERE id = ?",
                        freed, n, box.domainId());
                tx.publish(new StoreEvent.MailboxChanged(box.accountId(), mailboxId, position));
            }
            return new ExpungeResult(List.copyOf(removed), freed, position);
        });
    }

    @Override
    public Optional<Mailbox> mailbox(long mailboxId) {
        return engine.read(db -> db.one(MAILBOX_COLUMNS + " WHERE id = ?", StoreSql::mailbox, mailboxId));
    }

    @Override
    public Mailbox createMailbox(long accountId, String name, SpecialUse specialUse) {
        String n = mailboxName(name);
        if (specialUse == SpecialUse.INBOX) throw new IllegalArgumentException("every account has its one INBOX already");
        return engine.write(tx -> {
            Db db = tx.db();
            if (!db.exists("SELECT 1 FROM account WHERE id = ?", accountId)) throw new StoreException.NotFound("account " + accountId + " does not exist");
            if (db.exists("SELECT 1 FROM mailbox WHERE account_id = ? AND name = ?", accountId, n)) {
                throw new StoreException.Conflict("mailbox " + n + " already exists");
            }
            if (specialUse != null && db.exists("SELECT 1 FROM mailbox WHERE account_id = ? AND special_use = ?", accountId, specialUse.name())) {
                throw new StoreException.Conflict("the account already has a " + specialUse.attribute() + " mailbox");
            }
            long id = StoreSql.createMailbox(tx, accountId, n, specialUse);
            return db.one(MAILBOX_COLUMNS + " WHERE id = ?", StoreSql::mailbox, id).orElseThrow();
        });
    }

    @Override
    public void deleteMailbox(long accountId, String name) {
        String n = mailboxName(name);
        engine.write(tx -> {
            Db db = tx.db();
            Box b = box(db, accountId, n);
            if (b.use() == SpecialUse.INBOX) throw new StoreException.Conflict("INBOX cannot be deleted");
            // Children are the names in [n + "/", n + "0"): '0' is the character after '/'.
            if (db.exists("SELECT 1 FROM mailbox WHERE account_id = ? AND name > ? AND name < ?", accountId, n + DELIMITER, n + '0')) {
                throw new StoreException.Conflict("mailbox " + n + " has child mailboxes; delete them first");
            }
            record Use(String sha256, long count, long bytes) { }
            List<Use> uses = db.list("SELECT blob_sha256, count(*), sum(size) FROM message WHERE mailbox_id = ? GROUP BY blob_sha256",
                    rs -> new Use(rs.getString(1), rs.getLong(2), rs.getLong(3)), b.id());
            long count = 0;
            long bytes = 0;
            // One EXPUNGED change per message, naming its body: JMAP's Email/changes reads them.
            record Gone(long uid, String sha256) { }
            for (Gone g : db.list("SELECT uid, blob_sha256 FROM message WHERE mailbox_id = ? ORDER BY uid",
                    rs -> new Gone(rs.getLong(1), rs.getString(2)), b.id())) {
                tx.appendChange(Change.Kind.MESSAGE_EXPUNGED, accountId, b.id(), g.uid(), g.sha256());
            }
            db.update("DELETE FROM message WHERE mailbox_id = ?", b.id());
            for (Use u : uses) {
                releaseBlob(tx, u.sha256(), u.count());
                count += u.count();
                bytes += u.bytes();
            }
            db.update("UPDATE account SET used_bytes = used_bytes - ?, message_count = message_count - ? WHERE id = ?", bytes, count, accountId);
            db.update("UPDATE domain SET used_bytes = used_bytes - ?, message_count = message_count - ? WHERE id = ?", bytes, count, b.domainId());
            db.update("DELETE FROM mailbox WHERE id = ?", b.id());
            long position = tx.appendChange(Change.Kind.MAILBOX_DELETED, accountId, b.id(), 0, n);
            tx.publish(new StoreEvent.MailboxChanged(accountId, b.id(), position));
            return null;
        });
    }

    @Override
    public Mailbox renameMailbox(long accountId, String from, String to) {
        String f = mailboxName(from);
        String t = mailboxName(to);
        return engine.write(tx -> {
            Db db = tx.db();
            Box b = box(db, accountId, f);
            if (db.exists("SELECT 1 FROM mailbox WHERE account_id = ? AND name = ?", accountId, t)) {
                throw new StoreException.Conflict("mailbox " + t + " already exists");
            }
            if (t.startsWith(f + DELIMITER)) throw new StoreException.Conflict("cannot rename " + f + " into itself");
            if (b.use() == SpecialUse.INBOX) return renameInbox(tx, b, t);
            // The mailbox and its children, longest names last so none collides with a half-renamed sibling.
            List<String> names = db.list("SELECT name FROM mailbox WHERE account_id = ? AND (name = ? OR (name > ? AND name < ?))",
                    rs -> rs.getString(1), accountId, f, f + DELIMITER, f + '0');
            for (String old : names) {
                String renamed = t + old.substring(f.length());
                if (!old.equals(f) && db.exists("SELECT 1 FROM mailbox WHERE account_id = ? AND name = ?", accountId, renamed)) {
                    throw new StoreException.Conflict("mailbox " + renamed + " already exists");
                }
            }
            for (String old : names) {
                String renamed = t + old.substring(f.length());
                long id = db.queryLong("SELECT id FROM mailbox WHERE account_id = ? AND name = ?", accountId, old).orElseThrow();
                db.update("UPDATE mailbox SET name = ? WHERE id = ?", renamed, id);
                long position = tx.appendChange(Change.Kind.MAILBOX_RENAMED, accountId, id, 0, old + " -> " + renamed);
                db.update("UPDATE mailbox SET highest_modseq = ? WHERE id = ?", position, id);
            }
            return db.one(MAILBOX_COLUMNS + " WHERE id = ?", StoreSql::mailbox, b.id()).orElseThrow();
        });
    }

    /**
     * RFC 9051 6.3.6: renaming INBOX moves all its messages to a new mailbox of the
     * new name and leaves INBOX empty (its children stay where they are). The entries
     * keep their UIDs, valid under the new mailbox's own UIDVALIDITY; INBOX keeps its
     * uid_next, so those UIDs are never handed out there again.
     */
    private static Mailbox renameInbox(WriteTx tx, Box inbox, String to) throws SQLException {
        Db db = tx.db();
        long id = StoreSql.createMailbox(tx, inbox.accountId(), to, null);
        record Moved(long uid, String sha256) { }
        List<Moved> moved = db.list("SELECT uid, blob_sha256 FROM message WHERE mailbox_id = ? ORDER BY uid",
                rs -> new Moved(rs.getLong(1), rs.getString(2)), inbox.id());
        db.update("UPDATE message SET mailbox_id = ? WHERE mailbox_id = ?", id, inbox.id());
        long position = 0;
        // The changes name each body (JMAP's Email/changes): gone from INBOX, there in the new mailbox.
        for (Moved m : moved) {
            position = tx.appendChange(Change.Kind.MESSAGE_EXPUNGED, inbox.accountId(), inbox.id(), m.uid(), m.sha256());
            tx.appendChange(Change.Kind.MESSAGE_ADDED, inbox.accountId(), id, m.uid(), m.sha256());
        }
        long added = tx.appendChange(Change.Kind.MAILBOX_RENAMED, inbox.accountId(), id, 0, "INBOX -> " + to);
        db.update("""
                UPDATE mailbox SET uid_next = ?, highest_modseq = ?,
                  message_count = (SELECT message_count FROM mailbox WHERE id = ?),
                  size_bytes = (SELECT size_bytes FROM mailbox WHERE id = ?) WHERE id = ?""",
                inbox.uidNext(), added, inbox.id(), inbox.id(), id);
        if (!moved.isEmpty()) {
            db.update("UPDATE mailbox SET message_count = 0, size_bytes = 0, highest_modseq = ? WHERE id = ?", position, inbox.id());
            tx.publish(new StoreEvent.MailboxChanged(inbox.accountId(), inbox.id(), position));
        }
        return db.one(MAILBOX_COLUMNS + " WHERE id = ?", StoreSql::mailbox, id).orElseThrow();
    }

    @Override
    public List<String> subscriptions(long accountId) {
        return engine.read(db -> db.list("SELECT name FROM subscription WHERE account_id = ? ORDER BY name", rs -> rs.getString(1), accountId));
    }

    @Override
    public void setSubscribed(long accountId, String name, boolean subscribed) {
        String n = mailboxName(name);
        engine.write(tx -> {
            Db db = tx.db();
            if (!db.exists("SELECT 1 FROM account WHERE id = ?", accountId)) throw new StoreException.NotFound("account " + accountId + " does not exist");
            int changed = subscribed ? db.update("INSERT OR IGNORE INTO subscription (account_id, name) VALUES (?, ?)", accountId, n)
                    : db.update("DELETE FROM subscription WHERE account_id = ? AND name = ?", accountId, n);
            // A change in the log only when the list changed, so IMAP NOTIFY reports SubscriptionChange once.
            if (changed > 0) tx.appendChange(Change.Kind.SUBSCRIPTION_CHANGED, accountId, 0, 0, n);
            return null;
        });
    }

    @Override
    public MailboxStatus status(long mailboxId) {
        return engine.read(db -> {
            Mailbox m = db.one(MAILBOX_COLUMNS + " WHERE id = ?", StoreSql::mailbox, mailboxId)
                    .orElseThrow(() -> new StoreException.NotFound("mailbox " + mailboxId + " does not exist"));
            // Flags are stored space-separated, so " flags " contains " \Seen " exactly when the flag is set.
            long unseen = db.queryLong("SELECT count(*) FROM message WHERE mailbox_id = ? AND (' ' || flags || ' ') NOT LIKE '% \\Seen %'",
                    mailboxId).orElse(0L);
            long deleted = db.queryLong("SELECT count(*) FROM message WHERE mailbox_id = ? AND (' ' || flags || ' ') LIKE '% \\Deleted %'",
                    mailboxId).orElse(0L);
            long deletedBytes = deleted == 0 ? 0 : db.queryLong("SELECT coalesce(sum(size), 0) FROM message WHERE mailbox_id = ?"
                    + " AND (' ' || flags || ' ') LIKE '% \\Deleted %'", mailboxId).orElse(0L);
            return new MailboxStatus(m, unseen, deleted, deletedBytes);
        });
    }

    @Override
    public AppendResult append(long mailboxId, MessageData content, Set<String> flags, Instant internalDate) {
        return appendAll(mailboxId, List.of(new Appended(content, flags, internalDate))).getFirst();
    }

    @Override
    public List<AppendResult> appendAll(long mailboxId, List<Appended> messages) {
        if (messages.isEmpty()) throw new IllegalArgumentException("nothing to append");
        List<String> flagTexts = new ArrayList<>();
        for (Appended m : messages) {
            Objects.requireNonNull(m.content(), "content");
            Objects.requireNonNull(m.internalDate(), "internal date");
            flagTexts.add(flagText(flagSet(m.flags())));
        }
        return engine.withBlobs(messages.stream().map(Appended::content).toList(), blobs -> tx -> {
            Db db = tx.db();
            Box b = box(db, mailboxId);
            long total = blobs.stream().mapToLong(PreparedBlob::size).sum();
            long largest = blobs.stream().mapToLong(PreparedBlob::size).max().orElse(0);
            checkQuota(db, b.accountId(), blobs.size(), total, largest, true);
            List<AppendResult> results = new ArrayList<>();
            long uid = b.uidNext();
            long position = 0;
            for (int i = 0; i < blobs.size(); i++) {
                PreparedBlob blob = blobs.get(i);
                engine.addBlobReferences(tx, blob, 1);
                position = placeEntry(tx, b.accountId(), b.id(), uid, flagTexts.get(i), messages.get(i).internalDate().toEpochMilli(),
                        blob.size(), blob.sha256());
                results.add(new AppendResult(b.id(), b.uidValidity(), uid, position));
                uid++;
            }
            db.update("UPDATE domain SET used_bytes = used_bytes + ?, message_count = message_count + ? WHERE id = ?",
                    total, blobs.size(), b.domainId());
            tx.publish(new StoreEvent.MessagesAdded(b.accountId(), b.id(), position));
            return results;
        });
    }

    @Override
    public CopyResult copy(long fromMailboxId, Collection<Long> uids, long toMailboxId, boolean move) {
        TreeSet<Long> wanted = new TreeSet<>(uids);
        return engine.write(tx -> {
            Db db = tx.db();
            Box from = box(db, fromMailboxId);
            Box to = box(db, toMailboxId);
            // Between accounts (a shared mailbox): the target's owner is charged, and a move frees the source's.
            boolean sameAccount = from.accountId() == to.accountId();
            boolean charged = !move || !sameAccount;
            List<MessageEntry> entries = new ArrayList<>();
            for (long uid : wanted) {
                db.one(MESSAGE_COLUMNS + " WHERE mailbox_id = ? AND uid = ?", StoreSql::message, from.id(), uid).ifPresent(entries::add);
            }
            long bytes = entries.stream().mapToLong(MessageEntry::size).sum();
            if (charged) checkQuota(db, to.accountId(), entries.size(), bytes, 0, false);
            List<Long> source = new ArrayList<>();
            List<Long> target = new ArrayList<>();
            long uid = to.uidNext();
            long position = 0;
            for (MessageEntry e : entries) {
                db.update("UPDATE blob SET refs = refs + 1 WHERE sha256 = ?", e.blobId());
                position = placeEntry(tx, to.accountId(), to.id(), uid, flagText(new TreeSet<>(e.flags())),
                        e.internalDate().toEpochMilli(), e.size(), e.blobId());
                if (move) {
                    position = removeEntry(tx, from.accountId(), from.id(), e.uid(), e.size(), e.blobId());
                    releaseOrHold(tx, from.id(), position, e.blobId());
                }
                source.add(e.uid());
                target.add(uid++);
            }
            if (!entries.isEmpty()) {
                if (charged) {
                    db.update("UPDATE domain SET used_bytes = used_bytes + ?, message_count = message_count + ? WHERE id = ?",
                            bytes, entries.size(), to.domainId());
                }
                if (move && !sameAccount) {
                    db.update("UPDATE domain SET used_bytes = used_bytes - ?, message_count = message_count - ? WHERE id = ?",
                            bytes, entries.size(), from.domainId());
                }
                long added = db.queryLong("SELECT highest_modseq FROM mailbox WHERE id = ?", to.id()).orElseThrow();
                tx.publish(new StoreEvent.MessagesAdded(to.accountId(), to.id(), added));
                if (move) tx.publish(new StoreEvent.MailboxChanged(from.accountId(), from.id(), position));
            }
            return new CopyResult(to.uidValidity(), source, target, position);
        });
    }

    @Override
    public FlagsResult storeFlags(long mailboxId, Collection<Long> uids, FlagChange change, Set<String> flags, long unchangedSince) {
        Objects.requireNonNull(change, "change");
        TreeSet<String> given = flagSet(flags);
        TreeSet<Long> wanted = new TreeSet<>(uids);
        return engine.write(tx -> {
            Db db = tx.db();
            Box b = box(db, mailboxId);
            List<MessageEntry> updated = new ArrayList<>();
            List<Long> modified = new ArrayList<>();
            long position = db.queryLong("SELECT highest_modseq FROM mailbox WHERE id = ?", b.id()).orElseThrow();
            for (long uid : wanted) {
                Optional<MessageEntry> found = db.one(MESSAGE_COLUMNS + " WHERE mailbox_id = ? AND uid = ?", StoreSql::message, b.id(), uid);
                if (found.isEmpty()) continue;
                MessageEntry e = found.get();
                if (unchangedSince >= 0 && e.modSeq() > unchangedSince) {
                    modified.add(uid);
                    continue;
                }
                TreeSet<String> now = new TreeSet<>(e.flags());
                switch (change) {
                    case ADD -> now.addAll(given);
                    case REMOVE -> now.removeAll(given);
                    case REPLACE -> {
                        now.clear();
                        now.addAll(given);
                    }
                }
                if (now.equals(new TreeSet<>(e.flags()))) continue;
                String text = flagText(now);
                position = tx.appendChange(Change.Kind.FLAGS_CHANGED, b.accountId(), b.id(), uid, text);
                db.update("UPDATE message SET flags = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?", text, position, b.id(), uid);
                updated.add(new MessageEntry(e.mailboxId(), uid, position, now, e.internalDate(), e.size(), e.blobId()));
            }
            if (!updated.isEmpty()) {
                db.update("UPDATE mailbox SET highest_modseq = ? WHERE id = ?", position, b.id());
                tx.publish(new StoreEvent.MailboxChanged(b.accountId(), b.id(), position));
            }
            return new FlagsResult(updated, modified, position);
        });
    }

    @Override
    public MailboxChanges mailboxChanges(long mailboxId, long sinceModSeq) {
        return engine.read(db -> {
            long highest = db.queryLong("SELECT highest_modseq FROM mailbox WHERE id = ?", mailboxId)
                    .orElseThrow(() -> new StoreException.NotFound("mailbox " + mailboxId + " does not exist"));
            // Every change to a message and every expunge sets highest_modseq to its position: none since, nothing to
            // look for (the scans below read every row of the mailbox, ~10 ms at 100,000: each IMAP command asks this).
            if (highest <= sinceModSeq) return new MailboxChanges(highest, List.of(), List.of());
            List<MessageEntry> changed = db.list(MESSAGE_COLUMNS + " WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
                    StoreSql::message, mailboxId, sinceModSeq);
            List<Long> expunged = db.list("""
                    SELECT DISTINCT uid FROM change_log WHERE mailbox_id = ? AND position > ? AND kind = 'MESSAGE_EXPUNGED'
                    ORDER BY uid""", rs -> rs.getLong(1), mailboxId, sinceModSeq);
            return new MailboxChanges(highest, changed, expunged);
        });
    }


    @Override
    public QuotaUsage quotaUsage(long accountId) {
        return engine.read(db -> db.one("""
                SELECT a.used_bytes, a.quota_bytes, a.message_count, a.max_messages,
                       d.used_bytes, d.quota_bytes, d.message_count, d.max_messages
                FROM account a JOIN domain d ON d.id = a.domain_id WHERE a.id = ?""",
                rs -> new QuotaUsage(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8)), accountId)
                .orElseThrow(() -> new StoreException.NotFound("account " + accountId + " does not exist")));
    }
}
