package org.twinmail.server;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.policy.PolicyRecords;
import org.twinmail.core.policy.PolicyRecords.BanValue;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.RecordWatcher;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * Keeps the {@link AuthGuard}'s bans in the store (the {@code Records} role, kind
 * {@value PolicyRecords#BAN}, one record per client, its expiry the ban's end), so a ban
 * survives a restart and a switchover: each ban the guard issues is written, each the
 * administrator lifts on the guard is deleted, and the records are restored into the guard at
 * start and whenever they change (a ban added or removed with {@code twinmail admin ban}, through
 * the API or on the stopped store). Runs on the active node, beside the store.
 */
final class PersistentBans implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PersistentBans.class);
    /** A ban kept with no end: the guard holds it this long. */
    static final java.time.Duration FOREVER = java.time.Duration.ofDays(36_500);

    private final Records records;
    private final AuthGuard guard;
    private final RecordWatcher watcher;

    PersistentBans(Records records, ChangeLog changes, AuthGuard guard) {
        this.records = records;
        this.guard = guard;
        guard.listener(new AuthGuard.BanListener() {
            @Override
            public void banned(AuthGuard.Ban ban) {
                try {
                    records.putRecord(PolicyRecords.BAN, "", ban.client(), new BanValue(ban.level(), "failed logins").encode(),
                            ban.until().toEpochMilli());
                } catch (RuntimeException e) {
                    log.warn("auth: the ban of {} is in force but could not be kept in the store: {}", ban.client(), e.toString());
                }
            }

            @Override
            public void lifted(String client) {
                try {
                    records.deleteRecord(PolicyRecords.BAN, "", client);
                } catch (RuntimeException e) {
                    log.warn("auth: the lifted ban of {} could not be removed from the store: {}", client, e.toString());
                }
            }
        });
        this.watcher = RecordWatcher.start(changes, Set.of(PolicyRecords.BAN), this::restore, "bans");
    }

    private void restore() {
        long now = System.currentTimeMillis();
        List<AuthGuard.Ban> kept = new ArrayList<>();
        for (StoredRecord r : records.records(PolicyRecords.BAN, "")) {
            if (r.expiresMillis() != 0 && r.expiresMillis() <= now) continue;
            int level;
            try {
                level = BanValue.decode(r.value()).level();
            } catch (IllegalArgumentException e) {
                level = 0;
            }
            Instant until = r.expiresMillis() == 0 ? Instant.now().plus(FOREVER) : Instant.ofEpochMilli(r.expiresMillis());
            kept.add(new AuthGuard.Ban(r.name(), until, level));
        }
        guard.restore(kept);
    }

    @Override
    public void close() {
        guard.listener(null);
        watcher.close();
    }
}
