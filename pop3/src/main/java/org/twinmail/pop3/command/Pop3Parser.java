package org.twinmail.pop3.command;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * Turns one command line (without its line end) into a {@link Command} or a
 * {@link ParseError}. Pure: no I/O, no store, no session state beyond the POP3
 * state passed in, so every rule here is unit-tested on its own.
 *
 * <p>Syntax (RFC 1939 section 3, RFC 2449 section 3): a case-insensitive keyword,
 * then arguments separated by spaces. We accept runs of spaces and a trailing space
 * between arguments (harmless, and some clients send them); PASS keeps everything
 * after its single separating space, because passwords may contain spaces.
 * Control characters (NUL, a bare CR, TAB, DEL) and bytes that are not UTF-8 are
 * refused before anything else, so no later stage ever sees them.
 */
public final class Pop3Parser {
    private Pop3Parser() {}

    private static final ParseError TOO_LONG = new ParseError(ParseError.Kind.LINE_TOO_LONG, "Line too long");
    private static final ParseError BAD_CHARS = new ParseError(ParseError.Kind.INVALID_CHARACTERS, "Invalid characters in command");
    private static final ParseError EMPTY = new ParseError(ParseError.Kind.EMPTY, "Empty command");
    private static final ParseError UNKNOWN = new ParseError(ParseError.Kind.UNKNOWN_COMMAND, "Unknown command");
    private static final ParseError WRONG_STATE = new ParseError(ParseError.Kind.WRONG_STATE, "Command not valid in this state");
    private static final ParseError BAD_NUMBER = new ParseError(ParseError.Kind.INVALID_NUMBER, "Invalid message number");
    private static final ParseError BAD_BASE64 = new ParseError(ParseError.Kind.SYNTAX, "Invalid base64 data");

    /** SASL mechanism names (RFC 4422 section 3.1): 1 to 20 of A-Z, 0-9, '-', '_'. */
    private static final int MAX_MECHANISM_LENGTH = 20;

    /**
     * @param line    the line's bytes without CRLF
     * @param tooLong the line was cut at the configured maximum (its bytes are incomplete)
     * @param state   the session's state, checked against the command table before any argument
     */
    public static ParseResult parse(byte[] line, boolean tooLong, State state) {
        if (tooLong) return TOO_LONG;
        if (!onlyPrintable(line)) return BAD_CHARS;
        if (line.length == 0) return EMPTY;

        int sp = indexOf(line, (byte) ' ');
        int keywordEnd = sp < 0 ? line.length : sp;
        String keyword = new String(line, 0, keywordEnd, StandardCharsets.ISO_8859_1);
        Verb verb = Verb.lookup(keyword);
        if (verb == null) return UNKNOWN;
        if (!verb.allowedIn(state)) return WRONG_STATE;

        if (verb == Verb.PASS) {
            // Decoded straight to char[] so the password never sits in an immutable String.
            if (sp < 0 || sp == line.length - 1) return syntax("PASS needs a password");
            char[] password = utf8Chars(line, sp + 1, line.length - sp - 1);
            if (password == null) return BAD_CHARS;
            return new Command.Pass(password);
        }

        String rest = sp < 0 ? "" : utf8(line, sp + 1, line.length - sp - 1);
        if (rest == null) return BAD_CHARS;
        String[] args = split(rest);
        return switch (verb) {
            case USER -> args.length == 1 ? new Command.User(args[0])
                    : syntax(args.length == 0 ? "USER needs a user name" : "Too many arguments");
            case AUTH -> auth(args);
            case CAPA -> noArguments(args, new Command.Capa());
            case STLS -> noArguments(args, new Command.Stls());
            case STAT -> noArguments(args, new Command.Stat());
            case RSET -> noArguments(args, new Command.Rset());
            case NOOP -> noArguments(args, new Command.Noop());
            case QUIT -> noArguments(args, new Command.Quit());
            case LIST, UIDL -> {
                if (args.length > 1) yield syntax("Too many arguments");
                OptionalInt msg = OptionalInt.empty();
                if (args.length == 1) {
                    int n = messageNumber(args[0]);
                    if (n < 0) yield BAD_NUMBER;
                    msg = OptionalInt.of(n);
                }
                yield verb == Verb.LIST ? new Command.List(msg) : new Command.Uidl(msg);
            }
            case RETR, DELE -> {
                if (args.length != 1) yield syntax(args.length == 0 ? "Message number required" : "Too many arguments");
                int n = messageNumber(args[0]);
                if (n < 0) yield BAD_NUMBER;
                yield verb == Verb.RETR ? new Command.Retr(n) : new Command.Dele(n);
            }
            case TOP -> {
                if (args.length != 2) yield syntax("TOP needs a message number and a line count");
                int n = messageNumber(args[0]);
                if (n < 0) yield BAD_NUMBER;
                long lines = lineCount(args[1]);
                if (lines < 0) yield syntax("Invalid line count");
                yield new Command.Top(n, lines);
            }
            case PASS -> throw new AssertionError("handled above");
        };
    }

