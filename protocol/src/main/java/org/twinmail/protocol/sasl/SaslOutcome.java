package org.twinmail.protocol.sasl;

import org.twinmail.core.auth.Authenticator.AuthenticatedUser;

/** How an authentication exchange ended; each protocol maps these onto its own replies. */
public sealed interface SaslOutcome {

    /** Logged in. */
    record Success(AuthenticatedUser user) implements SaslOutcome { }

    /** Wrong user name or password, or a proxy authorization identity (SMTP 535 5.7.8, POP3 -ERR [AUTH]). */
    record Failure(String authcid) implements SaslOutcome { }

    /** The client answered a challenge with "*" (SMTP 501 5.0.0). */
    record Cancelled() implements SaslOutcome { }

    /** A response that is not base64 or not what the mechanism expects (SMTP 501 5.5.2). */
    record Malformed(String reason) implements SaslOutcome { }

    /** The password check itself failed (store down): try again later (SMTP 454 4.7.0, POP3 [SYS/TEMP]). */
    record Unavailable() implements SaslOutcome { }

    /** The client left, or sent an over-long line, in the middle of the exchange. */
    record Disconnected() implements SaslOutcome { }
}
