package org.twinmail.store;

import java.io.IOException;
import java.io.InputStream;
import org.twinmail.core.mail.MessageData;

/**
 * Message bodies by content address (the lower-case hex SHA-256 of their bytes). The
 * embedded implementation keeps them as files under {@code <dataDir>/store/blobs}; an
 * object-store one (S3-compatible: one object per address) implements the same methods.
 *
 * <p>What an implementation must guarantee, and what it must not do:
 * <ul>
 *   <li>{@link #put} is idempotent and returns only when the bytes are durable under their
 *       address: a metadata transaction that references the body commits after it, so a
 *       crash can leave a body that nobody references, never a reference without a body.
 *       It checks that the bytes match the claimed size and SHA-256 (a wrong address would
 *       hand one recipient's mail to everyone who shares it) and throws
 *       {@link IllegalArgumentException} if not, leaving nothing under the address.</li>
 *   <li>A blob store keeps no reference counts. Who references a body, and when the last
 *       reference went, is metadata and is decided in the metadata store's transactions
 *       (the roles {@link Mailboxes} and {@link MessageQueue}); they call {@link #delete}
 *       after the commit that dropped the last reference, and a sweep at start-up deletes
 *       what a crash left unreferenced. So a put racing a delete of the same address is
 *       settled by the metadata side (it checks {@link #exists} under its write lock before
 *       committing a new reference), not here.</li>
 *   <li>A metadata store may keep small bodies inline in its own rows instead (the embedded
 *       store does, up to {@code store.inline-blob-max-size}): read a message's body through
 *       {@link Mailboxes#openBlob}, which knows where it is; this interface sees only the
 *       bodies that were put here.</li>
 *   <li>Methods are safe to call from many threads at once, and may block (I/O).</li>
 * </ul>
 * Failures to reach the storage are {@link StoreException.Unavailable}.
 */
public interface BlobStore {

    /**
     * Stores {@code content} under {@code content.sha256()} unless it is there already, and
     * returns when it is durable. Idempotent; concurrent puts of the same content are fine.
     *
     * @throws IllegalArgumentException if the bytes do not match the claimed size or SHA-256
     */
    void put(MessageData content);

    /** The bytes stored under {@code blobId}; {@link StoreException.NotFound} if there are none. */
    InputStream open(String blobId) throws IOException;

    /** Whether something is stored under {@code blobId}. */
    boolean exists(String blobId);

    /** Removes what is stored under {@code blobId}; a missing blob is fine (idempotent). */
    void delete(String blobId);
}
