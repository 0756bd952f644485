package org.twinmail.jmap.auth;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.auth.Authenticator;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.Printable;
import org.twinmail.protocol.auth.AuthGuard;

/**
 * Who a JMAP request is: HTTP Basic with the account's password (only over TLS, or from
 * loopback as {@code auth.plaintextAuth} allows, like SASL PLAIN), or a bearer token from
 * {@link Tokens}. Every password check goes through the node's {@link AuthGuard}, as on the
 * mail ports: failures counted per client and account, answered after the guard's delay,
 * banned clients refused without a password check.
 */
public final class JmapAuth {
    private static final Logger log = LoggerFactory.getLogger(JmapAuth.class);
    /** The AuthGuard's service name (metric tag) for JMAP logins. */
    public static final String SERVICE = "jmap";

    private final Authenticator authenticator;
    private final AuthGuard guard;
    private final TwinmailConfig.PlaintextAuth plaintext;
    private final Tokens tokens;

    /** Why a request is not authenticated (401 unless said otherwise). */
    public static final class Refused extends Exception {
        private final int status;

        public Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    public JmapAuth(Authenticator authenticator, AuthGuard guard, TwinmailConfig.PlaintextAuth plaintext, Tokens tokens) {
        this.authenticator = authenticator;
        this.guard = guard;
        this.plaintext = plaintext;
        this.tokens = tokens;
    }

    public Tokens tokens() {
        return tokens;
    }

    /** The principal of an {@code Authorization} header value. */
    public Principal authenticate(String authorization, InetAddress client, boolean secure) throws Refused {
        if (authorization == null || authorization.isBlank()) throw new Refused(401, "authentication required");
        int sp = authorization.indexOf(' ');
        String scheme = sp < 0 ? authorization : authorization.substring(0, sp);
        String value = sp < 0 ? "" : authorization.substring(sp + 1).strip();
        switch (scheme.toLowerCase(Locale.ROOT)) {
            case "bearer" -> {
                return tokens.check(value).orElseThrow(() -> new Refused(401, "invalid or expired token"));
            }
            case "basic" -> {
                byte[] decoded;
                try {
                    decoded = Base64.getDecoder().decode(value);
                } catch (IllegalArgumentException e) {
                    throw new Refused(401, "malformed Basic credentials");
                }
                String text = new String(decoded, StandardCharsets.UTF_8);
                Arrays.fill(decoded, (byte) 0);
                int colon = text.indexOf(':');
                if (colon < 0) throw new Refused(401, "malformed Basic credentials");
                char[] password = text.substring(colon + 1).toCharArray();
                try {
                    return password(text.substring(0, colon), password, client, secure);
                } finally {
                    Arrays.fill(password, '\0');
                }
            }
            default -> throw new Refused(401, "unsupported authentication scheme");
        }
    }

    /** A password check (Basic, or the token endpoint's login), through the guard. */
    public Principal password(String username, char[] password, InetAddress client, boolean secure) throws Refused {
        if (!secure && !(plaintext == TwinmailConfig.PlaintextAuth.ALWAYS
                || (plaintext == TwinmailConfig.PlaintextAuth.LOOPBACK && client.isLoopbackAddress()))) {
            throw new Refused(403, "passwords are accepted only over TLS");
        }
        if (guard.isBanned(client)) {
            log.info("jmap: login refused for {} from {}: address banned", Printable.of(username), client.getHostAddress());
            throw new Refused(401, "authentication failed");
        }
        Optional<AuthenticatedUser> user = authenticator.authenticate(username, password, client);
        if (user.isPresent()) {
            guard.succeeded(client, username);
            return new Principal(user.get().accountId(), user.get().address());
        }
        Duration wait = guard.failed(client, username, SERVICE);
        log.info("jmap: login failed for {} from {}", Printable.of(username), client.getHostAddress());
        if (!wait.isZero()) {
            try {
                Thread.sleep(wait); // a virtual thread: the wait holds no platform thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new Refused(401, "authentication failed");
    }
}
