package org.twinmail.store;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.twinmail.core.event.StoreListener;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Alias;
import org.twinmail.core.model.Domain;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;

/**
 * The storage SPI: the only way protocol code reaches data. The embedded
 * implementation is {@link org.twinmail.store.embedded.EmbeddedMailStore}; a
 * PostgreSQL/S3 one will implement the same interface.
 *
 * <p>Contract for every implementation:
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
public interface MailStore extends AutoCloseable {

    // ---- directory: domains ----

    Domain addDomain(String name);

    /** Removes a domain; refuses (Conflict) while it still has accounts or aliases, unless {@code force}, which removes them and their mail. */
    void removeDomain(String name, boolean force);

    List<Domain> listDomains();

    Optional<Domain> findDomain(String name);

    /** Sets the domain's total storage limit; 0 = unlimited. */
    Domain setDomainQuota(String name, long quotaBytes);

    /** Sets the limit on the number of messages in all the domain's accounts; 0 = unlimited. */
    Domain setDomainMessageLimit(String name, long maxMessages);

    boolean isLocalDomain(String domain);

    // ---- directory: accounts ----

    /** Creates an account and its INBOX, Sent, Drafts, Trash and Junk mailboxes. The domain must exist. */
    Account addAccount(EmailAddress address, String passwordHash, long quotaBytes, long maxMessageBytes);

    /** Changes the non-null fields of an account. */
    Account updateAccount(EmailAddress address, AccountChange change);

    /** Removes an account with all its mailboxes and mail; aliases pointing at it stay (and bounce) until removed. */
    void removeAccount(EmailAddress address);

    /** Accounts of one domain, or of all domains when {@code domain} is null. Ordered by address. */
    List<Account> listAccounts(String domain);

    Optional<Account> findAccount(EmailAddress address);

    Optional<Account> findAccount(long accountId);

    // ---- directory: aliases ----

    /** Adds (or replaces) an alias. {@code source} is {@code user@domain} or {@code @domain} (catch-all); its domain must be local, and so must every target's. */
    Alias addAlias(String source, List<EmailAddress> targets);

    void removeAlias(String source);

    List<Alias> listAliases(String domain);

    /**
     * Where mail for {@code recipient} goes: an alias for the exact address first,
     * then the account, then the domain's catch-all; aliases are followed
     * recursively (to a fixed depth) and duplicates are removed.
     */
    RecipientResolution resolve(EmailAddress recipient);

    // ---- mail ----

    /**
     * Delivers one message into the INBOX of each account, in one transaction:
     * either every recipient gets it or none does. Quotas (account, domain,
     * per-message) are checked inside the transaction; if any recipient would exceed
     * one, nothing is written and {@link StoreException.QuotaExceeded} says which.
     */
    DeliveryReceipt deliver(Delivery delivery);

    List<Mailbox> mailboxes(long accountId);

    Optional<Mailbox> mailbox(long accountId, String name);

    /** The messages of a mailbox in ascending UID order. */
    List<MessageEntry> messages(long mailboxId);

    /** Streams a message's bytes by content address. */
    InputStream openBlob(String blobId) throws IOException;

    /**
     * Removes messages from a mailbox (POP3 UPDATE, IMAP EXPUNGE): entries go,
     * quotas shrink and blobs that nobody references any more are freed.
     * UIDs that are no longer present are ignored.
     */
    ExpungeResult expunge(long mailboxId, Collection<Long> uids);

    // ---- mailboxes (IMAP) ----
    //
    // Names are full hierarchical names with "/" as the delimiter, compared exactly,
    // except INBOX, which is case-insensitive. Mailbox names are not validated for
    // IMAP syntax here (that is the protocol's business) beyond: not empty, no
    // empty hierarchy level, no control characters, at most 1000 characters.

    /** The hierarchy delimiter of mailbox names. */
    char DELIMITER = '/';

    Optional<Mailbox> mailbox(long mailboxId);

    /**
     * Creates a mailbox (with {@code specialUse}, or null). Conflict if the name (or,
     * for a special use, a mailbox with that use) exists already. Missing parents are
     * not created: the hierarchy is in the names.
     */
    Mailbox createMailbox(long accountId, String name, SpecialUse specialUse);

    /**
     * Deletes a mailbox and its messages (quota and blobs released). INBOX cannot be
     * deleted, nor a mailbox with children (both Conflict). Subscriptions stay (RFC 9051 6.3.9).
     */
    void deleteMailbox(long accountId, String name);

    /**
     * Renames a mailbox and its children ({@code a/b} goes with {@code a}); UIDVALIDITY
     * and MAILBOXID stay. Renaming INBOX moves its messages into a new mailbox of that
     * name and leaves INBOX empty (RFC 9051 6.3.6); sessions on INBOX see them expunged.
     *
     * @return the mailbox under its new name
     */
    Mailbox renameMailbox(long accountId, String from, String to);

    /** Subscribed names, sorted; they need not exist (RFC 9051 6.3.10). */
    List<String> subscriptions(long accountId);

    /** Adds or removes a subscription; idempotent. */
    void setSubscribed(long accountId, String name, boolean subscribed);

    /** Counters of one mailbox as one transaction saw them; NotFound if it does not exist. */
    MailboxStatus status(long mailboxId);

    /**
     * Appends one message to a mailbox (IMAP APPEND) with the given flags and internal
     * date, checked against the account's and domain's quota and the account's message
     * size limit in the transaction ({@link StoreException.QuotaExceeded}).
     */
    AppendResult append(long mailboxId, MessageData content, Set<String> flags, Instant internalDate);

    /**
     * Appends several messages in one transaction (IMAP MULTIAPPEND, RFC 3502): all or
     * none, in order, with consecutive UIDs; the quotas are checked against their total.
     */
    List<AppendResult> appendAll(long mailboxId, List<Appended> messages);

    /**
     * Copies (or, with {@code move}, moves) messages to another mailbox of the same
     * account, in UID order, each getting the target's next UID, its flags and internal
     * date kept and its body shared. A copy is checked against the quotas (it adds the
     * full size, like a delivery); a move frees what it adds. Missing UIDs are skipped.
     */
    CopyResult copy(long fromMailboxId, Collection<Long> uids, long toMailboxId, boolean move);

    /**
     * Changes flags of messages. Each entry whose flags change gets a new MODSEQ; with
     * {@code unchangedSince >= 0} (RFC 7162 UNCHANGEDSINCE) entries whose MODSEQ is
     * higher are left alone and reported in {@link FlagsResult#modified()}. Flags are
     * IMAP atoms ({@code \Seen}, {@code $Forwarded}, {@code Work}); {@code \Recent}
     * is not stored. Missing UIDs are skipped.
     */
    FlagsResult storeFlags(long mailboxId, Collection<Long> uids, FlagChange change, Set<String> flags, long unchangedSince);

    /** Entries changed and UIDs expunged after {@code sinceModSeq} (CONDSTORE/QRESYNC), from the change log. */
    MailboxChanges mailboxChanges(long mailboxId, long sinceModSeq);

    // ---- outbound queue ----
    //
    // A message for remote recipients enters the queue through deliver() (Delivery.outbound),
    // in the same transaction as its local part. It holds one reference to its blob until its
    // last recipient leaves. Recipients are either waiting (with a next-attempt time) or
    // claimed by the delivery code of the active node; a claim is not a lease: a node that
    // starts delivering first calls releaseQueueClaims(), since nobody else can be delivering
    // (the epoch fences a former active node's writes).

    /**
     * Claims up to {@code limit} waiting recipients whose next attempt is due at {@code now},
     * earliest first, so no later claim hands them out again until their outcome is recorded.
     * Recipients at the domains in {@code skipDomains} (lower case) are left waiting: the
     * caller has enough work for those destinations already, and other domains must not wait
     * behind a slow one.
     */
    List<QueuedRecipient> claimQueued(Instant now, int limit, Collection<String> skipDomains);

    /** {@link #claimQueued(Instant, int, Collection)} skipping no domain. */
    default List<QueuedRecipient> claimQueued(Instant now, int limit) {
        return claimQueued(now, limit, List.of());
    }

    /** Makes every claimed recipient waiting again (at its old next-attempt time); returns how many. */
    int releaseQueueClaims();

    /**
     * Records what became of claimed recipients and, in the same transaction, delivers the
     * {@code notification} (a DSN, or null): a bounce is never lost nor sent twice. A recipient
     * or message removed meanwhile ({@link #deleteQueued}) is skipped. The last recipient of a
     * message to leave takes the message and its blob reference with it.
     */
    DeliveryReceipt recordQueueOutcomes(List<QueueOutcome> outcomes, Delivery notification);

    /** Queued messages, oldest first, at most {@code limit}. */
    List<QueueEntry> listQueue(int limit);

    /** Makes the waiting recipients of message {@code messageId} (0: of every message) due at {@code now}; returns how many. */
    int retryQueued(long messageId, Instant now);

    /** Removes a queued message without notifying anyone (an administrator's decision); false if there is none. */
    boolean deleteQueued(long messageId);

    QueueStats queueStats();

    // ---- change log and fencing ----

    /** Changes after {@code position}, oldest first, at most {@code limit}. */
    List<Change> changesSince(long position, int limit);

    /** Position of the newest change (0 when none). */
    long lastChangePosition();

    /** The epoch this instance writes with. */
    long epoch();

    /** The highest epoch recorded in the store. */
    long storedEpoch();

    /** Records {@code newEpoch} as the store's epoch (it must not be lower than the current one); from then on writers with a lower epoch are refused. */
    void fence(long newEpoch);

    void addListener(StoreListener listener);

    /** Stops accepting work, waits for queued writes, closes files. */
    @Override
    void close();
}
