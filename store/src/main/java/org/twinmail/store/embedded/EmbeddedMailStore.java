package org.twinmail.store.embedded;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.event.StoreEvent;
import org.twinmail.core.event.StoreListener;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Alias;
import org.twinmail.core.model.Domain;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.store.AccountChange;
import org.twinmail.store.AppendResult;
import org.twinmail.store.Appended;
import org.twinmail.store.CopyResult;
import org.twinmail.store.FlagChange;
import org.twinmail.store.FlagsResult;
import org.twinmail.store.MailboxChanges;
import org.twinmail.store.MailboxStatus;
import org.twinmail.store.Change;
import org.twinmail.store.Delivery;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.ExpungeResult;
import org.twinmail.store.MailStore;
import org.twinmail.store.Outbound;
import org.twinmail.store.QueueEntry;
import org.twinmail.store.QueueOutcome;
import org.twinmail.store.QueueStats;
import org.twinmail.store.QueuedRecipient;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.StoreException;
import org.twinmail.store.StoreException.QuotaExceeded;
import org.twinmail.store.embedded.GroupCommitWriter.WriteTx;

/**
 * The embedded store: SQLite in WAL mode with full sync for metadata, message
 * bodies content-addressed and reference-counted, inline in the database up to
 * {@link StoreOptions#inlineBlobMaxBytes()} and as files above. Layout under
 * {@code <dataDir>/store}: {@code mail.db} (+ {@code -wal}, {@code -shm}) and
 * {@code blobs/ab/cd/<sha256>}. docs/store.md describes the schema, the group
 * commit and fencing.
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

    /** How deep aliases are followed; deeper chains are an administrator's mistake, not a use. */
    static final int MAX_ALIAS_DEPTH = 8;
    static final int MAX_ALIAS_TARGETS = 1000;
    static final int MAX_CHANGES_PER_CALL = 100_000;
    private static final int WRITER_BUSY_TIMEOUT_MS = 10_000;
    private static final int READER_BUSY_TIMEOUT_MS = 5_000;
    /** How often committed WAL pages are copied into the database file (WalCheckpointer). */
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofMillis(500);
    /** Temp files younger than this may belong to another instance still writing them. */
    private static final Duration TEMP_FILE_MAX_AGE = Duration.ofHours(1);
    /** A blob file deleted between the caller writing it and the commit (see BlobFileMissing) is rewritten this often. */
    private static final int BLOB_ATTEMPTS = 3;
    private static final HexFormat HEX = HexFormat.of();

    private static final String DOMAIN_COLUMNS = "SELECT id, name, quota_bytes, used_bytes, max_messages, message_count FROM domain";
    private static final String ACCOUNT_COLUMNS = """
            SELECT a.id, a.domain_id, a.local_part, d.name, a.password_hash, a.quota_bytes,
                   a.max_message_bytes, a.used_bytes, a.message_count, a.max_messages
            FROM account a JOIN domain d ON d.id = a.domain_id""";
    private static final String MAILBOX_COLUMNS = """
            SELECT id, account_id, name, uid_validity, uid_next, highest_modseq, special_use, message_count, size_bytes
            FROM mailbox""";
    private static final String ALIAS_COLUMNS = """
            SELECT a.source, t.local_part, t.domain
            FROM alias a JOIN alias_target t ON t.alias_id = a.id""";

    private final StoreOptions options;
    private final BlobFiles files;
    private final GroupCommitWriter writer;
    private final ReadPool readPool;
    private final List<StoreListener> listeners;
    /** Null when the store was opened fenced (read only). */
    private final WalCheckpointer checkpointer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> closeDone = new CompletableFuture<>();
    private final Counter delivered;
    private final Counter refused;
    private final Counter failed;
    private final Counter deliveredEntries;

    private EmbeddedMailStore(StoreOptions options, BlobFiles files, GroupCommitWriter writer, ReadPool readPool,
                              List<StoreListener> listeners, WalCheckpointer checkpointer) {
        this.options = options;
        this.checkpointer = checkpointer;
        this.files = files;
        this.writer = writer;
        this.readPool = readPool;
        this.listeners = listeners;
        MeterRegistry r = options.registry();
        String deliveries = "twinmail.store.deliveries";
        String what = "Messages handed to deliver(), by outcome (one per message, however many recipients)";
        this.delivered = Counter.builder(deliveries).description(what).tag("outcome", "delivered").register(r);
        this.refused = Counter.builder(deliveries).description(what).tag("outcome", "refused").register(r);
        this.failed = Counter.builder(deliveries).description(what).tag("outcome", "failed").register(r);
        this.deliveredEntries = Counter.builder("twinmail.store.delivered.entries")
                .description("Message entries created by deliveries (one per recipient)").register(r);
    }

    /**
     * Opens the store under {@code options.dataDir()/store}, creating it on first use.
     * A new store records {@code options.epoch()} as its epoch; an existing one keeps
     * its stored epoch (only {@link #fence} raises it), and if that is higher than
     * ours this instance can read but every write fails with StaleEpoch. Blob files
     * left by a crash before their transaction committed are deleted here.
     */
    public static EmbeddedMailStore open(StoreOptions options) {
        Objects.requireNonNull(options, "options");
        Path storeDir = options.dataDir().resolve("store");
        Path blobDir = storeDir.resolve("blobs");
        Db db = null;
        try {
            Files.createDirectories(blobDir);
            // New directory entries must survive a crash like everything else.
            BlobFiles.fsyncDirectory(storeDir);
            BlobFiles.fsyncDirectory(options.dataDir());
            Path parent = options.dataDir().toAbsolutePath().getParent();
            if (parent != null) BlobFiles.fsyncDirectory(parent);
            db = Db.openWriter(storeDir.resolve("mail.db"), WRITER_BUSY_TIMEOUT_MS);
            String mode = db.one("PRAGMA journal_mode", rs -> rs.getString(1)).orElse("?");
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new StoreException.Unavailable("cannot put " + storeDir + "/mail.db in WAL mode (got " + mode
                        + "); the store needs a local file system with shared-memory support", null);
            }
            Schema.createOrUpgrade(db, options.epoch());
            BlobFiles files = new BlobFiles(blobDir);
            sweepOrphans(db, files);
            long stored = db.queryLong("SELECT epoch FROM meta WHERE id = 1").orElseThrow();
            if (stored > options.epoch()) {
                log.warn("store {} is fenced at epoch {}; this instance (epoch {}) can read but not write",
                        storeDir, stored, options.epoch());
            }
            List<StoreListener> listeners = new CopyOnWriteArrayList<>();
            GroupCommitWriter writer = new GroupCommitWriter(db, options.epoch(), options.groupCommitMaxBatch(), files,
                    listeners, options.registry());
            ReadPool readPool = new ReadPool(storeDir.resolve("mail.db"), options.readThreads(), READER_BUSY_TIMEOUT_MS);
            writer.start();
            // a store fenced at open is only read: nothing to checkpoint, and nothing of ours to write
            WalCheckpointer checkpointer = stored > options.epoch() ? null
                    : WalCheckpointer.start(storeDir.resolve("mail.db"), CHECKPOINT_INTERVAL, options.registry());
            return new EmbeddedMailStore(options, files, writer, readPool, listeners, checkpointer);
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
     * Deletes blob files that no row references: a crash between writing a file
     * and committing its transaction leaves one. Candidates are found without the
     * write lock and deleted under it after a second look, so a writer of another
     * instance on the same directory cannot commit a reference in between.
     */
    private static void sweepOrphans(Db db, BlobFiles files) throws SQLException, IOException {
        BlobFiles.Listing listing = files.list(TEMP_FILE_MAX_AGE);
        for (Path p : listing.strangers()) {
            log.warn("unexpected file in blob directory, left alone: {}", p);
        }
        List<String> candidates = new ArrayList<>();
        for (String sha : listing.blobs()) {
            if (!db.exists("SELECT 1 FROM blob WHERE sha256 = ? AND in_file = 1", sha)) candidates.add(sha);
        }
        if (candidates.isEmpty() && listing.staleTemps().isEmpty()) return;
        db.exec("BEGIN IMMEDIATE");
        int deleted = 0;
        try {
            for (String sha : candidates) {
                if (!db.exists("SELECT 1 FROM blob WHERE sha256 = ? AND in_file = 1", sha)) {
                    files.delete(sha);
                    deleted++;
                }
            }
            for (Path temp : listing.staleTemps()) {
                if (Files.deleteIfExists(temp)) deleted++;
            }
        } finally {
            db.exec("ROLLBACK");
        }
        log.info("store: removed {} blob files that no message referenced (left by an interrupted delivery)", deleted);
    }

    // ---- outbound queue ----

    @Override
    public List<QueuedRecipient> claimQueued(Instant now, int limit, Collection<String> skipDomains) {
        Objects.requireNonNull(now, "now");
        if (limit < 1) throw new IllegalArgumentException("limit must be positive");
        List<String> skip = List.copyOf(new LinkedHashSet<>(skipDomains));
        return write(tx -> OutboundQueue.claim(tx.db(), now.toEpochMilli(), limit, skip));
    }

    @Override
    public int releaseQueueClaims() {
        return write(tx -> OutboundQueue.releaseClaims(tx.db()));
    }

    @Override
    public DeliveryReceipt recordQueueOutcomes(List<QueueOutcome> outcomes, Delivery notification) {
        List<QueueOutcome> all = List.copyOf(outcomes);
        if (notification == null) {
            write(tx -> {
                finishQueued(tx, OutboundQueue.record(tx.db(), all));
                return null;
            });
            return null;
        }
        List<Long> accountIds = List.copyOf(new LinkedHashSet<>(notification.accountIds()));
        return withBlob(notification.content(), blob -> tx -> {
            finishQueued(tx, OutboundQueue.record(tx.db(), all));
            return deliverAndQueue(tx, accountIds, notification.outbound(), blob, notification.internalDate().toEpochMilli());
        });
    }

    private static void finishQueued(WriteTx tx, List<OutboundQueue.Finished> finished) throws SQLException {
        for (OutboundQueue.Finished f : finished) releaseBlob(tx, f.sha256(), 1);
    }

    @Override
    public List<QueueEntry> listQueue(int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be positive");
        return read(db -> OutboundQueue.list(db, limit));
    }

    @Override
    public int retryQueued(long messageId, Instant now) {
        if (messageId < 0) throw new IllegalArgumentException("negative queue id");
        return write(tx -> OutboundQueue.retry(tx.db(), messageId, now.toEpochMilli()));
    }

    @Override
    public boolean deleteQueued(long messageId) {
        return write(tx -> {
            Optional<OutboundQueue.Finished> gone = OutboundQueue.removeMessage(tx.db(), messageId);
            if (gone.isPresent()) finishQueued(tx, List.of(gone.get()));
            return gone.isPresent();
        });
    }

    @Override
    public QueueStats queueStats() {
        return read(OutboundQueue::stats);
    }

    // ---- plumbing ----

    private <T> T read(ReadPool.ReadOp<T> op) {
        if (closed.get()) throw new StoreException.Unavailable("store is closed", null);
        return readPool.read(op);
    }

    private <T> T write(GroupCommitWriter.WriteOp<T> op) {
        return writer.submit(op, List.of());
    }

    // ---- validation at the boundary ----

    /** Lower-cased, checked domain name; throws IllegalArgumentException with the reason. */
    static String domainName(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("empty domain name");
        String d = name.strip().toLowerCase(Locale.ROOT);
        if (d.startsWith("[")) throw new IllegalArgumentException("an address literal cannot be a mail domain: " + Printable.of(d));
        EmailAddress.validateDomain(d);
        return d;
    }

    /** The domain name if it is valid, else empty: a lookup of an impossible name finds nothing. */
    private static Optional<String> domainNameOrEmpty(String name) {
        try {
            return Optional.of(domainName(name));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Checks an address built without {@link EmailAddress#parse} (the record's constructor does not validate). */
    static EmailAddress validAddress(EmailAddress address) {
        Objects.requireNonNull(address, "address");
        EmailAddress.validateLocalPart(address.localPart());
        return new EmailAddress(address.localPart(), domainName(address.domain()));
    }

    /** Alias sources in stored form: {@code user@domain} lower-cased, or {@code @domain}. */
    static String aliasSource(String source) {
        if (source == null || source.isBlank()) throw new IllegalArgumentException("empty alias source");
        String s = source.strip();
        if (s.startsWith("@")) return "@" + domainName(s.substring(1));
        return EmailAddress.parse(s).key();
    }

    private static long nonNegative(long value, String what) {
        if (value < 0) throw new IllegalArgumentException(what + " must not be negative: " + value);
        return value;
    }

    // ---- directory: domains ----

    @Override
    public Domain addDomain(String name) {
        String d = domainName(name);
        return write(tx -> {
            Db db = tx.db();
            if (db.exists("SELECT 1 FROM domain WHERE name = ?", d)) throw new StoreException.Conflict("domain " + d + " already exists");
            long id = db.insert("INSERT INTO domain (name, quota_bytes, used_bytes) VALUES (?, 0, 0)", d);
            tx.appendChange(Change.Kind.DOMAIN_ADDED, 0, 0, 0, d);
            return new Domain(id, d, 0, 0, 0, 0);
        });
    }

    @Override
    public void removeDomain(String name, boolean force) {
        String d = domainName(name);
        write(tx -> {
            Db db = tx.db();
            long domainId = db.queryLong("SELECT id FROM domain WHERE name = ?", d).orElseThrow(() -> noDomain(d));
            List<Long> accounts = db.list("SELECT id FROM account WHERE domain_id = ? ORDER BY address_key", rs -> rs.getLong(1), domainId);
            List<String> aliases = db.list("SELECT source FROM alias WHERE domain_id = ? ORDER BY source", rs -> rs.getString(1), domainId);
            if (!force && (!accounts.isEmpty() || !aliases.isEmpty())) {
                throw new StoreException.Conflict("domain " + d + " still has " + accounts.size() + " account(s) and "
                        + aliases.size() + " alias(es); remove them first, or force to remove them with their mail");
            }
            for (long accountId : accounts) removeAccount(tx, accountId);
            for (String source : aliases) removeAlias(tx, source);
            db.update("DELETE FROM domain WHERE id = ?", domainId);
            tx.appendChange(Change.Kind.DOMAIN_REMOVED, 0, 0, 0, d);
            return null;
        });
    }

    @Override
    public List<Domain> listDomains() {
        return read(db -> db.list(DOMAIN_COLUMNS + " ORDER BY name", EmbeddedMailStore::domain));
    }

    @Override
    public Optional<Domain> findDomain(String name) {
        Optional<String> d = domainNameOrEmpty(name);
        if (d.isEmpty()) return Optional.empty();
        return read(db -> db.one(DOMAIN_COLUMNS + " WHERE name = ?", EmbeddedMailStore::domain, d.get()));
    }

    @Override
    public Domain setDomainQuota(String name, long quotaBytes) {
        String d = domainName(name);
        nonNegative(quotaBytes, "domain quota");
        return write(tx -> {
            Db db = tx.db();
            if (db.update("UPDATE domain SET quota_bytes = ? WHERE name = ?", quotaBytes, d) == 0) throw noDomain(d);
            tx.appendChange(Change.Kind.DOMAIN_CHANGED, 0, 0, 0, d + " quota=" + quotaBytes);
            return db.one(DOMAIN_COLUMNS + " WHERE name = ?", EmbeddedMailStore::domain, d).orElseThrow();
        });
    }

    @Override
    public Domain setDomainMessageLimit(String name, long maxMessages) {
        String d = domainName(name);
        nonNegative(maxMessages, "domain message limit");
        return write(tx -> {
            Db db = tx.db();
            if (db.update("UPDATE domain SET max_messages = ? WHERE name = ?", limitOrNull(maxMessages), d) == 0) throw noDomain(d);
            tx.appendChange(Change.Kind.DOMAIN_CHANGED, 0, 0, 0, d + " max-messages=" + maxMessages);
            return db.one(DOMAIN_COLUMNS + " WHERE name = ?", EmbeddedMailStore::domain, d).orElseThrow();
        });
    }

    /** The column value for a message-count limit: the schema keeps "no limit" as NULL, the API as 0. */
    private static Long limitOrNull(long maxMessages) {
        return maxMessages == 0 ? null : maxMessages;
    }

    @Override
    public boolean isLocalDomain(String domain) {
        return findDomain(domain).isPresent();
    }

    private static StoreException.NotFound noDomain(String d) {
        return new StoreException.NotFound("domain " + d + " does not exist");
    }

    // ---- directory: accounts ----

    @Override
    public Account addAccount(EmailAddress address, String passwordHash, long quotaBytes, long maxMessageBytes) {
        EmailAddress a = validAddress(address);
        if (passwordHash == null || passwordHash.isBlank()) throw new IllegalArgumentException("empty password hash");
        nonNegative(quotaBytes, "quota");
        nonNegative(maxMessageBytes, "message size limit");
        String key = a.key();
        return write(tx -> {
            Db db = tx.db();
            long domainId = db.queryLong("SELECT id FROM domain WHERE name = ?", a.domain()).orElseThrow(() -> noDomain(a.domain()));
            if (db.exists("SELECT 1 FROM account WHERE address_key = ?", key)) {
                throw new StoreException.Conflict("account " + a + " already exists");
            }
            long id = db.insert("""
                    INSERT INTO account (domain_id, address_key, local_part, password_hash, quota_bytes, max_message_bytes)
                    VALUES (?, ?, ?, ?, ?, ?)""", domainId, key, a.localPart(), passwordHash, quotaBytes, maxMessageBytes);
            tx.appendChange(Change.Kind.ACCOUNT_ADDED, id, 0, 0, key);
            for (SpecialUse use : SpecialUse.values()) {
                createMailbox(tx, id, use.defaultName(), use);
                db.update("INSERT INTO subscription (account_id, name) VALUES (?, ?)", id, use.defaultName());
            }
            return db.one(ACCOUNT_COLUMNS + " WHERE a.id = ?", EmbeddedMailStore::account, id).orElseThrow();
        });
    }

    private static long createMailbox(WriteTx tx, long accountId, String name, SpecialUse use) throws SQLException {
        Db db = tx.db();
        long uidValidity = nextUidValidity(db);
        long id = db.insert("""
                INSERT INTO mailbox (account_id, name, special_use, uid_validity, uid_next, highest_modseq)
                VALUES (?, ?, ?, ?, 1, 0)""", accountId, name, use == null ? null : use.name(), uidValidity);
        long pos = tx.appendChange(Change.Kind.MAILBOX_CREATED, accountId, id, 0, name);
        db.update("UPDATE mailbox SET highest_modseq = ? WHERE id = ?", pos, id);
        return id;
    }

    /**
     * UIDVALIDITY from the clock in seconds, but always above every value handed out
     * before: mailboxes made in the same second differ, and a mailbox deleted and
     * re-created under the same name never gets its old UIDVALIDITY back (RFC 9051 2.3.1.1).
     */
    private static long nextUidValidity(Db db) throws SQLException {
        long last = db.queryLong("SELECT last_uid_validity FROM meta WHERE id = 1").orElseThrow();
        long next = Math.max(Instant.now().getEpochSecond(), last + 1);
        db.update("UPDATE meta SET last_uid_validity = ? WHERE id = 1", next);
        return next;
    }

    @Override
    public Account updateAccount(EmailAddress address, AccountChange change) {
        EmailAddress a = validAddress(address);
        Objects.requireNonNull(change, "change");
        if (change.passwordHash() != null && change.passwordHash().isBlank()) throw new IllegalArgumentException("empty password hash");
        if (change.quotaBytes() != null) nonNegative(change.quotaBytes(), "quota");
        if (change.maxMessageBytes() != null) nonNegative(change.maxMessageBytes(), "message size limit");
        if (change.maxMessages() != null) nonNegative(change.maxMessages(), "message limit");
        String key = a.key();
        return write(tx -> {
            Db db = tx.db();
            long id = db.queryLong("SELECT id FROM account WHERE address_key = ?", key).orElseThrow(() -> noAccount(a));
            List<String> changed = new ArrayList<>();
            if (change.passwordHash() != null) {
                db.update("UPDATE account SET password_hash = ? WHERE id = ?", change.passwordHash(), id);
                changed.add("password");
            }
            if (change.quotaBytes() != null) {
                db.update("UPDATE account SET quota_bytes = ? WHERE id = ?", change.quotaBytes(), id);
                changed.add("quota=" + change.quotaBytes());
            }
            if (change.maxMessageBytes() != null) {
                db.update("UPDATE account SET max_message_bytes = ? WHERE id = ?", change.maxMessageBytes(), id);
                changed.add("max-message=" + change.maxMessageBytes());
            }
            if (change.maxMessages() != null) {
                db.update("UPDATE account SET max_messages = ? WHERE id = ?", limitOrNull(change.maxMessages()), id);
                changed.add("max-messages=" + change.maxMessages());
            }
            if (!changed.isEmpty()) tx.appendChange(Change.Kind.ACCOUNT_CHANGED, id, 0, 0, String.join(" ", changed));
            return db.one(ACCOUNT_COLUMNS + " WHERE a.id = ?", EmbeddedMailStore::account, id).orElseThrow();
        });
    }

    @Override
    public void removeAccount(EmailAddress address) {
        EmailAddress a = validAddress(address);
        write(tx -> {
            long id = tx.db().queryLong("SELECT id FROM account WHERE address_key = ?", a.key()).orElseThrow(() -> noAccount(a));
            removeAccount(tx, id);
            return null;
        });
    }

    /** Removes an account with its mailboxes and mail, releasing blobs and the domain's usage. */
    private static void removeAccount(WriteTx tx, long accountId) throws SQLException {
        Db db = tx.db();
        record Owner(long domainId, long usedBytes, long messageCount, String key) { }
        Owner owner = db.one("SELECT domain_id, used_bytes, message_count, address_key FROM account WHERE id = ?",
                rs -> new Owner(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4)), accountId).orElseThrow();
        record Use(String sha256, long count) { }
        List<Use> uses = db.list("""
                SELECT m.blob_sha256, count(*) FROM message m JOIN mailbox b ON b.id = m.mailbox_id
                WHERE b.account_id = ? GROUP BY m.blob_sha256""", rs -> new Use(rs.getString(1), rs.getLong(2)), accountId);
        db.update("DELETE FROM message WHERE mailbox_id IN (SELECT id FROM mailbox WHERE account_id = ?)", accountId);
        for (Use u : uses) releaseBlob(tx, u.sha256(), u.count());
        db.update("DELETE FROM mailbox WHERE account_id = ?", accountId);
        db.update("DELETE FROM subscription WHERE account_id = ?", accountId);
        db.update("UPDATE domain SET used_bytes = used_bytes - ?, message_count = message_count - ? WHERE id = ?",
                owner.usedBytes(), owner.messageCount(), owner.domainId());
        db.update("DELETE FROM account WHERE id = ?", accountId);
        tx.appendChange(Change.Kind.ACCOUNT_REMOVED, accountId, 0, 0, owner.key());
    }

    /** Ordered by domain, then address (case-insensitively), so a listing of all domains reads domain by domain. */
    @Override
    public List<Account> listAccounts(String domain) {
        if (domain == null) return read(db -> db.list(ACCOUNT_COLUMNS + " ORDER BY d.name, a.address_key", EmbeddedMailStore::account));
        Optional<String> d = domainNameOrEmpty(domain);
        if (d.isEmpty()) return List.of();
        return read(db -> db.list(ACCOUNT_COLUMNS + " WHERE d.name = ? ORDER BY a.address_key", EmbeddedMailStore::account, d.get()));
    }

    @Override
    public Optional<Account> findAccount(EmailAddress address) {
        Objects.requireNonNull(address, "address");
        return read(db -> db.one(ACCOUNT_COLUMNS + " WHERE a.address_key = ?", EmbeddedMailStore::account, address.key()));
    }

    @Override
    public Optional<Account> findAccount(long accountId) {
        return read(db -> db.one(ACCOUNT_COLUMNS + " WHERE a.id = ?", EmbeddedMailStore::account, accountId));
    }

    private static StoreException.NotFound noAccount(EmailAddress a) {
        return new StoreException.NotFound("account " + a + " does not exist");
    }

    // ---- directory: aliases ----

    @Override
    public Alias addAlias(String source, List<EmailAddress> targets) {
        String src = aliasSource(source);
        String srcDomain = src.substring(src.indexOf('@') + 1);
        if (targets == null || targets.isEmpty()) throw new IllegalArgumentException("alias " + src + " needs at least one target");
        // Duplicates compared as the directory compares (case-insensitively); the first spelling and the order are kept.
        Map<String, EmailAddress> unique = new LinkedHashMap<>();
        for (EmailAddress t : targets) {
            EmailAddress v = validAddress(t);
            unique.putIfAbsent(v.key(), v);
        }
        if (unique.size() > MAX_ALIAS_TARGETS) throw new IllegalArgumentException("alias " + src + " has more than " + MAX_ALIAS_TARGETS + " targets");
        List<EmailAddress> to = List.copyOf(unique.values());
        return write(tx -> {
            Db db = tx.db();
            long domainId = db.queryLong("SELECT id FROM domain WHERE name = ?", srcDomain).orElseThrow(() -> noDomain(srcDomain));
            for (EmailAddress t : to) {
                if (!db.exists("SELECT 1 FROM domain WHERE name = ?", t.domain())) {
                    throw new StoreException.NotFound("alias target " + t + " is not in a local domain (domain " + t.domain()
                            + " does not exist here); aliases deliver to local addresses only, remote targets need the"
                            + " outbound relay, which comes in a later release");
                }
            }
            boolean replaced = db.update("DELETE FROM alias WHERE source = ?", src) > 0;
            long id = db.insert("INSERT INTO alias (source, domain_id) VALUES (?, ?)", src, domainId);
            for (int i = 0; i < to.size(); i++) {
                db.update("INSERT INTO alias_target (alias_id, position, local_part, domain) VALUES (?, ?, ?, ?)",
                        id, i, to.get(i).localPart(), to.get(i).domain());
            }
            tx.appendChange(Change.Kind.ALIAS_ADDED, 0, 0, 0, src + (replaced ? " (replaced) -> " : " -> ")
                    + String.join(",", to.stream().map(EmailAddress::toString).toList()));
            return new Alias(src, to);
        });
    }

    @Override
    public void removeAlias(String source) {
        String src = aliasSource(source);
        write(tx -> {
            if (!tx.db().exists("SELECT 1 FROM alias WHERE source = ?", src)) throw new StoreException.NotFound("alias " + src + " does not exist");
            removeAlias(tx, src);
            return null;
        });
    }

    private static void removeAlias(WriteTx tx, String source) throws SQLException {
        tx.db().update("DELETE FROM alias WHERE source = ?", source); // targets go by ON DELETE CASCADE
        tx.appendChange(Change.Kind.ALIAS_REMOVED, 0, 0, 0, source);
    }

    @Override
    public List<Alias> listAliases(String domain) {
        if (domain == null) {
            return read(db -> aliases(db.list(ALIAS_COLUMNS + " ORDER BY a.source, t.position", AliasRow::of)));
        }
        Optional<String> d = domainNameOrEmpty(domain);
        if (d.isEmpty()) return List.of();
        return read(db -> aliases(db.list(ALIAS_COLUMNS + " WHERE a.domain_id = (SELECT id FROM domain WHERE name = ?)"
                + " ORDER BY a.source, t.position", AliasRow::of, d.get())));
    }

    private record AliasRow(String source, EmailAddress target) {
        static AliasRow of(ResultSet rs) throws SQLException {
            return new AliasRow(rs.getString(1), new EmailAddress(rs.getString(2), rs.getString(3)));
        }
    }

    private static List<Alias> aliases(List<AliasRow> rows) {
        Map<String, List<EmailAddress>> bySource = new LinkedHashMap<>();
        for (AliasRow r : rows) bySource.computeIfAbsent(r.source(), k -> new ArrayList<>()).add(r.target());
        return bySource.entrySet().stream().map(e -> new Alias(e.getKey(), e.getValue())).toList();
    }

    @Override
    public RecipientResolution resolve(EmailAddress recipient) {
        Objects.requireNonNull(recipient, "recipient");
        return read(db -> {
            if (!db.exists("SELECT 1 FROM domain WHERE name = ?", recipient.domain())) return new RecipientResolution.NotLocal();
            Resolver resolver = new Resolver(db);
            resolver.expand(recipient, 0);
            return resolver.found.isEmpty()
                    ? new RecipientResolution.Unknown()
                    : new RecipientResolution.Local(List.copyOf(resolver.found.values()));
        });
    }

    /**
     * Alias expansion, depth first in the administrator's target order. Each alias
     * is expanded at most once per resolution: an address met again (a loop, or the
     * "keep a copy" idiom {@code alice -> alice, bob}) or beyond
     * {@link #MAX_ALIAS_DEPTH} stands for itself and counts only if it is an
     * account. This bounds the work by the number of aliases, whatever their shape.
     */
    private static final class Resolver {
        final Db db;
        final Map<Long, Account> found = new LinkedHashMap<>();
        final Set<String> expanded = new HashSet<>();

        Resolver(Db db) {
            this.db = db;
        }

        void expand(EmailAddress address, int depth) throws SQLException {
            String key = address.key();
            List<EmailAddress> targets = targets(key);
            if (!targets.isEmpty()) {
                if (depth < MAX_ALIAS_DEPTH && expanded.add(key)) {
                    for (EmailAddress t : targets) expand(t, depth + 1);
                } else {
                    addAccount(key);
                }
                return;
            }
            if (addAccount(key)) return;
            // The catch-all applies only where neither an alias nor an account matched.
            String catchAll = "@" + address.domain();
            List<EmailAddress> all = targets(catchAll);
            if (!all.isEmpty() && depth < MAX_ALIAS_DEPTH && expanded.add(catchAll)) {
                for (EmailAddress t : all) expand(t, depth + 1);
            }
        }

        private List<EmailAddress> targets(String source) throws SQLException {
            return db.list("""
                    SELECT t.local_part, t.domain FROM alias a JOIN alias_target t ON t.alias_id = a.id
                    WHERE a.source = ? ORDER BY t.position""", rs -> new EmailAddress(rs.getString(1), rs.getString(2)), source);
        }

        private boolean addAccount(String key) throws SQLException {
            Optional<Account> a = db.one(ACCOUNT_COLUMNS + " WHERE a.address_key = ?", EmbeddedMailStore::account, key);
            a.ifPresent(account -> found.putIfAbsent(account.id(), account));
            return a.isPresent();
        }
    }

    // ---- mail ----

    /** The blob as prepared by the caller's thread: inline bytes, or {@code inline == null} for a file already on disk. */
    private record PreparedBlob(String sha256, long size, byte[] inline) { }

    /**
     * The file of a file blob vanished between the caller writing it and the
     * transaction (an expunge of the same content released it meanwhile). The
     * caller writes it again and retries; never seen outside this class.
     */
    private static final class BlobFileMissing extends StoreException {
        BlobFileMissing(String sha256) {
            super("blob file " + sha256 + " vanished before its delivery committed");
        }
    }

    @Override
    public DeliveryReceipt deliver(Delivery delivery) {
        Objects.requireNonNull(delivery, "delivery");
        MessageData content = Objects.requireNonNull(delivery.content(), "delivery content");
        Instant internalDate = Objects.requireNonNull(delivery.internalDate(), "delivery internal date");
        if (!BlobFiles.isSha256(content.sha256())) {
            throw new IllegalArgumentException("message SHA-256 is not 64 lower-case hex digits: " + Printable.of(content.sha256()));
        }
        if (content.size() < 0) throw new IllegalArgumentException("negative message size");
        // Each account gets the message once, whatever the caller passed.
        List<Long> accountIds = List.copyOf(new LinkedHashSet<>(delivery.accountIds()));
        if (closed.get()) throw new StoreException.Unavailable("store is closed", null);
        try {
            DeliveryReceipt receipt = withBlob(content, blob -> tx -> deliverAndQueue(tx, accountIds, delivery.outbound(), blob,
                    internalDate.toEpochMilli()));
            delivered.increment();
            deliveredEntries.increment(receipt.placed().size());
            return receipt;
        } catch (QuotaExceeded e) {
            refused.increment();
            throw e;
        } catch (RuntimeException e) {
            failed.increment();
            throw e;
        }
    }

    /**
     * Stores the content where the transaction {@code op} will reference it and runs
     * that transaction; if the blob file vanished meanwhile (see BlobFileMissing),
     * writes it again and retries.
     */
    private <T> T withBlob(MessageData content, java.util.function.Function<PreparedBlob, GroupCommitWriter.WriteOp<T>> op) {
        return withBlobs(List.of(content), blobs -> op.apply(blobs.getFirst()));
    }

    /** {@link #withBlob} for several bodies in one transaction. */
    private <T> T withBlobs(List<MessageData> contents, java.util.function.Function<List<PreparedBlob>, GroupCommitWriter.WriteOp<T>> op) {
        for (MessageData content : contents) {
            if (!BlobFiles.isSha256(content.sha256())) {
                throw new IllegalArgumentException("message SHA-256 is not 64 lower-case hex digits: " + Printable.of(content.sha256()));
            }
        }
        if (closed.get()) throw new StoreException.Unavailable("store is closed", null);
        for (int attempt = 1; ; attempt++) {
            List<PreparedBlob> blobs = new ArrayList<>();
            List<String> written = new ArrayList<>();
            for (MessageData content : contents) {
                PreparedBlob blob = prepare(content);
                blobs.add(blob);
                if (blob.inline() == null) written.add(blob.sha256());
            }
            try {
                return writer.submit(op.apply(blobs), written);
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
            files.write(content);
            return new PreparedBlob(sha, size, null);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot store message body: " + e, e);
        } catch (UncheckedIOException e) {
            throw new StoreException.Unavailable("cannot store message body: " + e.getCause(), e);
        }
    }

    /**
     * The local part (if any) and the queued remote part (if any) of one message, in the
     * caller's transaction: a refusal of either leaves nothing of the other.
     */
    private DeliveryReceipt deliverAndQueue(WriteTx tx, List<Long> accountIds, Outbound outbound, PreparedBlob blob,
                                            long internalDate) throws SQLException {
        DeliveryReceipt local = accountIds.isEmpty() ? new DeliveryReceipt(blob.sha256(), List.of(), 0)
                : deliver(tx, accountIds, blob, internalDate);
        if (outbound == null) return local;
        addBlobReferences(tx, blob, 1);
        long queueId = OutboundQueue.enqueue(tx.db(), outbound, blob.sha256(), blob.size(), internalDate);
        return new DeliveryReceipt(local.blobId(), local.placed(), local.changePosition(), queueId);
    }

    private DeliveryReceipt deliver(WriteTx tx, List<Long> accountIds, PreparedBlob blob, long internalDate) throws SQLException {
        Db db = tx.db();
        long size = blob.size();
        record Target(long accountId, long domainId, long quota, long maxMessage, long used, long domainQuota, long domainUsed,
                      long maxMessages, long count, long domainMaxMessages, long domainCount) { }
        List<Target> targets = new ArrayList<>(accountIds.size());
        Map<Long, Long> addedPerDomain = new LinkedHashMap<>();
        Map<Long, Long> countPerDomain = new LinkedHashMap<>();
        for (long id : accountIds) {
            Target t = db.one("""
                    SELECT a.id, a.domain_id, a.quota_bytes, a.max_message_bytes, a.used_bytes, d.quota_bytes, d.used_bytes,
                           a.max_messages, a.message_count, d.max_messages, d.message_count
                    FROM account a JOIN domain d ON d.id = a.domain_id WHERE a.id = ?""",
                    rs -> new Target(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7),
                            rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getLong(11)),
                    id).orElseThrow(() -> new StoreException.NotFound("account " + id + " does not exist"));
            targets.add(t);
            addedPerDomain.merge(t.domainId(), size, Long::sum);
            countPerDomain.merge(t.domainId(), 1L, Long::sum);
        }
        List<QuotaExceeded.Refusal> refusals = new ArrayList<>();
        for (Target t : targets) {
            if (t.maxMessage() > 0 && size > t.maxMessage()) {
                refusals.add(new QuotaExceeded.Refusal(t.accountId(), QuotaExceeded.Reason.MESSAGE_TOO_BIG));
            }
            if (t.quota() > 0 && t.used() + size > t.quota()) {
                refusals.add(new QuotaExceeded.Refusal(t.accountId(), QuotaExceeded.Reason.ACCOUNT_FULL));
            }
            if (t.domainQuota() > 0 && t.domainUsed() + addedPerDomain.get(t.domainId()) > t.domainQuota()) {
                refusals.add(new QuotaExceeded.Refusal(t.accountId(), QuotaExceeded.Reason.DOMAIN_FULL));
            }
            if (t.maxMessages() > 0 && t.count() + 1 > t.maxMessages()) {
                refusals.add(new QuotaExceeded.Refusal(t.accountId(), QuotaExceeded.Reason.ACCOUNT_MESSAGES));
            }
            if (t.domainMaxMessages() > 0 && t.domainCount() + countPerDomain.get(t.domainId()) > t.domainMaxMessages()) {
                refusals.add(new QuotaExceeded.Refusal(t.accountId(), QuotaExceeded.Reason.DOMAIN_MESSAGES));
            }
        }
        if (!refusals.isEmpty()) throw new QuotaExceeded(refusals);

        addBlobReferences(tx, blob, targets.size());
        List<DeliveryReceipt.Placed> placed = new ArrayList<>(targets.size());
        long position = 0;
        for (Target t : targets) {
            record Inbox(long id, long uidNext) { }
            Inbox inbox = db.one("SELECT id, uid_next FROM mailbox WHERE account_id = ? AND special_use = 'INBOX'",
                    rs -> new Inbox(rs.getLong(1), rs.getLong(2)), t.accountId())
                    .orElseThrow(() -> new IllegalStateException("account " + t.accountId() + " has no INBOX"));
            long uid = inbox.uidNext();
            position = placeEntry(tx, t.accountId(), inbox.id(), uid, "", internalDate, size, blob.sha256());
            placed.add(new DeliveryReceipt.Placed(t.accountId(), inbox.id(), uid));
            tx.publish(new StoreEvent.MessagesAdded(t.accountId(), inbox.id(), position));
        }
        for (Map.Entry<Long, Long> e : addedPerDomain.entrySet()) {
            db.update("UPDATE domain SET used_bytes = used_bytes + ?, message_count = message_count + ? WHERE id = ?",
                    e.getValue(), countPerDomain.get(e.getKey()), e.getKey());
        }
        return new DeliveryReceipt(blob.sha256(), placed, position);
    }

    /**
     * Inserts one entry with UID {@code uid} (the mailbox's uid_next, read by the caller)
     * and charges it to the mailbox's and the account's counters; the domain's usage is
     * the caller's (a delivery adds it once per domain). Returns the entry's MODSEQ.
     */
    private static long placeEntry(WriteTx tx, long accountId, long mailboxId, long uid, String flags, long internalDate,
                                   long size, String sha256) throws SQLException {
        Db db = tx.db();
        long position = tx.appendChange(Change.Kind.MESSAGE_ADDED, accountId, mailboxId, uid, "");
        db.update("""
                INSERT INTO message (mailbox_id, uid, modseq, flags, internal_date, size, blob_sha256)
                VALUES (?, ?, ?, ?, ?, ?, ?)""", mailboxId, uid, position, flags, internalDate, size, sha256);
        db.update("""
                UPDATE mailbox SET uid_next = ?, highest_modseq = ?, message_count = message_count + 1,
                                   size_bytes = size_bytes + ? WHERE id = ?""", uid + 1, position, size, mailboxId);
        db.update("UPDATE account SET used_bytes = used_bytes + ?, message_count = message_count + 1 WHERE id = ?",
                size, accountId);
        return position;
    }

    private void addBlobReferences(WriteTx tx, PreparedBlob blob, int count) throws SQLException {
        Db db = tx.db();
        if (db.update("UPDATE blob SET refs = refs + ? WHERE sha256 = ?", count, blob.sha256()) > 0) return;
        if (blob.inline() != null) {
            db.update("INSERT INTO blob (sha256, size, refs, in_file, content) VALUES (?, ?, ?, 0, ?)",
                    blob.sha256(), blob.size(), count, blob.inline());
            return;
        }
        // Checked under the write lock: deletes of unreferenced files take the same lock.
        if (!files.exists(blob.sha256())) throw new BlobFileMissing(blob.sha256());
        db.update("INSERT INTO blob (sha256, size, refs, in_file, content) VALUES (?, ?, ?, 1, NULL)",
                blob.sha256(), blob.size(), count);
    }

    /** Drops {@code count} references; at zero the row goes now and the file (if any) after the commit. */
    private static void releaseBlob(WriteTx tx, String sha256, long count) throws SQLException {
        Db db = tx.db();
        record Ref(long refs, boolean inFile) { }
        Ref ref = db.one("SELECT refs, in_file FROM blob WHERE sha256 = ?", rs -> new Ref(rs.getLong(1), rs.getInt(2) == 1), sha256)
                .orElseThrow(() -> new IllegalStateException("message references missing blob " + sha256));
        if (ref.refs() > count) {
            db.update("UPDATE blob SET refs = refs - ? WHERE sha256 = ?", count, sha256);
            return;
        }
        db.update("DELETE FROM blob WHERE sha256 = ?", sha256);
        if (ref.inFile()) tx.deleteFileIfUnreferenced(sha256);
    }

    @Override
    public List<Mailbox> mailboxes(long accountId) {
        return read(db -> db.list(MAILBOX_COLUMNS + " WHERE account_id = ? ORDER BY id", EmbeddedMailStore::mailbox, accountId));
    }

    @Override
    public Optional<Mailbox> mailbox(long accountId, String name) {
        Objects.requireNonNull(name, "name");
        // INBOX is case-insensitive (RFC 9051 5.1); every other name is exact.
        String n = name.equalsIgnoreCase("INBOX") ? "INBOX" : name;
        return read(db -> db.one(MAILBOX_COLUMNS + " WHERE account_id = ? AND name = ?", EmbeddedMailStore::mailbox, accountId, n));
    }

    @Override
    public List<MessageEntry> messages(long mailboxId) {
        return read(db -> db.list(MESSAGE_COLUMNS + " WHERE mailbox_id = ? ORDER BY uid", EmbeddedMailStore::message, mailboxId));
    }

    @Override
    public InputStream openBlob(String blobId) throws IOException {
        if (!BlobFiles.isSha256(blobId)) throw new IllegalArgumentException("not a blob id: " + Printable.of(blobId));
        record Stored(boolean inFile, byte[] content) { }
        // Two looks: the file of a blob found in the first can be released and deleted before we open it.
        for (int attempt = 0; attempt < 2; attempt++) {
            Optional<Stored> stored = read(db -> db.one("SELECT in_file, content FROM blob WHERE sha256 = ?",
                    rs -> new Stored(rs.getInt(1) == 1, rs.getBytes(2)), blobId));
            if (stored.isEmpty()) throw new StoreException.NotFound("blob " + blobId + " does not exist");
            if (!stored.get().inFile()) return new ByteArrayInputStream(stored.get().content());
            try {
                return Files.newInputStream(files.path(blobId));
            } catch (NoSuchFileException e) {
                if (attempt == 1) throw new IOException("blob " + blobId + " is recorded but its file is missing", e);
            }
        }
        throw new IllegalStateException("unreachable");
    }

    @Override
    public ExpungeResult expunge(long mailboxId, Collection<Long> uids) {
        Objects.requireNonNull(uids, "uids");
        TreeSet<Long> wanted = new TreeSet<>();
        for (Long uid : uids) wanted.add(Objects.requireNonNull(uid, "uid"));
        return write(tx -> {
            Db db = tx.db();
            record Box(long accountId, long domainId, long highestModSeq) { }
            Box box = db.one("""
                    SELECT b.account_id, a.domain_id, b.highest_modseq FROM mailbox b JOIN account a ON a.id = b.account_id
                    WHERE b.id = ?""", rs -> new Box(rs.getLong(1), rs.getLong(2), rs.getLong(3)), mailboxId)
                    .orElseThrow(() -> new StoreException.NotFound("mailbox " + mailboxId + " does not exist"));
            List<Long> removed = new ArrayList<>();
            long freed = 0;
            long position = box.highestModSeq();
            for (long uid : wanted) {
                record Entry(long size, String sha256) { }
                Optional<Entry> entry = db.one("SELECT size, blob_sha256 FROM message WHERE mailbox_id = ? AND uid = ?",
                        rs -> new Entry(rs.getLong(1), rs.getString(2)), mailboxId, uid);
                if (entry.isEmpty()) continue;
                db.update("DELETE FROM message WHERE mailbox_id = ? AND uid = ?", mailboxId, uid);
                releaseBlob(tx, entry.get().sha256(), 1);
                position = tx.appendChange(Change.Kind.MESSAGE_EXPUNGED, box.accountId(), mailboxId, uid, "");
                freed += entry.get().size();
                removed.add(uid);
            }
            if (!removed.isEmpty()) {
                int n = removed.size();
                db.update("""
                        UPDATE mailbox SET highest_modseq = ?, message_count = message_count - ?, size_bytes = size_bytes - ?
                        WHERE id = ?""", position, n, freed, mailboxId);
                db.update("UPDATE account SET used_bytes = used_bytes - ?, message_count = message_count - ? WHERE id = ?",
                        freed, n, box.accountId());
                db.update("UPDATE domain SET used_bytes = used_bytes - ?, message_count = message_count - ? WHERE id = ?",
                        freed, n, box.domainId());
                tx.publish(new StoreEvent.MailboxChanged(box.accountId(), mailboxId, position));
            }
            return new ExpungeResult(List.copyOf(removed), freed, position);
        });
    }

    // ---- mailboxes (IMAP) ----

    /** Longest mailbox name accepted, in characters; deeper or longer names are a client's mistake, not a use. */
    static final int MAX_MAILBOX_NAME = 1000;
    private static final String MESSAGE_COLUMNS = """
            SELECT mailbox_id, uid, modseq, flags, internal_date, size, blob_sha256 FROM message""";
    /** IMAP system flags, in the spelling they are stored in (clients may send any case). */
    private static final List<String> SYSTEM_FLAGS = List.of("\\Answered", "\\Deleted", "\\Draft", "\\Flagged", "\\Seen");
    private static final int MAX_FLAG_LENGTH = 250;

    /**
     * The stored form of a mailbox name: INBOX in any case becomes {@code INBOX}; no empty
     * hierarchy level (leading, trailing or doubled "/"), no control characters.
     */
    static String mailboxName(String name) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("empty mailbox name");
        if (name.equalsIgnoreCase("INBOX")) return "INBOX";
        if (name.length() > MAX_MAILBOX_NAME) throw new IllegalArgumentException("mailbox name longer than " + MAX_MAILBOX_NAME + " characters");
        String d = String.valueOf(DELIMITER);
        if (name.startsWith(d) || name.endsWith(d) || name.contains(d + d)) {
            throw new IllegalArgumentException("mailbox name with an empty hierarchy level: " + Printable.of(name));
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) throw new IllegalArgumentException("control character in mailbox name: " + Printable.of(name));
        }
        return name;
    }

    /** Flags in stored form: system flags spelled canonically, sorted, space-separated; \Recent dropped (it is session state). */
    static TreeSet<String> flagSet(Collection<String> flags) {
        TreeSet<String> out = new TreeSet<>();
        for (String f : flags) {
            Objects.requireNonNull(f, "flag");
            if (f.isEmpty() || f.length() > MAX_FLAG_LENGTH) throw new IllegalArgumentException("flag of bad length: " + Printable.of(f));
            for (int i = 0; i < f.length(); i++) {
                char c = f.charAt(i);
                if (c <= 0x20 || c >= 0x7f || "(){%*\"]".indexOf(c) >= 0 || (c == '\\' && i > 0)) {
                    throw new IllegalArgumentException("not a flag: " + Printable.of(f));
                }
            }
            if (f.equalsIgnoreCase("\\Recent")) continue;
            if (f.startsWith("\\")) {
                String system = SYSTEM_FLAGS.stream().filter(s -> s.equalsIgnoreCase(f)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("unknown system flag " + Printable.of(f)));
                out.add(system);
            } else {
                out.add(f);
            }
        }
        return out;
    }

    private static String flagText(Set<String> flags) {
        return String.join(" ", flags);
    }

    private record Box(long id, long accountId, long domainId, String name, SpecialUse use, long uidNext, long uidValidity) { }

    private static Box box(Db db, long mailboxId) throws SQLException {
        return db.one("""
                SELECT b.id, b.account_id, a.domain_id, b.name, b.special_use, b.uid_next, b.uid_validity
                FROM mailbox b JOIN account a ON a.id = b.account_id WHERE b.id = ?""", EmbeddedMailStore::boxRow, mailboxId)
                .orElseThrow(() -> new StoreException.NotFound("mailbox " + mailboxId + " does not exist"));
    }

    private static Box box(Db db, long accountId, String name) throws SQLException {
        return db.one("""
                SELECT b.id, b.account_id, a.domain_id, b.name, b.special_use, b.uid_next, b.uid_validity
                FROM mailbox b JOIN account a ON a.id = b.account_id WHERE b.account_id = ? AND b.name = ?""",
                EmbeddedMailStore::boxRow, accountId, name)
                .orElseThrow(() -> new StoreException.NotFound("mailbox " + name + " does not exist"));
    }

    private static Box boxRow(ResultSet rs) throws SQLException {
        String use = rs.getString(5);
        return new Box(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), use == null ? null : SpecialUse.valueOf(use),
                rs.getLong(6), rs.getLong(7));
    }

    /**
     * Refuses (QuotaExceeded) adding {@code count} messages of {@code bytes} in all, the
     * largest {@code largest}, to an account: its storage and message-count limits, its
     * domain's, and with {@code messageLimit} its per-message size limit.
     */
    private static void checkQuota(Db db, long accountId, long count, long bytes, long largest, boolean messageLimit) throws SQLException {
        record Limits(long quota, long maxMessage, long used, long domainQuota, long domainUsed,
                      long maxMessages, long messages, long domainMaxMessages, long domainMessages) { }
        Limits l = db.one("""
                SELECT a.quota_bytes, a.max_message_bytes, a.used_bytes, d.quota_bytes, d.used_bytes,
                       a.max_messages, a.message_count, d.max_messages, d.message_count
                FROM account a JOIN domain d ON d.id = a.domain_id WHERE a.id = ?""",
                rs -> new Limits(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9)), accountId)
                .orElseThrow(() -> new StoreException.NotFound("account " + accountId + " does not exist"));
        List<QuotaExceeded.Refusal> refusals = new ArrayList<>();
        if (messageLimit && l.maxMessage() > 0 && largest > l.maxMessage()) {
            refusals.add(new QuotaExceeded.Refusal(accountId, QuotaExceeded.Reason.MESSAGE_TOO_BIG));
        }
        if (l.quota() > 0 && l.used() + bytes > l.quota()) refusals.add(new QuotaExceeded.Refusal(accountId, QuotaExceeded.Reason.ACCOUNT_FULL));
        if (l.domainQuota() > 0 && l.domainUsed() + bytes > l.domainQuota()) {
            refusals.add(new QuotaExceeded.Refusal(accountId, QuotaExceeded.Reason.DOMAIN_FULL));
        }
        if (l.maxMessages() > 0 && l.messages() + count > l.maxMessages()) {
            refusals.add(new QuotaExceeded.Refusal(accountId, QuotaExceeded.Reason.ACCOUNT_MESSAGES));
        }
        if (l.domainMaxMessages() > 0 && l.domainMessages() + count > l.domainMaxMessages()) {
            refusals.add(new QuotaExceeded.Refusal(accountId, QuotaExceeded.Reason.DOMAIN_MESSAGES));
        }
        if (!refusals.isEmpty()) throw new QuotaExceeded(refusals);
    }

    /** Removes one entry: counters of mailbox and account (not domain), the blob reference, an EXPUNGED change. */
    private static long removeEntry(WriteTx tx, long accountId, long mailboxId, long uid, long size, String sha256) throws SQLException {
        Db db = tx.db();
        db.update("DELETE FROM message WHERE mailbox_id = ? AND uid = ?", mailboxId, uid);
        releaseBlob(tx, sha256, 1);
        long position = tx.appendChange(Change.Kind.MESSAGE_EXPUNGED, accountId, mailboxId, uid, "");
        db.update("""
                UPDATE mailbox SET highest_modseq = ?, message_count = message_count - 1, size_bytes = size_bytes - ?
                WHERE id = ?""", position, size, mailboxId);
        db.update("UPDATE account SET used_bytes = used_bytes - ?, message_count = message_count - 1 WHERE id = ?", size, accountId);
        return position;
    }

    @Override
    public Optional<Mailbox> mailbox(long mailboxId) {
        return read(db -> db.one(MAILBOX_COLUMNS + " WHERE id = ?", EmbeddedMailStore::mailbox, mailboxId));
    }

    @Override
    public Mailbox createMailbox(long accountId, String name, SpecialUse specialUse) {
        String n = mailboxName(name);
        if (specialUse == SpecialUse.INBOX) throw new IllegalArgumentException("every account has its one INBOX already");
        return write(tx -> {
            Db db = tx.db();
            if (!db.exists("SELECT 1 FROM account WHERE id = ?", accountId)) throw new StoreException.NotFound("account " + accountId + " does not exist");
            if (db.exists("SELECT 1 FROM mailbox WHERE account_id = ? AND name = ?", accountId, n)) {
                throw new StoreException.Conflict("mailbox " + n + " already exists");
            }
            if (specialUse != null && db.exists("SELECT 1 FROM mailbox WHERE account_id = ? AND special_use = ?", accountId, specialUse.name())) {
                throw new StoreException.Conflict("the account already has a " + specialUse.attribute() + " mailbox");
            }
            long id = createMailbox(tx, accountId, n, specialUse);
            return db.one(MAILBOX_COLUMNS + " WHERE id = ?", EmbeddedMailStore::mailbox, id).orElseThrow();
        });
    }

    @Override
    public void deleteMailbox(long accountId, String name) {
        String n = mailboxName(name);
        write(tx -> {
            Db db = tx.db();
            Box b = box(db, accountId, n);
            if (b.use() == SpecialUse.INBOX) throw new StoreException.Conflict("INBOX cannot be deleted");
            // Children are the names in [n + "/", n + "0"): '0' is the character after '/'.
            if (db.exists("SELECT 1 FROM mailbox WHERE account_id = ? AND name > ? AND name < ?", accountId, n + DELIMITER, n + '0')) {
                throw new StoreException.Conflict("mailbox " + n + " has child mailboxes; delete them first");
            }
            record Use(String sha256, long count, long bytes) { }
            List<Use> uses = db.list("SELECT blob_sha256, count(*), sum(size) FROM message WHERE mailbox_id = ? GROUP BY blob_sha256",
                    rs -> new Use(rs.getString(1), rs.getLong(2), rs.getLong(3)), b.id());
            long count = 0;
            long bytes = 0;
            db.update("DELETE FROM message WHERE mailbox_id = ?", b.id());
            for (Use u : uses) {
                releaseBlob(tx, u.sha256(), u.count());
                count += u.count();
                bytes += u.bytes();
            }
            db.update("UPDATE account SET used_bytes = used_bytes - ?, message_count = message_count - ? WHERE id = ?", bytes, count, accountId);
            db.update("UPDATE domain SET used_bytes = used_bytes - ?, message_count = message_count - ? WHERE id = ?", bytes, count, b.domainId());
            db.update("DELETE FROM mailbox WHERE id = ?", b.id());
            long position = tx.appendChange(Change.Kind.MAILBOX_DELETED, accountId, b.id(), 0, n);
            tx.publish(new StoreEvent.MailboxChanged(accountId, b.id(), position));
            return null;
        });
    }

    @Override
    public Mailbox renameMailbox(long accountId, String from, String to) {
        String f = mailboxName(from);
        String t = mailboxName(to);
        return write(tx -> {
            Db db = tx.db();
            Box b = box(db, accountId, f);
            if (db.exists("SELECT 1 FROM mailbox WHERE account_id = ? AND name = ?", accountId, t)) {
                throw new StoreException.Conflict("mailbox " + t + " already exists");
            }
            if (t.startsWith(f + DELIMITER)) throw new StoreException.Conflict("cannot rename " + f + " into itself");
            if (b.use() == SpecialUse.INBOX) return renameInbox(tx, b, t);
            // The mailbox and its children, longest names last so none collides with a half-renamed sibling.
            List<String> names = db.list("SELECT name FROM mailbox WHERE account_id = ? AND (name = ? OR (name > ? AND name < ?))",
                    rs -> rs.getString(1), accountId, f, f + DELIMITER, f + '0');
            for (String old : names) {
                String renamed = t + old.substring(f.length());
                if (!old.equals(f) && db.exists("SELECT 1 FROM mailbox WHERE account_id = ? AND name = ?", accountId, renamed)) {
                    throw new StoreException.Conflict("mailbox " + renamed + " already exists");
                }
            }
            for (String old : names) {
                String renamed = t + old.substring(f.length());
                long id = db.queryLong("SELECT id FROM mailbox WHERE account_id = ? AND name = ?", accountId, old).orElseThrow();
                db.update("UPDATE mailbox SET name = ? WHERE id = ?", renamed, id);
                long position = tx.appendChange(Change.Kind.MAILBOX_RENAMED, accountId, id, 0, old + " -> " + renamed);
                db.update("UPDATE mailbox SET highest_modseq = ? WHERE id = ?", position, id);
            }
            return db.one(MAILBOX_COLUMNS + " WHERE id = ?", EmbeddedMailStore::mailbox, b.id()).orElseThrow();
        });
    }

    /**
     * RFC 9051 6.3.6: renaming INBOX moves all its messages to a new mailbox of the
     * new name and leaves INBOX empty (its children stay where they are). The entries
     * keep their UIDs, valid under the new mailbox's own UIDVALIDITY; INBOX keeps its
     * uid_next, so those UIDs are never handed out there again.
     */
    private static Mailbox renameInbox(WriteTx tx, Box inbox, String to) throws SQLException {
        Db db = tx.db();
        long id = createMailbox(tx, inbox.accountId(), to, null);
        List<Long> uids = db.list("SELECT uid FROM message WHERE mailbox_id = ? ORDER BY uid", rs -> rs.getLong(1), inbox.id());
        db.update("UPDATE message SET mailbox_id = ? WHERE mailbox_id = ?", id, inbox.id());
        long position = 0;
        for (long uid : uids) position = tx.appendChange(Change.Kind.MESSAGE_EXPUNGED, inbox.accountId(), inbox.id(), uid, "");
        long added = tx.appendChange(Change.Kind.MAILBOX_RENAMED, inbox.accountId(), id, 0, "INBOX -> " + to);
        db.update("""
                UPDATE mailbox SET uid_next = ?, highest_modseq = ?,
                  message_count = (SELECT message_count FROM mailbox WHERE id = ?),
                  size_bytes = (SELECT size_bytes FROM mailbox WHERE id = ?) WHERE id = ?""",
                inbox.uidNext(), added, inbox.id(), inbox.id(), id);
        if (!uids.isEmpty()) {
            db.update("UPDATE mailbox SET message_count = 0, size_bytes = 0, highest_modseq = ? WHERE id = ?", position, inbox.id());
            tx.publish(new StoreEvent.MailboxChanged(inbox.accountId(), inbox.id(), position));
        }
        return db.one(MAILBOX_COLUMNS + " WHERE id = ?", EmbeddedMailStore::mailbox, id).orElseThrow();
    }

    @Override
    public List<String> subscriptions(long accountId) {
        return read(db -> db.list("SELECT name FROM subscription WHERE account_id = ? ORDER BY name", rs -> rs.getString(1), accountId));
    }

    @Override
    public void setSubscribed(long accountId, String name, boolean subscribed) {
        String n = mailboxName(name);
        write(tx -> {
            Db db = tx.db();
            if (!db.exists("SELECT 1 FROM account WHERE id = ?", accountId)) throw new StoreException.NotFound("account " + accountId + " does not exist");
            if (subscribed) db.update("INSERT OR IGNORE INTO subscription (account_id, name) VALUES (?, ?)", accountId, n);
            else db.update("DELETE FROM subscription WHERE account_id = ? AND name = ?", accountId, n);
            return null;
        });
    }

    @Override
    public MailboxStatus status(long mailboxId) {
        return read(db -> {
            Mailbox m = db.one(MAILBOX_COLUMNS + " WHERE id = ?", EmbeddedMailStore::mailbox, mailboxId)
                    .orElseThrow(() -> new StoreException.NotFound("mailbox " + mailboxId + " does not exist"));
            // Flags are stored space-separated, so " flags " contains " \Seen " exactly when the flag is set.
            long unseen = db.queryLong("SELECT count(*) FROM message WHERE mailbox_id = ? AND (' ' || flags || ' ') NOT LIKE '% \\Seen %'",
                    mailboxId).orElse(0L);
            long deleted = db.queryLong("SELECT count(*) FROM message WHERE mailbox_id = ? AND (' ' || flags || ' ') LIKE '% \\Deleted %'",
                    mailboxId).orElse(0L);
            long deletedBytes = deleted == 0 ? 0 : db.queryLong("SELECT coalesce(sum(size), 0) FROM message WHERE mailbox_id = ?"
                    + " AND (' ' || flags || ' ') LIKE '% \\Deleted %'", mailboxId).orElse(0L);
            return new MailboxStatus(m, unseen, deleted, deletedBytes);
        });
    }

    @Override
    public AppendResult append(long mailboxId, MessageData content, Set<String> flags, Instant internalDate) {
        return appendAll(mailboxId, List.of(new Appended(content, flags, internalDate))).getFirst();
    }

    @Override
    public List<AppendResult> appendAll(long mailboxId, List<Appended> messages) {
        if (messages.isEmpty()) throw new IllegalArgumentException("nothing to append");
        List<String> flagTexts = new ArrayList<>();
        for (Appended m : messages) {
            Objects.requireNonNull(m.content(), "content");
            Objects.requireNonNull(m.internalDate(), "internal date");
            flagTexts.add(flagText(flagSet(m.flags())));
        }
        return withBlobs(messages.stream().map(Appended::content).toList(), blobs -> tx -> {
            Db db = tx.db();
            Box b = box(db, mailboxId);
            long total = blobs.stream().mapToLong(PreparedBlob::size).sum();
            long largest = blobs.stream().mapToLong(PreparedBlob::size).max().orElse(0);
            checkQuota(db, b.accountId(), blobs.size(), total, largest, true);
            List<AppendResult> results = new ArrayList<>();
            long uid = b.uidNext();
            long position = 0;
            for (int i = 0; i < blobs.size(); i++) {
                PreparedBlob blob = blobs.get(i);
                addBlobReferences(tx, blob, 1);
                position = placeEntry(tx, b.accountId(), b.id(), uid, flagTexts.get(i), messages.get(i).internalDate().toEpochMilli(),
                        blob.size(), blob.sha256());
                results.add(new AppendResult(b.id(), b.uidValidity(), uid, position));
                uid++;
            }
            db.update("UPDATE domain SET used_bytes = used_bytes + ?, message_count = message_count + ? WHERE id = ?",
                    total, blobs.size(), b.domainId());
            tx.publish(new StoreEvent.MessagesAdded(b.accountId(), b.id(), position));
            return results;
        });
    }

    @Override
    public CopyResult copy(long fromMailboxId, Collection<Long> uids, long toMailboxId, boolean move) {
        TreeSet<Long> wanted = new TreeSet<>(uids);
        return write(tx -> {
            Db db = tx.db();
            Box from = box(db, fromMailboxId);
            Box to = box(db, toMailboxId);
            if (from.accountId() != to.accountId()) throw new IllegalArgumentException("copy between accounts");
            if (move && from.id() == to.id()) throw new StoreException.Conflict("cannot move messages into the mailbox they are in");
            List<MessageEntry> entries = new ArrayList<>();
            for (long uid : wanted) {
                db.one(MESSAGE_COLUMNS + " WHERE mailbox_id = ? AND uid = ?", EmbeddedMailStore::message, from.id(), uid).ifPresent(entries::add);
            }
            long bytes = entries.stream().mapToLong(MessageEntry::size).sum();
            if (!move) checkQuota(db, to.accountId(), entries.size(), bytes, 0, false);
            List<Long> source = new ArrayList<>();
            List<Long> target = new ArrayList<>();
            long uid = to.uidNext();
            long position = 0;
            for (MessageEntry e : entries) {
                db.update("UPDATE blob SET refs = refs + 1 WHERE sha256 = ?", e.blobId());
                position = placeEntry(tx, to.accountId(), to.id(), uid, flagText(new TreeSet<>(e.flags())),
                        e.internalDate().toEpochMilli(), e.size(), e.blobId());
                if (move) position = removeEntry(tx, from.accountId(), from.id(), e.uid(), e.size(), e.blobId());
                source.add(e.uid());
                target.add(uid++);
            }
            if (!entries.isEmpty()) {
                if (!move) {
                    db.update("UPDATE domain SET used_bytes = used_bytes + ?, message_count = message_count + ? WHERE id = ?",
                            bytes, entries.size(), to.domainId());
                }
                long added = db.queryLong("SELECT highest_modseq FROM mailbox WHERE id = ?", to.id()).orElseThrow();
                tx.publish(new StoreEvent.MessagesAdded(to.accountId(), to.id(), added));
                if (move) tx.publish(new StoreEvent.MailboxChanged(from.accountId(), from.id(), position));
            }
            return new CopyResult(to.uidValidity(), source, target, position);
        });
    }

    @Override
    public FlagsResult storeFlags(long mailboxId, Collection<Long> uids, FlagChange change, Set<String> flags, long unchangedSince) {
        Objects.requireNonNull(change, "change");
        TreeSet<String> given = flagSet(flags);
        TreeSet<Long> wanted = new TreeSet<>(uids);
        return write(tx -> {
            Db db = tx.db();
            Box b = box(db, mailboxId);
            List<MessageEntry> updated = new ArrayList<>();
            List<Long> modified = new ArrayList<>();
            long position = db.queryLong("SELECT highest_modseq FROM mailbox WHERE id = ?", b.id()).orElseThrow();
            for (long uid : wanted) {
                Optional<MessageEntry> found = db.one(MESSAGE_COLUMNS + " WHERE mailbox_id = ? AND uid = ?", EmbeddedMailStore::message, b.id(), uid);
                if (found.isEmpty()) continue;
                MessageEntry e = found.get();
                if (unchangedSince >= 0 && e.modSeq() > unchangedSince) {
                    modified.add(uid);
                    continue;
                }
                TreeSet<String> now = new TreeSet<>(e.flags());
                switch (change) {
                    case ADD -> now.addAll(given);
                    case REMOVE -> now.removeAll(given);
                    case REPLACE -> {
                        now.clear();
                        now.addAll(given);
                    }
                }
                if (now.equals(new TreeSet<>(e.flags()))) continue;
                String text = flagText(now);
                position = tx.appendChange(Change.Kind.FLAGS_CHANGED, b.accountId(), b.id(), uid, text);
                db.update("UPDATE message SET flags = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?", text, position, b.id(), uid);
                updated.add(new MessageEntry(e.mailboxId(), uid, position, now, e.internalDate(), e.size(), e.blobId()));
            }
            if (!updated.isEmpty()) {
                db.update("UPDATE mailbox SET highest_modseq = ? WHERE id = ?", position, b.id());
                tx.publish(new StoreEvent.MailboxChanged(b.accountId(), b.id(), position));
            }
            return new FlagsResult(updated, modified, position);
        });
    }

    @Override
    public MailboxChanges mailboxChanges(long mailboxId, long sinceModSeq) {
        return read(db -> {
            long highest = db.queryLong("SELECT highest_modseq FROM mailbox WHERE id = ?", mailboxId)
                    .orElseThrow(() -> new StoreException.NotFound("mailbox " + mailboxId + " does not exist"));
            List<MessageEntry> changed = db.list(MESSAGE_COLUMNS + " WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
                    EmbeddedMailStore::message, mailboxId, sinceModSeq);
            List<Long> expunged = db.list("""
                    SELECT DISTINCT uid FROM change_log WHERE mailbox_id = ? AND position > ? AND kind = 'MESSAGE_EXPUNGED'
                    ORDER BY uid""", rs -> rs.getLong(1), mailboxId, sinceModSeq);
            return new MailboxChanges(highest, changed, expunged);
        });
    }

    // ---- change log and fencing ----

    @Override
    public List<Change> changesSince(long position, int limit) {
        if (position < 0) throw new IllegalArgumentException("negative change-log position");
        if (limit < 1 || limit > MAX_CHANGES_PER_CALL) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_CHANGES_PER_CALL + ", not " + limit);
        }
        return read(db -> db.list("""
                SELECT position, epoch, kind, account_id, mailbox_id, uid, detail FROM change_log
                WHERE position > ? ORDER BY position LIMIT ?""", EmbeddedMailStore::change, position, limit));
    }

    @Override
    public long lastChangePosition() {
        return read(db -> db.queryLong("SELECT max(position) FROM change_log").orElse(0L));
    }

    @Override
    public long epoch() {
        return options.epoch();
    }

    @Override
    public long storedEpoch() {
        return read(db -> db.queryLong("SELECT epoch FROM meta WHERE id = 1").orElseThrow());
    }

    /**
     * Records {@code newEpoch}; from the next transaction on, every instance opened
     * with a lower epoch fails its writes with StaleEpoch. Fencing is itself a write:
     * an instance that is already fenced cannot fence. Raising to the current value
     * changes nothing; lowering is refused (Conflict). The change-log entry's detail
     * is the new epoch in decimal.
     */
    @Override
    public void fence(long newEpoch) {
        if (newEpoch < 1) throw new IllegalArgumentException("epoch must be 1 or more, not " + newEpoch);
        write(tx -> {
            long stored = tx.storedEpoch();
            if (newEpoch < stored) throw new StoreException.Conflict("cannot lower the store epoch from " + stored + " to " + newEpoch);
            if (newEpoch == stored) return null;
            tx.db().update("UPDATE meta SET epoch = ? WHERE id = 1", newEpoch);
            tx.appendChange(Change.Kind.EPOCH_RAISED, 0, 0, 0, Long.toString(newEpoch));
            tx.storedEpochRaised(newEpoch);
            return null;
        });
    }

    @Override
    public void addListener(StoreListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Stops accepting work, commits what is queued, closes the connections and stops
     * the threads. Idempotent; a second caller waits until the first has finished.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            if (!writer.isWriterThread()) GroupCommitWriter.await(closeDone);
            return;
        }
        try {
            // first, so that the writer's final checkpoint does not wait on this one's lock
            if (checkpointer != null) checkpointer.close();
            writer.close();
            readPool.close();
        } finally {
            closeDone.complete(null);
        }
    }

    GroupCommitWriter writer() {
        return writer;
    }

    // ---- row mapping ----

    private static Domain domain(ResultSet rs) throws SQLException {
        return new Domain(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6));
    }

    private static Account account(ResultSet rs) throws SQLException {
        return new Account(rs.getLong(1), rs.getLong(2), new EmailAddress(rs.getString(3), rs.getString(4)), rs.getString(5),
                rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getLong(10)); // NULL max_messages reads as 0
    }

    private static Mailbox mailbox(ResultSet rs) throws SQLException {
        String use = rs.getString(7);
        return new Mailbox(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getLong(5), rs.getLong(6),
                use == null ? null : SpecialUse.valueOf(use), rs.getLong(8), rs.getLong(9));
    }

    private static MessageEntry message(ResultSet rs) throws SQLException {
        String flags = rs.getString(4);
        return new MessageEntry(rs.getLong(1), rs.getLong(2), rs.getLong(3),
                flags.isEmpty() ? Set.of() : Set.of(flags.split(" ")),
                Instant.ofEpochMilli(rs.getLong(5)), rs.getLong(6), rs.getString(7));
    }

    private static Change change(ResultSet rs) throws SQLException {
        return new Change(rs.getLong(1), rs.getLong(2), Change.Kind.valueOf(rs.getString(3)), rs.getLong(4),
                rs.getLong(5), rs.getLong(6), rs.getString(7));
    }
}
