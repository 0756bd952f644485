package org.twinmail.store.embedded;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.store.Outbound;
import org.twinmail.store.QueueEntry;
import org.twinmail.store.QueueOutcome;
import org.twinmail.store.QueueStats;
import org.twinmail.store.QueuedRecipient;

/**
 * The SQL of the outbound queue (schema version 4, docs/relay.md): {@code queue_message}
 * holds the envelope and one blob reference, {@code queue_recipient} one row per remote
 * recipient with its state, attempts, next attempt and last reply. Writes run inside the
 * caller's {@link GroupCommitWriter.WriteTx}, so they share its transaction and its epoch
 * check; blob references are taken and released by the roles that own them ({@link EmbeddedMailboxes}, {@link EmbeddedMessageQueue}).
 */
final class QueueTables {
    private QueueTables() {}

    static final String WAITING = "waiting";
    static final String ACTIVE = "active";

    private static final String CLAIM_COLUMNS = """
            SELECT r.id, r.message_id, r.address, m.sender, m.blob_sha256, m.size, m.arrival, m.smtputf8, m.eight_bit,
                   r.attempts, r.warned, r.last_reply
            FROM queue_recipient r JOIN queue_message m ON m.id = r.message_id""";

    /** Inserts a message and its recipients (each once); the caller has taken the blob reference. Returns the message id. */
    static long enqueue(Db db, Outbound outbound, String sha256, long size, long arrival) throws SQLException {
        long id = db.insert("""
                INSERT INTO queue_message (sender, blob_sha256, size, arrival, smtputf8, eight_bit)
                VALUES (?, ?, ?, ?, ?, ?)""", outbound.sender(), sha256, size, arrival, outbound.smtputf8(), outbound.eightBitMime());
        Map<String, EmailAddress> distinct = new LinkedHashMap<>();
        for (EmailAddress a : outbound.recipients()) distinct.putIfAbsent(a.key(), a);
        for (EmailAddress a : distinct.values()) {
            db.update("""
                    INSERT INTO queue_recipient (message_id, address, domain, state, attempts, next_attempt, warned)
                    VALUES (?, ?, ?, 'waiting', 0, ?, 0)""", id, a.toString(), a.domain(), arrival);
        }
        return id;
    }

    static List<QueuedRecipient> claim(Db db, long now, int limit, List<String> skipDomains) throws SQLException {
        StringBuilder sql = new StringBuilder(CLAIM_COLUMNS).append(" WHERE r.state = 'waiting' AND r.next_attempt <= ?");
        List<Object> args = new ArrayList<>();
        args.add(now);
        if (!skipDomains.isEmpty()) {
            sql.append(" AND r.domain NOT IN (").append(String.join(", ", java.util.Collections.nCopies(skipDomains.size(), "?")))
                    .append(')');
            args.addAll(skipDomains);
        }
        sql.append(" ORDER BY r.next_attempt, r.id LIMIT ?");
        args.add(limit);
        List<QueuedRecipient> due = db.list(sql.toString(),
                rs -> new QueuedRecipient(rs.getLong(1), rs.getLong(2), EmailAddress.parse(rs.getString(3)), rs.getString(4),
                        rs.getString(5), rs.getLong(6), Instant.ofEpochMilli(rs.getLong(7)), rs.getInt(8) == 1,
                        rs.getInt(9) == 1, rs.getInt(10), rs.getInt(11) == 1, rs.getString(12)),
                args.toArray());
        for (QueuedRecipient r : due) db.update("UPDATE queue_recipient SET state = 'active' WHERE id = ?", r.id());
        return due;
    }

    static int releaseClaims(Db db) throws SQLException {
        return db.update("UPDATE queue_recipient SET state = 'waiting' WHERE state = 'active'");
    }

    /** A message whose last recipient left, for the caller to drop its blob reference. */
    record Finished(long messageId, String sha256) { }

