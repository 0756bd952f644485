package org.twinmail.web.webmail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The webmail's simple rules and the Sieve script they are written as. A rule is a list of
 * conditions (all or any of them) and a list of actions; {@link #script} writes the rules as one
 * Sieve script (RFC 5228 with fileinto, copy, imap4flags and reject) whose first two lines are a
 * machine-readable header comment:
 *
 * <pre>
 * # TwinMail webmail rules: edit them in the webmail's settings (a script changed by hand is no longer read there)
 * # rules: {"version":1,"rules":[...]}
 * </pre>
 *
 * {@link #read} gives the rules back only when the script is exactly what {@link #script} writes
 * for the rules of its header: a script edited by hand (over ManageSieve, JMAP, ...) is not one
 * of ours, and the settings page says so instead of overwriting it.
 *
 * <p>Rules are parsed and checked here ({@link #parse}), apart from writing them: every string a
 * user typed reaches the script as a quoted string with {@code \} and {@code "} escaped (RFC 5228
 * 2.4.2) and nothing else interpreted (no {@code variables} nor {@code encoded-character} is
 * required, so {@code ${...}} stays literal).
 */
public final class SieveRules {
    /** The name of the script the rules are written as. */
    public static final String SCRIPT_NAME = "webmail-rules";
    static final String FIRST_LINE = "# TwinMail webmail rules: edit them in the webmail's settings (a script changed by hand is no longer read there)";
    static final String RULES_PREFIX = "# rules: ";
    /** Most rules, conditions and actions per rule, and the longest string a user may type. */
    static final int MAX_RULES = 200;
    static final int MAX_PARTS = 20;
    static final int MAX_TEXT = 1000;

    static final Set<String> FIELDS = Set.of("from", "to", "cc", "subject", "header", "size", "attachment");
    static final Set<String> TEXT_OPS = Set.of("contains", "is", "matches");
    static final Set<String> SIZE_OPS = Set.of("over", "under");
    /** Action types, in the order a rule's actions are written (flags before filing, stop last). */
    static final List<String> ACTIONS = List.of("seen", "flag", "fileinto", "copyto", "redirect", "redirectcopy", "reject", "discard", "stop");
    private static final Pattern SIZE = Pattern.compile("[0-9]{1,9}[KMG]?");
    private static final Pattern HEADER_NAME = Pattern.compile("[!-9;-~]{1,100}");
    private static final Pattern ADDRESS = Pattern.compile("[^\\s@\"\\\\<>(),;:]+@[^\\s@\"\\\\<>(),;:]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    private SieveRules() {
    }

    /** One condition: a field compared with a value; {@code size} over/under a size; {@code attachment} alone. */
    public record Condition(String field, String header, String op, String value) { }

    /** One action; {@code value} is the folder, the address or the rejection text (null for the others). */
    public record Action(String type, String value) { }

    /** A rule: its name, whether every condition must hold (else any), its conditions (none: every message), its actions. */
    public record Rule(String name, boolean all, List<Condition> conditions, List<Action> actions) {
        public Rule {
            conditions = List.copyOf(conditions);
            actions = List.copyOf(actions);
        }
    }

    /** Reads rules from the settings page's JSON ({@code [{name, match: "all"|"any", conditions: [...], actions: [...]}]}). */
    public static List<Rule> parse(JsonNode list) {
        if (list == null || !list.isArray()) throw new IllegalArgumentException("rules is a list");
        if (list.size() > MAX_RULES) throw new IllegalArgumentException("at most " + MAX_RULES + " rules");
        List<Rule> rules = new ArrayList<>();
        int n = 0;
        for (JsonNode r : list) {
            n++;
            String where = "rule " + n + ": ";
            if (!r.isObject()) throw new IllegalArgumentException(where + "a rule is an object");
            String name = r.path("name").asText("").strip();
            if (name.isEmpty()) name = "Rule " + n;
            checkText(where + "name", name, 100);
            if (name.codePoints().anyMatch(c -> c == 0x2028 || c == 0x2029)) throw new IllegalArgumentException(where + "the name is one line");
            String match = r.path("match").asText("all");
            if (!match.equals("all") && !match.equals("any")) throw new IllegalArgumentException(where + "match is all or any");
            List<Condition> conditions = new ArrayList<>();
            JsonNode cs = r.path("conditions");
            if (!cs.isMissingNode() && !cs.isArray()) throw new IllegalArgumentException(where + "conditions is a list");
            if (cs.size() > MAX_PARTS) throw new IllegalArgumentException(where + "at most " + MAX_PARTS + " conditions");
            for (JsonNode c : cs) conditions.add(condition(where, c));
            List<Action> actions = new ArrayList<>();
            JsonNode as = r.path("actions");
            if (!as.isArray() || as.isEmpty()) throw new IllegalArgumentException(where + "a rule has at least one action");
            if (as.size() > MAX_PARTS) throw new IllegalArgumentException(where + "at most " + MAX_PARTS + " actions");
            for (JsonNode a : as) actions.add(action(where, a));
            Set<String> types = new TreeSet<>();
            for (Action a : actions) {
                if (!types.add(a.type()) && !Set.of("fileinto", "copyto", "redirect", "redirectcopy").contains(a.type())) {
                    throw new IllegalArgumentException(where + "the action " + a.type() + " is there twice");
                }
            }
            // RFC 5429 2.1: reject with fileinto, keep or redirect is an error at run time (the message then stays in INBOX)
            if (types.contains("reject") && (types.contains("fileinto") || types.contains("copyto") || types.contains("redirect")
                    || types.contains("redirectcopy") || types.contains("discard"))) {
                throw new IllegalArgumentException(where + "a rejected message is not also filed, forwarded or discarded");
            }
            rules.add(new Rule(name, match.equals("all"), conditions, actions));
        }
        return rules;
    }

    private static Condition condition(String where, JsonNode c) {
        if (!c.isObject()) throw new IllegalArgumentException(where + "a condition is an object");
        String field = c.path("field").asText("").toLowerCase(Locale.ROOT);
        if (!FIELDS.contains(field)) throw new IllegalArgumentException(where + "unknown field " + field);
        String op = c.path("op").asText("").toLowerCase(Locale.ROOT);
        String value = c.path("value").isValueNode() && !c.path("value").isNull() ? c.path("value").asText() : "";
        switch (field) {
            case "attachment" -> {
                return new Condition(field, null, null, null);
            }
            case "size" -> {
                if (!SIZE_OPS.contains(op)) throw new IllegalArgumentException(where + "size is over or under");
                String v = value.strip().toUpperCase(Locale.ROOT);
                if (!SIZE.matcher(v).matches()) throw new IllegalArgumentException(where + "a size is a number with K, M or G");
                return new Condition(field, null, op, v);
            }
            default -> {
                if (!TEXT_OPS.contains(op)) throw new IllegalArgumentException(where + "a comparison is contains, is or matches");
                checkText(where + "value", value, MAX_TEXT);
                if (value.isEmpty()) throw new IllegalArgumentException(where + "a condition needs a value");
                String header = null;
                if (field.equals("header")) {
                    header = c.path("header").asText("").strip();
                    if (!HEADER_NAME.matcher(header).matches()) throw new IllegalArgumentException(where + "a header field name is printable ASCII without ':'");
                }
                return new Condition(field, header, op, value);
            }
        }
    }

    private static Action action(String where, JsonNode a) {
        if (!a.isObject()) throw new IllegalArgumentException(where + "an action is an object");
        String type = a.path("type").asText("").toLowerCase(Locale.ROOT);
        if (!ACTIONS.contains(type)) throw new IllegalArgumentException(where + "unknown action " + type);
        String value = a.path("value").isValueNode() && !a.path("value").isNull() ? a.path("value").asText().strip() : "";
        switch (type) {
            case "fileinto", "copyto" -> {
                checkText(where + "folder", value, 255);
                if (value.isEmpty()) throw new IllegalArgumentException(where + "a folder is required");
                return new Action(type, value);
            }
            case "redirect", "redirectcopy" -> {
                if (!ADDRESS.matcher(value).matches() || value.length() > 254) throw new IllegalArgumentException(where + "not an address: " + value);
                return new Action(type, value);
            }
            case "reject" -> {
                String text = a.path("value").asText("").replace("\r\n", "\n").replace('\r', '\n').strip();
                checkText(where + "text", text.replace("\n", " "), MAX_TEXT);
                if (text.isEmpty()) throw new IllegalArgumentException(where + "a rejection has a text");
                return new Action(type, text);
            }
            default -> {
                return new Action(type, null);
            }
        }
    }

    private static void checkText(String what, String s, int max) {
        if (s.length() > max) throw new IllegalArgumentException(what + " is longer than " + max + " characters");
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x20 || ch == 0x7f) throw new IllegalArgumentException(what + " has a control character");
        }
    }

    /** The rules as the JSON the page and the header comment use. */
    public static ArrayNode json(List<Rule> rules) {
        ArrayNode list = JSON.createArrayNode();
        for (Rule r : rules) {
            ObjectNode o = list.addObject();
            o.put("name", r.name());
            o.put("match", r.all() ? "all" : "any");
            ArrayNode cs = o.putArray("conditions");
            for (Condition c : r.conditions()) {
                ObjectNode x = cs.addObject();
                x.put("field", c.field());
                if (c.header() != null) x.put("header", c.header());
                if (c.op() != null) x.put("op", c.op());
                if (c.value() != null) x.put("value", c.value());
            }
            ArrayNode as = o.putArray("actions");
            for (Action a : r.actions()) {
                ObjectNode x = as.addObject();
                x.put("type", a.type());
                if (a.value() != null) x.put("value", a.value());
            }
        }
        return list;
    }

    /** A string as a Sieve quoted string (RFC 5228 2.4.2): {@code \} and {@code "} escaped, nothing else changed. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' || ch == '"') b.append('\\');
            b.append(ch);
        }
        return b.append('"').toString();
    }

    /** The Sieve script of {@code rules}, header comment first. */
    public static String script(List<Rule> rules) {
        StringBuilder b = new StringBuilder();
        b.append(FIRST_LINE).append('\n');
        ObjectNode header = JSON.createObjectNode();
        header.put("version", 1);
        header.set("rules", json(rules));
        try {
            // compact JSON: control characters are escaped, so the comment is one line
            b.append(RULES_PREFIX).append(JSON.writeValueAsString(header)).append('\n');
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        Set<String> require = new TreeSet<>();
        StringBuilder body = new StringBuilder();
        int n = 0;
        for (Rule r : rules) {
            n++;
            body.append('\n').append("# ").append(n).append(". ").append(r.name()).append('\n');
            List<String> tests = new ArrayList<>();
            for (Condition c : r.conditions()) tests.add(test(c));
            if (tests.isEmpty()) body.append("if true {\n");
            else if (tests.size() == 1) body.append("if ").append(tests.get(0)).append(" {\n");
            else body.append("if ").append(r.all() ? "allof" : "anyof").append(" (").append(String.join(",\n        ", tests)).append(") {\n");
            List<Action> ordered = new ArrayList<>(r.actions());
            ordered.sort(java.util.Comparator.comparingInt(a -> ACTIONS.indexOf(a.type())));
            for (Action a : ordered) {
                body.append("    ").append(command(a, require)).append('\n');
            }
            body.append("}\n");
        }
        if (!require.isEmpty()) {
            b.append("require [").append(String.join(", ", require.stream().map(SieveRules::quote).toList())).append("];\n");
        }
        return b.append(body).toString();
    }

    private static String test(Condition c) {
        return switch (c.field()) {
            case "attachment" -> "header :contains \"content-type\" [\"multipart/mixed\", \"application/\"]";
            case "size" -> "size :" + c.op() + " " + c.value();
            case "subject" -> "header :" + c.op() + " \"subject\" " + quote(c.value());
            case "header" -> "header :" + c.op() + " " + quote(c.header()) + " " + quote(c.value());
            // contains looks at the whole field (name and address); is and matches at the address
            default -> c.op().equals("contains") ? "header :contains " + quote(c.field()) + " " + quote(c.value())
                    : "address :all :" + c.op() + " " + quote(c.field()) + " " + quote(c.value());
        };
    }

    private static String command(Action a, Set<String> require) {
        return switch (a.type()) {
            case "seen" -> {
                require.add("imap4flags");
                yield "addflag \"\\\\Seen\";";
            }
            case "flag" -> {
                require.add("imap4flags");
                yield "addflag \"\\\\Flagged\";";
            }
            case "fileinto" -> {
                require.add("fileinto");
                yield "fileinto " + quote(a.value()) + ";";
            }
            case "copyto" -> {
                require.add("fileinto");
                require.add("copy");
                yield "fileinto :copy " + quote(a.value()) + ";";
            }
            case "redirect" -> "redirect " + quote(a.value()) + ";";
            case "redirectcopy" -> {
                require.add("copy");
                yield "redirect :copy " + quote(a.value()) + ";";
            }
            case "reject" -> {
                require.add("reject");
                yield "reject " + quote(a.value()) + ";";
            }
            case "discard" -> "discard;";
            case "stop" -> "stop;";
            default -> throw new IllegalStateException(a.type());
        };
    }

    /**
     * The rules of a script {@link #script} wrote, when it is exactly that script; empty for any
     * other script (written or changed by hand).
     */
    public static Optional<List<Rule>> read(String script) {
        if (script == null) return Optional.empty();
        String s = script.replace("\r\n", "\n");
        if (!s.startsWith(FIRST_LINE + "\n" + RULES_PREFIX)) return Optional.empty();
        int start = FIRST_LINE.length() + 1 + RULES_PREFIX.length();
        int end = s.indexOf('\n', start);
        if (end < 0) return Optional.empty();
        try {
            JsonNode header = JSON.readTree(s.substring(start, end));
            if (header == null || header.path("version").asInt() != 1) return Optional.empty();
            List<Rule> rules = parse(header.get("rules"));
            return script(rules).equals(s) ? Optional.of(rules) : Optional.empty();
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
