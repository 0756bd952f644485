package org.twinmail.filter.content;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.policy.SpamLevel;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.RecordWatcher;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The users' own spam levels ({@link SpamLevel}, records {@value SpamLevel#KIND}) as the content
 * score reads them at delivery. {@link #watch} keeps every level in memory, reloaded through the
 * change log when one changes, so a message costs no store read; a lookup first waits (at most
 * {@link #FRESH_WAIT}) for the view to hold every change committed before it, so a level set a
 * moment ago in the webmail applies to the next message, and reads the record itself when the
 * view is late. {@link #of} reads the record on every lookup (tests, tools).
 */
public final class SpamLevels implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpamLevels.class);
    static final Duration FRESH_WAIT = Duration.ofSeconds(1);

    private final Records records;
    private final RecordWatcher watcher;
    private volatile Map<Long, SpamLevel> levels = Map.of();

    private SpamLevels(Records records, ChangeLog changes) {
        this.records = records;
        this.watcher = changes == null ? null : RecordWatcher.start(changes, Set.of(SpamLevel.KIND), this::reload, "spam-levels");
    }

    /** Every level in memory, fresh from {@code changes} until {@link #close()}. */
    public static SpamLevels watch(Records records, ChangeLog changes) {
        return new SpamLevels(records, changes);
    }

    /** Levels read from {@code records} at each lookup. */
    public static SpamLevels of(Records records) {
        return new SpamLevels(records, null);
    }

    private void reload() {
        Map<Long, SpamLevel> now = new HashMap<>();
        for (StoredRecord r : records.records(SpamLevel.KIND)) {
            Long id = accountId(r);
            if (id == null) continue;
            try {
                now.put(id, SpamLevel.decode(r.value()));
            } catch (IllegalArgumentException e) {
                log.warn("spam level of {} skipped: {}", r.scope(), e.getMessage());
            }
        }
        levels = Map.copyOf(now);
    }

    private static Long accountId(StoredRecord r) {
        if (!r.name().equals(SpamLevel.NAME) || !r.scope().startsWith("account:")) return null;
        try {
            return Long.parseLong(r.scope().substring("account:".length()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The account's level; {@link SpamLevel#NORMAL} when it has none (or an unreadable one). */
    public SpamLevel level(long accountId) {
        if (watcher != null && watcher.awaitCurrent(FRESH_WAIT)) return levels.getOrDefault(accountId, SpamLevel.NORMAL);
        return records.record(SpamLevel.KIND, Records.accountScope(accountId), SpamLevel.NAME).map(r -> {
            try {
                return SpamLevel.decode(r.value());
            } catch (IllegalArgumentException e) {
                return SpamLevel.NORMAL;
            }
        }).orElse(SpamLevel.NORMAL);
    }

    @Override
    public void close() {
        if (watcher != null) watcher.close();
    }
}
