package org.twinmail.sieve.run;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.temporal.JulianFields;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.address.Mailbox;
import org.twinmail.mail.header.MailDates;
import org.twinmail.sieve.SieveException;
import org.twinmail.sieve.script.Args;
import org.twinmail.sieve.script.Command;
import org.twinmail.sieve.script.Grammar;
import org.twinmail.sieve.script.Script;
import org.twinmail.sieve.script.Test;

/**
 * Runs a compiled {@link Script} on one message and says what to do with it. Never throws:
 * a runtime error (a limit, an include that fails, conflicting actions) gives the implicit
 * keep and the error, so the message is never lost (RFC 5228 2.10.6). No I/O of its own:
 * everything outside the message comes from the {@link Environment}.
 */
public final class Interpreter {
    private static final Set<String> PROTECTED_FIELDS = Set.of("received", "auto-submitted");
    private static final Set<String> SYSTEM_FLAGS = Set.of("\\seen", "\\answered", "\\flagged", "\\deleted", "\\draft");

    private final Environment env;
    private final Limits limits;

    public Interpreter(Environment env, Limits limits) {
        this.env = env;
        this.limits = limits;
    }

    /** Compiles a script text within this interpreter's size limit. */
    public Script compile(String text) throws SieveException {
        return Grammar.compile(text, limits.maxScriptBytes());
    }

    public Outcome run(Script script, SieveMessage message) {
        return run(List.of(), new Step(Step.PERSONAL, script), List.of(), message);
    }

    /**
     * One script of a sequence: the administrator's global scripts run before and after the
     * user's (as Dovecot's {@code sieve_before}/{@code sieve_after}).
     *
     * @param name what the owner or the log calls it ({@link #PERSONAL} for the user's own)
     */
    public record Step(String name, Script script) {
        public static final String PERSONAL = "personal";
    }

    /**
     * Runs scripts in sequence on one message, with one set of actions, one implicit keep and
     * one header (editheader's changes are seen by the scripts that follow):
     * <ul>
     * <li>each {@code before} script in turn; a {@code stop} in one ends the whole sequence (its
     *     {@code fileinto} or {@code discard} alone does not: the user's script still runs);</li>
     * <li>then the user's script ({@code personal}, may be null), whose {@code stop} ends only it;</li>
     * <li>then the {@code after} scripts, only when the message is still kept (the implicit keep in
     *     effect, or an explicit {@code keep}); a {@code stop} in one ends the sequence.</li>
     * </ul>
     * Variables, the imap4flags internal variable and include's {@code :once} memory are each
     * script's own; the instruction budget is per script, the redirect limit and the one vacation
     * per message. A runtime error in any script gives the implicit keep only, with the error and
     * the failing script's name ({@link Outcome#failedIn()}).
     */
    public Outcome run(List<Step> before, Step personal, List<Step> after, SieveMessage message) {
        Run r = new Run(message);
        String current = null;
        try {
            boolean stopped = false;
            for (Step s : before) {
                current = s.name();
                if (!r.runScript(s.script())) {
                    stopped = true;
                    break;
                }
            }
            if (!stopped && personal != null) {
                current = personal.name();
                r.runScript(personal.script());
            }
            if (!stopped && r.kept()) {
                for (Step s : after) {
                    current = s.name();
                    if (!r.runScript(s.script())) break;
                }
            }
            current = null;
            return new Outcome(r.finish(), Optional.empty(), r.total(), r.notes, Optional.empty());
        } catch (Failure f) {
            return new Outcome(List.of(new Action.Keep(Set.of())), Optional.of(f.getMessage()), r.total(), r.notes,
                    Optional.ofNullable(current));
        }
    }

    /** A runtime error: the message gets the implicit keep. */
    private static final class Failure extends RuntimeException {
        Failure(int line, String message) {
            super((line > 0 ? "line " + line + ": " : "") + message, null, false, false);
        }
    }

    private static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    private static final class Return extends RuntimeException {
        Return() {
            super(null, null, false, false);
        }
    }

