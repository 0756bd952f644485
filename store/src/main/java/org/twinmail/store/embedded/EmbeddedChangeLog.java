package org.twinmail.store.embedded;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.Objects;
import org.twinmail.core.event.StoreListener;
import org.twinmail.core.mail.Printable;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.StoreException;

/**
 * The embedded {@link ChangeLog}: the {@code change_log} table, the epoch in {@code meta}, the
 * consumers' cursors in {@code consumer}, and the writer's {@link ChangeSignal} for waits.
 */
final class EmbeddedChangeLog implements ChangeLog {
    static final int MAX_CHANGES_PER_CALL = 100_000;

    private final Engine engine;

    EmbeddedChangeLog(Engine engine) {
        this.engine = engine;
    }

    @Override
    public List<Change> changesSince(long position, int limit) {
        if (position < 0) throw new IllegalArgumentException("negative change-log position");
        if (limit < 1 || limit > MAX_CHANGES_PER_CALL) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_CHANGES_PER_CALL + ", not " + limit);
        }
        return engine.read(db -> db.list("""
                SELECT position, epoch, kind, account_id, mailbox_id, uid, detail FROM change_log
                WHERE position > ? ORDER BY position LIMIT ?""", StoreSql::change, position, limit));
    }

    @Override
    public long lastChangePosition() {
        return engine.read(db -> db.queryLong("SELECT max(position) FROM change_log").orElse(0L));
    }

    @Override
    public long epoch() {
        return engine.options().epoch();
    }

    @Override
    public long storedEpoch() {
        return engine.read(db -> db.queryLong("SELECT epoch FROM meta WHERE id = 1").orElseThrow());
    }

    /**
     * Records {@code newEpoch}; from the next transaction on, every instance opened
     * with a lower epoch fails its writes with StaleEpoch. Fencing is itself a write:
     * an instance that is already fenced cannot fence. Raising to the current value
     * changes nothing; lowering is refused (Conflict). The change-log entry's detail
     * is the new epoch in decimal.
     */
    @Override
    public void fence(long newEpoch) {
        if (newEpoch < 1) throw new IllegalArgumentException("epoch must be 1 or more, not " + newEpoch);
        engine.write(tx -> {
            long stored = tx.storedEpoch();
            if (newEpoch < stored) throw new StoreException.Conflict("cannot lower the store epoch from " + stored + " to " + newEpoch);
            if (newEpoch == stored) return null;
            tx.db().update("UPDATE meta SET epoch = ? WHERE id = 1", newEpoch);
            tx.appendChange(Change.Kind.EPOCH_RAISED, 0, 0, 0, Long.toString(newEpoch));
            tx.storedEpochRaised(newEpoch);
            return null;
        });
    }

    @Override
    public void addListener(StoreListener listener) {
        engine.listeners().add(Objects.requireNonNull(listener, "listener"));
    }


    @Override
    public long awaitChange(long afterPosition, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        engine.checkOpen();
        return engine.signal().await(afterPosition, timeout);
    }

    @Override
    public long consumerPosition(String name) {
        String n = consumerName(name);
        return engine.read(db -> db.queryLong("SELECT position FROM consumer WHERE name = ?", n).orElse(0L));
    }

    @Override
    public void advanceConsumer(String name, long position) {
        String n = consumerName(name);
        if (position < 0) throw new IllegalArgumentException("negative change-log position");
        engine.write(tx -> {
            long newest = tx.db().queryLong("SELECT coalesce(max(position), 0) FROM change_log").orElse(0L);
            if (position > newest) {
                throw new IllegalArgumentException("consumer " + n + " cannot advance to " + position
                        + ": the newest change is " + newest);
            }
            tx.db().update("""
                    INSERT INTO consumer (name, position, updated) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET position = max(position, excluded.position), updated = excluded.updated""",
                    n, position, System.currentTimeMillis());
            return null;
        });
    }

    @Override
    public boolean removeConsumer(String name) {
        String n = consumerName(name);
        return engine.write(tx -> tx.db().update("DELETE FROM consumer WHERE name = ?", n) > 0);
    }

    private static final Pattern CONSUMER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    static String consumerName(String name) {
        if (name == null || !CONSUMER_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("consumer names are 1 to 100 letters, digits, '.', '-' or '_': " + Printable.of(name));
        }
        return name;
    }
}
