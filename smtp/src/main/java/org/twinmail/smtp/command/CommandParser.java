package org.twinmail.smtp.command;

import static org.twinmail.smtp.command.CommandSyntaxException.Kind.BAD_ARGUMENTS;
import static org.twinmail.smtp.command.CommandSyntaxException.Kind.BAD_LINE;
import static org.twinmail.smtp.command.CommandSyntaxException.Kind.BAD_RECIPIENT;
import static org.twinmail.smtp.command.CommandSyntaxException.Kind.BAD_SENDER;
import static org.twinmail.smtp.command.CommandSyntaxException.Kind.BAD_SYNTAX;
import static org.twinmail.smtp.command.CommandSyntaxException.Kind.NON_ASCII_ADDRESS;
import static org.twinmail.smtp.command.CommandSyntaxException.Kind.UNKNOWN_COMMAND;
import static org.twinmail.smtp.command.CommandSyntaxException.Kind.UNKNOWN_PARAMETER;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.Printable;

/**
 * The one place where an SMTP command line becomes a typed {@link SmtpCommand}.
 * Pure: no I/O, no store, no session state beyond the one flag a caller passes in.
 *
 * <p>Grammar follows RFC 5321 4.1 with the usual, harmless leniencies of deployed
 * servers: verbs in any case, extra spaces between verb and argument, one optional
 * space after "FROM:"/"TO:", trailing spaces. Everything that matters for safety is
 * strict: NUL and other control characters anywhere, non-ASCII outside an SMTPUTF8
 * address (RFC 6531), paths without angle brackets, paths over 256 octets
 * (RFC 5321 4.5.3.1.3), malformed or unknown ESMTP parameters.
 */
public final class CommandParser {

    /** RFC 5321 4.5.3.1.3: a path is at most 256 octets including the angle brackets. */
    public static final int MAX_PATH_OCTETS = 256;

    /** RFC 1870: size-value ::= 1*20DIGIT. */
    private static final int MAX_SIZE_DIGITS = 20;

    private CommandParser() {
    }

    /**
     * Parses one command line.
     *
     * @param line           the line's bytes without CRLF
     * @param utf8Recipients the current transaction's MAIL carried SMTPUTF8, so RCPT addresses may be UTF-8
     * @throws CommandSyntaxException with the reply to send when the line is not acceptable
     */
    public static SmtpCommand parse(byte[] line, boolean utf8Recipients) throws CommandSyntaxException {
        for (byte b : line) {
            if (b == 0) throw new CommandSyntaxException(BAD_LINE, null, "Error: NUL character in command");
            if ((b >= 0 && b < 0x20) || b == 0x7f) {
                throw new CommandSyntaxException(BAD_LINE, null, "Error: control character in command");
            }
        }
        String text = strictUtf8(line).strip();
        if (text.isEmpty()) throw new CommandSyntaxException(BAD_LINE, null, "Error: bad syntax");

        int space = text.indexOf(' ');
        String word = space < 0 ? text : text.substring(0, space);
        String rest = space < 0 ? "" : text.substring(space + 1).stripLeading();
        Verb verb = Verb.lookup(word).orElseThrow(
                () -> new CommandSyntaxException(UNKNOWN_COMMAND, null, "Error: command not recognized"));

        // Only MAIL and RCPT may carry UTF-8, and only inside the address: they check it themselves.
        if (verb != Verb.MAIL && verb != Verb.RCPT) requireAscii(verb, rest);

        return switch (verb) {
            case HELO -> new SmtpCommand.Helo(hostnameArgument(verb, rest));
            case EHLO -> new SmtpCommand.Ehlo(hostnameArgument(verb, rest));
            case MAIL -> mail(rest);
            case RCPT -> rcpt(rest, utf8Recipients);
            case DATA -> { noArgument(verb, rest); yield new SmtpCommand.Data(); }
            case RSET -> { noArgument(verb, rest); yield new SmtpCommand.Rset(); }
            case QUIT -> { noArgument(verb, rest); yield new SmtpCommand.Quit(); }
            case NOOP -> new SmtpCommand.Noop(); // RFC 5321 4.1.1.9: NOOP [ SP String ], the string is ignored
            case VRFY -> new SmtpCommand.Vrfy(requiredArgument(verb, rest, "Syntax: VRFY address"));
            case HELP -> new SmtpCommand.Help(rest);
            case STARTTLS -> { noArgument(verb, rest); yield new SmtpCommand.StartTls(); }
            case AUTH -> auth(rest);
            case BURL -> burl(rest);
            case EXPN, BDAT, ETRN, TURN, ATRN, SEND, SOML, SAML -> new SmtpCommand.NotOffered(verb);
        };
    }

