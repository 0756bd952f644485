package org.twinmail.store.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sqlite.SQLiteConfig;

/**
 * One SQLite connection with its prepared statements cached, and the few query
 * shapes the store needs. Not thread-safe: each connection belongs to one thread
 * (the writer, or one reader).
 */
final class Db implements AutoCloseable {

    /** Maps the current row of a result set. */
    @FunctionalInterface
    interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** SQLite page cache of the writer's connection (native memory, outside the Java heap). */
    static final int WRITER_CACHE_KIB = 64 * 1024;
    /** Page cache of each reader's connection. */
    static final int READER_CACHE_KIB = 16 * 1024;

    private final Connection connection;
    private final Path file;
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    private Db(Connection connection, Path file) {
        this.connection = connection;
        this.file = file;
    }

    /** The database file this connection works on. */
    Path file() {
        return file;
    }

    /**
     * The writer's connection. WAL lets readers run alongside it; synchronous=FULL
     * makes every COMMIT wait for the WAL fsync, which is what lets callers
     * acknowledge after it returns.
     */
    static Db openWriter(Path file, int busyTimeoutMillis) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        // Measured at the SPECmail2001 maximum (strace of the writer): each operation's SAVEPOINT
        // wrote a statement journal to a temporary file (half of all its writes), and with
        // SQLite's default 2 MiB page cache most pages were read back from the WAL and the
        // database file on every batch. Statement journals only serve ROLLBACK TO, never
        // recovery, so memory is the right place for them.
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        config.setCacheSize(-WRITER_CACHE_KIB);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(busyTimeoutMillis);
        Db db = new Db(config.createConnection("jdbc:sqlite:" + file), file);
        try {
            // Checkpoints run on WalCheckpointer's connection, not inside the writer's COMMITs.
            db.exec("PRAGMA wal_autocheckpoint=0");
        } catch (SQLException e) {
            db.close();
            throw e;
        }
        return db;
    }

    /** WalCheckpointer's connection: it only copies WAL frames into the database file, with the writer's durability. */
    static Db openCheckpointer(Path file, int busyTimeoutMillis) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setCacheSize(-64); // it reads no tables: a minimal page cache
        config.setBusyTimeout(busyTimeoutMillis);
        return new Db(config.createConnection("jdbc:sqlite:" + file), file);
    }

    /** A reader's connection: read-only at the SQLite level, so a bug cannot write past the writer's checks. */
    static Db openReader(Path file, int busyTimeoutMillis) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        config.setCacheSize(-READER_CACHE_KIB);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(busyTimeoutMillis);
        return new Db(config.createConnection("jdbc:sqlite:" + file), file);
    }

    /** Runs SQL without parameters or results (BEGIN, COMMIT, SAVEPOINT, DDL). */
    void exec(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    int update(String sql, Object... args) throws SQLException {
        return bind(sql, args).executeUpdate();
    }

    /** Runs an INSERT and returns the rowid it assigned. */
    long insert(String sql, Object... args) throws SQLException {
        bind(sql, args).executeUpdate();
        return queryLong("SELECT last_insert_rowid()").orElseThrow();
    }

    <T> List<T> list(String sql, Row<T> row, Object... args) throws SQLException {
        List<T> out = new ArrayList<>();
        try (ResultSet rs = bind(sql, args).executeQuery()) {
            while (rs.next()) out.add(row.map(rs));
        }
        return out;
    }

    <T> Optional<T> one(String sql, Row<T> row, Object... args) throws SQLException {
        try (ResultSet rs = bind(sql, args).executeQuery()) {
            return rs.next() ? Optional.ofNullable(row.map(rs)) : Optional.empty();
        }
    }

    /** The first column of the first row, empty when there is no row or the value is NULL. */
    Optional<Long> queryLong(String sql, Object... args) throws SQLException {
        try (ResultSet rs = bind(sql, args).executeQuery()) {
            if (!rs.next()) return Optional.empty();
            long v = rs.getLong(1);
            return rs.wasNull() ? Optional.empty() : Optional.of(v);
        }
    }

    boolean exists(String sql, Object... args) throws SQLException {
        try (ResultSet rs = bind(sql, args).executeQuery()) {
            return rs.next();
        }
    }

    private PreparedStatement bind(String sql, Object... args) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            statements.put(sql, ps);
        } else {
            ps.clearParameters();
        }
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            switch (a) {
                case null -> ps.setNull(i + 1, Types.NULL);
                case Long l -> ps.setLong(i + 1, l);
                case Integer n -> ps.setLong(i + 1, n);
                case String s -> ps.setString(i + 1, s);
                case byte[] b -> ps.setBytes(i + 1, b);
                case Boolean b -> ps.setLong(i + 1, b ? 1 : 0);
                default -> throw new IllegalArgumentException("cannot bind " + a.getClass().getName());
            }
        }
        return ps;
    }

    @Override
    public void close() {
        for (PreparedStatement ps : statements.values()) {
            try { ps.close(); } catch (SQLException ignored) { /* closing anyway */ }
        }
        statements.clear();
        try { connection.close(); } catch (SQLException ignored) { /* nothing left to do with it */ }
    }
}
