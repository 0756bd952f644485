package org.twinmail.store.embedded;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.twinmail.core.mail.Printable;
import org.twinmail.store.Change;
import org.twinmail.store.RecordWrite;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/** The embedded {@link Records}: the {@code record} table (schema step "records"). */
final class EmbeddedRecords implements Records {
    private static final Pattern KIND = Pattern.compile("[a-z0-9][a-z0-9.-]{0,63}");
    private static final Pattern SCOPE = Pattern.compile("|account:[1-9][0-9]{0,18}|domain:[a-z0-9.-]{1,253}");
    private static final String COLUMNS = "SELECT kind, scope, name, value, version, expires, updated FROM record";

    private final Engine engine;

    EmbeddedRecords(Engine engine) {
        this.engine = engine;
    }

    @Override
    public Optional<StoredRecord> record(String kind, String scope, String name) {
        String k = kind(kind), s = scope(scope), n = name(name);
        return engine.read(db -> db.one(COLUMNS + " WHERE kind = ? AND scope = ? AND name = ?", EmbeddedRecords::row, k, s, n));
    }

    @Override
    public List<StoredRecord> records(String kind, String scope) {
        String k = kind(kind), s = scope(scope);
        return engine.read(db -> db.list(COLUMNS + " WHERE kind = ? AND scope = ? ORDER BY name", EmbeddedRecords::row, k, s));
    }

    @Override
    public List<StoredRecord> records(String kind) {
        String k = kind(kind);
        return engine.read(db -> db.list(COLUMNS + " WHERE kind = ? ORDER BY scope, name", EmbeddedRecords::row, k));
    }

    @Override
    public StoredRecord putRecord(String kind, String scope, String name, byte[] value, long expiresMillis) {
        return put(kind, scope, name, -1, value, expiresMillis).orElseThrow();
    }

    @Override
    public Optional<StoredRecord> putRecordIf(String kind, String scope, String name, long expectedVersion, byte[] value,
                                              long expiresMillis) {
        if (expectedVersion < 0) throw new IllegalArgumentException("expected version must be 0 or more, not " + expectedVersion);
        return put(kind, scope, name, expectedVersion, value, expiresMillis);
    }

    /** expectedVersion -1: unconditional. */
    private Optional<StoredRecord> put(String kind, String scope, String name, long expectedVersion, byte[] value,
                                       long expiresMillis) {
        String k = kind(kind), s = scope(scope), n = name(name);
        Objects.requireNonNull(value, "value");
        if (value.length > MAX_VALUE) {
            throw new IllegalArgumentException("a record value is at most " + MAX_VALUE + " bytes, not " + value.length);
        }
        if (expiresMillis < 0) throw new IllegalArgumentException("expiry must be 0 (never) or a time, not " + expiresMillis);
        byte[] v = value.clone();
        return engine.write(tx -> {
            Db db = tx.db();
            if (expectedVersion >= 0) {
                long current = db.queryLong("SELECT version FROM record WHERE kind = ? AND scope = ? AND name = ?", k, s, n)
                        .orElse(0L);
                if (current != expectedVersion) return Optional.empty();
            }
            long position = tx.appendChange(Change.Kind.RECORD_CHANGED, accountOf(s), 0, 0, detail(k, s, n));
            long now = System.currentTimeMillis();
            db.update("""
                    INSERT INTO record (kind, scope, name, value, version, expires, updated) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (kind, scope, name) DO UPDATE SET value = excluded.value, version = excluded.version,
                      expires = excluded.expires, updated = excluded.updated""", k, s, n, v, position, expiresMillis, now);
            return Optional.of(new StoredRecord(k, s, n, v, position, expiresMillis, now));
        });
    }