    /** BURL SP absolute-URI [SP "LAST"] (RFC 4468 4); the URL is checked when it is resolved. */
    private static SmtpCommand.Burl burl(String rest) throws CommandSyntaxException {
        String usage = "Syntax: BURL absolute-URI [LAST]";
        String[] parts = requiredArgument(Verb.BURL, rest, usage).split(" +");
        if (parts.length > 2 || (parts.length == 2 && !parts[1].equalsIgnoreCase("LAST")) || parts[0].indexOf(':') < 1) {
            throw new CommandSyntaxException(BAD_ARGUMENTS, Verb.BURL, usage);
        }
        return new SmtpCommand.Burl(parts[0], parts.length == 2);
    }

    /** RFC 4422 3.1: a mechanism name is 1 to 20 of A-Z, 0-9, "-" and "_". */
    private static final java.util.regex.Pattern MECHANISM = java.util.regex.Pattern.compile("[A-Z0-9_-]{1,20}");
    private static final java.util.regex.Pattern BASE64 = java.util.regex.Pattern.compile("=|[A-Za-z0-9+/]+={0,2}");

    /** AUTH mechanism [initial-response] (RFC 4954 4). */
    private static SmtpCommand.Auth auth(String rest) throws CommandSyntaxException {
        String usage = "Syntax: AUTH mechanism [initial-response]";
        String[] parts = requiredArgument(Verb.AUTH, rest, usage).split(" +");
        if (parts.length > 2) throw new CommandSyntaxException(BAD_ARGUMENTS, Verb.AUTH, usage);
        String mechanism = parts[0].toUpperCase(Locale.ROOT);
        if (!MECHANISM.matcher(mechanism).matches()) throw new CommandSyntaxException(BAD_ARGUMENTS, Verb.AUTH, usage);
        String initial = parts.length == 2 ? parts[1] : null;
        if (initial != null && !BASE64.matcher(initial).matches()) {
            throw new CommandSyntaxException(BAD_SYNTAX, Verb.AUTH, "Error: initial response is not base64");
        }
        return new SmtpCommand.Auth(mechanism, initial);
    }

    // ---- MAIL and RCPT ----

    private static SmtpCommand.Mail mail(String rest) throws CommandSyntaxException {
        String afterKeyword = keyword(Verb.MAIL, rest, "FROM:", "Syntax: MAIL FROM:<address>");
        Split split = splitPath(Verb.MAIL, afterKeyword, "Syntax: MAIL FROM:<address>");
        MailParameters params = mailParameters(split.parameters());
        String inner = split.inner();
        if (inner.isEmpty()) return new SmtpCommand.Mail(Optional.empty(), params); // null reverse-path <>
        if (!isAscii(inner) && !params.smtputf8()) {
            throw new CommandSyntaxException(NON_ASCII_ADDRESS, Verb.MAIL,
                    "Error: non-ASCII sender address requires the SMTPUTF8 parameter");
        }
        if (utf8Octets(inner) + 2 > MAX_PATH_OCTETS) {
            throw new CommandSyntaxException(BAD_SENDER, Verb.MAIL, "Error: sender path too long");
        }
        return new SmtpCommand.Mail(Optional.of(mailbox(Verb.MAIL, inner, BAD_SENDER, "Bad sender address syntax")), params);
    }