    /** The state of one run. */
    private final class Run {
        final SieveMessage message;
        final List<Action> actions = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        boolean implicitKeep = true;
        Set<String> flags = new LinkedHashSet<>();
        final Map<String, String> globals = new HashMap<>();
        final Set<String> globalNames = new HashSet<>();
        Map<String, String> locals = new HashMap<>();
        List<String> captures = new ArrayList<>();
        List<SieveMessage.Field> header;
        boolean headerEdited;
        int instructions;
        int redirects;
        final Set<String> includedOnce = new HashSet<>();
        boolean vacationDone;
        boolean rejected;

        int instructionsBefore;

        Run(SieveMessage message) {
            this.message = message;
            this.header = new ArrayList<>(message.fields());
        }

        /** Runs one script of the sequence with its own variables and flags; false when it ended with {@code stop}. */
        boolean runScript(Script script) {
            instructionsBefore += instructions;
            instructions = 0;
            globals.clear();
            globalNames.clear();
            locals = new HashMap<>();
            captures = new ArrayList<>();
            flags = new LinkedHashSet<>();
            includedOnce.clear();
            try {
                execute(script, script.commands(), 0);
                return true;
            } catch (Return end) {
                return true; // return at the top level ends this script (RFC 6609 3.3)
            } catch (Stop end) {
                return false;
            }
        }

        /** Whether the message is kept so far: the implicit keep in effect, or an explicit keep. */
        boolean kept() {
            return implicitKeep || actions.stream().anyMatch(x -> x instanceof Action.Keep);
        }

        int total() {
            return instructionsBefore + instructions;
        }

        void tick(int line) {
            if (++instructions > limits.maxInstructions()) throw new Failure(line, "more than " + limits.maxInstructions() + " instructions");
        }

        void execute(Script script, List<Command> commands, int depth) {
            Boolean previous = null; // null: the last command was not if/elsif
            for (Command c : commands) {
                tick(c.line());
                switch (c.name()) {
                    case "require" -> previous = null;
                    case "if" -> {
                        previous = test(script, c.tests().getFirst());
                        if (previous) execute(script, c.block(), depth);
                    }
                    case "elsif" -> {
                        if (!previous) {
                            previous = test(script, c.tests().getFirst());
                            if (previous) execute(script, c.block(), depth);
                        }
                    }
                    case "else" -> {
                        if (!previous) execute(script, c.block(), depth);
                        previous = null;
                    }
                    default -> {
                        previous = null;
                        command(script, c, depth);
                    }
                }
            }
        }

        Args args(Command c) {
            try {
                return Grammar.args(c);
            } catch (SieveException e) {
                throw new Failure(c.line(), e.getMessage());
            }
        }

        Args args(Test t) {
            try {
                return Grammar.args(t);
            } catch (SieveException e) {
                throw new Failure(t.line(), e.getMessage());
            }
        }

