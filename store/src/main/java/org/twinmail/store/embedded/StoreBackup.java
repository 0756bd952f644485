package org.twinmail.store.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.twinmail.store.BackupReport;
import org.twinmail.store.StoreException;

/**
 * Online backup of the embedded store, and restore into a fresh data directory.
 *
 * <p>A backup directory holds any number of snapshots and one pool of body files they share:
 * <pre>
 *   DIR/snapshots/20261207T141503.123Z/mail.db         the database as of that instant (VACUUM INTO)
 *   DIR/snapshots/20261207T141503.123Z/manifest.properties
 *   DIR/blobs/ab/cd/&lt;sha256&gt;                        bodies, named by content as in the store
 * </pre>
 * The database copy is SQLite's {@code VACUUM INTO} on a connection of its own: one read
 * transaction, so the copy is exactly the committed state at its start; in WAL mode a reader
 * never blocks the writer, so deliveries go on committing meanwhile (the WAL grows until the
 * copy ends, as the checkpointer cannot pass a reader). The body files the copy references are
 * then copied (only those not already in {@code DIR/blobs}: a second backup into the same
 * directory is incremental); while the backup runs, blob files are not deleted (an expunge
 * after the snapshot defers its deletion, see {@link BlobFiles#hold}). Everything written is
 * fsynced, the manifest last: a snapshot without a manifest is incomplete and never restored.
 *
 * <p>The change log is part of every snapshot (its table is in the database): a restored
 * store continues its positions, so IMAP MODSEQs and JMAP states stay valid. It records what
 * changed, not the content (a delivery names the message, not its body), so it cannot replay
 * the time between two snapshots: a restore "until TIME" takes the newest snapshot whose time
 * is not after TIME.
 */
public final class StoreBackup {
    static final String SNAPSHOTS = "snapshots";
    static final String BLOBS = "blobs";
    static final String DATABASE = "mail.db";
    static final String MANIFEST = "manifest.properties";
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

    private StoreBackup() {}

