package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.BackupReport;
import org.twinmail.store.FlagChange;
import org.twinmail.store.StoreException;

/**
 * Online backup into a directory of snapshots and restore into a fresh data directory: every
 * mailbox of every account restored as it was at the snapshot (entries, flags, bodies), a
 * second backup copying only new bodies, a restore "until" a time between two snapshots
 * taking the earlier one, and bodies expunged during a backup kept until it ends.
 */
class StoreBackupTest extends StoreFixture {
    @TempDir
    Path backups;
    @TempDir
    Path restored;

    @Test
    void aRestoredStoreHasEveryMailboxAsItWasAtTheSnapshotAndUntilPicksTheSnapshotBeforeTheTime() throws Exception {
        openStore();
        store.addDomain("example.org");
        Account a = account("a@example.org");
        Account b = account("b@example.org");
        for (int i = 0; i < 30; i++) deliver(message(i % 3 == 0 ? 10_000 + i : 500 + i, "m" + i), i % 2 == 0 ? new Account[] {a, b} : new Account[] {a});
        long inboxA = store.mailbox(a.id(), "INBOX").orElseThrow().id();
        store.createMailbox(b.id(), "Archive", null);
        store.storeFlags(inboxA, List.of(1L, 2L, 4L), FlagChange.ADD, Set.of("\\Seen", "$Label"), 0);
        long archive = store.mailbox(b.id(), "Archive").orElseThrow().id();
        store.copy(store.mailbox(b.id(), "INBOX").orElseThrow().id(), List.of(1L, 2L), archive, true);
        Map<String, List<String>> atFirst = picture(store, List.of(a, b));

        BackupReport first = store.backup(backups);
        assertThat(first.messages()).isEqualTo(atFirst.values().stream().mapToLong(List::size).sum());
        assertThat(first.blobFiles()).isEqualTo(10).isEqualTo(first.blobFilesCopied());

        // after the snapshot: a file body expunged, more mail
        store.storeFlags(inboxA, List.of(1L), FlagChange.ADD, Set.of("\\Deleted"), 0);
        store.expunge(inboxA, List.of(1L));
        for (int i = 30; i < 36; i++) deliver(message(20_000 + i, "n" + i), a);
        Map<String, List<String>> atSecond = picture(store, List.of(a, b));
        Thread.sleep(5); // two snapshots are named by their millisecond
        BackupReport second = store.backup(backups);
        assertThat(second.blobFilesCopied()).as("bodies already in the backup are not copied again").isEqualTo(6);
        assertThat(second.time()).isAfter(first.time());
        assertThat(StoreBackup.snapshots(backups)).hasSize(2);

        assertThat(restoreAndPicture(restored.resolve("until-first"), first.time(), List.of(a, b))).isEqualTo(atFirst);
        assertThat(restoreAndPicture(restored.resolve("until-between"), second.time().minusMillis(1), List.of(a, b))).isEqualTo(atFirst);
        assertThat(restoreAndPicture(restored.resolve("newest"), null, List.of(a, b))).isEqualTo(atSecond);
        assertThatThrownBy(() -> StoreBackup.restore(backups, first.time().minusSeconds(60), restored.resolve("too-early")))
                .isInstanceOf(StoreException.NotFound.class).hasMessageContaining("no complete snapshot");
        assertThatThrownBy(() -> StoreBackup.restore(backups, null, restored.resolve("newest")))
                .isInstanceOf(StoreException.Conflict.class).hasMessageContaining("fresh data directory");
    }

    @Test
    void aBodyExpungedWhileABackupRunsStaysUntilTheBackupEndsThenGoes() {
        openStore();
        store.addDomain("example.org");
        Account a = account("a@example.org");
        String sha = deliver(message(10_000, "big"), a).blobId();
        long inbox = store.mailbox(a.id(), "INBOX").orElseThrow().id();
        BlobFiles files = store.blobs() instanceof FileBlobStore f ? f.files() : null;
        assertThat(files).isNotNull();
        BlobFiles.Hold hold = files.hold();
        store.expunge(inbox, List.of(1L));
        assertThat(files.exists(sha)).as("held by the backup").isTrue();
        List<String> deferred = hold.release();
        assertThat(deferred).containsExactly(sha);
        store.deleteFilesIfUnreferenced(deferred); // what a backup does with its deferrals when it ends
        assertThat(files.exists(sha)).isFalse();
    }

    @Test
    void anIncompleteSnapshotIsNeverRestored() throws Exception {
        openStore();
        store.addDomain("example.org");
        deliver(message(100, "x"), account("a@example.org"));
        BackupReport r = store.backup(backups);
        Files.delete(backups.resolve("snapshots").resolve(r.snapshot()).resolve("manifest.properties"));
        assertThat(StoreBackup.snapshots(backups)).isEmpty();
        assertThatThrownBy(() -> StoreBackup.restore(backups, null, restored)).isInstanceOf(StoreException.NotFound.class);
    }

    private Map<String, List<String>> restoreAndPicture(Path dir, java.time.Instant until, List<Account> accounts) {
        StoreBackup.restore(backups, until, dir);
        EmbeddedMailStore s = open(new StoreOptions(dir, 1, 256, INLINE_MAX, 2, new SimpleMeterRegistry()));
        return picture(s, accounts);
    }

    /** Every mailbox of the accounts: each entry's uid, flags, size, internal date and whole body. */
    private static Map<String, List<String>> picture(EmbeddedMailStore s, List<Account> accounts) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Account acc : accounts) {
            for (Mailbox m : s.mailboxes(acc.id())) {
                List<String> entries = new ArrayList<>();
                for (MessageEntry e : s.messages(m.id())) {
                    byte[] body = readAll(openBlob(s, e));
                    entries.add(e.uid() + " " + new java.util.TreeSet<>(e.flags()) + " " + e.size() + " " + e.internalDate() + " "
                            + java.util.HexFormat.of().formatHex(sha256(body)));
                }
                out.put(acc.address() + "/" + m.name() + " uidvalidity " + m.uidValidity() + " uidnext " + m.uidNext(), entries);
            }
        }
        return out;
    }

    private static java.io.InputStream openBlob(EmbeddedMailStore s, MessageEntry e) {
        try {
            return s.openBlob(e.blobId());
        } catch (java.io.IOException x) {
            throw new java.io.UncheckedIOException(x);
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException x) {
            throw new IllegalStateException(x);
        }
    }
}
