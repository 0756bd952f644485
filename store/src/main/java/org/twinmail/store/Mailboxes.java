package org.twinmail.store;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;

/**
 * The mail role of the store: delivery, mailboxes, messages with their flags, UIDs and
 * MODSEQs, and the quota usage they cause. Every change is durable when the method
 * returns, gets a position in the {@link ChangeLog} (which doubles as MODSEQ), and
 * changes the account's and domain's usage in the same transaction. Writes of a fenced
 * instance fail with {@link StoreException.StaleEpoch}. Safe for many threads.
 */
public interface Mailboxes {

    /**
     * Delivers one message to each local recipient, and queues its remote part, in one
     * transaction: either every recipient gets it or none does. Each recipient's copy goes
     * into its target mailbox (INBOX when the target is not given or does not exist) with
     * its flags, and with its prepended header fields (so with its own size). Recipients
     * whose copies are equal share one stored body. Quotas (account, domain, per-message)
     * are checked inside the transaction, each recipient with the size of its copy; if any
     * recipient would exceed one, nothing is written and {@link StoreException.QuotaExceeded}
     * says which.
     */
    DeliveryReceipt deliver(Delivery delivery);

    List<Mailbox> mailboxes(long accountId);

    Optional<Mailbox> mailbox(long accountId, String name);

    /** The messages of a mailbox in ascending UID order. */
    List<MessageEntry> messages(long mailboxId);

    /** Streams a message's bytes by content address. */
    InputStream openBlob(String blobId) throws IOException;

    /**
     * A reader's view of a mailbox (an IMAP session that has it selected): while the view is
     * open, the bodies of messages expunged after {@code modSeq} stay readable through
     * {@link #openBlob}, because the reader may still show them (RFC 9051 7.5.1: it learns of
     * an expunge only at its next allowed moment). {@link BodyView#seen} tells the store the
     * reader has caught up to a MODSEQ; a body is freed once every open view of its mailbox has
     * seen its expunge, or closed. The expunge itself (quota, counts, change log) is not
     * deferred, and after a restart no view is open: every held body is freed then.
     */
    BodyView openView(long mailboxId, long modSeq);

    /** See {@link #openView}. Safe to use from one thread at a time; {@link #close} is idempotent. */
    interface BodyView extends AutoCloseable {
        /** The reader has been told of every change up to {@code modSeq}. */
        void seen(long modSeq);

        @Override
        void close();
    }

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
     * Copies (or, with {@code move}, moves) messages to another mailbox, in UID order, each
     * getting the target's next UID, its flags and internal date kept and its body shared.
     * A copy is checked against the target account's quotas (it adds the full size, like a
     * delivery); a move within an account frees what it adds. The mailboxes may belong to
     * different accounts (a shared mailbox): the target's owner is charged, checked against
     * its quotas, and a move frees the source owner's usage. Missing UIDs are skipped.
     * A move into the mailbox the messages are in is allowed (RFC 9051 6.4.8): they get new
     * UIDs at the end and the old ones are expunged.
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


    /** The account's usage and limits with its domain's; NotFound if the account does not exist. */
    QuotaUsage quotaUsage(long accountId);
}
