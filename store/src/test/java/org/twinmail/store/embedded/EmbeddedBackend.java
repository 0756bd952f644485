package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.twinmail.store.MailStore;

/** How the contract suites open the embedded store: a small inline limit, so both body paths run. */
final class EmbeddedBackend {
    private EmbeddedBackend() {}

    static MailStore open(Path dataDir, long epoch) {
        return EmbeddedMailStore.open(new StoreOptions(dataDir, epoch, 256, StoreFixture.INLINE_MAX, 2, new SimpleMeterRegistry()));
    }

    /** A query on a separate, read-only connection: what is committed, as SQLite itself sees it. */
    static long sqlLong(Path dataDir, String sql) {
        return StoreFixture.sqlLong(dataDir.resolve("store").resolve("mail.db"), sql);
    }

    /** Regular files under the blob directory, temp files included. */
    static long blobFileCount(Path dataDir) {
        try (Stream<Path> s = Files.walk(dataDir.resolve("store").resolve("blobs"))) {
            return s.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Exactly {@code entries} message rows and as many blob rows; account and domain usage add up to the entries. */
    static void assertStoredEntries(Path dataDir, long entries) {
        assertThat(sqlLong(dataDir, "SELECT count(*) FROM message")).isEqualTo(entries);
        assertThat(sqlLong(dataDir, "SELECT count(*) FROM blob")).isEqualTo(entries);
        long sizes = sqlLong(dataDir, "SELECT coalesce(sum(size), 0) FROM message");
        assertThat(sqlLong(dataDir, "SELECT coalesce(sum(used_bytes), 0) FROM account")).isEqualTo(sizes);
        assertThat(sqlLong(dataDir, "SELECT coalesce(sum(used_bytes), 0) FROM domain")).isEqualTo(sizes);
    }
}
