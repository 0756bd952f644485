package org.twinmail.store;

import java.util.List;
import java.util.Optional;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Mailbox;

/**
 * The {@link Mailboxes} role as one account sees it ({@link MailboxAccess#forAccount}): the
 * same methods, each checked against the account's rights on the mailboxes it touches
 * (RFC 4314 section 4), plus reading and changing access control lists.
 *
 * <p>What each operation takes (the owner has every right):
 * <ul>
 *   <li>{@link #mailboxes(long)} of another account: those with {@code l}; {@link #mailbox(long, String)},
 *       {@link #mailbox(long)}: any of {@code l r i k x a}</li>
 *   <li>{@link #messages}, {@link #status}, {@link #openView}, {@link #mailboxChanges}: {@code r}</li>
 *   <li>{@link #append}, {@link #appendAll}: {@code i}; each flag is kept only with its right
 *       ({@code s} \Seen, {@code t} \Deleted, {@code w} the others) and silently dropped without it</li>
 *   <li>{@link #copy}: {@code r} on the source ({@code r t e} for a move), {@code i} on the target,
 *       flags as for append</li>
 *   <li>{@link #storeFlags}: per flag as for append; flags without their right are left out
 *       (a REPLACE keeps the flags the account may not change), and the call fails with
 *       {@link StoreException.Forbidden} only when no named flag is allowed</li>
 *   <li>{@link #expunge}: {@code e}</li>
 *   <li>{@link #createMailbox}: {@code k} on the nearest existing parent (in another account's
 *       tree; the owner needs none)</li>
 *   <li>{@link #deleteMailbox}: {@code x} (its ACL goes with it); {@link #renameMailbox}: {@code x} on
 *       the mailbox and {@code k} on the new parent (the ACL stays, RFC 4314 4)</li>
 *   <li>{@link #subscriptions}, {@link #setSubscribed}: the account's own only</li>
 *   <li>{@link #quotaUsage}: the account's own, or an owner's on whose mailboxes it has a right</li>
 *   <li>{@link #acl}, {@link #setRights}, {@link #removeRights}: {@code a}</li>
 *   <li>{@link #deliver}: never (delivery is not done as an account)</li>
 * </ul>
 * {@link #openBlob} is not checked: a body's content address comes from a checked
 * {@link #messages} or {@link #mailboxChanges}.
 */
public interface AccountMailboxes extends Mailboxes {

    /** The acting account. */
    long accountId();

    /** Its address. */
    EmailAddress address();

    /** The acting account's rights on a mailbox; NotFound if it does not exist or is invisible to it. */
    Rights rights(long mailboxId);

    /**
     * The mailbox's access control list: the owner's entry (every right) first, then the
     * entries in identifier order. Needs {@code a}.
     */
    List<AclEntry> acl(long mailboxId);

    /**
     * Sets {@code identifier}'s rights on a mailbox (replacing what it had); empty rights
     * remove the entry. Needs {@code a}.
     *
     * @throws IllegalArgumentException for an identifier that is not valid, names no account
     *         or a domain that is not local, or is the owner (whose rights cannot change)
     */
    void setRights(long mailboxId, String identifier, Rights rights);

    /** Removes {@code identifier}'s entry; false if it had none. Needs {@code a}. */
    boolean removeRights(long mailboxId, String identifier);

    /** Other accounts' mailboxes this account has {@code l} on, by owner address and name. */
    List<SharedMailbox> sharedMailboxes();

    /** The mailbox {@code name} of the account {@code owner}, if it exists and is visible to this account. */
    Optional<Mailbox> mailbox(EmailAddress owner, String name);

    /** Whether {@code owner} is a shared account ({@link MailboxAccess#setSharedAccount}). */
    boolean isSharedAccount(long owner);

    /** The address of a mailbox's owner (for naming another account's mailbox); NotFound if it does not exist. */
    EmailAddress ownerAddress(long ownerAccountId);
}
