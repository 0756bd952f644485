package org.twinmail.store.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.twinmail.core.event.StoreListener;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.Printable;
import org.twinmail.store.StoreException;
import org.twinmail.store.embedded.GroupCommitWriter.WriteTx;

/**
 * What the embedded roles share: the one {@link GroupCommitWriter} (so a delivery, a
 * flag change and a directory change of the same moment commit in one group), the
 * {@link ReadPool}, the blob store and the staging of bodies before their transaction.
 * Each role class holds the same instance; none of them owns a connection of its own.
 */
final class Engine {
    /** A blob file deleted between the caller writing it and the commit (see BlobFileMissing) is rewritten this often. */
    private static final int BLOB_ATTEMPTS = 3;
    private static final HexFormat HEX = HexFormat.of();

    private final StoreOptions options;
    private final FileBlobStore blobs;
    private final GroupCommitWriter writer;
    private final ReadPool readPool;
    private final List<StoreListener> listeners;
    private final ChangeSignal signal;
    private final AtomicBoolean closed = new AtomicBoolean();

    Engine(StoreOptions options, FileBlobStore blobs, GroupCommitWriter writer, ReadPool readPool, List<StoreListener> listeners,
           ChangeSignal signal) {
        this.signal = signal;
        this.options = options;
        this.blobs = blobs;
        this.writer = writer;
        this.readPool = readPool;
        this.listeners = listeners;
    }

    StoreOptions options() {
        return options;
    }

    FileBlobStore blobs() {
        return blobs;
    }

    GroupCommitWriter writer() {
        return writer;
    }

    ReadPool readPool() {
        return readPool;
    }

    ChangeSignal signal() {
        return signal;
    }

    List<StoreListener> listeners() {
        return listeners;
    }

    /** Set once by close; every later call fails with Unavailable. */
    boolean markClosed() {
        return closed.compareAndSet(false, true);
    }

    boolean isClosed() {
        return closed.get();
    }

    void checkOpen() {
        if (closed.get()) throw new StoreException.Unavailable("store is closed", null);
    }

    <T> T read(ReadPool.ReadOp<T> op) {
        checkOpen();
        return readPool.read(op);
    }

    <T> T write(GroupCommitWriter.WriteOp<T> op) {
        return writer.submit(op, List.of());
    }

    /** The blob as prepared by the caller's thread: inline bytes, or {@code inline == null} for a file already on disk. */
    record PreparedBlob(String sha256, long size, byte[] inline) { }

    /**
     * The file of a file blob vanished between the caller writing it and the
     * transaction (an expunge of the same content released it meanwhile). The
     * caller writes it again and retries; never seen outside the store.
     */
    static final class BlobFileMissing extends StoreException {
        BlobFileMissing(String sha256) {
            super("blob file " + sha256 + " vanished before its delivery committed");
        }
    }


    /**
     * Stores the content where the transaction {@code op} will reference it and runs
     * that transaction; if the blob file vanished meanwhile (see BlobFileMissing),
     * writes it again and retries.
     */
    <T> T withBlob(MessageData content, Function<PreparedBlob, GroupCommitWriter.WriteOp<T>> op) {
        return withBlobs(List.of(content), blobs -> op.apply(blobs.getFirst()));
    }

    /** {@link #withBlob} for several bodies in one transaction. */
    <T> T withBlobs(List<MessageData> contents, Function<List<PreparedBlob>, GroupCommitWriter.WriteOp<T>> op) {
        for (MessageData content : contents) {
            if (!BlobFiles.isSha256(content.sha256())) {
                throw new IllegalArgumentException("message SHA-256 is not 64 lower-case hex digits: " + Printable.of(content.sha256()));
            }
        }
        checkOpen();
        for (int attempt = 1; ; attempt++) {
            List<PreparedBlob> prepared = new ArrayList<>();
            List<String> written = new ArrayList<>();
            for (MessageData content : contents) {
                PreparedBlob blob = prepare(content);
                prepared.add(blob);
                if (blob.inline() == null) written.add(blob.sha256());
            }
            try {
                return writer.submit(op.apply(prepared), written);
            } catch (BlobFileMissing e) {
                if (attempt == BLOB_ATTEMPTS) throw new StoreException.Unavailable(e.getMessage() + ", " + attempt + " times", e);
            }
        }
    }

    /**
     * Puts the message where its transaction will find it: in memory for an inline
     * blob, on disk (fsynced) for a file blob. This runs in the caller's thread, so the
     * fsyncs of large messages overlap and the writer only does metadata.
     */
    private PreparedBlob prepare(MessageData content) {
        String sha = content.sha256();
        long size = content.size();
        try {
            if (size <= options.inlineBlobMaxBytes()) {
                byte[] bytes = content.bytes();
                MessageDigest digest = BlobFiles.sha256Digest();
                String actual = HEX.formatHex(digest.digest(bytes));
                if (bytes.length != size || !actual.equals(sha)) {
                    throw new IllegalArgumentException("message content does not match its size/SHA-256 ("
                            + bytes.length + " bytes, " + actual + "; claimed " + size + ", " + sha + ")");
                }
                return new PreparedBlob(sha, size, bytes);
            }
            blobs.put(content);
            return new PreparedBlob(sha, size, null);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot store message body: " + e, e);
        } catch (UncheckedIOException e) {
            throw new StoreException.Unavailable("cannot store message body: " + e.getCause(), e);
        }
    }

    void addBlobReferences(WriteTx tx, PreparedBlob blob, int count) throws SQLException {
        Db db = tx.db();
        if (db.update("UPDATE blob SET refs = refs + ? WHERE sha256 = ?", count, blob.sha256()) > 0) return;
        if (blob.inline() != null) {
            db.update("INSERT INTO blob (sha256, size, refs, in_file, content) VALUES (?, ?, ?, 0, ?)",
                    blob.sha256(), blob.size(), count, blob.inline());
            return;
        }
        // Checked under the write lock: deletes of unreferenced files take the same lock.
        if (!blobs.exists(blob.sha256())) throw new BlobFileMissing(blob.sha256());
        db.update("INSERT INTO blob (sha256, size, refs, in_file, content) VALUES (?, ?, ?, 1, NULL)",
                blob.sha256(), blob.size(), count);
    }
}
