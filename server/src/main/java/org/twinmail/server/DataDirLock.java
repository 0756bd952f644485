package org.twinmail.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * An exclusive lock on a data directory ({@code twinmail.lock}, holding the owner's pid),
 * so that one server, or one offline admin command, owns the store at a time. The
 * kernel drops the lock when the process dies, however it dies: no stale lock after kill -9.
 */
public final class DataDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or returns empty when another process holds it. */
    public static Optional<DataDirLock> tryAcquire(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Path file = dataDir.resolve("twinmail.lock");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            l = null; // held by this very JVM (tests, or the CLI inside a running server)
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            return Optional.empty();
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        ch.force(false);
        return Optional.of(new DataDirLock(ch, l));
    }

    /** The pid written by the current holder, if readable (for error messages). */
    public static String holder(Path dataDir) {
        try {
            return Files.readString(dataDir.resolve("twinmail.lock")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the process is about to let go of it anyway
        }
    }
}