        void command(Script script, Command c, int depth) {
            Args a = args(c);
            switch (c.name()) {
                case "stop" -> throw new Stop();
                case "keep" -> {
                    implicitKeep = false;
                    actions.add(new Action.Keep(a.has("flags") ? flagSet(expand(script, a.tagStrings("flags"))) : Set.copyOf(flags)));
                }
                case "discard" -> {
                    implicitKeep = false;
                    actions.add(new Action.Discard());
                }
                case "fileinto" -> {
                    String mailbox = expand(script, a.string(0));
                    if (mailbox.isEmpty()) throw new Failure(c.line(), "fileinto needs a mailbox name");
                    if (!a.has("copy")) implicitKeep = false;
                    actions.add(new Action.FileInto(mailbox, a.has("flags") ? flagSet(expand(script, a.tagStrings("flags"))) : Set.copyOf(flags),
                            a.has("create")));
                }
                case "redirect" -> {
                    String to = expand(script, a.string(0)).strip();
                    if (AddressParser.firstMailbox(to).filter(m -> !m.domain().isEmpty()).isEmpty() || to.contains(",")) {
                        throw new Failure(c.line(), "redirect to an invalid address: " + to);
                    }
                    if (++redirects > limits.maxRedirects()) throw new Failure(c.line(), "more than " + limits.maxRedirects() + " redirects");
                    if (!a.has("copy")) implicitKeep = false;
                    actions.add(new Action.Redirect(AddressParser.firstMailbox(to).orElseThrow().address()));
                }
                case "reject", "ereject" -> {
                    implicitKeep = false;
                    rejected = true;
                    actions.add(new Action.Reject(expand(script, a.string(0)), c.name().equals("ereject")));
                }
                case "setflag", "addflag", "removeflag" -> flagCommand(script, c.name(), a);
                case "set" -> set(script, a, c.line());
                case "vacation" -> vacation(script, a, c.line());
                case "addheader" -> {
                    String name = expand(script, a.string(0));
                    String value = expand(script, a.string(1));
                    if (!name.matches("[\\x21-\\x39\\x3b-\\x7e]{1,997}")) throw new Failure(c.line(), "addheader: invalid field name " + name);
                    if (PROTECTED_FIELDS.contains(name.toLowerCase(Locale.ROOT))) {
                        notes.add("addheader " + name + " ignored: protected field");
                        return;
                    }
                    SieveMessage.Field f = new SieveMessage.Field(name, value.replaceAll("[\\r\\n]+", " "));
                    if (a.has("last")) header.add(f);
                    else header.addFirst(f);
                    headerEdited = true;
                }
                case "deleteheader" -> deleteHeader(script, a);
                case "include" -> include(script, a, c.line(), depth);
                case "return" -> throw new Return();
                case "global" -> {
                    for (String n : a.strings(0)) {
                        String name = n.toLowerCase(Locale.ROOT);
                        globalNames.add(name);
                        if (locals.containsKey(name)) globals.putIfAbsent(name, locals.remove(name));
                    }
                }
                default -> throw new Failure(c.line(), "command " + c.name() + " cannot run here");
            }
        }

        List<Action> finish() {
            boolean keeps = actions.stream().anyMatch(x -> x instanceof Action.Keep || x instanceof Action.FileInto
                    || x instanceof Action.Redirect);
            if (rejected && (keeps || vacationDone)) {
                throw new Failure(0, "reject cannot be combined with keep, fileinto, redirect or vacation (RFC 5429 2.1)");
            }
            List<Action> out = new ArrayList<>();
            Set<String> filed = new HashSet<>();
            boolean kept = false;
            for (Action x : actions) {
                if (x instanceof Action.FileInto f && !filed.add(f.mailbox())) continue; // RFC 5228 4.1: not twice
                if (x instanceof Action.Keep) {
                    if (kept) continue;
                    kept = true;
                }
                if (x instanceof Action.Discard) continue;
                out.add(x);
            }
            if (implicitKeep && !kept) out.add(new Action.Keep(Set.copyOf(flags)));
            if (headerEdited) out.add(new Action.EditHeader(List.copyOf(header)));
            return out;
        }

        // ---- tests ----

