package org.twinmail.http.admin;

import java.util.List;

/**
 * What an administrator can do to the server's data. Two implementations share it:
 * {@link AdminService} works on an open store (the running server, or the CLI on a
 * stopped node) and {@link AdminClient} sends the same calls to a running server's
 * admin API. The CLI picks one and never cares which.
 *
 * <p>Every method validates its input and fails with {@link AdminException}, whose
 * message is one line fit to show the operator ("domain example.org does not exist").
 * Sizes are bytes; 0 means unlimited (quotas, message counts) or the server's limit (message size).
 */
public interface AdminOperations {

    DomainInfo addDomain(String name);

    void removeDomain(String name, boolean force);

    List<DomainInfo> listDomains();

    DomainInfo setDomainQuota(String name, long quotaBytes);

    /** Sets the limit on the number of messages in all the domain's accounts (IMAP QUOTA's MESSAGE resource). */
    DomainInfo setDomainMessageLimit(String name, long maxMessages);

    /** Creates an account; the password is hashed here (Argon2id) and never stored or logged in clear. */
    UserInfo addUser(String address, char[] password, long quotaBytes, long maxMessageBytes);

    /** Changes the non-null fields; {@code maxMessages} limits the number of messages in the account. */
    UserInfo updateUser(String address, char[] password, Long quotaBytes, Long maxMessageBytes, Long maxMessages);

    /** Changes the non-null fields, leaving the message-count limit as it is. */
    default UserInfo updateUser(String address, char[] password, Long quotaBytes, Long maxMessageBytes) {
        return updateUser(address, password, quotaBytes, maxMessageBytes, null);
    }

    void removeUser(String address);

    /** Users of one domain, or all when {@code domain} is null. */
    List<UserInfo> listUsers(String domain);

    /** {@code source} is {@code user@domain} or {@code @domain} (catch-all). */
    AliasInfo addAlias(String source, List<String> targets);

    void removeAlias(String source);

    List<AliasInfo> listAliases(String domain);

    /**
     * Reads the TLS certificate files again (also done when they change); the running server
     * serves new handshakes with them at once. Only a running server holds certificates.
     */
    default TlsInfo reloadTls() {
        throw new AdminException(AdminException.Kind.UNAVAILABLE,
                "no server is running on this data directory; certificates are read when it starts");
    }

    /** The certificates served after a reload: names, key type and expiry of each. */
    record TlsInfo(List<String> certificates) { }

    record DomainInfo(String name, long quotaBytes, long usedBytes, long maxMessages, long messages) { }

    record UserInfo(String address, long quotaBytes, long maxMessageBytes, long usedBytes, long messages, long maxMessages) { }

    record AliasInfo(String source, List<String> targets) { }
}
