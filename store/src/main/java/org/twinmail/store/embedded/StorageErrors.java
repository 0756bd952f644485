package org.twinmail.store.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;
import org.twinmail.store.StoreException;

/**
 * Says what really failed when SQLite reports a damaged database. SQLite turns a read of its
 * files that fails with EIO (a dying disk, a volume shut down after I/O errors, a lost SAN
 * path) into {@code SQLITE_CORRUPT: database disk image is malformed}, which sends an
 * administrator to restore a backup when the disk, not the database, is at fault (the HA lab
 * reproduced it with an ext4 volume shut down under a running node; the peer then opened the
 * same store normally). sqlite-jdbc does not expose {@code sqlite3_system_errno()}, so the
 * database and WAL files are read directly: an I/O error there is the cause, and the failure
 * is reported as that.
 */
final class StorageErrors {
    private static final int PROBE_BYTES = 4096;

    private StorageErrors() {
    }

    /** The exception for a failed store operation on {@code db}'s files: the storage's own error when there is one. */
    static StoreException.Unavailable unavailable(String what, Path dbFile, SQLException e) {
        if (isCorrupt(e) && dbFile != null) {
            String io = firstIoError(dbFile);
            if (io != null) {
                return new StoreException.Unavailable(what + ": storage I/O error: " + io
                        + " (SQLite reports it as " + e.getMessage() + "; the database itself is not known to be damaged)", e);
            }
        }
        return new StoreException.Unavailable(what + ": " + e.getMessage(), e);
    }

    static boolean isCorrupt(SQLException e) {
        return e instanceof SQLiteException se
                && (se.getResultCode() == SQLiteErrorCode.SQLITE_CORRUPT || se.getResultCode() == SQLiteErrorCode.SQLITE_NOTADB);
    }

    /** The first I/O error met reading the first and last block of the database file and its WAL, or null. */
    static String firstIoError(Path dbFile) {
        for (Path f : new Path[] {dbFile, dbFile.resolveSibling(dbFile.getFileName() + "-wal")}) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                long size = ch.size();
                ch.read(ByteBuffer.allocate(PROBE_BYTES), 0);
                if (size > PROBE_BYTES) ch.read(ByteBuffer.allocate(PROBE_BYTES), size - PROBE_BYTES);
            } catch (NoSuchFileException missing) {
                if (f.equals(dbFile)) return "reading " + f + ": no such file";
            } catch (IOException e) {
                return "reading " + f + ": " + e.getMessage();
            }
        }
        return Files.isWritable(dbFile.getParent()) ? null : "the store's directory " + dbFile.getParent() + " is not writable";
    }
}