        boolean test(Script script, Test t) {
            tick(t.line());
            Args a = args(t);
            return switch (t.name()) {
                case "true" -> true;
                case "false" -> false;
                case "not" -> !test(script, t.tests().getFirst());
                case "allof" -> {
                    for (Test x : t.tests()) if (!test(script, x)) yield false;
                    yield true;
                }
                case "anyof" -> {
                    for (Test x : t.tests()) if (test(script, x)) yield true;
                    yield false;
                }
                case "exists" -> {
                    for (String n : expand(script, a.strings(0))) if (values(n).isEmpty()) yield false;
                    yield true;
                }
                case "size" -> a.has("over") ? message.size() > a.number(0) : message.size() < a.number(0);
                case "header" -> match(script, a, indexed(a, fieldsNamed(expand(script, a.strings(0)))).stream()
                        .map(SieveMessage.Field::value).toList(), a.strings(1));
                case "address" -> {
                    List<String> parts = new ArrayList<>();
                    for (SieveMessage.Field f : indexed(a, fieldsNamed(expand(script, a.strings(0))))) {
                        for (Mailbox m : AddressParser.parse(f.value()).mailboxes()) {
                            String p = part(a, m.localPart(), m.domain());
                            if (p != null) parts.add(p);
                        }
                    }
                    yield match(script, a, parts, a.strings(1));
                }
                case "envelope" -> {
                    List<String> parts = new ArrayList<>();
                    for (String which : expand(script, a.strings(0))) {
                        String address = switch (which.toLowerCase(Locale.ROOT)) {
                            case "from" -> message.envelopeFrom();
                            case "to" -> message.envelopeTo();
                            default -> null;
                        };
                        if (address == null) continue;
                        if (address.isEmpty()) {
                            parts.add(""); // the null reverse-path (RFC 5228 5.4)
                            continue;
                        }
                        int at = address.lastIndexOf('@');
                        String p = part(a, at < 0 ? address : address.substring(0, at), at < 0 ? "" : address.substring(at + 1));
                        if (p != null) parts.add(p);
                    }
                    yield match(script, a, parts, a.strings(1));
                }
                case "body" -> match(script, a, body(a), a.strings(0));
                case "string" -> {
                    List<String> sources = expand(script, a.strings(0));
                    if (a.has("count")) sources = sources.stream().filter(s -> !s.isEmpty()).toList();
                    yield match(script, a, sources, a.strings(1));
                }
                case "date" -> {
                    List<SieveMessage.Field> fields = indexed(a, fieldsNamed(List.of(expand(script, a.string(0)))));
                    List<String> parts = new ArrayList<>();
                    for (SieveMessage.Field f : fields) {
                        String v = f.value();
                        if (f.name().equalsIgnoreCase("received")) v = v.substring(v.lastIndexOf(';') + 1);
                        Optional<OffsetDateTime> d = MailDates.parse(v.strip());
                        if (d.isEmpty()) continue;
                        ZonedDateTime z = a.has("originalzone") ? d.get().toZonedDateTime() : d.get().atZoneSameInstant(zone(a, t.line()));
                        parts.add(datePart(expand(script, a.string(1)), z, t.line()));
                    }
                    yield match(script, a, parts, a.strings(2));
                }
                case "currentdate" -> match(script, a, List.of(datePart(expand(script, a.string(0)),
                        ZonedDateTime.now(env.clock()).withZoneSameInstant(zone(a, t.line())), t.line())), a.strings(1));
                case "hasflag" -> {
                    List<String> have = new ArrayList<>();
                    if (a.count() == 2) for (String v : expand(script, a.strings(0))) have.addAll(flagSet(List.of(variable(v))));
                    else have.addAll(flags);
                    yield match(script, a, have, a.strings(a.count() - 1));
                }
                case "mailboxexists" -> {
                    for (String m : expand(script, a.strings(0))) if (!env.mailboxExists(m)) yield false;
                    yield true;
                }
                case "duplicate" -> {
                    String id = a.has("uniqueid") ? expand(script, a.tagString("uniqueid"))
                            : values(a.has("header") ? expand(script, a.tagString("header")) : "message-id").stream().findFirst().orElse(null);
                    if (id == null) yield false;
                    String handle = a.has("handle") ? expand(script, a.tagString("handle")) : "";
                    long seconds = a.has("seconds") ? a.tagNumber("seconds") : 7 * 86_400;
                    yield env.seenBefore(sha256("duplicate\0" + handle + "\0" + id.strip()), Duration.ofSeconds(seconds), a.has("last"));
                }
                default -> throw new Failure(t.line(), "test " + t.name() + " cannot run here");
            };
        }

