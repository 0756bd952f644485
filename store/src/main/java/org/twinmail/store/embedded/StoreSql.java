package org.twinmail.store.embedded;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Domain;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.store.Change;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.StoreException;
import org.twinmail.store.StoreException.QuotaExceeded;
import org.twinmail.store.embedded.GroupCommitWriter.WriteTx;

/**
 * The SQL that more than one embedded role runs: column lists and row mapping, checks of
 * names at the boundary, and the bookkeeping inside a write transaction that delivery,
 * mailbox and directory changes share (entries, blob references, quotas). Static only:
 * every method works in the transaction or read it is given.
 */
final class StoreSql {
    private StoreSql() {}

    static final String DOMAIN_COLUMNS = "SELECT id, name, quota_bytes, used_bytes, max_messages, message_count FROM domain";
    static final String ACCOUNT_COLUMNS = """
            SELECT a.id, a.domain_id, a.local_part, d.name, a.password_hash, a.quota_bytes,
                   a.max_message_bytes, a.used_bytes, a.message_count, a.max_messages
            FROM account a JOIN domain d ON d.id = a.domain_id""";
    static final String MAILBOX_COLUMNS = """
            SELECT id, account_id, name, uid_validity, uid_next, highest_modseq, special_use, message_count, size_bytes
            FROM mailbox""";
    static final String ALIAS_COLUMNS = """
            SELECT a.source, t.local_part, t.domain
            FROM alias a JOIN alias_target t ON t.alias_id = a.id""";

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
    static Optional<String> domainNameOrEmpty(String name) {
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

    static long nonNegative(long value, String what) {
        if (value < 0) throw new IllegalArgumentException(what + " must not be negative: " + value);
        return value;
    }

    /** The column value for a message-count limit: the schema keeps "no limit" as NULL, the API as 0. */
    static Long limitOrNull(long maxMessages) {
        return maxMessages == 0 ? null : maxMessages;
    }

    static StoreException.NotFound noDomain(String d) {
        return new StoreException.NotFound("domain " + d + " does not exist");
    }

    static StoreException.NotFound noAccount(EmailAddress a) {
        return new StoreException.NotFound("account " + a + " does not exist");
    }

    static long createMailbox(WriteTx tx, long accountId, String name, SpecialUse use) throws SQLException {
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
    static long nextUidValidity(Db db) throws SQLException {
        long last = db.queryLong("SELECT last_uid_validity FROM meta WHERE id = 1").orElseThrow();
        long next = Math.max(Instant.now().getEpochSecond(), last + 1);
        db.update("UPDATE meta SET last_uid_validity = ? WHERE id = 1", next);
        return next;
    }

    /**
     * Inserts one entry with UID {@code uid} (the mailbox's uid_next, read by the caller)
     * and charges it to the mailbox's and the account's counters; the domain's usage is
     * the caller's (a delivery adds it once per domain). Returns the entry's MODSEQ.
     */
    static long placeEntry(WriteTx tx, long accountId, long mailboxId, long uid, String flags, long internalDate,
                                   long size, String sha256) throws SQLException {
        Db db = tx.db();
        long position = tx.appendChange(Change.Kind.MESSAGE_ADDED, accountId, mailboxId, uid, sha256);
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

    /** Drops {@code count} references; at zero the row goes now and the file (if any) after the commit. */
    static void releaseBlob(WriteTx tx, String sha256, long count) throws SQLException {
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

    /** Longest mailbox name accepted, in characters; deeper or longer names are a client's mistake, not a use. */
    static final int MAX_MAILBOX_NAME = 1000;
    static final String MESSAGE_COLUMNS = """
            SELECT mailbox_id, uid, modseq, flags, internal_date, size, blob_sha256 FROM message""";
    /** IMAP system flags, in the spelling they are stored in (clients may send any case). */
    static final List<String> SYSTEM_FLAGS = List.of("\\Answered", "\\Deleted", "\\Draft", "\\Flagged", "\\Seen");
    static final int MAX_FLAG_LENGTH = 250;

    /**
     * The stored form of a mailbox name: INBOX in any case becomes {@code INBOX}; no empty
     * hierarchy level (leading, trailing or doubled "/"), no control characters.
     */
    static String mailboxName(String name) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("empty mailbox name");
        if (name.equalsIgnoreCase("INBOX")) return "INBOX";
        if (name.length() > MAX_MAILBOX_NAME) throw new IllegalArgumentException("mailbox name longer than " + MAX_MAILBOX_NAME + " characters");
        String d = String.valueOf(Mailboxes.DELIMITER);
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

    static String flagText(Set<String> flags) {
        return String.join(" ", flags);
    }

    record Box(long id, long accountId, long domainId, String name, SpecialUse use, long uidNext, long uidValidity) { }

    static Box box(Db db, long mailboxId) throws SQLException {
        return db.one("""
                SELECT b.id, b.account_id, a.domain_id, b.name, b.special_use, b.uid_next, b.uid_validity
                FROM mailbox b JOIN account a ON a.id = b.account_id WHERE b.id = ?""", StoreSql::boxRow, mailboxId)
                .orElseThrow(() -> new StoreException.NotFound("mailbox " + mailboxId + " does not exist"));
    }

    static Box box(Db db, long accountId, String name) throws SQLException {
        return db.one("""
                SELECT b.id, b.account_id, a.domain_id, b.name, b.special_use, b.uid_next, b.uid_validity
                FROM mailbox b JOIN account a ON a.id = b.account_id WHERE b.account_id = ? AND b.name = ?""",
                StoreSql::boxRow, accountId, name)
                .orElseThrow(() -> new StoreException.NotFound("mailbox " + name + " does not exist"));
    }

    static Box boxRow(ResultSet rs) throws SQLException {
        String use = rs.getString(5);
        return new Box(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), use == null ? null : SpecialUse.valueOf(use),
                rs.getLong(6), rs.getLong(7));
    }

    /**
     * Refuses (QuotaExceeded) adding {@code count} messages of {@code bytes} in all, the
     * largest {@code largest}, to an account: its storage and message-count limits, its
     * domain's, and with {@code messageLimit} its per-message size limit.
     */
    static void checkQuota(Db db, long accountId, long count, long bytes, long largest, boolean messageLimit) throws SQLException {
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

    /** Removes one entry: counters of mailbox and account (not domain), an EXPUNGED change; the caller releases (or holds) the blob reference. */
    static long removeEntry(WriteTx tx, long accountId, long mailboxId, long uid, long size, String sha256) throws SQLException {
        Db db = tx.db();
        db.update("DELETE FROM message WHERE mailbox_id = ? AND uid = ?", mailboxId, uid);
        long position = tx.appendChange(Change.Kind.MESSAGE_EXPUNGED, accountId, mailboxId, uid, sha256);
        db.update("""
                UPDATE mailbox SET highest_modseq = ?, message_count = message_count - 1, size_bytes = size_bytes - ?
                WHERE id = ?""", position, size, mailboxId);
        db.update("UPDATE account SET used_bytes = used_bytes - ?, message_count = message_count - 1 WHERE id = ?", size, accountId);
        return position;
    }

    // ---- row mapping ----

    static Domain domain(ResultSet rs) throws SQLException {
        return new Domain(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6));
    }

    static Account account(ResultSet rs) throws SQLException {
        return new Account(rs.getLong(1), rs.getLong(2), new EmailAddress(rs.getString(3), rs.getString(4)), rs.getString(5),
                rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getLong(10)); // NULL max_messages reads as 0
    }

    static Mailbox mailbox(ResultSet rs) throws SQLException {
        String use = rs.getString(7);
        return new Mailbox(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getLong(5), rs.getLong(6),
                use == null ? null : SpecialUse.valueOf(use), rs.getLong(8), rs.getLong(9));
    }

    static MessageEntry message(ResultSet rs) throws SQLException {
        String flags = rs.getString(4);
        return new MessageEntry(rs.getLong(1), rs.getLong(2), rs.getLong(3),
                flags.isEmpty() ? Set.of() : Set.of(flags.split(" ")),
                Instant.ofEpochMilli(rs.getLong(5)), rs.getLong(6), rs.getString(7));
    }

    static Change change(ResultSet rs) throws SQLException {
        return new Change(rs.getLong(1), rs.getLong(2), Change.kindOf(rs.getString(3)), rs.getLong(4),
                rs.getLong(5), rs.getLong(6), rs.getString(7));
    }
}
