package org.twinmail.sieve.script;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.twinmail.sieve.SieveException;

/**
 * The grammar of RFC 5228 section 8 turned into commands, tests and arguments: no extension
 * knowledge, no I/O. Bounded: blocks and tests nest at most {@value #MAX_DEPTH} deep, and the
 * caller bounds the script's size; every error is a {@link SieveException} with its line.
 * Linear in the script's length.
 */
public final class Parser {
    /** Deepest nesting of blocks and tests. */
    public static final int MAX_DEPTH = 32;

    private final String s;
    private int pos;
    private int line = 1;
    private int depth;

    private Parser(String script) {
        this.s = script;
    }

    /** The script's commands, top level first. */
    public static List<Command> parse(String script) throws SieveException {
        Parser p = new Parser(script);
        List<Command> commands = p.commands(false);
        p.skipSpace();
        if (p.pos < p.s.length()) throw p.error("unexpected '" + p.s.charAt(p.pos) + "'");
        return commands;
    }

    private List<Command> commands(boolean inBlock) throws SieveException {
        List<Command> commands = new ArrayList<>();
        while (true) {
            skipSpace();
            if (pos >= s.length()) {
                if (inBlock) throw error("missing '}'");
                return commands;
            }
            if (s.charAt(pos) == '}') {
                if (!inBlock) throw error("unexpected '}'");
                return commands;
            }
            commands.add(command());
        }
    }

    private Command command() throws SieveException {
        int at = line;
        String name = identifier("a command");
        List<Argument> args = arguments();
        List<Test> tests = testOrList();
        skipSpace();
        if (pos >= s.length()) throw error("expected ';' or '{' after " + name);
        char c = s.charAt(pos);
        if (c == ';') {
            pos++;
            return new Command(name, args, tests, null, at);
        }
        if (c == '{') {
            pos++;
            if (++depth > MAX_DEPTH) throw error("blocks nested deeper than " + MAX_DEPTH);
            List<Command> block = commands(true);
            depth--;
            pos++; // '}'
            return new Command(name, args, tests, block, at);
        }
        throw error("expected ';' or '{' after " + name + ", not '" + c + "'");
    }

    private List<Argument> arguments() throws SieveException {
        List<Argument> args = new ArrayList<>();
        while (true) {
            skipSpace();
            if (pos >= s.length()) return args;
            char c = s.charAt(pos);
            int at = line;
            if (c == ':') {
                pos++;
                args.add(new Argument.Tag(identifier("a tag"), at));
            } else if (c >= '0' && c <= '9') {
                args.add(number());
            } else if (c == '"' || startsWithText()) {
                args.add(new Argument.Strings(List.of(string()), false, at));
            } else if (c == '[') {
                pos++;
                List<String> values = new ArrayList<>();
                while (true) {
                    skipSpace();
                    values.add(string());
                    skipSpace();
                    if (pos >= s.length()) throw error("missing ']'");
                    if (s.charAt(pos) == ']') {
                        pos++;
                        break;
                    }
                    if (s.charAt(pos) != ',') throw error("expected ',' or ']' in a string list");
                    pos++;
                }
                args.add(new Argument.Strings(values, true, at));
            } else {
                return args;
            }
        }
    }

    /** A test, a test list in parentheses, or nothing. */
    private List<Test> testOrList() throws SieveException {
        skipSpace();
        if (pos >= s.length()) return List.of();
        char c = s.charAt(pos);
        if (c == '(') {
            pos++;
            if (++depth > MAX_DEPTH) throw error("tests nested deeper than " + MAX_DEPTH);
            List<Test> tests = new ArrayList<>();
            while (true) {
                tests.add(test());
                skipSpace();
                if (pos >= s.length()) throw error("missing ')'");
                if (s.charAt(pos) == ')') {
                    pos++;
                    break;
                }
                if (s.charAt(pos) != ',') throw error("expected ',' or ')' in a test list");
                pos++;
            }
            depth--;
            return tests;
        }
        if (isIdentifierStart(c)) return List.of(test());
        return List.of();
    }

