package org.twinmail.mail.address;

import java.util.ArrayList;
import java.util.List;
import org.twinmail.mail.header.EncodedWords;
import org.twinmail.mail.header.HeaderField;

/**
 * RFC 5322 3.4 address lists, with the obsolete syntax of 4.4 and RFC 6532 UTF-8, read
 * leniently: display names (quoted strings, encoded words, obs-phrase dots), comments anywhere
 * (a trailing {@code (Real Name)} is the name when there is no phrase), groups (members, or none
 * as in {@code undisclosed-recipients:;}), source routes (kept), quoted local parts, domain
 * literals, empty list elements, whitespace around dots. Never throws: on garbage it returns the
 * addresses it could read and names the problems.
 *
 * <p>Hand-written rather than mime4j's {@code LenientAddressParser}: that one drops the trailing
 * comment, the raw (undecoded) display name IMAP needs and the source route, and tells no
 * problems, which the submission From check needs to refuse what it cannot read exactly.
 */
public final class AddressParser {
    private enum Kind { WORD, QUOTED, COMMENT, LITERAL, SPECIAL }

    /** @param text WORD: the atom; QUOTED: content unescaped; COMMENT: content; LITERAL: "[...]"; SPECIAL: the char
     *  @param raw  the token as written
     *  @param space whitespace or a comment came before it */
    private record Token(Kind kind, String text, String raw, boolean space) {
        boolean is(char c) {
            return kind == Kind.SPECIAL && text.charAt(0) == c;
        }
    }

    private final List<Token> tokens;
    private final List<String> problems = new ArrayList<>();
    private int i;

    private AddressParser(String value) {
        this.tokens = tokenize(HeaderField.unfold(value));
    }

    /** Problems kept per list: garbage of any length yields a bounded report. */
    private static final int MAX_PROBLEMS = 20;

    private void problem(String text) {
        if (problems.size() < MAX_PROBLEMS) problems.add(text);
        else if (problems.size() == MAX_PROBLEMS) problems.add("more problems");
    }

    /** The addresses of a field's value (unfolded or not). */
    public static AddressList parse(String value) {
        if (value == null) return new AddressList(List.of(), List.of());
        AddressParser p = new AddressParser(value);
        List<Address> out = new ArrayList<>();
        try {
            p.list(out);
        } catch (RuntimeException e) { // a bug must not cost the caller the message: keep what was read
            p.problem("unreadable address list: " + e);
        }
        return new AddressList(out, p.problems);
    }

    /** The first mailbox of a field (group members count), if there is one with a domain. */
    public static java.util.Optional<Mailbox> firstMailbox(String value) {
        for (Mailbox m : parse(value).mailboxes()) if (m.domain() != null && !m.domain().isEmpty()) return java.util.Optional.of(m);
        return java.util.Optional.empty();
    }

    private void list(List<Address> out) {
        while (i < tokens.size()) {
            int before = i;
            Address a = address(false);
            if (a != null) out.add(a);
            if (i < tokens.size()) {
                Token t = tokens.get(i);
                if (t.is(',')) i++;
                else if (t.is(';')) {
                    problem("';' outside a group");
                    i++;
                } else if (i == before) {
                    problem("unexpected '" + t.raw() + "'");
                    i++;
                }
            }
        }
    }

    /** One mailbox or group; stops before the ',' or ';' that ends it. Null for an empty element. */
    private Address address(boolean inGroup) {
        List<Token> phrase = new ArrayList<>();
        while (true) { // a loop, not recursion, over stray specials: ">>>>..." must not exhaust the stack
            while (i < tokens.size()) {
                Token t = tokens.get(i);
                if (t.kind() == Kind.SPECIAL && !t.is('.')) break;
                if (t.kind() != Kind.COMMENT) phrase.add(t);
                i++;
            }
            if (i >= tokens.size() || tokens.get(i).is(',') || tokens.get(i).is(';')) {
                return phraseOnly(phrase);
            }
            Token stop = tokens.get(i);
            switch (stop.text().charAt(0)) {
                case ':' -> {
                    i++;
                    if (inGroup) {
                        problem("':' inside a group");
                        return phraseOnly(phrase);
                    }
                    return group(phrase);
                }
                case '<' -> {
                    i++;
                    return angle(phrase);
                }
                case '@' -> {
                    if (phrase.isEmpty()) {
                        // "@host" alone, or a route without angle brackets: read what follows as an address
                        problem("address without a local part");
                    }
                    i++;
                    String local = localPart(phrase);
                    Domain d = domain();
                    String name = null, rawName = null;
                    if (d.trailingComment() != null) {
                        rawName = d.trailingComment().strip();
                        name = EncodedWords.decode(rawName);
                    }
                    skipToEnd();
                    return new Mailbox(name, rawName, null, local.isEmpty() ? null : local, d.text());
                }
                default -> { // '>' or another stray special: skip it and read on
                    problem("unexpected '" + stop.raw() + "'");
                    i++;
                }
            }
        }
    }

