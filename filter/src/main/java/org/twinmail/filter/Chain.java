package org.twinmail.filter;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The ordered checks of one kind of listener (the MX, submission), per {@link Stage}. A check
 * is placed in every stage whose interface it implements, in the order it was added. Built
 * once at start-up (see {@link Chains}) and shared by every session of the listener.
 */
public final class Chain {
    private final String name;
    private final List<Check> checks;
    private final Map<Stage, List<Check>> byStage;

    private Chain(String name, List<Check> checks) {
        this.name = name;
        this.checks = List.copyOf(checks);
        Map<Stage, List<Check>> m = new EnumMap<>(Stage.class);
        for (Stage s : Stage.values()) {
            m.put(s, checks.stream().filter(c -> takesPart(c, s)).toList());
        }
        this.byStage = m;
    }

    public static Builder builder(String name) {
        return new Builder(name, List.of());
    }

    /** A builder holding this chain's checks, to add to them (tests, a site's own checks). */
    public Builder toBuilder() {
        return new Builder(name, checks);
    }

    public String name() {
        return name;
    }

    /** The checks of one stage, in order. */
    public List<Check> checks(Stage stage) {
        return byStage.get(stage);
    }

    /** The stage order as an administrator reads it: {@code rcpt: recipient-limit, relay, ...}, one line per stage. */
    public String describe() {
        Map<Stage, String> lines = new LinkedHashMap<>();
        for (Stage s : Stage.values()) {
            lines.put(s, byStage.get(s).stream().map(Check::name).collect(Collectors.joining(", ")));
        }
        return lines.entrySet().stream().map(e -> e.getKey().tag() + ": " + (e.getValue().isEmpty() ? "-" : e.getValue()))
                .collect(Collectors.joining("\n"));
    }

    @Override
    public String toString() {
        return name + "\n" + describe();
    }

    static boolean takesPart(Check c, Stage s) {
        return switch (s) {
            case CONNECT -> c instanceof Check.Connect;
            case HELO -> c instanceof Check.Helo;
            case MAIL -> c instanceof Check.Mail;
            case RCPT -> c instanceof Check.Rcpt;
            case DATA -> c instanceof Check.Data;
            case DELIVERED -> c instanceof Check.Delivered;
        };
    }

    public static final class Builder {
        private final String name;
        private final List<Check> checks;

        private Builder(String name, List<Check> checks) {
            this.name = name;
            this.checks = new ArrayList<>(checks);
        }

        /** Appends a check to every stage it implements. */
        public Builder add(Check check) {
            if (java.util.Arrays.stream(Stage.values()).noneMatch(s -> takesPart(check, s))) {
                throw new IllegalArgumentException(check.name() + " implements no stage interface");
            }
            if (checks.stream().anyMatch(c -> c.name().equals(check.name()))) {
                throw new IllegalArgumentException("two checks named " + check.name() + " in chain " + name);
            }
            checks.add(check);
            return this;
        }

        /** Puts a check before the one named {@code existing} (in every stage both take part in). */
        public Builder addBefore(String existing, Check check) {
            int at = indexOf(existing);
            add(check);
            checks.remove(checks.size() - 1);
            checks.add(at, check);
            return this;
        }

        /** Puts a check first. */
        public Builder addFirst(Check check) {
            add(check);
            checks.remove(checks.size() - 1);
            checks.addFirst(check);
            return this;
        }

        private int indexOf(String existing) {
            for (int i = 0; i < checks.size(); i++) if (checks.get(i).name().equals(existing)) return i;
            throw new IllegalArgumentException("no check named " + existing + " in chain " + name);
        }

        public Chain build() {
            return new Chain(name, checks);
        }
    }
}
