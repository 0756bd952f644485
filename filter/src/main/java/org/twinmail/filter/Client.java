package org.twinmail.filter;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;

/**
 * What a check knows about the SMTP client at any stage. The session builds a fresh one for
 * each call, so later stages see the HELO name and the login.
 *
 * @param ip           the client's address
 * @param reverseName  the verified reverse-DNS name, or empty; the lookup runs beside the
 *                     conversation from the connect on, and asking may wait for it (bounded by
 *                     the session's data timeout), so checks that do not need it never wait
 * @param listener     the listener's name ({@code smtp}, {@code submission}, {@code submissions})
 * @param tls          the connection is encrypted
 * @param helo         the HELO/EHLO name (printable), or null before it
 * @param esmtp        EHLO rather than HELO
 * @param user         the authenticated user (submission), or empty
 * @param earlyTalk    at the connect, before the greeting: whether the client sends anything
 *                     within a time (the session waits on its socket; what came stays for the
 *                     conversation). {@link EarlyTalk#NEVER} where no socket is behind the client
 */
public record Client(InetAddress ip, Supplier<Optional<String>> reverseName, String listener, boolean tls,
                     String helo, boolean esmtp, Optional<AuthenticatedUser> user, EarlyTalk earlyTalk) {

    /** A client whose socket is not watched for early talk (tests, stages after the greeting). */
    public Client(InetAddress ip, Supplier<Optional<String>> reverseName, String listener, boolean tls,
                  String helo, boolean esmtp, Optional<AuthenticatedUser> user) {
        this(ip, reverseName, listener, tls, helo, esmtp, user, EarlyTalk.NEVER);
    }

    /** The early-talker test's view of the socket (docs/filter.md, {@code pregreet}). */
    @FunctionalInterface
    public interface EarlyTalk {
        EarlyTalk NEVER = wait -> false;

        /** Waits at most {@code wait}: true as soon as the client has sent something, false if it stayed silent or left. */
        boolean within(Duration wait) throws IOException;
    }
}
