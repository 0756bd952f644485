package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;
import org.twinmail.store.StoreException;

/** SQLite calls a read that failed with EIO a corrupt database; the store names the I/O error instead. */
class StorageErrorsTest {
    @TempDir
    Path dir;

    private static SQLException corrupt() {
        return new SQLiteException("[SQLITE_CORRUPT] The database disk image is malformed (database disk image is malformed)",
                SQLiteErrorCode.SQLITE_CORRUPT);
    }

    @Test
    void aCorruptionReportOverAnUnreadableFileNamesTheIoError() throws Exception {
        Path unreadable = Files.createDirectory(dir.resolve("mail.db")); // reading it fails with an IOException, as EIO does
        StoreException.Unavailable e = StorageErrors.unavailable("store read failed", unreadable, corrupt());
        assertThat(e.getMessage()).startsWith("store read failed: storage I/O error: reading " + unreadable)
                .contains("the database itself is not known to be damaged");
        assertThat(e.getCause()).isInstanceOf(SQLiteException.class);
    }

    @Test
    void aCorruptionReportOverReadableFilesStaysWhatSqliteSaid() throws Exception {
        Path db = Files.write(dir.resolve("mail.db"), new byte[10_000]);
        Files.write(dir.resolve("mail.db-wal"), new byte[100]);
        StoreException.Unavailable e = StorageErrors.unavailable("store read failed", db, corrupt());
        assertThat(e.getMessage()).isEqualTo("store read failed: " + corrupt().getMessage());
    }

    @Test
    void otherErrorsAreNotProbed() throws Exception {
        Path unreadable = Files.createDirectory(dir.resolve("mail.db"));
        SQLException busy = new SQLiteException("[SQLITE_BUSY] database is locked", SQLiteErrorCode.SQLITE_BUSY);
        assertThat(StorageErrors.unavailable("store read failed", unreadable, busy).getMessage())
                .isEqualTo("store read failed: [SQLITE_BUSY] database is locked");
    }
}
