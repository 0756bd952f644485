package org.twinmail.store.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.event.StoreListener;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Alias;
import org.twinmail.core.model.Domain;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.store.AccountChange;
import org.twinmail.store.AppendResult;
import org.twinmail.store.Appended;
import org.twinmail.store.BlobStore;
import org.twinmail.store.Change;
import org.twinmail.store.CopyResult;
import org.twinmail.store.Delivery;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.ExpungeResult;
import org.twinmail.store.FlagChange;
import org.twinmail.store.FlagsResult;
import org.twinmail.store.AccountMailboxes;
import org.twinmail.store.MailStore;
import org.twinmail.store.access.RecordsMailboxAccess;
import org.twinmail.store.MailboxChanges;
import org.twinmail.store.MailboxStatus;
import org.twinmail.store.QueueEntry;
import org.twinmail.store.QueueOutcome;
import org.twinmail.store.QueueStats;
import org.twinmail.store.QueuedRecipient;
import org.twinmail.store.QuotaUsage;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.StoreException;
import org.twinmail.store.StoredRecord;

/**
 * The embedded store: SQLite in WAL mode with full sync for metadata, message
 * bodies content-addressed and reference-counted, inline in the database up to
 * {@link StoreOptions#inlineBlobMaxBytes()} and as files above. Layout under
 * {@code <dataDir>/store}: {@code mail.db} (+ {@code -wal}, {@code -shm}) and
 * {@code blobs/ab/cd/<sha256>}. docs/store.md describes the schema, the group
 * commit and fencing.
 *
 * <p>Roles: {@link EmbeddedDirectory}, {@link EmbeddedMailboxes}, {@link EmbeddedMessageQueue},
 * {@link EmbeddedChangeLog}, {@link EmbeddedRecords} and the {@link FileBlobStore}, each in its own class; this one
 * opens them over one shared {@link Engine} and hands every call to its role.
 *
 * <p>Threads: every write goes through one {@link GroupCommitWriter} (one platform
 * thread, group commit); reads run on a {@link ReadPool} of platform threads. Both
 * keep native SQLite calls off virtual threads; callers just block.
 *
 * <p>Errors: {@link StoreException}s as the SPI describes; malformed arguments
 * (an invalid domain name, a negative quota, a message whose bytes do not match its
 * SHA-256) are {@link IllegalArgumentException}s, thrown before anything is queued.
 */
