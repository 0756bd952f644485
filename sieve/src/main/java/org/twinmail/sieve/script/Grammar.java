package org.twinmail.sieve.script;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.twinmail.sieve.Extensions;
import org.twinmail.sieve.SieveException;
import org.twinmail.sieve.script.Args.TagKind;

/**
 * What every command and test accepts (RFC 5228 and the extensions in {@link Extensions}):
 * its extension, tags, positional arguments and nested tests. {@link #compile} checks a whole
 * script against it, so a script that compiles runs without argument errors; the interpreter
 * then reads each node's {@link #args}.
 */
public final class Grammar {
    private Grammar() {}

    private record Spec(String extension, Map<String, TagKind> tags, Map<String, String> tagExtension, Set<Set<String>> exclusive,
                        List<String> positional, int minTests, int maxTests, boolean block) { }

    private static final Map<String, Spec> COMMANDS = new HashMap<>();
    private static final Map<String, Spec> TESTS = new HashMap<>();
    private static final Set<String> MATCH = Set.of("is", "contains", "matches", "value", "count");
    private static final Set<String> PART = Set.of("all", "localpart", "domain", "user", "detail");
    private static final Set<String> RELATIONS = Set.of("gt", "ge", "lt", "le", "eq", "ne");
    public static final Set<String> COMPARATORS = Set.of("i;octet", "i;ascii-casemap", "i;ascii-numeric");

    /** Builds one spec; {@code tagSpecs} are "name:KIND[:extension]". */
    private static Spec spec(String extension, String positional, int minTests, int maxTests, boolean block, List<Set<String>> exclusive,
                             String... tagSpecs) {
        Map<String, TagKind> tags = new LinkedHashMap<>();
        Map<String, String> ext = new HashMap<>();
        for (String t : tagSpecs) {
            String[] p = t.split(":");
            tags.put(p[0], TagKind.valueOf(p[1]));
            if (p.length > 2) ext.put(p[0], p[2]);
        }
        return new Spec(extension, tags, ext, Set.copyOf(exclusive), List.of(positional.split("\\|", -1)), minTests, maxTests, block);
    }

    private static final String[] MATCH_TAGS = {"comparator:STRING", "is:FLAG", "contains:FLAG", "matches:FLAG",
            "value:STRING:relational", "count:STRING:relational"};