    /** A list element with no "@" and no angle brackets: a local part alone ("undisclosed", "root"). */
    private Mailbox phraseOnly(List<Token> phrase) {
        if (phrase.isEmpty()) return null;
        problem("not an address: " + phraseText(phrase));
        return new Mailbox(null, null, null, localPart(phrase), null);
    }

    private Group group(List<Token> phrase) {
        String raw = phraseText(phrase);
        List<Mailbox> members = new ArrayList<>();
        boolean closed = false;
        while (i < tokens.size()) {
            Token t = tokens.get(i);
            if (t.is(';')) {
                i++;
                closed = true;
                break;
            }
            if (t.is(',')) {
                i++;
                continue;
            }
            int before = i;
            Address a = address(true);
            if (a instanceof Mailbox m) members.add(m);
            if (i == before) {
                problem("unexpected '" + t.raw() + "' in a group");
                i++;
            }
        }
        if (!closed) problem("group " + raw + " not closed with ';'");
        skipComments();
        return new Group(EncodedWords.decode(raw), raw, members);
    }

    private Mailbox angle(List<Token> phrase) {
        String rawName = phrase.isEmpty() ? null : phraseText(phrase);
        String name = rawName == null ? null : EncodedWords.decode(rawName);
        skipComments();
        String route = null;
        if (i < tokens.size() && tokens.get(i).is('@')) {
            // obs-route: "@a,@b:" before the address (RFC 5322 4.4)
            StringBuilder r = new StringBuilder();
            int save = i;
            while (i < tokens.size() && !tokens.get(i).is(':') && !tokens.get(i).is('>')) {
                Token t = tokens.get(i++);
                if (t.kind() != Kind.COMMENT) r.append(t.kind() == Kind.QUOTED ? t.raw() : t.text());
            }
            if (i < tokens.size() && tokens.get(i).is(':')) {
                i++;
                route = r.toString();
            } else {
                i = save; // no colon: not a route after all
            }
        }
        List<Token> local = new ArrayList<>();
        while (i < tokens.size() && !tokens.get(i).is('@') && !tokens.get(i).is('>') && !(tokens.get(i).kind() == Kind.SPECIAL
                && (tokens.get(i).is(',') || tokens.get(i).is(';') || tokens.get(i).is('<')))) {
            Token t = tokens.get(i++);
            if (t.kind() != Kind.COMMENT) local.add(t);
        }
        String domain = null;
        if (i < tokens.size() && tokens.get(i).is('@')) {
            i++;
            domain = domain().text();
        }
        if (i < tokens.size() && tokens.get(i).is('>')) {
            i++;
        } else {
            problem("'<' without '>'");
        }
        String localPart = localPart(local);
        if (domain == null && !localPart.isEmpty()) problem("no domain in <" + localPart + ">");
        skipToEnd();
        return new Mailbox(name, rawName, route, localPart.isEmpty() ? null : localPart, domain);
    }

    private record Domain(String text, String trailingComment) { }

    /** dot-atom or domain literal, with whitespace and comments around the dots dropped (obs-domain). */
    private Domain domain() {
        StringBuilder d = new StringBuilder();
        String comment = null;
        while (i < tokens.size()) {
            Token t = tokens.get(i);
            if (t.kind() == Kind.COMMENT) {
                comment = t.text();
                i++;
                continue;
            }
            if (t.kind() == Kind.SPECIAL && !t.is('.')) break;
            if (t.space() && !d.isEmpty() && t.kind() != Kind.SPECIAL && d.charAt(d.length() - 1) != '.') break; // "a@b c": c is not the domain's
            if (t.kind() == Kind.QUOTED) problem("quoted string in a domain");
            d.append(t.kind() == Kind.QUOTED ? t.text() : t.kind() == Kind.SPECIAL ? "." : t.text());
            comment = null;
            i++;
        }
        if (d.isEmpty()) problem("empty domain");
        return new Domain(d.isEmpty() ? null : d.toString(), comment);
    }

