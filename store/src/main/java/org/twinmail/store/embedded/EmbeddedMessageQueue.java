package org.twinmail.store.embedded;

import static org.twinmail.store.embedded.StoreSql.*;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.twinmail.store.Delivery;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.MessageQueue;
import org.twinmail.store.QueueEntry;
import org.twinmail.store.QueueOutcome;
import org.twinmail.store.QueueStats;
import org.twinmail.store.QueuedRecipient;
import org.twinmail.store.embedded.GroupCommitWriter.WriteTx;

/**
 * The embedded {@link MessageQueue}: the queue tables ({@link QueueTables}) in the store's
 * SQLite database. A DSN recorded with outcomes is delivered by {@link EmbeddedMailboxes}
 * in the same transaction.
 */
final class EmbeddedMessageQueue implements MessageQueue {
    private final Engine engine;
    private final EmbeddedMailboxes mailboxes;

    EmbeddedMessageQueue(Engine engine, EmbeddedMailboxes mailboxes) {
        this.engine = engine;
        this.mailboxes = mailboxes;
    }

    @Override
    public List<QueuedRecipient> claimQueued(Instant now, int limit, Collection<String> skipDomains) {
        Objects.requireNonNull(now, "now");
        if (limit < 1) throw new IllegalArgumentException("limit must be positive");
        List<String> skip = List.copyOf(new LinkedHashSet<>(skipDomains));
        return engine.write(tx -> QueueTables.claim(tx.db(), now.toEpochMilli(), limit, skip));
    }

    @Override
    public int releaseQueueClaims() {
        return engine.write(tx -> QueueTables.releaseClaims(tx.db()));
    }

    @Override
    public DeliveryReceipt recordQueueOutcomes(List<QueueOutcome> outcomes, Delivery notification) {
        List<QueueOutcome> all = List.copyOf(outcomes);
        if (notification == null) {
            engine.write(tx -> {
                finishQueued(tx, QueueTables.record(tx.db(), all));
                return null;
            });
            return null;
        }
        return mailboxes.deliverInTransaction(notification, tx -> finishQueued(tx, QueueTables.record(tx.db(), all)));
    }

    private static void finishQueued(WriteTx tx, List<QueueTables.Finished> finished) throws SQLException {
        for (QueueTables.Finished f : finished) releaseBlob(tx, f.sha256(), 1);
    }

    @Override
    public List<QueueEntry> listQueue(int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be positive");
        return engine.read(db -> QueueTables.list(db, limit));
    }

    @Override
    public int retryQueued(long messageId, Instant now) {
        if (messageId < 0) throw new IllegalArgumentException("negative queue id");
        return engine.write(tx -> QueueTables.retry(tx.db(), messageId, now.toEpochMilli()));
    }

    @Override
    public boolean deleteQueued(long messageId) {
        return engine.write(tx -> {
            Optional<QueueTables.Finished> gone = QueueTables.removeMessage(tx.db(), messageId);
            if (gone.isPresent()) finishQueued(tx, List.of(gone.get()));
            return gone.isPresent();
        });
    }

    @Override
    public QueueStats queueStats() {
        return engine.read(QueueTables::stats);
    }

}
