package org.twinmail.cluster;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raw lease area on the shared array that both nodes open at the same time, as
 * Pacemaker's SBD uses a small shared disk: one block per node, each written only by its
 * owner, read by both. Writes and reads bypass the page cache ({@code O_DIRECT}) and
 * every write is followed by fsync, so that a read returns what the other machine last
 * wrote to the device rather than a cached copy, and a write is on the device when
 * {@link #write} returns. Blocks are {@value #BLOCK} bytes at block-aligned offsets,
 * which satisfies O_DIRECT on 512-byte and 4 KiB sector devices.
 *
 * <p>Where O_DIRECT is refused (tmpfs, some overlay filesystems: only for tests and a
 * lease file on a concurrent filesystem) the area falls back to buffered I/O plus fsync
 * and says so in {@link #direct()} and the log.
 */
public final class LeaseArea implements LeaseDevice {
    private static final Logger log = LoggerFactory.getLogger(LeaseArea.class);
    public static final int BLOCK = 4096;
    public static final int SLOTS = 2;

    private final Path path;
    private final FileChannel channel;
    private final boolean direct;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(2 * BLOCK).alignedSlice(BLOCK).limit(BLOCK);

    private LeaseArea(Path path, FileChannel channel, boolean direct) {
        this.path = path;
        this.channel = channel;
        this.direct = direct;
    }

    /** Opens the device (or creates a file of {@value #SLOTS} blocks if nothing exists at {@code path}). */
    public static LeaseArea open(Path path) throws IOException {
        if (!Files.exists(path)) {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.allocate(SLOTS * BLOCK));
                ch.force(true);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // the other node created it first: fine, it is zero-filled
            }
        }
        if (Files.isRegularFile(path) && Files.size(path) < (long) SLOTS * BLOCK) {
            throw new IOException("lease area " + path + " is " + Files.size(path) + " bytes; it needs at least " + SLOTS * BLOCK);
        }
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
            LeaseArea area = new LeaseArea(path, ch, true);
            area.read(0); // O_DIRECT may be accepted at open and refused at the first read
            return area;
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("lease area {}: direct I/O refused ({}); using buffered I/O with fsync, which is safe only"
                    + " for a file on a filesystem both nodes share coherently", path, e.getMessage());
            OpenOption[] opts = {StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DSYNC};
            return new LeaseArea(path, FileChannel.open(path, opts), false);
        }
    }

    public boolean direct() {
        return direct;
    }

    public Path path() {
        return path;
    }

    /** Writes {@code slot}'s record and returns once it is on the device. */
    @Override
    public synchronized void write(int slot, LeaseSlot record) throws IOException {
        checkSlot(slot);
        buffer.clear().limit(BLOCK);
        for (int i = 0; i < BLOCK; i++) buffer.put(i, (byte) 0);
        record.encode(buffer);
        buffer.clear().limit(BLOCK);
        long pos = (long) slot * BLOCK;
        while (buffer.hasRemaining()) pos += channel.write(buffer, pos);
        channel.force(false);
    }

    /** Reads {@code slot} from the device (not from a cache). */
    @Override
    public synchronized LeaseSlot.Read read(int slot) throws IOException {
        checkSlot(slot);
        buffer.clear().limit(BLOCK);
        long pos = (long) slot * BLOCK;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos);
            if (n < 0) throw new IOException("lease area " + path + " ends inside slot " + slot);
            pos += n;
        }
        buffer.flip();
        return LeaseSlot.decode(buffer);
    }

    private static void checkSlot(int slot) {
        if (slot < 0 || slot >= SLOTS) throw new IllegalArgumentException("slot must be 0 or 1, not " + slot);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