    private static SmtpCommand.Rcpt rcpt(String rest, boolean utf8) throws CommandSyntaxException {
        String afterKeyword = keyword(Verb.RCPT, rest, "TO:", "Syntax: RCPT TO:<address>");
        Split split = splitPath(Verb.RCPT, afterKeyword, "Syntax: RCPT TO:<address>");
        rcptParameters(split.parameters());
        String inner = split.inner();
        if (inner.isEmpty()) throw new CommandSyntaxException(BAD_RECIPIENT, Verb.RCPT, "Error: empty recipient address");
        if (!isAscii(inner) && !utf8) {
            throw new CommandSyntaxException(NON_ASCII_ADDRESS, Verb.RCPT,
                    "Error: non-ASCII recipient address requires SMTPUTF8 in MAIL FROM");
        }
        if (utf8Octets(inner) + 2 > MAX_PATH_OCTETS) {
            throw new CommandSyntaxException(BAD_RECIPIENT, Verb.RCPT, "Error: recipient path too long");
        }
        // RFC 5321 4.1.1.3: "<Postmaster>" without a domain, case-insensitive, no source route.
        if (inner.equalsIgnoreCase("postmaster")) return new SmtpCommand.Rcpt(new ForwardPath.Postmaster());
        return new SmtpCommand.Rcpt(new ForwardPath.Mailbox(
                mailbox(Verb.RCPT, inner, BAD_RECIPIENT, "Bad recipient address syntax")));
    }

    /** Removes "FROM:" / "TO:" (any case) and one optional space that many clients put after it. */
    private static String keyword(Verb verb, String rest, String keyword, String usage) throws CommandSyntaxException {
        if (!rest.regionMatches(true, 0, keyword, 0, keyword.length())) {
            throw new CommandSyntaxException(BAD_SYNTAX, verb, usage);
        }
        String after = rest.substring(keyword.length());
        return after.startsWith(" ") ? after.substring(1) : after;
    }

    private record Split(String inner, String parameters) { }

