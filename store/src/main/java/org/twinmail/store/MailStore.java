package org.twinmail.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.twinmail.core.event.StoreListener;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Alias;
import org.twinmail.core.model.Domain;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;

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