        boolean match(Script script, Args a, List<String> values, List<String> keys) {
            Matcher m = Matcher.of(a);
            List<String> got = m.type == Matcher.Type.MATCHES && script.uses("variables") ? new ArrayList<>() : null;
            boolean ok = m.test(values, expand(script, keys), got);
            if (ok && got != null) captures = got;
            return ok;
        }

        List<SieveMessage.Field> fieldsNamed(List<String> names) {
            List<SieveMessage.Field> out = new ArrayList<>();
            for (SieveMessage.Field f : header) {
                for (String n : names) {
                    if (f.name().equalsIgnoreCase(n)) {
                        out.add(f);
                        break;
                    }
                }
            }
            return out;
        }

        List<String> values(String name) {
            return fieldsNamed(List.of(name)).stream().map(SieveMessage.Field::value).toList();
        }

        /** :index n [:last] (RFC 5260 6): only the nth field, counted from the top or the bottom. */
        List<SieveMessage.Field> indexed(Args a, List<SieveMessage.Field> fields) {
            long n = a.tagNumber("index");
            if (n < 1) return fields;
            int i = a.has("last") ? fields.size() - (int) n : (int) n - 1;
            return i >= 0 && i < fields.size() && n <= fields.size() ? List.of(fields.get(i)) : List.of();
        }

        /** The address part a test asks for; null when it has none (:detail without a separator). */
        String part(Args a, String local, String domain) {
            if (a.has("localpart")) return local;
            if (a.has("domain")) return domain;
            int plus = local.indexOf('+');
            if (a.has("user")) return plus < 0 ? local : local.substring(0, plus);
            if (a.has("detail")) return plus < 0 ? null : local.substring(plus + 1);
            return domain.isEmpty() ? local : local + "@" + domain;
        }

        List<String> body(Args a) {
            if (a.has("raw")) return List.of(message.rawBody());
            List<String> out = new ArrayList<>();
            List<String> types = a.has("content") ? a.tagStrings("content") : List.of("text");
            for (SieveMessage.Part p : message.parts()) {
                for (String type : types) {
                    String t = type.toLowerCase(Locale.ROOT);
                    boolean ok = t.isEmpty() || t.contains("/") ? p.contentType().equals(t) || t.isEmpty()
                            : p.contentType().startsWith(t + "/");
                    if (ok) {
                        out.add(p.text());
                        break;
                    }
                }
            }
            return out;
        }

        ZoneId zone(Args a, int line) {
            String z = a.tagString("zone");
            if (z == null) return env.zone();
            if (!z.matches("[+-][0-9]{4}")) throw new Failure(line, ":zone takes +hhmm or -hhmm, not " + z);
            return ZoneOffset.ofHoursMinutes(Integer.parseInt(z.substring(0, 3)), Integer.parseInt(z.charAt(0) + z.substring(3)));
        }

        /** RFC 5260 4.2's date-parts. */
        String datePart(String part, ZonedDateTime z, int line) {
            return switch (part.toLowerCase(Locale.ROOT)) {
                case "year" -> String.format("%04d", z.getYear());
                case "month" -> String.format("%02d", z.getMonthValue());
                case "day" -> String.format("%02d", z.getDayOfMonth());
                case "date" -> z.format(DateTimeFormatter.ISO_LOCAL_DATE);
                case "julian" -> Long.toString(z.toLocalDate().getLong(JulianFields.MODIFIED_JULIAN_DAY));
                case "hour" -> String.format("%02d", z.getHour());
                case "minute" -> String.format("%02d", z.getMinute());
                case "second" -> String.format("%02d", z.getSecond());
                case "time" -> z.truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ofPattern("HH:mm:ss"));
                case "iso8601" -> z.truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
                case "std11" -> MailDates.format(z.toOffsetDateTime());
                case "zone" -> z.format(DateTimeFormatter.ofPattern("xx"));
                case "weekday" -> Integer.toString(z.getDayOfWeek().getValue() % 7);
                default -> throw new Failure(line, "unknown date-part " + part);
            };
        }

        // ---- imap4flags, variables ----