    /**
     * Splits {@code <path> params}: the path runs to the first '>' that is not inside a
     * quoted local part, so {@code <"a>b"@example.com>} stays one path.
     */
    private static Split splitPath(Verb verb, String s, String usage) throws CommandSyntaxException {
        if (!s.startsWith("<")) throw new CommandSyntaxException(BAD_SYNTAX, verb, usage);
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                i++; // quoted-pairSMTP: the next character is literal
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                String params = s.substring(i + 1);
                if (!params.isEmpty() && !params.startsWith(" ")) throw new CommandSyntaxException(BAD_SYNTAX, verb, usage);
                return new Split(s.substring(1, i), params.strip());
            }
        }
        throw new CommandSyntaxException(BAD_SYNTAX, verb, usage);
    }

    /**
     * Parses {@code [A-d-l ":"] Mailbox}. A source route ({@code @relay1,@relay2:}) is
     * checked for syntax and then ignored, as RFC 5321 4.1.2 and appendix C require.
     */
    private static EmailAddress mailbox(Verb verb, String path, CommandSyntaxException.Kind kind, String message)
            throws CommandSyntaxException {
        String mailbox = path;
        try {
            if (path.startsWith("@")) mailbox = stripSourceRoute(path);
            int at = mailbox.lastIndexOf('@');
            if (at > 0 && at < mailbox.length() - 1) {
                String domain = mailbox.substring(at + 1);
                if (domain.startsWith("[")) checkAddressLiteral(domain);
            }
            return EmailAddress.parse(mailbox);
        } catch (IllegalArgumentException e) {
            throw new CommandSyntaxException(kind, verb, message);
        }
    }

    private static String stripSourceRoute(String path) {
        int i = 0;
        while (true) {
            if (i >= path.length() || path.charAt(i) != '@') throw new IllegalArgumentException("bad source route");
            int start = ++i;
            if (i < path.length() && path.charAt(i) == '[') {
                int close = path.indexOf(']', i);
                if (close < 0) throw new IllegalArgumentException("bad source route");
                i = close + 1;
            } else {
                while (i < path.length() && path.charAt(i) != ',' && path.charAt(i) != ':') i++;
            }
            String domain = path.substring(start, i);
            if (domain.startsWith("[")) checkAddressLiteral(domain);
            else EmailAddress.validateDomain(domain);
            if (domain.isEmpty() || i >= path.length()) throw new IllegalArgumentException("bad source route");
            char sep = path.charAt(i++);
            if (sep == ':') return path.substring(i);
            if (sep != ',') throw new IllegalArgumentException("bad source route");
        }
    }

    /** RFC 5321 4.1.3: "[" (IPv4 | "IPv6:" IPv6 | tag ":" content) "]"; we check the shape, not the numbers. */
    private static void checkAddressLiteral(String literal) {
        if (literal.length() < 3 || !literal.endsWith("]")) throw new IllegalArgumentException("bad address literal");
        for (int i = 1; i < literal.length() - 1; i++) {
            char c = literal.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '[' || c == ']' || c == '\\') throw new IllegalArgumentException("bad address literal");
        }
    }

    // ---- ESMTP parameters ----

    private record Param(String keyword, String value) { }

    private static MailParameters mailParameters(String text) throws CommandSyntaxException {
        OptionalLong size = OptionalLong.empty();
        MailParameters.Body body = null;
        boolean smtputf8 = false;
        boolean auth = false;
        if (text.isEmpty()) return MailParameters.NONE;
        for (String token : text.split(" +")) {
            Param p = param(Verb.MAIL, token);
            switch (p.keyword()) {
                case "SIZE" -> {
                    if (size.isPresent()) throw duplicate(p);
                    size = OptionalLong.of(sizeValue(p.value()));
                }
                case "BODY" -> {
                    if (body != null) throw duplicate(p);
                    body = bodyValue(p.value());
                }
                case "SMTPUTF8" -> {
                    if (smtputf8) throw duplicate(p);
                    if (p.value() != null) throw new CommandSyntaxException(BAD_ARGUMENTS, Verb.MAIL, "Error: SMTPUTF8 takes no value");
                    smtputf8 = true;
                }
                case "AUTH" -> {
                    // RFC 4954 5: AUTH=<> or AUTH=xtext; only submission advertises AUTH, and decides.
                    if (auth) throw duplicate(p);
                    if (p.value() == null || p.value().isEmpty()) throw new CommandSyntaxException(BAD_ARGUMENTS, Verb.MAIL, "Error: AUTH needs a value");
                    auth = true;
                }
                default -> throw new CommandSyntaxException(UNKNOWN_PARAMETER, Verb.MAIL,
                        "Error: unsupported MAIL parameter " + Printable.of(p.keyword()));
            }
        }
        return new MailParameters(size, body, smtputf8, auth);
    }

    /** We implement no RCPT parameters (DSN's NOTIFY/ORCPT are not offered), so any well-formed one is unknown. */
    private static void rcptParameters(String text) throws CommandSyntaxException {
        if (text.isEmpty()) return;
        Param p = param(Verb.RCPT, text.split(" +")[0]);
        throw new CommandSyntaxException(UNKNOWN_PARAMETER, Verb.RCPT,
                "Error: unsupported RCPT parameter " + Printable.of(p.keyword()));
    }

    /** RFC 5321 4.1.2: esmtp-keyword ["=" esmtp-value]; keyword (ALPHA/DIGIT) *(ALPHA/DIGIT/"-"), value 1*(%d33-60 / %d62-126). */
    private static Param param(Verb verb, String token) throws CommandSyntaxException {
        if (!isAscii(token)) throw new CommandSyntaxException(BAD_LINE, verb, "Error: non-ASCII characters in command");
        int eq = token.indexOf('=');
        String keyword = eq < 0 ? token : token.substring(0, eq);
        String value = eq < 0 ? null : token.substring(eq + 1);
        boolean ok = !keyword.isEmpty() && isLetterOrDigit(keyword.charAt(0));
        for (int i = 1; ok && i < keyword.length(); i++) {
            char c = keyword.charAt(i);
            ok = isLetterOrDigit(c) || c == '-';
        }
        if (ok && value != null) {
            ok = !value.isEmpty();
            for (int i = 0; ok && i < value.length(); i++) {
                char c = value.charAt(i);
                ok = c >= 33 && c <= 126 && c != '=';
            }
        }
        if (!ok) throw new CommandSyntaxException(BAD_ARGUMENTS, verb, "Error: malformed parameter " + Printable.of(token));
        return new Param(keyword.toUpperCase(Locale.ROOT), value);
    }

    private static long sizeValue(String value) throws CommandSyntaxException {
        if (value == null || value.isEmpty() || value.length() > MAX_SIZE_DIGITS) {
            throw new CommandSyntaxException(BAD_ARGUMENTS, Verb.MAIL, "Error: bad SIZE parameter");
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                throw new CommandSyntaxException(BAD_ARGUMENTS, Verb.MAIL, "Error: bad SIZE parameter");
            }
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // 20 digits may exceed a long; it is over any limit either way
        }
    }

    private static MailParameters.Body bodyValue(String value) throws CommandSyntaxException {
        if (value != null) {
            if (value.equalsIgnoreCase("7BIT")) return MailParameters.Body.SEVEN_BIT;
            if (value.equalsIgnoreCase("8BITMIME")) return MailParameters.Body.EIGHT_BIT_MIME;
        }
        // BINARYMIME (RFC 3030) needs CHUNKING, which we do not offer.
        throw new CommandSyntaxException(BAD_ARGUMENTS, Verb.MAIL, "Error: BODY must be 7BIT or 8BITMIME");
    }

    private static CommandSyntaxException duplicate(Param p) {
        return new CommandSyntaxException(BAD_ARGUMENTS, Verb.MAIL, "Error: duplicate " + p.keyword() + " parameter");
    }

    // ---- other verbs ----

    /** RFC 5321 4.1.1.1: HELO/EHLO take exactly one Domain or address-literal. */
    private static String hostnameArgument(Verb verb, String rest) throws CommandSyntaxException {
        if (rest.isEmpty() || rest.indexOf(' ') >= 0) {
            throw new CommandSyntaxException(BAD_ARGUMENTS, verb, "Syntax: " + verb + " hostname");
        }
        return rest;
    }

    private static void noArgument(Verb verb, String rest) throws CommandSyntaxException {
        if (!rest.isEmpty()) throw new CommandSyntaxException(BAD_ARGUMENTS, verb, "Syntax: " + verb);
    }

    private static String requiredArgument(Verb verb, String rest, String usage) throws CommandSyntaxException {
        if (rest.isEmpty()) throw new CommandSyntaxException(BAD_ARGUMENTS, verb, usage);
        return rest;
    }

    private static void requireAscii(Verb verb, String s) throws CommandSyntaxException {
        if (!isAscii(s)) throw new CommandSyntaxException(BAD_LINE, verb, "Error: non-ASCII characters in command");
    }

    // ---- characters ----

    private static String strictUtf8(byte[] line) throws CommandSyntaxException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(line)).toString();
        } catch (CharacterCodingException e) {
            throw new CommandSyntaxException(BAD_LINE, null, "Error: invalid characters in command");
        }
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }

    private static boolean isLetterOrDigit(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    private static int utf8Octets(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