    /** Local part as written: atoms, quoted strings (quotes kept) and dots, whitespace around dots dropped. */
    private String localPart(List<Token> tokens) {
        StringBuilder b = new StringBuilder();
        Token prev = null;
        for (Token t : tokens) {
            if (prev != null && t.space() && !t.is('.') && !prev.is('.')) {
                b.append(' ');
                problem("whitespace in a local part");
            }
            b.append(t.kind() == Kind.QUOTED ? t.raw() : t.text());
            prev = t;
        }
        return b.toString();
    }

    /** A display name: words joined by single spaces, quoting undone, dots kept where written (obs-phrase). */
    private static String phraseText(List<Token> phrase) {
        StringBuilder b = new StringBuilder();
        for (Token t : phrase) {
            if (!b.isEmpty() && t.space() && !t.is('.')) b.append(' ');
            b.append(t.text());
        }
        return b.toString();
    }

    private void skipComments() {
        while (i < tokens.size() && tokens.get(i).kind() == Kind.COMMENT) i++;
    }

    /** After an address: comments are fine; anything else up to the next ',' or ';' is junk. */
    private void skipToEnd() {
        boolean junk = false;
        while (i < tokens.size()) {
            Token t = tokens.get(i);
            if (t.is(',') || t.is(';')) break;
            if (t.kind() != Kind.COMMENT) junk = true;
            i++;
        }
        if (junk) problem("text after an address");
    }

    private static boolean special(char c) {
        return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == ':' || c == ';'
                || c == '@' || c == '\\' || c == ',' || c == '.' || c == '"';
    }

    private List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int n = s.length();
        int k = 0;
        boolean space = false;
        while (k < n) {
            char c = s.charAt(k);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || Character.isWhitespace(c)) {
                space = true;
                k++;
                continue;
            }
            int start = k;
            switch (c) {
                case '"' -> {
                    StringBuilder b = new StringBuilder();
                    k++;
                    boolean closed = false;
                    while (k < n) {
                        char q = s.charAt(k);
                        if (q == '\\' && k + 1 < n) {
                            b.append(s.charAt(k + 1));
                            k += 2;
                            continue;
                        }
                        k++;
                        if (q == '"') {
                            closed = true;
                            break;
                        }
                        b.append(q);
                    }
                    if (!closed) problem("unterminated quoted string");
                    out.add(new Token(Kind.QUOTED, b.toString(), s.substring(start, k), space));
                    space = false;
                }
                case '(' -> {
                    StringBuilder b = new StringBuilder();
                    int depth = 0;
                    while (k < n) {
                        char q = s.charAt(k);
                        if (q == '\\' && k + 1 < n) {
                            b.append(s.charAt(k + 1));
                            k += 2;
                            continue;
                        }
                        k++;
                        if (q == '(') {
                            if (depth++ > 0) b.append(q);
                        } else if (q == ')') {
                            if (--depth == 0) break;
                            b.append(q);
                        } else {
                            b.append(q);
                        }
                    }
                    if (depth > 0) problem("unterminated comment");
                    out.add(new Token(Kind.COMMENT, b.toString(), s.substring(start, k), space));
                    space = true; // a comment separates like whitespace
                }
                case '[' -> {
                    int close = s.indexOf(']', k);
                    if (close < 0) {
                        problem("unterminated domain literal");
                        close = n - 1;
                    }
                    k = close + 1;
                    String lit = s.substring(start, k);
                    out.add(new Token(Kind.LITERAL, lit, lit, space));
                    space = false;
                }
                case ')' -> {
                    problem("unbalanced ')'");
                    k++;
                    space = true;
                }
                case '<', '>', ':', ';', '@', ',', '.' -> {
                    k++;
                    out.add(new Token(Kind.SPECIAL, String.valueOf(c), String.valueOf(c), space));
                    space = false;
                }
                default -> {
                    // an atom; a stray '\' or ']' is taken as part of it
                    k++;
                    while (k < n) {
                        char a = s.charAt(k);
                        if (Character.isWhitespace(a) || (special(a) && a != '\\') ) break;
                        k++;
                    }
                    String w = s.substring(start, k);
                    if (w.indexOf('\\') >= 0 || w.indexOf(']') >= 0) problem("stray character in " + w);
                    out.add(new Token(Kind.WORD, w, w, space));
                    space = false;
                }
            }
        }
        return out;
    }
}