    /**
     * Backs up the store whose database is {@code database} and whose bodies are in {@code files}
     * into {@code target}. {@code afterHold} gets the deletions deferred while the backup held the
     * blob files (for the writer to check again).
     */
    static BackupReport backup(Path database, BlobFiles files, Path target, java.util.function.Consumer<List<String>> afterHold) {
        long t0 = System.nanoTime();
        BlobFiles.Hold hold = files.hold();
        Path partial = null;
        try {
            Files.createDirectories(target.resolve(SNAPSHOTS));
            Files.createDirectories(target.resolve(BLOBS));
            Instant time = Instant.now();
            String name = NAME.format(time);
            Path snapshot = target.resolve(SNAPSHOTS).resolve(name);
            Files.createDirectory(snapshot);
            partial = snapshot;
            Path copy = snapshot.resolve(DATABASE);
            Db source = Db.openReader(database, 5_000);
            try {
                source.exec("VACUUM INTO '" + copy.toString().replace("'", "''") + "'");
            } finally {
                source.close();
            }
            fsync(copy);
            long bytes = Files.size(copy);
            long changePosition;
            long messages;
            List<String> shas;
            Db snap = Db.openReader(copy, 5_000);
            try {
                changePosition = snap.queryLong("SELECT coalesce(max(position), 0) FROM change_log").orElse(0L);
                messages = snap.queryLong("SELECT count(*) FROM message").orElse(0L);
                shas = snap.list("SELECT sha256 FROM blob WHERE in_file = 1", rs -> rs.getString(1));
            } finally {
                snap.close();
            }
            BlobFiles pool = new BlobFiles(target.resolve(BLOBS));
            long copied = 0;
            for (String sha : shas) {
                Path to = pool.path(sha);
                if (Files.isRegularFile(to)) continue;
                bytes += copyDurably(files.path(sha), to, null);
                copied++;
            }
            BlobFiles.fsyncDirectory(snapshot);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            Properties m = new Properties();
            m.setProperty("time", time.toString());
            m.setProperty("changePosition", Long.toString(changePosition));
            m.setProperty("messages", Long.toString(messages));
            m.setProperty("blobFiles", Long.toString(shas.size()));
            Path manifestTemp = snapshot.resolve(MANIFEST + ".tmp");
            try (OutputStream out = Files.newOutputStream(manifestTemp)) {
                m.store(out, "TwinMail store snapshot; complete when this file exists");
            }
            fsync(manifestTemp);
            Files.move(manifestTemp, snapshot.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE);
            BlobFiles.fsyncDirectory(snapshot);
            BlobFiles.fsyncDirectory(target.resolve(SNAPSHOTS));
            partial = null;
            return new BackupReport(name, time, changePosition, messages, shas.size(), copied, bytes, millis);
        } catch (SQLException e) {
            throw new StoreException.Unavailable("backup into " + target + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreException.Unavailable("backup into " + target + " failed: " + e, e);
        } finally {
            List<String> deferred = hold.release();
            if (!deferred.isEmpty()) afterHold.accept(deferred);
            if (partial != null) deleteQuietly(partial);
        }
    }

    /**
     * Restores the newest complete snapshot of {@code backup} whose time is not after
     * {@code until} (null: the newest) into {@code dataDir}, which must not hold a store yet.
     * Every body file is checked against its name (SHA-256) as it is copied, and the database
     * with SQLite's {@code quick_check}.
     */
    public static BackupReport restore(Path backup, Instant until, Path dataDir) {
        long t0 = System.nanoTime();
        Path storeDir = dataDir.resolve("store");
        if (Files.exists(storeDir.resolve(DATABASE))) {
            throw new StoreException.Conflict(storeDir + " already holds a store; restore into a fresh data directory");
        }
        Snapshot s = snapshots(backup).stream().filter(x -> until == null || !x.time().isAfter(until)).reduce((a, b) -> b)
                .orElseThrow(() -> new StoreException.NotFound("no complete snapshot in " + backup.resolve(SNAPSHOTS)
                        + (until == null ? "" : " at or before " + until)));
        try {
            Files.createDirectories(storeDir.resolve("blobs"));
            Path db = storeDir.resolve(DATABASE);
            long bytes = copyDurably(s.dir().resolve(DATABASE), db, null);
            List<String> shas;
            long messages;
            long changePosition;
            Db check = Db.openReader(db, 5_000);
            try {
                String ok = check.one("PRAGMA quick_check", rs -> rs.getString(1)).orElse("?");
                if (!"ok".equals(ok)) throw new StoreException.Unavailable("snapshot " + s.name() + " is damaged: " + ok, null);
                shas = check.list("SELECT sha256 FROM blob WHERE in_file = 1", rs -> rs.getString(1));
                messages = check.queryLong("SELECT count(*) FROM message").orElse(0L);
                changePosition = check.queryLong("SELECT coalesce(max(position), 0) FROM change_log").orElse(0L);
            } finally {
                check.close();
            }
            BlobFiles pool = new BlobFiles(backup.resolve(BLOBS));
            BlobFiles into = new BlobFiles(storeDir.resolve("blobs"));
            for (String sha : shas) bytes += copyDurably(pool.path(sha), into.path(sha), sha);
            BlobFiles.fsyncDirectory(storeDir);
            BlobFiles.fsyncDirectory(dataDir);
            return new BackupReport(s.name(), s.time(), changePosition, messages, shas.size(), shas.size(), bytes,
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (SQLException e) {
            throw new StoreException.Unavailable("restore of " + s.name() + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreException.Unavailable("restore of " + s.name() + " failed: " + e, e);
        }
    }

    /** A complete snapshot of a backup directory. */
    public record Snapshot(String name, Instant time, Path dir) { }

    /** The complete snapshots of {@code backup} (those with a manifest), oldest first. */
    public static List<Snapshot> snapshots(Path backup) {
        List<Snapshot> out = new ArrayList<>();
        Path dir = backup.resolve(SNAPSHOTS);
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Path manifest = p.resolve(MANIFEST);
                if (!Files.isRegularFile(manifest)) continue;
                Properties m = new Properties();
                try (InputStream in = Files.newInputStream(manifest)) {
                    m.load(in);
                }
                out.add(new Snapshot(p.getFileName().toString(), Instant.parse(m.getProperty("time")), p));
            }
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot read " + dir + ": " + e, e);
        }
        out.sort(java.util.Comparator.comparing(Snapshot::time));
        return out;
    }

    /** Copies through a temp file, fsync, rename; checks the SHA-256 against {@code sha256} when given. Returns the bytes. */
    private static long copyDurably(Path from, Path to, String sha256) throws IOException {
        Files.createDirectories(to.getParent());
        Path temp = to.resolveSibling(".tmp-" + to.getFileName());
        MessageDigest md = sha256 == null ? null : sha256();
        long n = 0;
        try (InputStream in = Files.newInputStream(from);
             FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                if (md != null) md.update(buf, 0, r);
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf, 0, r);
                while (b.hasRemaining()) out.write(b);
                n += r;
            }
            out.force(true);
        } catch (NoSuchFileException e) {
            Files.deleteIfExists(temp);
            throw new IOException("missing: " + from, e);
        }
        if (md != null && !HexFormat.of().formatHex(md.digest()).equals(sha256)) {
            Files.deleteIfExists(temp);
            throw new IOException("body file " + from + " does not match its SHA-256: the backup is damaged");
        }
        Files.move(temp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        BlobFiles.fsyncDirectory(to.getParent());
        return n;
    }

    private static void fsync(Path f) throws IOException {
        try (FileChannel c = FileChannel.open(f, StandardOpenOption.WRITE)) {
            c.force(true);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // an incomplete snapshot has no manifest: it is never restored, and the next backup leaves it alone
        }
    }
}