        /** Flags from strings of space-separated names, system flags in their canonical case. */
        Set<String> flagSet(List<String> lists) {
            Set<String> out = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
            for (String l : lists) {
                for (String f : l.split("[ \\t]+")) {
                    if (f.isEmpty()) continue;
                    String lower = f.toLowerCase(Locale.ROOT);
                    out.add(SYSTEM_FLAGS.contains(lower) ? "\\" + Character.toUpperCase(lower.charAt(1)) + lower.substring(2) : f);
                }
            }
            return new LinkedHashSet<>(out);
        }

        void flagCommand(Script script, String name, Args a) {
            List<String> list = expand(script, a.strings(a.count() - 1));
            String variable = a.count() == 2 ? expand(script, a.string(0)) : null;
            Set<String> current = variable == null ? flags : flagSet(List.of(variable(variable)));
            Set<String> given = flagSet(list);
            Set<String> result = switch (name) {
                case "setflag" -> given;
                case "addflag" -> {
                    Set<String> s = flagSet(List.of(String.join(" ", current), String.join(" ", given)));
                    yield s;
                }
                default -> {
                    Set<String> s = new LinkedHashSet<>();
                    for (String f : current) if (given.stream().noneMatch(g -> g.equalsIgnoreCase(f))) s.add(f);
                    yield s;
                }
            };
            if (variable == null) flags = result;
            else assign(variable, String.join(" ", result));
        }

