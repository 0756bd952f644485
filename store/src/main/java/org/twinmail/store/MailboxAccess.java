package org.twinmail.store;

/**
 * Access control on mailboxes (RFC 4314 rights): which account may do what with another
 * account's mailbox. The check lives here, in the store, so every protocol that acts for a
 * logged-in user (IMAP now, JMAP and webmail later) gets the same rules by working through
 * {@link #forAccount}: the {@link AccountMailboxes} it returns checks every operation.
 *
 * <p>Rules, for every implementation:
 * <ul>
 *   <li>The owner of a mailbox (the account it belongs to) has every right on it, always;
 *       no entry can take one away.</li>
 *   <li>Another account has the union of the rights of the entries that name it: its own
 *       address, {@code anyone@<its domain>}, and {@code anyone}.</li>
 *   <li>A mailbox on which an account has none of {@code l r i k x a} does not exist for it:
 *       operations answer {@link StoreException.NotFound}, as for a name nobody has, so
 *       names do not leak. With some rights but not the one an operation needs, the
 *       operation fails with {@link StoreException.Forbidden} and writes nothing.</li>
 *   <li>Whatever a grantee puts into a mailbox is charged to the owner's quota.</li>
 *   <li>A change of an ACL takes effect for every later operation of every account
 *       (a revoked right fails the grantee's next command), and survives restarts and
 *       failovers (it is stored and logged like any other change).</li>
 * </ul>
 *
 * <p>Identifiers (canonical forms, lower case):
 * <ul>
 *   <li>{@code user@domain}: one account (it must exist when the entry is set; the entry
 *       names the account, not the address, so it goes with the account and a new account of
 *       the same address does not inherit it)</li>
 *   <li>{@code anyone@domain}: every account of a local domain (so a real account named
 *       {@code anyone@} cannot be named alone)</li>
 *   <li>{@code anyone}: every account of the server (RFC 4314's reserved identifier)</li>
 * </ul>
 * Negative rights ({@code -user}) are not supported.
 */
public interface MailboxAccess {
    /** Every account of the server. */
    String ANYONE = "anyone";

    /**
     * The mailboxes as {@code accountId} sees them: every operation checked against its rights.
     *
     * @throws StoreException.NotFound if the account does not exist
     */
    AccountMailboxes forAccount(long accountId);

    /**
     * Marks an account as shared (or not): a mailbox account of its domain, such as
     * {@code sales@}, whose folders several users read. Rights still come from ACL entries;
     * the mark only says where IMAP shows its mailboxes ({@code #shared/} rather than
     * {@code #user/}).
     */
    void setSharedAccount(long accountId, boolean shared);

    boolean isSharedAccount(long accountId);

    /** The identifier for every account of {@code domain}. */
    static String anyoneOf(String domain) {
        return ANYONE + "@" + domain;
    }
}
