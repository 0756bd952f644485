package org.twinmail.store;

/**
 * The whole store, as the server opens and wires it: every role in one object. Protocol
 * code takes the narrowest role it needs ({@link Directory}, {@link Mailboxes},
 * {@link MessageQueue}, {@link ChangeLog}, {@link Records}, {@link BlobStore}) rather than this;
 * code that acts for a logged-in user takes {@link MailboxAccess} and works through its
 * {@link MailboxAccess#forAccount checked view}.
 *
 * <p>The embedded implementation is opened by the server's {@code StoreOpener}; a
 * PostgreSQL/S3 one will implement the same roles and pass the same contract suites
 * ({@code org.twinmail.store.contract} in the store module's test jar).
 *
 * <p>Contract for every implementation, across the roles:
 * <ul>
 *   <li>Every method that changes data returns only after the change is on stable
 *       storage (durable commit). Callers may acknowledge to clients after that.</li>
 *   <li>Every change gets a position in one ordered change log ({@link #changesSince}),
 *       which IMAP MODSEQ, JMAP state and replication read.</li>
 *   <li>Every write carries the epoch this store instance was opened with; once a
 *       higher epoch has been recorded ({@link #fence}), writes of this instance fail
 *       with {@link StoreException.StaleEpoch} and nothing is written.</li>
 *   <li>Quota usage of accounts and domains changes in the same transaction as the
 *       delivery or expunge that causes it.</li>
 *   <li>Methods are safe to call from many (virtual) threads at once.</li>
 * </ul>
 * Failures are {@link StoreException}s with a readable message.
 */
public interface MailStore extends Directory, Mailboxes, MessageQueue, ChangeLog, Records, MailboxAccess, AutoCloseable {

    /** Where the bodies of messages live (those not kept inline by the metadata store). */
    BlobStore blobs();

    /**
     * Writes a consistent snapshot of the store (its database and the bodies it references) into
     * the backup directory {@code dir}, while the store keeps serving: writes are never held
     * up longer than a group commit. docs/cluster.md ("Backup and restore") describes the layout.
     */
    default BackupReport backup(java.nio.file.Path dir) {
        throw new StoreException.Unavailable("this store cannot back itself up", null);
    }

    /** Stops accepting work, waits for queued writes, closes files. */
    @Override
    void close();
}
