package org.twinmail.sieve.script;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.twinmail.sieve.SieveException;

/**
 * The arguments of one command or test sorted out: its tags (each with its value, if the tag
 * takes one) and its positional arguments. Built by {@link Grammar}, which knows what each
 * command and test accepts; the interpreter reads them by name.
 */
public final class Args {
    private final Map<String, Argument> tags;
    private final List<Argument> positional;

    Args(Map<String, Argument> tags, List<Argument> positional) {
        this.tags = tags;
        this.positional = positional;
    }

    public boolean has(String tag) {
        return tags.containsKey(tag);
    }

    /** The value of a tag that takes a string, or null. */
    public String tagString(String tag) {
        return tags.get(tag) instanceof Argument.Strings s ? s.values().getFirst() : null;
    }

    /** The value of a tag that takes a string list, or null. */
    public List<String> tagStrings(String tag) {
        return tags.get(tag) instanceof Argument.Strings s ? s.values() : null;
    }

    /** The value of a tag that takes a number, or -1. */
    public long tagNumber(String tag) {
        return tags.get(tag) instanceof Argument.Number n ? n.value() : -1;
    }

    /** Positional argument {@code i}, as written. */
    public Argument positional(int i) {
        return positional.get(i);
    }

    public int count() {
        return positional.size();
    }

    public List<String> strings(int i) {
        return ((Argument.Strings) positional.get(i)).values();
    }

    public String string(int i) {
        return strings(i).getFirst();
    }

    public long number(int i) {
        return ((Argument.Number) positional.get(i)).value();
    }

    /** How a tag is written: alone, or followed by a value. */
    enum TagKind { FLAG, STRING, STRINGS, NUMBER }

    /** Sorts {@code arguments} by the tags in {@code allowed}; the positional ones must come after the tags. */
    static Args of(String what, List<Argument> arguments, Map<String, TagKind> allowed, Set<Set<String>> exclusive, int line)
            throws SieveException {
        Map<String, Argument> tags = new HashMap<>();
        List<Argument> positional = new ArrayList<>();
        for (int i = 0; i < arguments.size(); i++) {
            Argument a = arguments.get(i);
            if (a instanceof Argument.Tag t) {
                if (!positional.isEmpty()) throw new SieveException(t.line(), what + ": tag :" + t.name() + " after its positional arguments");
                TagKind kind = allowed.get(t.name());
                if (kind == null) throw new SieveException(t.line(), what + " has no tag :" + t.name());
                if (tags.containsKey(t.name())) throw new SieveException(t.line(), what + ": tag :" + t.name() + " given twice");
                Argument value = t;
                if (kind != TagKind.FLAG) {
                    if (i + 1 >= arguments.size()) throw new SieveException(t.line(), what + ": tag :" + t.name() + " needs a value");
                    value = arguments.get(++i);
                    boolean ok = switch (kind) {
                        case NUMBER -> value instanceof Argument.Number;
                        case STRING -> value instanceof Argument.Strings s && s.values().size() == 1 && !s.list();
                        case STRINGS -> value instanceof Argument.Strings;
                        case FLAG -> true;
                    };
                    if (!ok) throw new SieveException(t.line(), what + ": tag :" + t.name() + " needs a " + kind.name().toLowerCase(java.util.Locale.ROOT));
                }
                tags.put(t.name(), value);
            } else {
                positional.add(a);
            }
        }
        for (Set<String> group : exclusive) {
            if (group.stream().filter(tags::containsKey).count() > 1) {
                throw new SieveException(line, what + ": only one of " + group.stream().sorted().map(g -> ":" + g).toList() + " may be given");
            }
        }
        return new Args(tags, positional);
    }
}
