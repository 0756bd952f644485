package org.twinmail.store.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.twinmail.core.mail.MessageData;

/**
 * Message bodies kept as files, named by their SHA-256 under two levels of
 * fan-out ({@code ab/cd/abcd...}) so no directory grows past 65536 entries per level.
 *
 * <p>Crash safety: a file appears under its final name only whole and on disk
 * (temp file, fsync, rename, fsync of the directory), and that happens before the
 * transaction that references it commits. A crash can therefore leave a file
 * nobody references (swept at the next open), never a reference without a file.
 */
final class BlobFiles {
    private static final String TEMP_PREFIX = ".tmp-";
    private static final HexFormat HEX = HexFormat.of();

    private final Path root;
    private final Set<Path> durableDirectories = ConcurrentHashMap.newKeySet();

    /** {@code root} must exist and be durable (the store creates it at open). */
    BlobFiles(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    Path path(String sha256) {
        return root.resolve(sha256.substring(0, 2)).resolve(sha256.substring(2, 4)).resolve(sha256);
    }

    boolean exists(String sha256) {
        return Files.isRegularFile(path(sha256));
    }

    /**
     * Stores {@code data} under its content address unless a file is already there,
     * checking on the way that the bytes match the size and SHA-256 the data claims:
     * a wrong address would hand one recipient's mail to everybody sharing it.
     */
    void write(MessageData data) throws IOException {
        String sha256 = data.sha256();
        Path target = path(sha256);
        Path dir = target.getParent();
        ensureDirectory(dir);
        if (Files.isRegularFile(target)) {
            // Renamed into place only after its own fsync, so the bytes are on disk; the
            // directory entry may not be yet if its writer is still between rename and
            // fsync, and our transaction may commit before theirs.
            fsyncDirectory(dir);
            return;
        }
        Path temp = dir.resolve(TEMP_PREFIX + sha256 + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        boolean renamed = false;
        try {
            MessageDigest digest = sha256Digest();
            long written = 0;
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 InputStream in = data.open()) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    digest.update(buf, 0, n);
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    while (bb.hasRemaining()) out.write(bb);
                    written += n;
                }
                out.force(true);
            }
            String actual = HEX.formatHex(digest.digest());
            if (written != data.size() || !actual.equals(sha256)) {
                throw new IllegalArgumentException("message content does not match its size/SHA-256 ("
                        + written + " bytes, " + actual + "; claimed " + data.size() + ", " + sha256 + ")");
            }
            // rename(2) replaces atomically; a racing writer of the same content leaves identical bytes.
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("file system cannot rename atomically in " + dir, e);
            }
            renamed = true;
            fsyncDirectory(dir);
        } finally {
            if (!renamed) Files.deleteIfExists(temp);
        }
    }

    /** Holds taken by backups in progress; while there is one, deletions are deferred ({@link #hold}). */
    private int holds;
    private final Set<String> deferred = new java.util.LinkedHashSet<>();

    /**
     * Removes a blob file; a missing one is fine (someone swept it already). While a backup
     * holds the files ({@link #hold}) the deletion is only noted, and done when the hold ends.
     */
    void delete(String sha256) throws IOException {
        synchronized (this) {
            if (holds > 0) {
                deferred.add(sha256);
                return;
            }
        }
        Files.deleteIfExists(path(sha256));
    }

    /**
     * Keeps every blob file where it is until the hold is released: a backup copies the files
     * its database snapshot references, and an expunge after the snapshot must not take one
     * away before it is copied. Release returns the deletions deferred meanwhile (when no other
     * hold remains), for the writer to check again under its lock.
     */
    synchronized Hold hold() {
        holds++;
        return new Hold();
    }

    /** One backup's hold on the blob files. */
    final class Hold {
        private boolean released;

        /** Ends the hold; the deferred deletions when it was the last one, else nothing. */
        java.util.List<String> release() {
            synchronized (BlobFiles.this) {
                if (released) return java.util.List.of();
                released = true;
                if (--holds > 0) return java.util.List.of();
                java.util.List<String> out = java.util.List.copyOf(deferred);
                deferred.clear();
                return out;
            }
        }
    }

    /** A listing of what lies under the root, for the open-time sweep. */
    record Listing(List<String> blobs, List<Path> staleTemps, List<Path> strangers) { }

    /**
     * Lists blob files, temp files older than {@code tempMaxAge} (a live writer of
     * another instance may own younger ones), and files that match neither pattern.
     */
    Listing list(Duration tempMaxAge) throws IOException {
        List<String> blobs = new ArrayList<>();
        List<Path> temps = new ArrayList<>();
        List<Path> strangers = new ArrayList<>();
        if (!Files.isDirectory(root)) return new Listing(blobs, temps, strangers);
        Instant tempCutoff = Instant.now().minus(tempMaxAge);
        try (DirectoryStream<Path> level1 = Files.newDirectoryStream(root)) {
            for (Path d1 : level1) {
                if (!Files.isDirectory(d1)) { strangers.add(d1); continue; }
                try (DirectoryStream<Path> level2 = Files.newDirectoryStream(d1)) {
                    for (Path d2 : level2) {
                        if (!Files.isDirectory(d2)) { strangers.add(d2); continue; }
                        try (DirectoryStream<Path> files = Files.newDirectoryStream(d2)) {
                            for (Path f : files) {
                                String name = f.getFileName().toString();
                                if (isSha256(name) && f.equals(path(name))) {
                                    blobs.add(name);
                                } else if (name.startsWith(TEMP_PREFIX)) {
                                    try {
                                        if (Files.getLastModifiedTime(f).toInstant().isBefore(tempCutoff)) temps.add(f);
                                    } catch (NoSuchFileException gone) {
                                        // finished or removed meanwhile
                                    }
                                } else {
                                    strangers.add(f);
                                }
                            }
                        }
                    }
                }
            }
        }
        return new Listing(blobs, temps, strangers);
    }

    static boolean isSha256(String s) {
        if (s == null || s.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }

    static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Makes sure {@code dir} exists and its entry is on disk. The parent is fsynced
     * even when another thread created the directory, because that thread may not
     * have fsynced yet; each directory costs this once per process.
     */
    private void ensureDirectory(Path dir) throws IOException {
        if (dir.equals(root) || durableDirectories.contains(dir)) return;
        Path parent = dir.getParent();
        ensureDirectory(parent);
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) throw e;
        }
        fsyncDirectory(parent);
        durableDirectories.add(dir);
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
