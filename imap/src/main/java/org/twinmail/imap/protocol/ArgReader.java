package org.twinmail.imap.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.twinmail.core.mail.MessageData;

/**
 * Reads the arguments of one command (RFC 9051 section 9 grammar) from a
 * {@link CommandFramer.Frame}. Pure: no I/O, no store. Every method either consumes
 * what it names or throws {@link ImapSyntaxException} with a message for the client.
 */
public final class ArgReader {
    private final CommandFramer.Frame frame;
    private final int maxDepth;
    private int lineIndex;
    private byte[] line;
    private int pos;
    private int depth;

    public ArgReader(CommandFramer.Frame frame, int maxDepth) {
        this.frame = frame;
        this.maxDepth = maxDepth;
        this.line = frame.lines().getFirst();
    }

    /** True when the whole command has been read. */
    public boolean atEnd() {
        return pos >= line.length && lineIndex == frame.lines().size() - 1;
    }

    /** The next character without consuming it, or -1 at the end of the current line. */
    public int peek() {
        return pos < line.length ? line[pos] & 0xff : -1;
    }

    public boolean peekIs(char c) {
        return peek() == c;
    }

    public void expect(char c) throws ImapSyntaxException {
        if (peek() != c) throw ImapSyntaxException.syntax("expected '" + c + "'" + where());
        pos++;
    }

    public void sp() throws ImapSyntaxException {
        expect(' ');
    }

    /** Consumes a space if one follows; for optional arguments. */
    public boolean optionalSp() {
        if (peek() == ' ') {
            pos++;
            return true;
        }
        return false;
    }

    public void end() throws ImapSyntaxException {
        if (!atEnd()) throw ImapSyntaxException.syntax("unexpected text at the end of the command" + where());
    }

    /** Enters a parenthesised list: "(" with the nesting limit. */
    public void open() throws ImapSyntaxException {
        expect('(');
        if (++depth > maxDepth) throw new ImapSyntaxException(ImapSyntaxException.Kind.TOO_DEEP, "lists nested deeper than " + maxDepth);
    }

    public void close() throws ImapSyntaxException {
        expect(')');
        depth--;
    }

    /** ATOM-CHAR: anything printable except {@code (){ %*"\]} and, by default, "]". */
    static boolean atomChar(int c, boolean allowBracket) {
        if (c <= 0x20 || c >= 0x7f) return false;
        return switch (c) {
            case '(', ')', '{', '%', '*', '"', '\\' -> false;
            case ']' -> allowBracket;
            default -> true;
        };
    }

    /** An atom (ASCII, at least one character). */
    public String atom() throws ImapSyntaxException {
        return chars(false, false);
    }

    /** An atom that may contain "]" (ASTRING-CHAR), or with {@code listWildcards} also "%" and "*" (list-mailbox). */
    private String chars(boolean allowBracket, boolean listWildcards) throws ImapSyntaxException {
        int start = pos;
        while (pos < line.length) {
            int c = line[pos] & 0xff;
            if (atomChar(c, allowBracket) || (listWildcards && (c == '%' || c == '*'))) pos++;
            else if (c >= 0x80 && allowBracket) pos++; // UTF-8 in mailbox names and search strings (RFC 6855)
            else break;
        }
        if (pos == start) throw ImapSyntaxException.syntax("expected an atom" + where());
        return new String(line, start, pos - start, StandardCharsets.UTF_8);
    }