public final class EmbeddedMailStore implements MailStore {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedMailStore.class);

    private static final int WRITER_BUSY_TIMEOUT_MS = 10_000;
    private static final int READER_BUSY_TIMEOUT_MS = 5_000;
    /** How often committed WAL pages are copied into the database file (WalCheckpointer). */
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofMillis(500);
    /** Temp files younger than this may belong to another instance still writing them. */
    private static final Duration TEMP_FILE_MAX_AGE = Duration.ofHours(1);
    /**
     * How long after the open the sweep of unreferenced blob files starts: after a takeover the first
     * seconds belong to the clients that reconnect and the queue that resumes, not to a walk of the
     * blob directories that may have to read them all from the disk.
     */
    static final Duration ORPHAN_SWEEP_DELAY = Duration.ofSeconds(30);

    private final Engine engine;
    private final EmbeddedDirectory directory;
    private final EmbeddedMailboxes mailboxes;
    private final EmbeddedMessageQueue queue;
    private final EmbeddedChangeLog changeLog;
    private final EmbeddedRecords records;
    /** Null when the store was opened fenced (read only). */
    private final WalCheckpointer checkpointer;
    private final CompletableFuture<Void> closeDone = new CompletableFuture<>();
    /** Where {@link #open} spent its time, for the log and the takeover's figures. */
    private volatile String openSteps = "";
    /** The background sweep of unreferenced blob files (done with 0 at once for an instance that does not write). */
    private volatile CompletableFuture<Integer> sweep = CompletableFuture.completedFuture(0);
    private final java.util.concurrent.CountDownLatch sweepNow = new java.util.concurrent.CountDownLatch(1);

    private EmbeddedMailStore(Engine engine, WalCheckpointer checkpointer) {
        this.engine = engine;
        this.checkpointer = checkpointer;
        this.directory = new EmbeddedDirectory(engine);
        this.mailboxes = new EmbeddedMailboxes(engine);
        this.queue = new EmbeddedMessageQueue(engine, mailboxes);
        this.changeLog = new EmbeddedChangeLog(engine);
        this.records = new EmbeddedRecords(engine);
    }

    /**
     * Opens the store under {@code options.dataDir()/store}, creating it on first use.
     * A new store records {@code options.epoch()} as its epoch; an existing one keeps
     * its stored epoch (only {@link #fence} raises it), and if that is higher than
     * ours this instance can read but every write fails with StaleEpoch. Blob files
     * left by a crash before their transaction committed are deleted after the open, in
     * the background ({@link #sweepOrphans}): the open is on every takeover's path, the
     * sweep is garbage collection.
     */
    public static EmbeddedMailStore open(StoreOptions options) {
        Objects.requireNonNull(options, "options");
        Path storeDir = options.dataDir().resolve("store");
        Path blobDir = storeDir.resolve("blobs");
        Db db = null;
        StepTimer steps = new StepTimer();
        try {
            Files.createDirectories(blobDir);
            // New directory entries must survive a crash like everything else.
            BlobFiles.fsyncDirectory(storeDir);
            BlobFiles.fsyncDirectory(options.dataDir());
            Path parent = options.dataDir().toAbsolutePath().getParent();
            if (parent != null) BlobFiles.fsyncDirectory(parent);
            steps.step("directories");
            db = Db.openWriter(storeDir.resolve("mail.db"), WRITER_BUSY_TIMEOUT_MS);
            String mode = db.one("PRAGMA journal_mode", rs -> rs.getString(1)).orElse("?");
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new StoreException.Unavailable("cannot put " + storeDir + "/mail.db in WAL mode (got " + mode
                        + "); the store needs a local file system with shared-memory support", null);
            }
            steps.step("database");
            Schema.createOrUpgrade(db, options.epoch());
            steps.step("schema");
            BlobFiles files = new BlobFiles(blobDir);
            long stored = db.queryLong("SELECT epoch FROM meta WHERE id = 1").orElseThrow();
            if (stored > options.epoch()) {
                log.warn("store {} is fenced at epoch {}; this instance (epoch {}) can read but not write",
                        storeDir, stored, options.epoch());
            }
            List<StoreListener> listeners = new CopyOnWriteArrayList<>();
            ChangeSignal signal = new ChangeSignal(db.queryLong("SELECT coalesce(max(position), 0) FROM change_log").orElse(0L));
            GroupCommitWriter writer = new GroupCommitWriter(db, options.epoch(), options.groupCommitMaxBatch(), files,
                    CommitWitness.open(storeDir.resolve(CommitWitness.FILE)), listeners, signal, options.registry());
            ReadPool readPool = new ReadPool(storeDir.resolve("mail.db"), options.readThreads(), READER_BUSY_TIMEOUT_MS);
            writer.start();
            steps.step("writer and readers");
            // a store fenced at open is only read: nothing to checkpoint, and nothing of ours to write
            WalCheckpointer checkpointer = stored > options.epoch() ? null
                    : WalCheckpointer.start(storeDir.resolve("mail.db"), CHECKPOINT_INTERVAL, options.registry());
            EmbeddedMailStore store = new EmbeddedMailStore(new Engine(options, new FileBlobStore(files), writer, readPool, listeners, signal), checkpointer);
            steps.step("checkpointer");
            if (stored <= options.epoch()) store.mailboxes.releaseAllHeld();
            steps.step("held bodies");
            // an instance fenced at open writes nothing, and deletes nothing either
            if (stored <= options.epoch()) store.startOrphanSweep();
            store.openSteps = steps.toString();
            log.info("store: opened {} in {}", storeDir, store.openSteps);
            return store;
        } catch (SQLException e) {
            if (db != null) db.close();
            throw new StoreException.Unavailable("cannot open store in " + storeDir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            if (db != null) db.close();
            throw new StoreException.Unavailable("cannot open store in " + storeDir + ": " + e, e);
        } catch (RuntimeException e) {
            if (db != null) db.close();
            throw e;
        }
    }

    /**
     * Deletes blob files that no row references, and temp files older than {@link #TEMP_FILE_MAX_AGE}: a
     * crash between writing a file and committing its transaction leaves them. Runs once per open, on a
     * thread of its own, {@link #ORPHAN_SWEEP_DELAY} after the open: it lists every fan-out directory and
     * looks every body file up, which on a large store whose directories and index pages are not cached
     * took over a minute (docs/cluster.md, "The store open on a large store"), and none of it is needed to
     * serve. Candidates are found on the read pool, without the write lock; the writer then deletes those
     * still unreferenced after its commit, under its lock ({@link #deleteFilesIfUnreferenced}), as it does
     * for an expunge, so a delivery cannot commit a reference to a file in between, and a delivery whose
     * file was swept before its commit writes it again (Engine.withBlobs). A file a row references is
     * never deleted.
     */
    private void startOrphanSweep() {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        sweep = done;
        Thread.ofVirtual().name("store-blob-sweep").start(() -> {
            try {
                sweepNow.await(ORPHAN_SWEEP_DELAY.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                done.complete(engine.isClosed() ? 0 : sweepOrphans());
            } catch (InterruptedException e) {
                done.complete(0);
            } catch (RuntimeException | IOException e) {
                if (!engine.isClosed()) log.warn("store: the sweep of unreferenced blob files failed; the next open tries again: {}", e.toString());
                done.complete(0);
            }
        });
    }

    /** The background sweep of this open: done with the number of files it removed (0 when it did not run). */
    CompletableFuture<Integer> orphanSweep() {
        return sweep;
    }

    /** Starts the background sweep now instead of after {@link #ORPHAN_SWEEP_DELAY}. */
    void sweepOrphansNow() {
        sweepNow.countDown();
    }

    private int sweepOrphans() throws IOException {
        long t0 = System.nanoTime();
        BlobFiles files = engine.blobs().files();
        BlobFiles.Listing listing = files.list(TEMP_FILE_MAX_AGE);
        for (Path p : listing.strangers()) {
            log.warn("unexpected file in blob directory, left alone: {}", p);
        }
        List<String> candidates = new ArrayList<>();
        List<String> all = listing.blobs();
        for (int from = 0; from < all.size() && !engine.isClosed(); from += 500) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + 500));
            candidates.addAll(engine.read(db -> {
                List<String> unreferenced = new ArrayList<>();
                for (String sha : chunk) {
                    if (!db.exists("SELECT 1 FROM blob WHERE sha256 = ? AND in_file = 1", sha)) unreferenced.add(sha);
                }
                return unreferenced;
            }));
        }
        if (candidates.isEmpty() && listing.staleTemps().isEmpty()) {
            log.info("store: swept {} blob files in {} ms, none unreferenced", all.size(), (System.nanoTime() - t0) / 1_000_000);
            return 0;
        }
        // On the writer: its ops stop at close and never run for a fenced (stale) instance
        int temps = engine.write(tx -> {
            int n = 0;
            for (Path temp : listing.staleTemps()) {
                if (Files.deleteIfExists(temp)) n++;
            }
            candidates.forEach(tx::deleteFileIfUnreferenced);
            return n;
        });
        int deleted = temps + (int) candidates.stream().filter(sha -> !files.exists(sha)).count();
        log.info("store: swept {} blob files in {} ms; removed {} that no message referenced (left by an interrupted delivery)",
                all.size(), (System.nanoTime() - t0) / 1_000_000, deleted);
        return deleted;
    }

    /** Where {@link #open} spent its time: "N ms (step a, step b ...)". */
    public String openSteps() {
        return openSteps;
    }

    /** Milliseconds per named step of the open, in order. */
    private static final class StepTimer {
        private final long start = System.nanoTime();
        private long last = start;
        private final StringBuilder steps = new StringBuilder();

        void step(String name) {
            long now = System.nanoTime();
            if (!steps.isEmpty()) steps.append(", ");
            steps.append(name).append(' ').append((now - last) / 1_000_000);
            last = now;
        }

        @Override
        public String toString() {
            return (last - start) / 1_000_000 + " ms (" + steps + ")";
        }
    }

    @Override
    public BlobStore blobs() {
        return engine.blobs();
    }

    /** See {@link StoreBackup}: VACUUM INTO on a reader's connection, then the body files, with their deletions held meanwhile. */
    @Override
    public org.twinmail.store.BackupReport backup(Path dir) {
        engine.checkOpen();
        BlobFiles files = engine.blobs().files();
        return StoreBackup.backup(files.root().getParent().resolve("mail.db"), files, dir.toAbsolutePath().normalize(),
                this::deleteFilesIfUnreferenced);
    }

    /** Body files whose deletion a backup deferred: the writer deletes those no row references, under its lock. */
    void deleteFilesIfUnreferenced(List<String> shas) {
        try {
            engine.write(tx -> {
                shas.forEach(tx::deleteFileIfUnreferenced);
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("store: {} body files released during a backup stay until the next open sweeps them: {}", shas.size(), e.getMessage());
        }
    }

    // ---- Directory ----

    @Override
    public Domain addDomain(String name) {
        return directory.addDomain(name);
    }

    @Override
    public void removeDomain(String name, boolean force) {
        directory.removeDomain(name, force);
    }

    @Override
    public List<Domain> listDomains() {
        return directory.listDomains();
    }

    @Override
    public Optional<Domain> findDomain(String name) {
        return directory.findDomain(name);
    }

    @Override
    public Domain setDomainQuota(String name, long quotaBytes) {
        return directory.setDomainQuota(name, quotaBytes);
    }

    @Override
    public Domain setDomainMessageLimit(String name, long maxMessages) {
        return directory.setDomainMessageLimit(name, maxMessages);
    }

    @Override
    public boolean isLocalDomain(String domain) {
        return directory.isLocalDomain(domain);
    }

    @Override
    public Account addAccount(EmailAddress address, String passwordHash, long quotaBytes, long maxMessageBytes) {
        return directory.addAccount(address, passwordHash, quotaBytes, maxMessageBytes);
    }

    @Override
    public Account updateAccount(EmailAddress address, AccountChange change) {
        return directory.updateAccount(address, change);
    }

    @Override
    public void removeAccount(EmailAddress address) {
        directory.removeAccount(address);
    }

    @Override
    public List<Account> listAccounts(String domain) {
        return directory.listAccounts(domain);
    }

    @Override
    public Optional<Account> findAccount(EmailAddress address) {
        return directory.findAccount(address);
    }

    @Override
    public Optional<Account> findAccount(long accountId) {
        return directory.findAccount(accountId);
    }

    @Override
    public Alias addAlias(String source, List<EmailAddress> targets) {
        return directory.addAlias(source, targets);
    }

    @Override
    public void removeAlias(String source) {
        directory.removeAlias(source);
    }

    @Override
    public List<Alias> listAliases(String domain) {
        return directory.listAliases(domain);
    }

    @Override
    public RecipientResolution resolve(EmailAddress recipient) {
        return directory.resolve(recipient);
    }

    // ---- Mailboxes ----

    @Override
    public DeliveryReceipt deliver(Delivery delivery) {
        return mailboxes.deliver(delivery);
    }

    @Override
    public List<Mailbox> mailboxes(long accountId) {
        return mailboxes.mailboxes(accountId);
    }

    @Override
    public Optional<Mailbox> mailbox(long accountId, String name) {
        return mailboxes.mailbox(accountId, name);
    }

    @Override
    public List<MessageEntry> messages(long mailboxId) {
        return mailboxes.messages(mailboxId);
    }

    @Override
    public BodyView openView(long mailboxId, long modSeq) {
        return mailboxes.openView(mailboxId, modSeq);
    }

    @Override
    public InputStream openBlob(String blobId) throws IOException {
        return mailboxes.openBlob(blobId);
    }

    @Override
    public ExpungeResult expunge(long mailboxId, Collection<Long> uids) {
        return mailboxes.expunge(mailboxId, uids);
    }

    @Override
    public Optional<Mailbox> mailbox(long mailboxId) {
        return mailboxes.mailbox(mailboxId);
    }

    @Override
    public Mailbox createMailbox(long accountId, String name, SpecialUse specialUse) {
        return mailboxes.createMailbox(accountId, name, specialUse);
    }

    @Override
    public void deleteMailbox(long accountId, String name) {
        mailboxes.deleteMailbox(accountId, name);
    }

    @Override
    public Mailbox renameMailbox(long accountId, String from, String to) {
        return mailboxes.renameMailbox(accountId, from, to);
    }

    @Override
    public List<String> subscriptions(long accountId) {
        return mailboxes.subscriptions(accountId);
    }

    @Override
    public void setSubscribed(long accountId, String name, boolean subscribed) {
        mailboxes.setSubscribed(accountId, name, subscribed);
    }

    @Override
    public MailboxStatus status(long mailboxId) {
        return mailboxes.status(mailboxId);
    }

    @Override
    public AppendResult append(long mailboxId, MessageData content, Set<String> flags, Instant internalDate) {
        return mailboxes.append(mailboxId, content, flags, internalDate);
    }

    @Override
    public List<AppendResult> appendAll(long mailboxId, List<Appended> messages) {
        return mailboxes.appendAll(mailboxId, messages);
    }

    @Override
    public CopyResult copy(long fromMailboxId, Collection<Long> uids, long toMailboxId, boolean move) {
        return mailboxes.copy(fromMailboxId, uids, toMailboxId, move);
    }

    @Override
    public FlagsResult storeFlags(long mailboxId, Collection<Long> uids, FlagChange change, Set<String> flags, long unchangedSince) {
        return mailboxes.storeFlags(mailboxId, uids, change, flags, unchangedSince);
    }

    @Override
    public MailboxChanges mailboxChanges(long mailboxId, long sinceModSeq) {
        return mailboxes.mailboxChanges(mailboxId, sinceModSeq);
    }

    @Override
    public QuotaUsage quotaUsage(long accountId) {
        return mailboxes.quotaUsage(accountId);
    }

    // ---- MessageQueue ----

    @Override
    public List<QueuedRecipient> claimQueued(Instant now, int limit, Collection<String> skipDomains) {
        return queue.claimQueued(now, limit, skipDomains);
    }

    @Override
    public int releaseQueueClaims() {
        return queue.releaseQueueClaims();
    }

    @Override
    public DeliveryReceipt recordQueueOutcomes(List<QueueOutcome> outcomes, Delivery notification) {
        return queue.recordQueueOutcomes(outcomes, notification);
    }

    @Override
    public List<QueueEntry> listQueue(int limit) {
        return queue.listQueue(limit);
    }

    @Override
    public int retryQueued(long messageId, Instant now) {
        return queue.retryQueued(messageId, now);
    }

    @Override
    public boolean deleteQueued(long messageId) {
        return queue.deleteQueued(messageId);
    }

    @Override
    public QueueStats queueStats() {
        return queue.queueStats();
    }

    // ---- ChangeLog ----

    @Override
    public List<Change> changesSince(long position, int limit) {
        return changeLog.changesSince(position, limit);
    }

    @Override
    public long lastChangePosition() {
        return changeLog.lastChangePosition();
    }

    @Override
    public long epoch() {
        return changeLog.epoch();
    }

    @Override
    public long storedEpoch() {
        return changeLog.storedEpoch();
    }

    @Override
    public void fence(long newEpoch) {
        changeLog.fence(newEpoch);
    }

    @Override
    public void addListener(StoreListener listener) {
        changeLog.addListener(listener);
    }

    @Override
    public long awaitChange(long afterPosition, Duration timeout) throws InterruptedException {
        return changeLog.awaitChange(afterPosition, timeout);
    }

    @Override
    public long consumerPosition(String name) {
        return changeLog.consumerPosition(name);
    }

    @Override
    public void advanceConsumer(String name, long position) {
        changeLog.advanceConsumer(name, position);
    }

    @Override
    public boolean removeConsumer(String name) {
        return changeLog.removeConsumer(name);
    }

    // ---- Records ----

    @Override
    public Optional<StoredRecord> record(String kind, String scope, String name) {
        return records.record(kind, scope, name);
    }

    @Override
    public List<StoredRecord> records(String kind, String scope) {
        return records.records(kind, scope);
    }

    @Override
    public List<StoredRecord> records(String kind) {
        return records.records(kind);
    }

    @Override
    public StoredRecord putRecord(String kind, String scope, String name, byte[] value, long expiresMillis) {
        return records.putRecord(kind, scope, name, value, expiresMillis);
    }

    @Override
    public Optional<StoredRecord> putRecordIf(String kind, String scope, String name, long expectedVersion, byte[] value,
                                              long expiresMillis) {
        return records.putRecordIf(kind, scope, name, expectedVersion, value, expiresMillis);
    }

    @Override
    public boolean deleteRecord(String kind, String scope, String name) {
        return records.deleteRecord(kind, scope, name);
    }

    @Override
    public Optional<List<StoredRecord>> writeRecords(List<org.twinmail.store.RecordWrite> writes) {
        return records.writeRecords(writes);
    }

    @Override
    public int purgeExpiredRecords(long nowMillis) {
        return records.purgeExpiredRecords(nowMillis);
    }

    // ---- MailboxAccess: the same rules on every backend, kept in Records ----

    /** Loaded at the first use, so opening the store (and a standby's probe) reads no lists. */
    private volatile RecordsMailboxAccess access;

    private RecordsMailboxAccess access() {
        RecordsMailboxAccess a = access;
        if (a != null) return a;
        synchronized (this) { // once per store; reads the lists, never waits on another lock
            if (access == null) access = new RecordsMailboxAccess(this, this, this, this);
            return access;
        }
    }

    @Override
    public AccountMailboxes forAccount(long accountId) {
        return access().forAccount(accountId);
    }

    @Override
    public void setSharedAccount(long accountId, boolean shared) {
        access().setSharedAccount(accountId, shared);
    }

    @Override
    public boolean isSharedAccount(long accountId) {
        return access().isSharedAccount(accountId);
    }

    /**
     * Stops accepting work, commits what is queued, closes the connections and stops
     * the threads. Idempotent; a second caller waits until the first has finished.
     */
    @Override
    public void close() {
        if (!engine.markClosed()) {
            if (!engine.writer().isWriterThread()) GroupCommitWriter.await(closeDone);
            return;
        }
        sweepNow.countDown(); // a sweep still waiting wakes, sees the store closed and ends
        try {
            // first, so that the writer's final checkpoint does not wait on this one's lock
            if (checkpointer != null) checkpointer.close();
            engine.writer().close();
            engine.readPool().close();
            engine.signal().close();
        } finally {
            closeDone.complete(null);
        }
    }

    GroupCommitWriter writer() {
        return engine.writer();
    }

}
