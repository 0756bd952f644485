package org.twinmail.smtp.command;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every SMTP verb we recognise. Recognising a verb is not the same as offering it:
 * the session's command table says which ones are implemented (the others get
 * 502 5.5.1), so adding BDAT later means a parser case and a table row.
 */
public enum Verb {
    HELO, EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, VRFY, HELP, STARTTLS, AUTH,
    /** RFC 4468: message content from an IMAP URL (submission only). */
    BURL,
    // Known but not offered (yet): answered with 502 rather than 500, as RFC 5321 4.2.4 asks
    // for commands that are recognised but not implemented.
    EXPN, BDAT, ETRN, TURN, ATRN, SEND, SOML, SAML;

    private static final Map<String, Verb> BY_NAME =
            Stream.of(values()).collect(Collectors.toUnmodifiableMap(Verb::name, Function.identity()));

    /** Case-insensitive lookup (RFC 5321 2.4: verbs are not case-sensitive). */
    public static Optional<Verb> lookup(String word) {
        return Optional.ofNullable(BY_NAME.get(word.toUpperCase(Locale.ROOT)));
    }
}