    private Test test() throws SieveException {
        skipSpace();
        int at = line;
        String name = identifier("a test");
        if (++depth > MAX_DEPTH) throw error("tests nested deeper than " + MAX_DEPTH);
        List<Argument> args = arguments();
        List<Test> tests = testOrList();
        depth--;
        return new Test(name, args, tests, at);
    }

    private String identifier(String what) throws SieveException {
        if (pos >= s.length() || !isIdentifierStart(s.charAt(pos))) throw error("expected " + what);
        int start = pos;
        while (pos < s.length() && (isIdentifierStart(s.charAt(pos)) || Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 0x80)) pos++;
        return s.substring(start, pos).toLowerCase(Locale.ROOT);
    }

    private static boolean isIdentifierStart(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
    }

    private Argument.Number number() throws SieveException {
        int at = line;
        long n = 0;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
            n = n * 10 + (s.charAt(pos++) - '0');
            if (n > Integer.MAX_VALUE * 4L) throw error("number too large");
        }
        if (pos < s.length()) {
            int shift = switch (Character.toUpperCase(s.charAt(pos))) {
                case 'K' -> 10;
                case 'M' -> 20;
                case 'G' -> 30;
                default -> 0;
            };
            if (shift > 0) {
                pos++;
                n <<= shift;
            }
        }
        return new Argument.Number(n, at);
    }

    private boolean startsWithText() {
        return s.regionMatches(true, pos, "text:", 0, 5);
    }

    private String string() throws SieveException {
        if (pos >= s.length()) throw error("expected a string");
        if (s.charAt(pos) == '"') return quoted();
        if (startsWithText()) return multiLine();
        throw error("expected a string");
    }

    private String quoted() throws SieveException {
        int startLine = line;
        pos++;
        StringBuilder b = new StringBuilder();
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == '"') return b.toString();
            if (c == '\\') {
                if (pos >= s.length()) break;
                c = s.charAt(pos++); // RFC 5228 2.4.2: \x is x for every x
            }
            if (c == '\n') line++;
            b.append(c);
        }
        throw new SieveException(startLine, "string not closed");
    }

    /** RFC 5228 2.4.2: "text:" to a line with a single ".", dot-stuffing undone, CRLF kept. */
    private String multiLine() throws SieveException {
        int startLine = line;
        pos += 5;
        while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) pos++;
        if (pos < s.length() && s.charAt(pos) == '#') while (pos < s.length() && s.charAt(pos) != '\n') pos++;
        if (pos < s.length() && s.charAt(pos) == '\r') pos++;
        if (pos >= s.length() || s.charAt(pos) != '\n') throw error("text: must end its line");
        pos++;
        line++;
        StringBuilder b = new StringBuilder();
        while (pos < s.length()) {
            int end = s.indexOf('\n', pos);
            if (end < 0) break;
            String l = s.substring(pos, end);
            if (l.endsWith("\r")) l = l.substring(0, l.length() - 1);
            pos = end + 1;
            line++;
            if (l.equals(".")) return b.toString();
            b.append(l.startsWith("..") ? l.substring(1) : l).append("\r\n");
        }
        throw new SieveException(startLine, "multi-line string not ended by a line with a single '.'");
    }

    private void skipSpace() throws SieveException {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == '\n') {
                line++;
                pos++;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                pos++;
            } else if (c == '#') {
                while (pos < s.length() && s.charAt(pos) != '\n') pos++;
            } else if (c == '/' && pos + 1 < s.length() && s.charAt(pos + 1) == '*') {
                int start = line;
                int end = s.indexOf("*/", pos + 2);
                if (end < 0) throw new SieveException(start, "comment not closed");
                for (int i = pos; i < end; i++) if (s.charAt(i) == '\n') line++;
                pos = end + 2;
            } else {
                return;
            }
        }
    }

    private SieveException error(String message) {
        return new SieveException(line, message);
    }
}
