package org.twinmail.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.twinmail.jmap.core.MethodError;
import org.twinmail.mail.header.HeaderField;

/**
 * Email/query's filter (RFC 8621 4.4.1), parsed once into a predicate: operators AND, OR,
 * NOT and every FilterCondition property. Text conditions match case-insensitively as
 * substrings of the decoded text (i;unicode-casemap), as IMAP SEARCH does.
 */
public final class EmailFilter {
    private static final Set<String> CONDITIONS = Set.of("inMailbox", "inMailboxOtherThan", "before", "after", "minSize", "maxSize",
            "allInThreadHaveKeyword", "someInThreadHaveKeyword", "noneInThreadHaveKeyword", "hasKeyword", "notKeyword",
            "hasAttachment", "text", "from", "to", "cc", "bcc", "subject", "body", "header");

    /** What a condition needs: the view, its threads, summaries and bodies. */
    public interface Context {
        AccountView view();

        EmailSummary summary(AccountView.Email e);

        /** The Emails of a thread. */
        List<AccountView.Email> thread(String threadId);

        /** The decoded text of every text part. */
        String bodyText(AccountView.Email e);

        /** The message's header fields. */
        List<HeaderField> headers(AccountView.Email e);

        /** A text condition (subject, from, to, cc, bcc, body, text) as IMAP SEARCH and the full-text index read it. */
        boolean text(AccountView.Email e, String condition, String needle);
    }

    private EmailFilter() {
    }

    /** Whether the filter looks at threads (then queryChanges cannot be computed from changed Emails alone). */
    public static boolean usesThreads(JsonNode filter) {
        if (filter == null || filter.isNull()) return false;
        if (filter.has("operator")) {
            for (JsonNode c : filter.path("conditions")) if (usesThreads(c)) return true;
            return false;
        }
        return filter.has("allInThreadHaveKeyword") || filter.has("someInThreadHaveKeyword") || filter.has("noneInThreadHaveKeyword");
    }

    public static Predicate<AccountView.Email> parse(JsonNode filter, Context ctx) {
        if (filter == null || filter.isNull()) return e -> true;
        if (!filter.isObject()) throw MethodError.invalidArguments("filter must be an object");
        if (filter.has("operator")) {
            String op = filter.path("operator").asText();
            JsonNode conds = filter.get("conditions");
            if (conds == null || !conds.isArray()) throw MethodError.invalidArguments("a FilterOperator has conditions");
            List<Predicate<AccountView.Email>> parts = new ArrayList<>();
            for (JsonNode c : conds) parts.add(parse(c, ctx));
            return switch (op) {
                case "AND" -> e -> parts.stream().allMatch(p -> p.test(e));
                case "OR" -> e -> parts.stream().anyMatch(p -> p.test(e));
                case "NOT" -> e -> parts.stream().noneMatch(p -> p.test(e));
                default -> throw MethodError.invalidArguments("unknown operator " + op);
            };
        }
        List<Predicate<AccountView.Email>> all = new ArrayList<>();
        for (Map.Entry<String, JsonNode> f : filter.properties()) {
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (!CONDITIONS.contains(name)) throw MethodError.unsupportedFilter("unknown filter condition " + name);
            all.add(condition(name, v, ctx));
        }
        return e -> {
            for (Predicate<AccountView.Email> p : all) if (!p.test(e)) return false;
            return true;
        };
    }

    private static Predicate<AccountView.Email> condition(String name, JsonNode v, Context ctx) {
        switch (name) {
            case "inMailbox" -> {
                long id = Ids.mailboxOf(text(name, v));
                return e -> e.in(id);
            }
            case "inMailboxOtherThan" -> {
                if (!v.isArray()) throw MethodError.invalidArguments(name + " is a list of ids");
                List<Long> ids = new ArrayList<>();
                for (JsonNode x : v) ids.add(Ids.mailboxOf(x.asText()));
                return e -> e.mailboxIds().stream().anyMatch(m -> !ids.contains(m));
            }
            case "before" -> {
                Instant t = date(name, v);
                return e -> e.receivedAt().isBefore(t);
            }
            case "after" -> {
                Instant t = date(name, v);
                return e -> !e.receivedAt().isBefore(t);
            }
            case "minSize" -> {
                long n = number(name, v);
                return e -> e.size() >= n;
            }
            case "maxSize" -> {
                long n = number(name, v);
                return e -> e.size() < n;
            }
            case "hasKeyword" -> {
                String k = text(name, v);
                return e -> Keywords.has(e.flags(), k);
            }
            case "notKeyword" -> {
                String k = text(name, v);
                return e -> !Keywords.has(e.flags(), k);
            }
            case "allInThreadHaveKeyword" -> {
                String k = text(name, v);
                return e -> ctx.thread(ctx.summary(e).threadId()).stream().allMatch(x -> Keywords.has(x.flags(), k));
            }
            case "someInThreadHaveKeyword" -> {
                String k = text(name, v);
                return e -> ctx.thread(ctx.summary(e).threadId()).stream().anyMatch(x -> Keywords.has(x.flags(), k));
            }
            case "noneInThreadHaveKeyword" -> {
                String k = text(name, v);
                return e -> ctx.thread(ctx.summary(e).threadId()).stream().noneMatch(x -> Keywords.has(x.flags(), k));
            }
            case "hasAttachment" -> {
                if (!v.isBoolean()) throw MethodError.invalidArguments(name + " is a boolean");
                boolean want = v.asBoolean();
                return e -> ctx.summary(e).hasAttachment() == want;
            }
            case "from", "to", "cc", "bcc", "subject", "body", "text" -> {
                String s = text(name, v);
                return e -> ctx.text(e, name, s);
            }
            case "header" -> {
                if (!v.isArray() || v.isEmpty() || v.size() > 2 || !v.get(0).isTextual() || (v.size() == 2 && !v.get(1).isTextual())) {
                    throw MethodError.invalidArguments("header is [name] or [name, value]");
                }
                String field = v.get(0).asText();
                String value = v.size() == 2 ? v.get(1).asText().toLowerCase(Locale.ROOT) : null;
                return e -> {
                    for (HeaderField h : ctx.headers(e)) {
                        if (h.is(field) && (value == null || h.decoded().toLowerCase(Locale.ROOT).contains(value))) return true;
                    }
                    return false;
                };
            }
            default -> throw MethodError.unsupportedFilter(name);
        }
    }

    private static String text(String name, JsonNode v) {
        if (!v.isTextual()) throw MethodError.invalidArguments(name + " is a string");
        return v.asText();
    }

    private static String lower(String name, JsonNode v) {
        return text(name, v).toLowerCase(Locale.ROOT);
    }

    private static long number(String name, JsonNode v) {
        if (!v.isIntegralNumber()) throw MethodError.invalidArguments(name + " is an unsigned integer");
        return v.asLong();
    }

    private static Instant date(String name, JsonNode v) {
        try {
            return Instant.parse(text(name, v));
        } catch (DateTimeParseException e) {
            throw MethodError.invalidArguments(name + " is a UTCDate");
        }
    }
}