    /** Letters, digits and dots, upper-cased: FETCH item names and section specs ("BODY", "1.2.HEADER.FIELDS"). */
    public String dottedName() throws ImapSyntaxException {
        int start = pos;
        while (pos < line.length) {
            int c = line[pos];
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.') pos++;
            else break;
        }
        return new String(line, start, pos - start, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
    }

    /** A command tag: ASTRING-CHARs except "+" (RFC 9051 9). */
    public String tag() throws ImapSyntaxException {
        int start = pos;
        while (pos < line.length && line[pos] != '+' && atomChar(line[pos] & 0xff, true)) pos++;
        if (pos == start) throw ImapSyntaxException.syntax("missing or invalid tag");
        return new String(line, start, pos - start, StandardCharsets.US_ASCII);
    }

    /** An atom upper-cased, for keywords (command and item names). */
    public String keyword() throws ImapSyntaxException {
        return atom().toUpperCase(Locale.ROOT);
    }

    /** astring: atom (with "]"), quoted string or literal; as UTF-8 text. */
    public String astring() throws ImapSyntaxException {
        int c = peek();
        if (c == '"' || c == '{' || literal8Next()) return new String(string(), StandardCharsets.UTF_8);
        return chars(true, false); // "~" alone is an ATOM-CHAR: "~user" is an atom
    }

    /** list-mailbox: like astring, but "%" and "*" may appear unquoted. */
    public String listMailbox() throws ImapSyntaxException {
        int c = peek();
        if (c == '"' || c == '{') return new String(string(), StandardCharsets.UTF_8);
        return chars(true, true);
    }

    /** string: quoted or literal, as octets. */
    public byte[] string() throws ImapSyntaxException {
        int c = peek();
        if (c == '"') return quoted();
        if (c == '{' || literal8Next()) return literal();
        throw ImapSyntaxException.syntax("expected a string" + where());
    }

    /** True if a literal comes next (APPEND needs to know before reading it). */
    public boolean literalNext() {
        return peek() == '{' || literal8Next();
    }

    /** "~{": a literal8 (RFC 3516); "~" before anything else is an ATOM-CHAR. */
    private boolean literal8Next() {
        return pos + 1 < line.length && line[pos] == '~' && line[pos + 1] == '{';
    }

    private byte[] quoted() throws ImapSyntaxException {
        expect('"');
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (true) {
            if (pos >= line.length) throw ImapSyntaxException.syntax("unterminated quoted string");
            int c = line[pos++] & 0xff;
            if (c == '"') return out.toByteArray();
            if (c == '\\') {
                if (pos >= line.length) throw ImapSyntaxException.syntax("unterminated quoted string");
                int q = line[pos++] & 0xff;
                if (q != '"' && q != '\\') throw ImapSyntaxException.syntax("only \\\" and \\\\ may be escaped in a quoted string");
                out.write(q);
            } else if (c == 0) {
                throw ImapSyntaxException.syntax("NUL in a quoted string");
            } else {
                out.write(c);
            }
        }
    }

    private byte[] literal() throws ImapSyntaxException {
        try {
            return literalData().bytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read a spooled literal", e);
        }
    }

    /**
     * A literal as message data, without copying it into memory (APPEND): it stays valid
     * until the frame is closed.
     */
    public MessageData literalData() throws ImapSyntaxException {
        if (peek() == '~') pos++; // literal8 (RFC 3516): the same framing
        CommandFramer.Next.Literal announced = CommandFramer.literalAtEnd(java.util.Arrays.copyOfRange(line, pos, line.length));
        if (announced == null || pos >= line.length || line[pos] != '{') throw ImapSyntaxException.syntax("bad literal" + where());
        if (lineIndex >= frame.literals().size()) throw ImapSyntaxException.syntax("literal missing");
        MessageData octets = frame.literals().get(lineIndex);
        lineIndex++;
        line = frame.lines().get(lineIndex);
        pos = 0;
        return octets;
    }

    /** nstring: NIL or a string. */
    public byte[] nstring() throws ImapSyntaxException {
        if (peekWord("NIL")) {
            pos += 3;
            return null;
        }
        return string();
    }

    /** True if {@code word} (case-insensitive) follows, ended by a non-atom character. */
    public boolean peekWord(String word) {
        int n = word.length();
        if (pos + n > line.length) return false;
        for (int i = 0; i < n; i++) {
            if (Character.toUpperCase(line[pos + i]) != word.charAt(i)) return false;
        }
        return pos + n == line.length || !atomChar(line[pos + n] & 0xff, false);
    }

    /** True if {@code text} (ASCII, compared case-insensitively) follows on the current line; nothing is consumed. */
    public boolean lookingAt(String text) {
        int n = text.length();
        if (pos + n > line.length) return false;
        for (int i = 0; i < n; i++) {
            if (Character.toUpperCase(line[pos + i]) != Character.toUpperCase(text.charAt(i))) return false;
        }
        return true;
    }

    /** A number (RFC 9051 "number": up to 2^32-1, or with {@code big} a 63-bit number64). */
    public long number(boolean big) throws ImapSyntaxException {
        int start = pos;
        while (pos < line.length && line[pos] >= '0' && line[pos] <= '9') pos++;
        if (pos == start) throw ImapSyntaxException.syntax("expected a number" + where());
        if (pos - start > 19) throw ImapSyntaxException.syntax("number too large");
        long v;
        try {
            v = Long.parseLong(new String(line, start, pos - start, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            throw ImapSyntaxException.syntax("number too large"); // 19 digits above 2^63-1
        }
        if (!big && v > 0xFFFF_FFFFL) throw ImapSyntaxException.syntax("number too large: " + v);
        return v;
    }

    /** nz-number. */
    public long nzNumber() throws ImapSyntaxException {
        long v = number(false);
        if (v == 0) throw ImapSyntaxException.syntax("zero is not allowed here");
        return v;
    }

    /** A sequence set as text (digits, ':', ',', '*', '$'); {@link SequenceSet#parse} checks it. */
    public SequenceSet sequenceSet() throws ImapSyntaxException {
        int start = pos;
        while (pos < line.length) {
            int c = line[pos];
            if ((c >= '0' && c <= '9') || c == ':' || c == ',' || c == '*' || c == '$') pos++;
            else break;
        }
        if (pos == start) throw ImapSyntaxException.syntax("expected a sequence set" + where());
        return SequenceSet.parse(new String(line, start, pos - start, StandardCharsets.US_ASCII));
    }

    /** True if a sequence set starts here (a digit, '*' or '$'). */
    public boolean sequenceSetNext() {
        int c = peek();
        return (c >= '0' && c <= '9') || c == '*' || c == '$';
    }

    /** A parenthesised list of flags, or with {@code bareAllowed} also flags separated by spaces without parentheses (STORE). */
    public List<String> flags(boolean bareAllowed) throws ImapSyntaxException {
        List<String> flags = new ArrayList<>();
        if (peek() == '(') {
            open();
            if (peek() != ')') {
                flags.add(flag());
                while (optionalSp()) flags.add(flag());
            }
            close();
            return flags;
        }
        if (!bareAllowed) throw ImapSyntaxException.syntax("expected a flag list" + where());
        flags.add(flag());
        while (optionalSp()) flags.add(flag());
        return flags;
    }

    /** A flag: "\" atom, or a keyword atom. */
    public String flag() throws ImapSyntaxException {
        if (peek() == '\\') {
            pos++;
            return "\\" + atom();
        }
        return atom();
    }

    /** The rest of the current line (for diagnostics and AUTHENTICATE's initial response). */
    public String rest() {
        String s = new String(line, pos, line.length - pos, StandardCharsets.UTF_8);
        pos = line.length;
        return s;
    }

    private String where() {
        return pos < line.length ? " near \"" + org.twinmail.core.mail.Printable.of(
                new String(line, pos, Math.min(20, line.length - pos), StandardCharsets.UTF_8)) + "\"" : " at the end";
    }
}