    @Override
    public Optional<List<StoredRecord>> writeRecords(List<RecordWrite> writes) {
        List<RecordWrite> checked = new ArrayList<>(writes.size());
        Set<String> keys = new HashSet<>();
        for (RecordWrite w : writes) {
            String k = kind(w.kind()), s = scope(w.scope()), n = name(w.name());
            if (!keys.add(detail(k, s, n))) throw new IllegalArgumentException("a record is written at most once per batch: " + Printable.of(n));
            byte[] v = null;
            if (!w.isDelete()) {
                if (w.value().length > MAX_VALUE) {
                    throw new IllegalArgumentException("a record value is at most " + MAX_VALUE + " bytes, not " + w.value().length);
                }
                if (w.expiresMillis() < 0) throw new IllegalArgumentException("expiry must be 0 (never) or a time, not " + w.expiresMillis());
                v = w.value().clone();
            }
            checked.add(new RecordWrite(k, s, n, v, w.expectedVersion(), w.expiresMillis()));
        }
        if (checked.isEmpty()) return Optional.of(List.of());
        return engine.write(tx -> {
            Db db = tx.db();
            for (RecordWrite w : checked) {
                if (w.expectedVersion() == RecordWrite.ANY) continue;
                long current = db.queryLong("SELECT version FROM record WHERE kind = ? AND scope = ? AND name = ?", w.kind(), w.scope(), w.name())
                        .orElse(0L);
                if (current != w.expectedVersion()) return Optional.empty();
            }
            List<StoredRecord> stored = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (RecordWrite w : checked) {
                String k = w.kind(), s = w.scope(), n = w.name();
                if (w.isDelete()) {
                    if (db.update("DELETE FROM record WHERE kind = ? AND scope = ? AND name = ?", k, s, n) > 0) {
                        tx.appendChange(Change.Kind.RECORD_CHANGED, accountOf(s), 0, 0, detail(k, s, n));
                    }
                    continue;
                }
                long position = tx.appendChange(Change.Kind.RECORD_CHANGED, accountOf(s), 0, 0, detail(k, s, n));
                db.update("""
                        INSERT INTO record (kind, scope, name, value, version, expires, updated) VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (kind, scope, name) DO UPDATE SET value = excluded.value, version = excluded.version,
                          expires = excluded.expires, updated = excluded.updated""", k, s, n, w.value(), position, w.expiresMillis(), now);
                stored.add(new StoredRecord(k, s, n, w.value(), position, w.expiresMillis(), now));
            }
            return Optional.of(List.copyOf(stored));
        });
    }

    @Override
    public boolean deleteRecord(String kind, String scope, String name) {
        String k = kind(kind), s = scope(scope), n = name(name);
        return engine.write(tx -> {
            if (tx.db().update("DELETE FROM record WHERE kind = ? AND scope = ? AND name = ?", k, s, n) == 0) return false;
            tx.appendChange(Change.Kind.RECORD_CHANGED, accountOf(s), 0, 0, detail(k, s, n));
            return true;
        });
    }

    @Override
    public int purgeExpiredRecords(long nowMillis) {
        return engine.write(tx -> {
            record Key(String kind, String scope, String name) { }
            List<Key> expired = tx.db().list("SELECT kind, scope, name FROM record WHERE expires > 0 AND expires <= ?",
                    rs -> new Key(rs.getString(1), rs.getString(2), rs.getString(3)), nowMillis);
            for (Key key : expired) {
                tx.db().update("DELETE FROM record WHERE kind = ? AND scope = ? AND name = ?", key.kind(), key.scope(), key.name());
                tx.appendChange(Change.Kind.RECORD_CHANGED, accountOf(key.scope()), 0, 0, detail(key.kind(), key.scope(), key.name()));
            }
            return expired.size();
        });
    }

    /** Removes every record of {@code scope} inside a directory change (account or domain removal). */
    static void removeScope(GroupCommitWriter.WriteTx tx, String scope) throws SQLException {
        record Key(String kind, String name) { }
        List<Key> keys = tx.db().list("SELECT kind, name FROM record WHERE scope = ?",
                rs -> new Key(rs.getString(1), rs.getString(2)), scope);
        if (keys.isEmpty()) return;
        tx.db().update("DELETE FROM record WHERE scope = ?", scope);
        for (Key key : keys) tx.appendChange(Change.Kind.RECORD_CHANGED, accountOf(scope), 0, 0, detail(key.kind(), scope, key.name()));
    }

    private static StoredRecord row(ResultSet rs) throws SQLException {
        return new StoredRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4), rs.getLong(5),
                rs.getLong(6), rs.getLong(7));
    }

    private static String detail(String kind, String scope, String name) {
        return kind + '\t' + scope + '\t' + name;
    }

    private static long accountOf(String scope) {
        return scope.startsWith("account:") ? Long.parseLong(scope.substring("account:".length())) : 0;
    }

    private static String kind(String kind) {
        if (kind == null || !KIND.matcher(kind).matches()) {
            throw new IllegalArgumentException("a record kind is 1 to 64 of a-z, 0-9, '.' and '-', starting with a letter or digit: "
                    + Printable.of(kind));
        }
        return kind;
    }

    private static String scope(String scope) {
        if (scope == null || !SCOPE.matcher(scope).matches()) {
            throw new IllegalArgumentException("a record scope is \"\", \"account:<id>\" or \"domain:<domain>\": " + Printable.of(scope));
        }
        return scope;
    }

    private static String name(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME) {
            throw new IllegalArgumentException("a record name is 1 to " + MAX_NAME + " characters");
        }
        return name;
    }
}