    /** Applies the outcomes; returns the messages that now have no recipient left (their rows are gone). */
    static List<Finished> record(Db db, List<QueueOutcome> outcomes) throws SQLException {
        List<Long> touched = new ArrayList<>();
        for (QueueOutcome o : outcomes) {
            Optional<Long> message = db.queryLong("SELECT message_id FROM queue_recipient WHERE id = ?", o.recipientId());
            if (message.isEmpty()) continue; // deleted by an administrator while it was being delivered
            switch (o) {
                case QueueOutcome.Done d -> db.update("DELETE FROM queue_recipient WHERE id = ?", d.recipientId());
                case QueueOutcome.Deferred d -> db.update("""
                        UPDATE queue_recipient SET state = 'waiting', attempts = attempts + 1, next_attempt = ?,
                               last_reply = ?, warned = max(warned, ?) WHERE id = ?""",
                        d.nextAttempt().toEpochMilli(), d.reply(), d.warned(), d.recipientId());
            }
            if (!touched.contains(message.get())) touched.add(message.get());
        }
        List<Finished> finished = new ArrayList<>();
        for (long id : touched) {
            if (db.exists("SELECT 1 FROM queue_recipient WHERE message_id = ?", id)) continue;
            finished.add(removeMessage(db, id).orElseThrow());
        }
        return finished;
    }

    /** Removes a message and its recipients; empty if there is no such message. */
    static Optional<Finished> removeMessage(Db db, long messageId) throws SQLException {
        Optional<String> sha = db.one("SELECT blob_sha256 FROM queue_message WHERE id = ?", rs -> rs.getString(1), messageId);
        if (sha.isEmpty()) return Optional.empty();
        db.update("DELETE FROM queue_recipient WHERE message_id = ?", messageId);
        db.update("DELETE FROM queue_message WHERE id = ?", messageId);
        return Optional.of(new Finished(messageId, sha.get()));
    }

    /** Makes waiting recipients due at {@code now} (those due earlier keep their place); returns how many are waiting. */
    static int retry(Db db, long messageId, long now) throws SQLException {
        if (messageId == 0) {
            return db.update("UPDATE queue_recipient SET next_attempt = min(next_attempt, ?) WHERE state = 'waiting'", now);
        }
        return db.update("UPDATE queue_recipient SET next_attempt = min(next_attempt, ?) WHERE state = 'waiting' AND message_id = ?",
                now, messageId);
    }

    static List<QueueEntry> list(Db db, int limit) throws SQLException {
        record Row(long id, String sender, long size, long arrival) { }
        List<Row> rows = db.list("SELECT id, sender, size, arrival FROM queue_message ORDER BY arrival, id LIMIT ?",
                rs -> new Row(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4)), limit);
        List<QueueEntry> entries = new ArrayList<>(rows.size());
        for (Row m : rows) {
            List<QueueEntry.Recipient> recipients = db.list("""
                    SELECT address, attempts, next_attempt, state, last_reply FROM queue_recipient
                    WHERE message_id = ? ORDER BY id""",
                    rs -> new QueueEntry.Recipient(rs.getString(1), rs.getInt(2), Instant.ofEpochMilli(rs.getLong(3)),
                            ACTIVE.equals(rs.getString(4)), rs.getString(5)), m.id());
            entries.add(new QueueEntry(m.id(), m.sender(), m.size(), Instant.ofEpochMilli(m.arrival()), recipients));
        }
        return entries;
    }

    static QueueStats stats(Db db) throws SQLException {
        long messages = db.queryLong("SELECT count(*) FROM queue_message").orElse(0L);
        long recipients = db.queryLong("SELECT count(*) FROM queue_recipient").orElse(0L);
        Optional<Instant> oldest = db.one("SELECT min(arrival) FROM queue_message",
                rs -> rs.getObject(1) == null ? null : Instant.ofEpochMilli(rs.getLong(1)));
        return new QueueStats(messages, recipients, oldest);
    }
}