        void set(Script script, Args a, int line) {
            String name = expand(script, a.string(0));
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) throw new Failure(line, "set: invalid variable name " + name);
            String v = expand(script, a.string(1));
            if (a.has("lower")) v = v.toLowerCase(Locale.ROOT);
            if (a.has("upper")) v = v.toUpperCase(Locale.ROOT);
            if (a.has("lowerfirst") && !v.isEmpty()) v = Character.toLowerCase(v.charAt(0)) + v.substring(1);
            if (a.has("upperfirst") && !v.isEmpty()) v = Character.toUpperCase(v.charAt(0)) + v.substring(1);
            if (a.has("quotewildcard")) v = v.replaceAll("([*?\\\\])", "\\\\$1");
            if (a.has("length")) v = Integer.toString(v.codePointCount(0, v.length()));
            assign(name, v);
        }

        void assign(String name, String value) {
            String n = name.toLowerCase(Locale.ROOT);
            byte[] b = value.getBytes(StandardCharsets.UTF_8);
            if (b.length > limits.maxVariableBytes()) { // truncated on a character boundary (RFC 5229 3)
                int end = value.length();
                while (value.substring(0, end).getBytes(StandardCharsets.UTF_8).length > limits.maxVariableBytes()) end--;
                if (end > 0 && Character.isHighSurrogate(value.charAt(end - 1))) end--;
                value = value.substring(0, end);
            }
            if (globalNames.contains(n)) globals.put(n, value);
            else locals.put(n, value);
        }

        String variable(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.matches("[0-9]+")) {
                int i = Integer.parseInt(n);
                return i < captures.size() ? captures.get(i) : "";
            }
            if (n.startsWith("global.")) return globals.getOrDefault(n.substring(7), "");
            if (globalNames.contains(n)) return globals.getOrDefault(n, "");
            return locals.getOrDefault(n, "");
        }

        List<String> expand(Script script, List<String> values) {
            if (!script.uses("variables")) return values;
            List<String> out = new ArrayList<>(values.size());
            for (String v : values) out.add(expand(script, v));
            return out;
        }

        /** ${name} and ${n} (RFC 5229 3), once, not recursively; anything else stays as written. */
        String expand(Script script, String s) {
            if (!script.uses("variables") || !s.contains("${")) return s;
            StringBuilder b = new StringBuilder();
            int i = 0;
            while (i < s.length()) {
                int start = s.indexOf("${", i);
                if (start < 0) break;
                int end = s.indexOf('}', start);
                if (end < 0) break;
                String name = s.substring(start + 2, end);
                b.append(s, i, start);
                if (name.matches("[0-9]+|[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
                    b.append(variable(name));
                    i = end + 1;
                } else {
                    b.append("${");
                    i = start + 2;
                }
            }
            b.append(s, i, s.length());
            return b.toString();
        }

        // ---- vacation, editheader, include ----

        void vacation(Script script, Args a, int line) {
            if (vacationDone) throw new Failure(line, "vacation may run once per message");
            vacationDone = true;
            String sender = message.envelopeFrom();
            String reason = expand(script, a.string(0));
            String why = suppressed(sender, a.has("addresses") ? expand(script, a.tagStrings("addresses")) : List.of());
            if (why != null) {
                notes.add("vacation not sent: " + why);
                return;
            }
            Duration period;
            if (a.has("seconds")) period = Duration.ofSeconds(a.tagNumber("seconds"));
            else period = Duration.ofDays(Math.max(1, a.has("days") ? a.tagNumber("days") : 7));
            String subject = a.has("subject") ? expand(script, a.tagString("subject")) : null;
            String from = a.has("from") ? expand(script, a.tagString("from")) : null;
            String handle = a.has("handle") ? expand(script, a.tagString("handle"))
                    : sha256("vacation\0" + reason + "\0" + subject + "\0" + from + "\0" + a.has("mime"));
            actions.add(new Action.Vacation(sender, handle, period, subject, from, reason, a.has("mime"),
                    values("message-id").stream().findFirst().orElse(null)));
        }

        /** RFC 5230 4.5-4.6 and RFC 3834 2: never to lists, bulk or automatic mail, nor mail not addressed to us. */
        String suppressed(String sender, List<String> extraAddresses) {
            List<String> ours = new ArrayList<>(env.ownAddresses());
            ours.addAll(extraAddresses);
            return AutoReplyRules.suppressed(sender, header, ours);
        }

        void deleteHeader(Script script, Args a) {
            String name = expand(script, a.string(0));
            if (PROTECTED_FIELDS.contains(name.toLowerCase(Locale.ROOT))) {
                notes.add("deleteheader " + name + " ignored: protected field");
                return;
            }
            List<Integer> positions = new ArrayList<>();
            for (int i = 0; i < header.size(); i++) if (header.get(i).name().equalsIgnoreCase(name)) positions.add(i);
            long n = a.tagNumber("index");
            if (n >= 1) {
                int i = a.has("last") ? positions.size() - (int) n : (int) n - 1;
                positions = i >= 0 && i < positions.size() && n <= positions.size() ? List.of(positions.get(i)) : List.of();
            }
            List<String> patterns = a.count() == 2 ? expand(script, a.strings(1)) : null;
            Matcher m = Matcher.of(a);
            for (int k = positions.size() - 1; k >= 0; k--) {
                int i = positions.get(k);
                if (patterns == null || m.test(List.of(header.get(i).value()), patterns, null)) {
                    header.remove(i);
                    headerEdited = true;
                }
            }
        }

        void include(Script parent, Args a, int line, int depth) {
            String name = expand(parent, a.string(0));
            boolean global = a.has("global");
            String key = (global ? "global:" : "personal:") + name;
            if (a.has("once") && !includedOnce.add(key)) return;
            if (depth + 1 > limits.maxIncludeDepth()) throw new Failure(line, "include nested deeper than " + limits.maxIncludeDepth());
            Optional<String> text = env.script(global, name);
            if (text.isEmpty()) {
                if (a.has("optional")) return;
                throw new Failure(line, "include: no " + (global ? "global" : "personal") + " script " + name);
            }
            Script included;
            try {
                included = compile(text.get());
            } catch (SieveException e) {
                throw new Failure(line, "include " + name + ": " + e.getMessage());
            }
            Map<String, String> saved = locals;
            locals = new HashMap<>();
            try {
                execute(included, included.commands(), depth + 1);
            } catch (Return r) {
                // back to the including script
            } finally {
                locals = saved;
            }
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
