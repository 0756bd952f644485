package org.twinmail.store.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Checks, after each COMMIT, that the volume still took writes when the commit's fsync
 * returned, because on ext4 a successful fsync does not prove that the commit is on disk if
 * the filesystem failed while it ran.
 *
 * <p>An append to the WAL lands in blocks ext4 allocates as unwritten extents; the data goes to
 * the disk, and when that I/O completes ext4 converts the extents to written in a journal
 * transaction of its own. If the journal is aborted meanwhile (an I/O error on the journal,
 * {@code EXT4_IOC_SHUTDOWN} as the HA lab injects it, an emergency read-only remount), the
 * conversion fails, the pages still end their writeback without error, and {@code fdatasync}
 * returns 0 (Linux 6.18; {@code ha/fsync-after-shutdown.py} reproduces it: in 7 of 60 rounds
 * the last append that fdatasync vouched for was not in the file after a remount). SQLite then
 * reports the COMMIT as durable; the node that mounts the volume next finds the WAL shorter (or
 * the frames as zeros) and the transaction is gone: the HA lab lost one acknowledged message
 * that way. By the time such an fsync returns, ext4 has already marked the filesystem shut down
 * (or read-only), and from then on it refuses every {@code write(2)} on it. So the writer writes
 * one byte to this file, beside the database on the same filesystem, after every COMMIT and
 * before any caller hears "stored": a refused write means the commit is not known to be on disk,
 * and the batch fails like one whose fsync failed (SMTP answers 4xx, the client retries). The
 * byte is never fsynced: what matters is whether the kernel still accepts writes, not the file.
 * Cost: one pwrite of one byte into the page cache per group commit.
 */
final class CommitWitness implements AutoCloseable {
    /** The file's name in the store's directory. */
    static final String FILE = "commit-witness";

    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer one = ByteBuffer.allocateDirect(1);

    private CommitWitness(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Opens (creating) the witness file {@code file}, which must be on the database's filesystem. */
    static CommitWitness open(Path file) throws IOException {
        return new CommitWitness(file, FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE));
    }

    /** Throws when the filesystem refuses a write now. */
    void check() throws IOException {
        one.clear();
        one.put(0, (byte) '.');
        try {
            while (one.hasRemaining()) channel.write(one, 0);
        } catch (IOException e) {
            throw new IOException("the volume refused a write right after the commit (" + file + ": " + e.getMessage()
                    + "): the commit's fsync returned, but the commit is not known to be on disk", e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was promised through it
        }
    }
}
