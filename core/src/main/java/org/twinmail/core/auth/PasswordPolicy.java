package org.twinmail.core.auth;

import java.util.Locale;
import org.twinmail.core.mail.EmailAddress;

/**
 * What a user's new password must be, checked wherever one is set (the admin operations the CLI,
 * the REST API and the console call, and the webmail's password change, which goes through them):
 * at least {@code minLength} characters ({@code auth.minPasswordLength}), not the account's
 * address or its local part (in any case), and without NUL, CR or LF, which mail clients cannot
 * send. App passwords are made by the server and are not checked here.
 */
public record PasswordPolicy(int minLength) {
    /** {@code auth.minPasswordLength}'s default. */
    public static final int DEFAULT_MIN_LENGTH = 10;

    public PasswordPolicy {
        if (minLength < 1) throw new IllegalArgumentException("auth.minPasswordLength must be at least 1");
    }

    /** The reason {@code password} may not be the password of {@code address}, or null when it may. */
    public String refusal(EmailAddress address, char[] password) {
        if (password == null || password.length == 0) return "the password must not be empty";
        for (char c : password) {
            // SASL PLAIN separates fields with NUL and POP3/SMTP are line protocols: such a password could never log in.
            if (c == 0 || c == '\r' || c == '\n') return "the password must not contain NUL, CR or LF (mail clients cannot send them)";
        }
        int length = String.valueOf(password).codePointCount(0, password.length);
        if (length < minLength) return "the password must be at least " + minLength + " characters long (it has " + length + ")";
        if (address != null) {
            String p = String.valueOf(password).toLowerCase(Locale.ROOT);
            if (p.equals(address.key()) || p.equals(address.localPart().toLowerCase(Locale.ROOT))) {
                return "the password must not be the account's address or its user name";
            }
        }
        return null;
    }
}