    /**
     * A client line inside an AUTH exchange: "*" cancels (RFC 5034 section 4),
     * anything else must be base64 (possibly empty).
     */
    public static SaslResponse parseSaslResponse(byte[] line, boolean tooLong) {
        if (tooLong) return TOO_LONG;
        if (line.length == 1 && line[0] == '*') return new SaslResponse.Cancel();
        if (!isBase64(line, 0, line.length)) return BAD_BASE64;
        return new SaslResponse.Data(new String(line, StandardCharsets.US_ASCII));
    }

    private static ParseResult auth(String[] args) {
        if (args.length == 0) return new Command.Auth(null, null);
        if (args.length > 2) return syntax("Too many arguments");
        String mech = args[0];
        if (mech.length() > MAX_MECHANISM_LENGTH || !mech.chars().allMatch(Pop3Parser::isMechanismChar)) {
            return syntax("Invalid mechanism name");
        }
        String initial = null;
        if (args.length == 2) {
            // RFC 5034 section 4: "=" stands for an empty initial response.
            initial = args[1].equals("=") ? "" : args[1];
            byte[] b = initial.getBytes(StandardCharsets.ISO_8859_1);
            if (!isBase64(b, 0, b.length)) return BAD_BASE64;
        }
        return new Command.Auth(mech.toUpperCase(Locale.ROOT), initial);
    }

    private static ParseResult noArguments(String[] args, Command command) {
        return args.length == 0 ? command : syntax("Unexpected argument");
    }

    private static ParseError syntax(String text) {
        return new ParseError(ParseError.Kind.SYNTAX, text);
    }

    /**
     * A message number: decimal digits only (no sign, no spaces). Values beyond
     * int are clamped to {@link Integer#MAX_VALUE}, which no snapshot can reach,
     * so they end up as "no such message" rather than as a different number.
     *
     * @return the number (0 is syntactically valid and names no message), or -1 if malformed
     */
    static int messageNumber(String s) {
        long v = digits(s);
        return v < 0 ? -1 : (int) Math.min(v, Integer.MAX_VALUE);
    }

    /** TOP's line count: decimal digits, clamped to Long.MAX_VALUE; -1 if malformed. */
    static long lineCount(String s) {
        return digits(s);
    }

    private static long digits(String s) {
        if (s.isEmpty()) return -1;
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v > (Long.MAX_VALUE - 9) / 10 ? Long.MAX_VALUE : v * 10 + (c - '0');
        }
        return v;
    }

    private static String[] split(String rest) {
        ArrayList<String> out = new ArrayList<>(2);
        for (String token : rest.split(" ")) {
            if (!token.isEmpty()) out.add(token);
        }
        return out.toArray(String[]::new);
    }

    /** Printable ASCII, space, or any byte of a multi-byte UTF-8 sequence (validated when decoding). */
    private static boolean onlyPrintable(byte[] line) {
        for (byte b : line) {
            int c = b & 0xff;
            if (c < 0x20 || c == 0x7f) return false;
        }
        return true;
    }

    private static boolean isBase64(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte c = b[i];
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '/' || c == '=';
            if (!ok) return false;
        }
        return true;
    }

    private static boolean isMechanismChar(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    private static int indexOf(byte[] b, byte value) {
        for (int i = 0; i < b.length; i++) if (b[i] == value) return i;
        return -1;
    }

    /** Strict UTF-8 decoding; null for malformed input. */
    private static String utf8(byte[] b, int off, int len) {
        char[] c = utf8Chars(b, off, len);
        return c == null ? null : new String(c);
    }

    private static char[] utf8Chars(byte[] b, int off, int len) {
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, off, len));
            char[] out = Arrays.copyOfRange(cb.array(), cb.position(), cb.limit());
            Arrays.fill(cb.array(), '\0');
            return out;
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
