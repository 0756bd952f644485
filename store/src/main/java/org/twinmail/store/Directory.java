package org.twinmail.store;

import java.util.List;
import java.util.Optional;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Alias;
import org.twinmail.core.model.Domain;

/**
 * The directory role of the store: domains, accounts (with their credentials, read by
 * the authenticator), aliases and recipient resolution. Every change is durable when
 * the method returns and gets a position in the {@link ChangeLog}; writes of a fenced
 * instance fail with {@link StoreException.StaleEpoch}. Safe for many threads.
 */
public interface Directory {

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
     * then the account, then, for {@code user+detail@domain} (RFC 5233), wherever
     * {@code user@domain} goes, then the domain's catch-all; aliases are followed
     * recursively (to a fixed depth) and duplicates are removed.
     */
    RecipientResolution resolve(EmailAddress recipient);

}