    private static String[] with(String[] base, String... more) {
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    static {
        List<Set<String>> none = List.of();
        COMMANDS.put("require", spec(null, "L", 0, 0, false, none));
        COMMANDS.put("if", spec(null, "", 1, 1, true, none));
        COMMANDS.put("elsif", spec(null, "", 1, 1, true, none));
        COMMANDS.put("else", spec(null, "", 0, 0, true, none));
        COMMANDS.put("stop", spec(null, "", 0, 0, false, none));
        COMMANDS.put("keep", spec(null, "", 0, 0, false, none, "flags:STRINGS:imap4flags"));
        COMMANDS.put("discard", spec(null, "", 0, 0, false, none));
        COMMANDS.put("fileinto", spec("fileinto", "S", 0, 0, false, none, "copy:FLAG:copy", "create:FLAG:mailbox", "flags:STRINGS:imap4flags"));
        COMMANDS.put("redirect", spec(null, "S", 0, 0, false, none, "copy:FLAG:copy"));
        COMMANDS.put("reject", spec("reject", "S", 0, 0, false, none));
        COMMANDS.put("ereject", spec("ereject", "S", 0, 0, false, none));
        for (String f : List.of("setflag", "addflag", "removeflag")) COMMANDS.put(f, spec("imap4flags", "L|SL", 0, 0, false, none));
        COMMANDS.put("set", spec("variables", "SS", 0, 0, false, List.of(Set.of("lower", "upper"), Set.of("lowerfirst", "upperfirst")),
                "lower:FLAG", "upper:FLAG", "lowerfirst:FLAG", "upperfirst:FLAG", "quotewildcard:FLAG", "length:FLAG"));
        COMMANDS.put("vacation", spec("vacation", "S", 0, 0, false, List.of(Set.of("days", "seconds")),
                "days:NUMBER", "seconds:NUMBER:vacation-seconds", "subject:STRING", "from:STRING", "addresses:STRINGS", "mime:FLAG",
                "handle:STRING"));
        COMMANDS.put("addheader", spec("editheader", "SS", 0, 0, false, none, "last:FLAG"));
        COMMANDS.put("deleteheader", spec("editheader", "S|SL", 0, 0, false, List.of(MATCH),
                with(MATCH_TAGS, "index:NUMBER", "last:FLAG")));
        COMMANDS.put("include", spec("include", "S", 0, 0, false, List.of(Set.of("personal", "global")),
                "personal:FLAG", "global:FLAG", "once:FLAG", "optional:FLAG"));
        COMMANDS.put("return", spec("include", "", 0, 0, false, none));
        COMMANDS.put("global", spec("include", "L", 0, 0, false, none));

        String[] part = {"all:FLAG", "localpart:FLAG", "domain:FLAG", "user:FLAG:subaddress", "detail:FLAG:subaddress"};
        String[] index = {"index:NUMBER:index", "last:FLAG:index"};
        TESTS.put("address", spec(null, "LL", 0, 0, false, List.of(MATCH, PART), with(with(MATCH_TAGS, part), index)));
        TESTS.put("envelope", spec("envelope", "LL", 0, 0, false, List.of(MATCH, PART), with(MATCH_TAGS, part)));
        TESTS.put("header", spec(null, "LL", 0, 0, false, List.of(MATCH), with(MATCH_TAGS, index)));
        TESTS.put("exists", spec(null, "L", 0, 0, false, none));
        TESTS.put("size", spec(null, "N", 0, 0, false, List.of(Set.of("over", "under")), "over:FLAG", "under:FLAG"));
        TESTS.put("true", spec(null, "", 0, 0, false, none));
        TESTS.put("false", spec(null, "", 0, 0, false, none));
        TESTS.put("not", spec(null, "", 1, 1, false, none));
        TESTS.put("allof", spec(null, "", 1, Integer.MAX_VALUE, false, none));
        TESTS.put("anyof", spec(null, "", 1, Integer.MAX_VALUE, false, none));
        TESTS.put("body", spec("body", "L", 0, 0, false, List.of(MATCH, Set.of("raw", "content", "text")),
                with(MATCH_TAGS, "raw:FLAG", "content:STRINGS", "text:FLAG")));
        TESTS.put("string", spec("variables", "LL", 0, 0, false, List.of(MATCH), MATCH_TAGS));
        TESTS.put("date", spec("date", "SSL", 0, 0, false, List.of(MATCH, Set.of("zone", "originalzone")),
                with(with(MATCH_TAGS, "zone:STRING", "originalzone:FLAG"), index)));
        TESTS.put("currentdate", spec("date", "SL", 0, 0, false, List.of(MATCH), with(MATCH_TAGS, "zone:STRING")));
        TESTS.put("hasflag", spec("imap4flags", "L|LL", 0, 0, false, List.of(MATCH), MATCH_TAGS));
        TESTS.put("mailboxexists", spec("mailbox", "L", 0, 0, false, none));
        TESTS.put("duplicate", spec("duplicate", "", 0, 0, false, List.of(Set.of("header", "uniqueid")),
                "handle:STRING", "header:STRING", "uniqueid:STRING", "seconds:NUMBER", "last:FLAG"));
    }

    /** The arguments of a command, by its grammar (the node must come from a compiled script). */
    public static Args args(Command c) throws SieveException {
        return Args.of(c.name(), c.arguments(), COMMANDS.get(c.name()).tags(), COMMANDS.get(c.name()).exclusive(), c.line());
    }

    /** The arguments of a test, by its grammar. */
    public static Args args(Test t) throws SieveException {
        return Args.of(t.name(), t.arguments(), TESTS.get(t.name()).tags(), TESTS.get(t.name()).exclusive(), t.line());
    }

    /**
     * Parses and checks a script: {@code require} first and only of supported extensions, every
     * command and test known and required, tags and arguments as its grammar says, elsif/else
     * after if, comparators and relations known. Encoded characters (RFC 5228 2.4.2.4) are
     * decoded here when required.
     *
     * @param maxBytes the largest script accepted (UTF-8 bytes)
     */
    public static Script compile(String text, int maxBytes) throws SieveException {
        if (text.length() > maxBytes || text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > maxBytes) {
            throw new SieveException(0, "script larger than " + maxBytes + " bytes");
        }
        List<Command> commands = Parser.parse(text);
        Set<String> required = new HashSet<>();
        boolean pastRequire = false;
        for (Command c : commands) {
            if (!c.name().equals("require")) {
                pastRequire = true;
                continue;
            }
            if (pastRequire) throw new SieveException(c.line(), "require must come before every other command");
            Args a = args(c);
            if (a.count() != 1) throw new SieveException(c.line(), "require takes a string list");
            for (String ext : a.strings(0)) {
                if (!Extensions.supported(ext)) throw new SieveException(c.line(), "extension " + ext + " is not supported");
                required.add(ext);
            }
        }
        if (required.contains("encoded-character")) commands = decode(commands);
        check(commands, required, false);
        return new Script(commands, required);
    }

    private static void check(List<Command> commands, Set<String> required, boolean inBlock) throws SieveException {
        String previous = null;
        for (Command c : commands) {
            Spec spec = COMMANDS.get(c.name());
            if (spec == null) throw new SieveException(c.line(), "unknown command " + c.name());
            if (c.name().equals("require") && inBlock) throw new SieveException(c.line(), "require must be at the top level");
            requires(spec.extension(), required, c.line(), c.name());
            if ((c.name().equals("elsif") || c.name().equals("else")) && !"if".equals(previous) && !"elsif".equals(previous)) {
                throw new SieveException(c.line(), c.name() + " without if");
            }
            if (c.name().equals("global")) requires("variables", required, c.line(), c.name());
            checkNode(c.name(), spec, c.arguments(), c.tests(), required, c.line());
            if (spec.block() != (c.block() != null)) {
                throw new SieveException(c.line(), c.name() + (spec.block() ? " needs a block" : " takes no block, it ends with ';'"));
            }
            if (c.block() != null) check(c.block(), required, true);
            previous = c.name();
        }
    }

    private static void checkTests(List<Test> tests, Set<String> required) throws SieveException {
        for (Test t : tests) {
            Spec spec = TESTS.get(t.name());
            if (spec == null) throw new SieveException(t.line(), "unknown test " + t.name());
            requires(spec.extension(), required, t.line(), t.name());
            checkNode(t.name(), spec, t.arguments(), t.tests(), required, t.line());
        }
    }

    private static void checkNode(String name, Spec spec, List<Argument> arguments, List<Test> tests, Set<String> required, int line)
            throws SieveException {
        Args a = Args.of(name, arguments, spec.tags(), spec.exclusive(), line);
        for (Map.Entry<String, String> e : spec.tagExtension().entrySet()) {
            if (a.has(e.getKey())) requires(e.getValue(), required, line, name + " :" + e.getKey());
        }
        boolean matched = false;
        for (String pattern : spec.positional()) {
            if (fits(pattern, a)) {
                matched = true;
                break;
            }
        }
        if (!matched) throw new SieveException(line, name + ": wrong arguments (expected " + describe(spec.positional()) + ")");
        if (tests.size() < spec.minTests() || tests.size() > spec.maxTests()) {
            throw new SieveException(line, name + (spec.maxTests() == 0 ? " takes no test" : " needs " + (spec.maxTests() == 1 ? "a test" : "a test list")));
        }
        String comparator = a.tagString("comparator");
        if (comparator != null) {
            if (!COMPARATORS.contains(comparator)) throw new SieveException(line, "comparator " + comparator + " is not supported");
            if (comparator.equals("i;ascii-numeric")) {
                requires("comparator-i;ascii-numeric", required, line, "comparator i;ascii-numeric");
                if (a.has("contains") || a.has("matches")) throw new SieveException(line, "i;ascii-numeric cannot do :contains or :matches");
            }
        }
        for (String rel : new String[] {"value", "count"}) {
            String op = a.tagString(rel);
            if (op != null && !RELATIONS.contains(op.toLowerCase(java.util.Locale.ROOT))) {
                throw new SieveException(line, ":" + rel + " takes gt, ge, lt, le, eq or ne, not " + op);
            }
        }
        if (a.tagNumber("index") == 0) throw new SieveException(line, ":index counts from 1");
        if (a.has("last") && !a.has("index") && !name.equals("addheader") && !name.equals("duplicate")) {
            throw new SieveException(line, ":last needs :index");
        }
        checkTests(tests, required);
    }

    private static boolean fits(String pattern, Args a) {
        if (a.count() != pattern.length()) return false;
        for (int i = 0; i < pattern.length(); i++) {
            Argument.Strings s;
            char k = pattern.charAt(i);
            try {
                if (k == 'N') {
                    a.number(i);
                    continue;
                }
                s = (Argument.Strings) a.positional(i);
            } catch (ClassCastException e) {
                return false;
            }
            if (k == 'S' && (s.list() || s.values().size() != 1)) return false;
        }
        return true;
    }

    private static String describe(List<String> patterns) {
        List<String> out = new ArrayList<>();
        for (String p : patterns) {
            StringBuilder b = new StringBuilder();
            for (char k : p.toCharArray()) b.append(b.isEmpty() ? "" : ", ").append(k == 'S' ? "string" : k == 'L' ? "string list" : "number");
            out.add(b.isEmpty() ? "none" : b.toString());
        }
        return String.join(" or ", out);
    }

    private static void requires(String extension, Set<String> required, int line, String what) throws SieveException {
        if (extension != null && !required.contains(extension)) {
            throw new SieveException(line, what + " needs require \"" + extension + "\"");
        }
    }

    // ---- encoded-character (RFC 5228 2.4.2.4) ----

    private static List<Command> decode(List<Command> commands) throws SieveException {
        List<Command> out = new ArrayList<>();
        for (Command c : commands) {
            out.add(new Command(c.name(), decodeArgs(c.arguments()), decodeTests(c.tests()), c.block() == null ? null : decode(c.block()), c.line()));
        }
        return out;
    }

    private static List<Test> decodeTests(List<Test> tests) throws SieveException {
        List<Test> out = new ArrayList<>();
        for (Test t : tests) out.add(new Test(t.name(), decodeArgs(t.arguments()), decodeTests(t.tests()), t.line()));
        return out;
    }

    private static List<Argument> decodeArgs(List<Argument> args) throws SieveException {
        List<Argument> out = new ArrayList<>();
        for (Argument a : args) {
            if (a instanceof Argument.Strings s) {
                List<String> values = new ArrayList<>();
                for (String v : s.values()) values.add(EncodedCharacters.decode(v, s.line()));
                out.add(new Argument.Strings(values, s.list(), s.line()));
            } else {
                out.add(a);
            }
        }
        return out;
    }
}
