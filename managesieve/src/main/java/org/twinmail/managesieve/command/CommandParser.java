package org.twinmail.managesieve.command;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The grammar of RFC 5804 section 4 for one command: a command name, then strings (quoted,
 * or literals {@code {n+}} / {@code {n}} whose octets the session has read) and numbers. Pure:
 * no I/O, no store; the session hands it the segments it read. Strings must be UTF-8.
 */
public final class CommandParser {
    private CommandParser() {}

    /** A literal's announcement at the end of a line: {@code {n+}} or {@code {n}}. */
    public static final Pattern LITERAL = Pattern.compile("\\{([0-9]{1,10})\\+?}$");

    /** The literal announced at the end of {@code line}, -1 when none. */
    public static long literalLength(String line) {
        Matcher m = LITERAL.matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private sealed interface Token {
        record Atom(String text) implements Token { }
        record Str(String text) implements Token { }
        record Num(long value) implements Token { }
    }

    public static Command parse(List<Segment> segments) throws ParseException {
        List<Token> tokens = tokens(segments);
        if (tokens.isEmpty() || !(tokens.getFirst() instanceof Token.Atom a)) throw new ParseException("Expected a command");
        String name = a.text().toUpperCase(Locale.ROOT);
        List<Token> args = tokens.subList(1, tokens.size());
        return switch (name) {
            case "AUTHENTICATE" -> {
                arity(name, args, 1, 2);
                yield new Command.Authenticate(str(args, 0), args.size() > 1 ? str(args, 1) : null);
            }
            case "STARTTLS" -> none(name, args, new Command.StartTls());
            case "LOGOUT" -> none(name, args, new Command.Logout());
            case "CAPABILITY" -> none(name, args, new Command.Capability());
            case "UNAUTHENTICATE" -> none(name, args, new Command.Unauthenticate());
            case "LISTSCRIPTS" -> none(name, args, new Command.ListScripts());
            case "NOOP" -> {
                arity(name, args, 0, 1);
                yield new Command.Noop(args.isEmpty() ? null : str(args, 0));
            }
            case "HAVESPACE" -> {
                arity(name, args, 2, 2);
                if (!(args.get(1) instanceof Token.Num n)) throw new ParseException("HAVESPACE takes a script name and a number");
                yield new Command.HaveSpace(str(args, 0), n.value());
            }
            case "PUTSCRIPT" -> {
                arity(name, args, 2, 2);
                yield new Command.PutScript(str(args, 0), str(args, 1));
            }
            case "SETACTIVE" -> {
                arity(name, args, 1, 1);
                yield new Command.SetActive(str(args, 0));
            }
            case "GETSCRIPT" -> {
                arity(name, args, 1, 1);
                yield new Command.GetScript(str(args, 0));
            }
            case "DELETESCRIPT" -> {
                arity(name, args, 1, 1);
                yield new Command.DeleteScript(str(args, 0));
            }
            case "RENAMESCRIPT" -> {
                arity(name, args, 2, 2);
                yield new Command.RenameScript(str(args, 0), str(args, 1));
            }
            case "CHECKSCRIPT" -> {
                arity(name, args, 1, 1);
                yield new Command.CheckScript(str(args, 0));
            }
            default -> throw new ParseException("Unknown command " + printable(a.text()));
        };
    }

    /** A SASL continuation (RFC 5804 2.1): a string, or "*" to cancel (null). */
    public static String saslResponse(List<Segment> segments) throws ParseException {
        List<Token> tokens = tokens(segments);
        if (tokens.size() == 1 && tokens.getFirst() instanceof Token.Str s) return s.text();
        if (tokens.size() == 1 && tokens.getFirst() instanceof Token.Atom a && a.text().equals("*")) return null;
        throw new ParseException("Expected a string or \"*\"");
    }

    private static Command none(String name, List<Token> args, Command c) throws ParseException {
        if (!args.isEmpty()) throw new ParseException(name + " takes no arguments");
        return c;
    }

    private static void arity(String name, List<Token> args, int min, int max) throws ParseException {
        if (args.size() < min || args.size() > max) throw new ParseException("Wrong number of arguments for " + name);
    }

    private static String str(List<Token> args, int i) throws ParseException {
        if (args.get(i) instanceof Token.Str s) return s.text();
        throw new ParseException("Expected a string as argument " + (i + 1));
    }

    private static List<Token> tokens(List<Segment> segments) throws ParseException {
        List<Token> tokens = new ArrayList<>();
        for (int k = 0; k < segments.size(); k++) {
            if (!(segments.get(k) instanceof Segment.Text(String line))) throw new ParseException("Literal where none was announced");
            int i = 0;
            while (i < line.length()) {
                char c = line.charAt(i);
                if (c == ' ') {
                    i++;
                } else if (c == '"') {
                    StringBuilder b = new StringBuilder();
                    i++;
                    boolean closed = false;
                    while (i < line.length()) {
                        char d = line.charAt(i++);
                        if (d == '"') {
                            closed = true;
                            break;
                        }
                        if (d == '\\') {
                            if (i >= line.length()) break;
                            d = line.charAt(i++);
                            if (d != '"' && d != '\\') throw new ParseException("Only \\\" and \\\\ may be quoted");
                        }
                        b.append(d);
                    }
                    if (!closed) throw new ParseException("String not closed");
                    tokens.add(new Token.Str(b.toString()));
                } else if (c == '{') {
                    Matcher m = LITERAL.matcher(line.substring(i));
                    if (!m.matches()) throw new ParseException("Malformed literal");
                    if (k + 1 >= segments.size() || !(segments.get(k + 1) instanceof Segment.Literal(byte[] octets))) {
                        throw new ParseException("Literal missing");
                    }
                    tokens.add(new Token.Str(utf8(octets)));
                    k++;
                    i = line.length();
                } else if (c >= '0' && c <= '9') {
                    int start = i;
                    while (i < line.length() && Character.isDigit(line.charAt(i))) i++;
                    if (i - start > 18) throw new ParseException("Number too large");
                    tokens.add(new Token.Num(Long.parseLong(line.substring(start, i))));
                } else if (Character.isLetter(c) || c == '*') {
                    int start = i;
                    while (i < line.length() && line.charAt(i) != ' ') i++;
                    tokens.add(new Token.Atom(line.substring(start, i)));
                } else {
                    throw new ParseException("Unexpected character " + printable(String.valueOf(c)));
                }
            }
        }
        return tokens;
    }

    private static String utf8(byte[] octets) throws ParseException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(octets)).toString();
        } catch (CharacterCodingException e) {
            throw new ParseException("Not UTF-8");
        }
    }

    private static String printable(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
