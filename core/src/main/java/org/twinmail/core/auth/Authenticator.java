package org.twinmail.core.auth;

import java.net.InetAddress;
import java.util.Optional;

/**
 * Checks a login for any protocol (SMTP AUTH, POP3, IMAP, HTTP). Implementations
 * decide where accounts live; protocol code sees only this interface, so pre-auth
 * code never holds a store handle.
 */
public interface Authenticator {

    /**
     * @param username the login as the client typed it (an address, case-insensitive)
     * @param client   the client's address, for rate limits and bans
     * @return the authenticated user, or empty for any failure (unknown user and wrong
     *         password look the same to the client)
     */
    Optional<AuthenticatedUser> authenticate(String username, char[] password, InetAddress client);

    /** A successfully authenticated account. */
    record AuthenticatedUser(long accountId, String address) { }
}
