package org.twinmail.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.jmap.core.Call;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.core.MethodError;
import org.twinmail.mail.header.HeaderField;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.StoreException;

/**
 * The reading methods of RFC 8621: Mailbox/get, /changes, /query, /queryChanges; Thread/get,
 * /changes; Email/get, /changes, /query, /queryChanges; SearchSnippet/get. States are
 * change-log positions ({@link EmailChanges}).
 */
public final class MailRead {
    static final List<String> MAILBOX_PROPERTIES = List.of("id", "name", "parentId", "role", "sortOrder", "totalEmails",
            "unreadEmails", "totalThreads", "unreadThreads", "myRights", "isSubscribed");
    static final List<String> COUNT_PROPERTIES = List.of("totalEmails", "unreadEmails", "totalThreads", "unreadThreads");
    private static final Set<String> EMAIL_SORTS = Set.of("receivedAt", "size", "from", "to", "subject", "sentAt",
            "hasKeyword", "allInThreadHaveKeyword", "someInThreadHaveKeyword");

    private final Mailboxes store;
    private final ChangeLog log;
    private final Views views;
    private final MessageCache cache;
    private final Limits limits;
    private final org.twinmail.search.SearchIndex search;
    private final SharedAccounts shared;

    /** The session's limits the methods enforce. */
    public record Limits(int maxObjectsInGet, int maxObjectsInSet, int maxQueryLimit) { }

    /** @param search the full-text index, or null: text conditions then parse every message */
    public MailRead(Mailboxes store, ChangeLog log, Views views, MessageCache cache, Limits limits, org.twinmail.search.SearchIndex search,
                    SharedAccounts shared) {
        this.shared = shared;
        this.search = search;
        this.store = store;
        this.log = log;
        this.views = views;
        this.cache = cache;
        this.limits = limits;
    }

    /**
     * Checks the accountId argument of a method that exists for the user's own account only (the
     * mail methods take shared accounts too: {@link SharedAccounts#scope}).
     */
    public static String account(Call c) {
        String id = c.args().path("accountId").asText(null);
        if (id == null) throw MethodError.invalidArguments("accountId is required");
        if (Ids.accountOf(id) != c.accountId()) throw MethodError.accountNotFound();
        return id;
    }

    static long state(Call c, String name) {
        String s = Json.string(c.args(), name);
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw MethodError.cannotCalculateChanges("unknown state " + s);
        }
    }

    // ---- Mailbox ----

    public ObjectNode mailboxGet(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        AccountView view = views.view(scope);
        List<String> props = properties(c, MAILBOX_PROPERTIES, Set.copyOf(MAILBOX_PROPERTIES));
        List<String> ids = ids(c);
        Set<String> subscribed = scope.own() ? new HashSet<>(store.subscriptions(c.accountId())) : Set.of();
        Threads threads = new Threads(view);
        ObjectNode r = get(account, view.state());
        ArrayNode list = r.putArray("list");
        ArrayNode notFound = r.putArray("notFound");
        if (ids == null) {
            for (Mailbox m : view.mailboxes()) list.add(mailbox(scope, view, threads, m, props, subscribed));
        } else {
            for (String id : ids) {
                Mailbox m = view.mailbox(Ids.mailboxOf(id));
                if (m == null) notFound.add(id);
                else list.add(mailbox(scope, view, threads, m, props, subscribed));
            }
        }
        return r;
    }

    /** A mailbox's counts of Emails and Threads. */
    private record Counts(int total, int unread, int threads, int unreadThreads) { }

    private Counts counts(AccountView view, Threads threads, Mailbox m, boolean countThreads) {
        return view.derived("counts\0" + m.id() + "\0" + countThreads, () -> {
            int total = 0;
            int unread = 0;
            Set<String> allThreads = new HashSet<>();
            Set<String> unreadThreads = new HashSet<>();
            for (AccountView.Email e : view.emails()) {
                if (!e.in(m.id())) continue;
                total++;
                boolean seen = Keywords.has(e.flags(), "$seen");
                if (!seen) unread++;
                if (countThreads) {
                    String t = threads.of(e);
                    allThreads.add(t);
                    if (!seen) unreadThreads.add(t);
                }
            }
            return new Counts(total, unread, allThreads.size(), unreadThreads.size());
        });
    }

    private ObjectNode mailbox(Scope scope, AccountView view, Threads threads, Mailbox m, List<String> props, Set<String> subscribed) {
        ObjectNode o = Json.object();
        Counts n = counts(view, threads, m, props.contains("totalThreads") || props.contains("unreadThreads"));
        for (String p : props) {
            switch (p) {
                case "id" -> o.put(p, Ids.mailbox(m.id()));
                case "name" -> o.put(p, leaf(m.name()));
                case "parentId" -> {
                    Mailbox parent = parent(view, m);
                    if (parent == null) o.putNull(p);
                    else o.put(p, Ids.mailbox(parent.id()));
                }
                case "role" -> {
                    if (m.specialUse() == null) o.putNull(p);
                    else o.put(p, role(m.specialUse()));
                }
                case "sortOrder" -> o.put(p, m.specialUse() == SpecialUse.INBOX ? 0 : m.specialUse() != null ? 1 : 10);
                case "totalEmails" -> o.put(p, n.total());
                case "unreadEmails" -> o.put(p, n.unread());
                case "totalThreads" -> o.put(p, n.threads());
                case "unreadThreads" -> o.put(p, n.unreadThreads());
                case "myRights" -> {
                    if (!scope.own()) {
                        o.set(p, SharedAccounts.myRights(scope.rights(m.id())));
                        continue;
                    }
                    ObjectNode r = o.putObject(p);
                    for (String right : List.of("mayReadItems", "mayAddItems", "mayRemoveItems", "maySetSeen", "maySetKeywords",
                            "mayCreateChild", "mayRename", "mayDelete", "maySubmit")) {
                        r.put(right, !(m.specialUse() == SpecialUse.INBOX && (right.equals("mayRename") || right.equals("mayDelete"))));
                    }
                }
                case "isSubscribed" -> o.put(p, subscribed.contains(m.name()) || m.specialUse() == SpecialUse.INBOX && subscribed.contains("INBOX"));
                default -> { }
            }
        }
        return o;
    }

    public static String role(SpecialUse u) {
        return u.name().toLowerCase(Locale.ROOT);
    }

    static String leaf(String name) {
        int i = name.lastIndexOf(Mailboxes.DELIMITER);
        return i < 0 ? name : name.substring(i + 1);
    }

    static Mailbox parent(AccountView view, Mailbox m) {
        int i = m.name().lastIndexOf(Mailboxes.DELIMITER);
        if (i < 0) return null;
        String parentName = m.name().substring(0, i);
        for (Mailbox x : view.mailboxes()) if (x.name().equals(parentName)) return x;
        return null;
    }

    public ObjectNode mailboxChanges(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        long since = state(c, "sinceState");
        Long max = Json.optLong(c.args(), "maxChanges");
        if (max != null && max <= 0) throw MethodError.invalidArguments("maxChanges must be positive");
        EmailChanges.Window w = EmailChanges.read(log, views.view(scope), since, max, true);
        AccountView now = views.view(scope);
        List<String> created = new ArrayList<>();
        List<String> updated = new ArrayList<>();
        List<String> destroyed = new ArrayList<>();
        boolean onlyCounts = true;
        for (Map.Entry<Long, Set<Change.Kind>> e : w.mailboxes().entrySet()) {
            String id = Ids.mailbox(e.getKey());
            Set<Change.Kind> kinds = e.getValue();
            boolean exists = now.mailbox(e.getKey()) != null;
            if (kinds.contains(Change.Kind.MAILBOX_CREATED)) {
                if (exists) created.add(id);
            } else if (!exists || kinds.contains(Change.Kind.MAILBOX_DELETED)) {
                if (!exists) destroyed.add(id);
                else updated.add(id);
            } else {
                updated.add(id);
                if (kinds.contains(Change.Kind.MAILBOX_RENAMED)) onlyCounts = false;
            }
        }
        ObjectNode r = changes(account, w, created, updated, destroyed);
        if (onlyCounts && !updated.isEmpty()) r.set("updatedProperties", Json.array(COUNT_PROPERTIES));
        else r.putNull("updatedProperties");
        return r;
    }

    public ObjectNode mailboxQuery(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        AccountView view = views.view(scope);
        Set<String> subscribed = scope.own() ? new HashSet<>(store.subscriptions(c.accountId())) : Set.of();
        JsonNode filter = c.args().get("filter");
        Predicate<Mailbox> p = mailboxFilter(filter, view, subscribed);
        List<Mailbox> out = new ArrayList<>();
        for (Mailbox m : view.mailboxes()) if (p.test(m)) out.add(m);
        Comparator<Mailbox> order = null;
        JsonNode sort = c.args().get("sort");
        if (sort != null && !sort.isNull()) {
            for (JsonNode s : sort) {
                String prop = s.path("property").asText();
                boolean asc = s.path("isAscending").asBoolean(true);
                Comparator<Mailbox> k = switch (prop) {
                    case "name" -> Comparator.comparing(m -> leaf(m.name()));
                    case "sortOrder" -> Comparator.comparingInt(m -> m.specialUse() == SpecialUse.INBOX ? 0 : m.specialUse() != null ? 1 : 10);
                    default -> throw MethodError.unsupportedSort("cannot sort mailboxes by " + prop);
                };
                if (!asc) k = k.reversed();
                order = order == null ? k : order.thenComparing(k);
            }
        }
        if (order != null) out.sort(order.thenComparingLong(Mailbox::id));
        if (Json.optBoolean(c.args(), "sortAsTree", false)) out = tree(out, view);
        List<String> ids = out.stream().map(m -> Ids.mailbox(m.id())).toList();
        return page(c, account, view.state(), ids, true);
    }

    private static List<Mailbox> tree(List<Mailbox> sorted, AccountView view) {
        List<Mailbox> out = new ArrayList<>();
        addChildren(null, sorted, view, out);
        for (Mailbox m : sorted) if (!out.contains(m)) out.add(m);
        return out;
    }

    private static void addChildren(Mailbox parent, List<Mailbox> sorted, AccountView view, List<Mailbox> out) {
        for (Mailbox m : sorted) {
            Mailbox p = parent(view, m);
            if ((parent == null && p == null) || (parent != null && p != null && p.id() == parent.id())) {
                out.add(m);
                addChildren(m, sorted, view, out);
            }
        }
    }

    private static Predicate<Mailbox> mailboxFilter(JsonNode f, AccountView view, Set<String> subscribed) {
        if (f == null || f.isNull()) return m -> true;
        if (f.has("operator")) {
            List<Predicate<Mailbox>> parts = new ArrayList<>();
            for (JsonNode x : f.path("conditions")) parts.add(mailboxFilter(x, view, subscribed));
            return switch (f.path("operator").asText()) {
                case "AND" -> m -> parts.stream().allMatch(p -> p.test(m));
                case "OR" -> m -> parts.stream().anyMatch(p -> p.test(m));
                case "NOT" -> m -> parts.stream().noneMatch(p -> p.test(m));
                default -> throw MethodError.invalidArguments("unknown operator");
            };
        }
        List<Predicate<Mailbox>> all = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : f.properties()) {
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "parentId" -> all.add(m -> {
                    Mailbox p = parent(view, m);
                    return v.isNull() ? p == null : p != null && Ids.mailbox(p.id()).equals(v.asText());
                });
                case "name" -> all.add(m -> leaf(m.name()).toLowerCase(Locale.ROOT).contains(v.asText().toLowerCase(Locale.ROOT)));
                case "role" -> all.add(m -> v.isNull() ? m.specialUse() == null : m.specialUse() != null && role(m.specialUse()).equals(v.asText()));
                case "hasAnyRole" -> all.add(m -> (m.specialUse() != null) == v.asBoolean());
                case "isSubscribed" -> all.add(m -> subscribed.contains(m.name()) == v.asBoolean());
                default -> throw MethodError.unsupportedFilter("unknown mailbox filter " + e.getKey());
            }
        }
        return m -> all.stream().allMatch(p -> p.test(m));
    }

    /**
     * Mailbox/queryChanges: every mailbox the window touched is reported (also one created and
     * destroyed within it: the old results may have been read after it was created). As a tree
     * (sortAsTree, filterAsTree) a mailbox's place depends on its ancestors, so a mailbox created,
     * renamed (moved) or destroyed reports every one (RFC 8620 5.6 allows more than the least).
     */
    public ObjectNode mailboxQueryChanges(Call c) {
        Scope scope = shared.scope(c);
        boolean tree = Json.optBoolean(c.args(), "sortAsTree", false) || Json.optBoolean(c.args(), "filterAsTree", false);
        ObjectNode now = mailboxQuery(queryCall(c));
        return queryChanges(c, now, () -> {
            long since = state(changesCall(c), "sinceState");
            EmailChanges.Window w = EmailChanges.read(log, views.view(scope), since, null, true);
            Set<String> all = new LinkedHashSet<>();
            boolean structural = false;
            for (Map.Entry<Long, Set<Change.Kind>> e : w.mailboxes().entrySet()) {
                all.add(Ids.mailbox(e.getKey()));
                Set<Change.Kind> k = e.getValue();
                if (k.contains(Change.Kind.MAILBOX_CREATED) || k.contains(Change.Kind.MAILBOX_DELETED) || k.contains(Change.Kind.MAILBOX_RENAMED)) {
                    structural = true;
                }
            }
            if (tree && structural) now.path("ids").forEach(x -> all.add(x.asText()));
            return new ArrayList<>(all);
        });
    }

    // ---- Thread ----

    /** Threads of a view: Emails by thread id, each thread's Emails by receivedAt. */
    final class Threads {
        private final AccountView view;
        private Map<String, List<AccountView.Email>> byThread;

        Threads(AccountView view) {
            this.view = view;
        }

        String of(AccountView.Email e) {
            return cache.summary(e.sha()).threadId();
        }

        List<AccountView.Email> emails(String threadId) {
            if (byThread == null) {
                byThread = new HashMap<>();
                for (AccountView.Email e : view.emails()) byThread.computeIfAbsent(of(e), k -> new ArrayList<>()).add(e);
                for (List<AccountView.Email> l : byThread.values()) {
                    l.sort(Comparator.comparing(AccountView.Email::receivedAt).thenComparing(AccountView.Email::id));
                }
            }
            return byThread.getOrDefault(threadId, List.of());
        }
    }

    public ObjectNode threadGet(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        AccountView view = views.view(scope);
        Threads threads = new Threads(view);
        List<String> ids = ids(c);
        ObjectNode r = get(account, view.state());
        ArrayNode list = r.putArray("list");
        ArrayNode notFound = r.putArray("notFound");
        if (ids == null) throw MethodError.requestTooLarge("Thread/get needs ids");
        for (String id : ids) {
            List<AccountView.Email> emails = threads.emails(id);
            if (emails.isEmpty()) {
                notFound.add(id);
                continue;
            }
            ObjectNode t = list.addObject();
            t.put("id", id);
            ArrayNode e = t.putArray("emailIds");
            emails.forEach(x -> e.add(x.id()));
        }
        return r;
    }

    public ObjectNode threadChanges(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        long since = state(c, "sinceState");
        Long max = Json.optLong(c.args(), "maxChanges");
        EmailChanges.Window w = EmailChanges.read(log, views.view(scope), since, max, false);
        AccountView now = views.view(scope);
        Threads threads = new Threads(now);
        Set<String> updated = new LinkedHashSet<>();
        Set<String> destroyed = new LinkedHashSet<>();
        for (String sha : w.emails().keySet()) {
            String thread;
            try {
                thread = cache.summary(sha).threadId();
            } catch (RuntimeException gone) {
                throw MethodError.cannotCalculateChanges("a changed message is gone");
            }
            if (threads.emails(thread).isEmpty()) destroyed.add(thread);
            else updated.add(thread);
        }
        return changes(account, w, List.of(), new ArrayList<>(updated), new ArrayList<>(destroyed));
    }

    // ---- Email ----

    public ObjectNode emailGet(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        AccountView view = views.view(scope);
        List<String> ids = ids(c);
        if (ids == null) throw MethodError.requestTooLarge("Email/get needs ids");
        List<String> props = Json.optStrings(c.args(), "properties");
        if (props == null) props = EmailRender.DEFAULT_PROPERTIES;
        EmailRender.check(props);
        if (!props.contains("id")) {
            props = new ArrayList<>(props);
            props.addFirst("id");
        }
        List<String> bodyProps = Json.optStrings(c.args(), "bodyProperties");
        if (bodyProps == null) bodyProps = EmailRender.DEFAULT_BODY_PROPERTIES;
        Long max = Json.optLong(c.args(), "maxBodyValueBytes");
        if (max != null && max < 0) throw MethodError.invalidArguments("maxBodyValueBytes must not be negative");
        EmailRender.BodyOptions opts = new EmailRender.BodyOptions(bodyProps, Json.optBoolean(c.args(), "fetchTextBodyValues", false),
                Json.optBoolean(c.args(), "fetchHTMLBodyValues", false), Json.optBoolean(c.args(), "fetchAllBodyValues", false),
                max == null ? 0 : max);
        boolean parse = EmailRender.needsParse(props);
        ObjectNode r = get(account, view.state());
        ArrayNode list = r.putArray("list");
        ArrayNode notFound = r.putArray("notFound");
        for (String id : ids) {
            AccountView.Email e = view.email(id);
            if (e == null) {
                notFound.add(id);
                continue;
            }
            EmailSummary summary = cache.summary(e.sha());
            list.add(EmailRender.email(e, props, summary, parse ? cache.parsed(e.sha()) : null, opts));
        }
        return r;
    }

    public ObjectNode emailChanges(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        long since = state(c, "sinceState");
        Long max = Json.optLong(c.args(), "maxChanges");
        if (max != null && max <= 0) throw MethodError.invalidArguments("maxChanges must be positive");
        EmailChanges.Window w = EmailChanges.read(log, views.view(scope), since, max, false);
        List<List<String>> sorted = EmailChanges.classify(w, views.view(scope));
        return changes(account, w, sorted.get(0), sorted.get(1), sorted.get(2));
    }

    /** Email/query's results for a call: sorted, filtered, collapsed; the view they come from. */
    record Query(AccountView view, List<AccountView.Email> results) { }

    /** Reads a view again this many times when a body it holds is gone before the query read it. */
    private static final int GONE_ATTEMPTS = 4;

    /**
     * The query on a fresh view. A message expunged after the view was read loses its body with
     * its last entry (the store frees it at once), so reading it fails: the view is then older than
     * the store, and the query runs again on a view read after the expunge.
     */
    Query query(Call c) {
        for (int attempt = 1; ; attempt++) {
            try {
                return query(c, views.view(shared.scope(c)));
            } catch (StoreException.NotFound gone) {
                if (attempt >= GONE_ATTEMPTS) throw gone;
            }
        }
    }

    /** Whether a query's results depend on other Emails of a thread than the one shown. */
    static boolean threaded(JsonNode args) {
        return Json.optBoolean(args, "collapseThreads", false) || EmailFilter.usesThreads(args.get("filter"))
                || args.path("sort").toString().contains("InThreadHaveKeyword");
    }

    private Query query(Call c, AccountView view) {
        Threads threads = new Threads(view);
        TextSearch text = new TextSearch(search, cache);
        EmailFilter.Context ctx = new EmailFilter.Context() {
            public AccountView view() {
                return view;
            }

            public EmailSummary summary(AccountView.Email e) {
                return cache.summary(e.sha());
            }

            public List<AccountView.Email> thread(String threadId) {
                return threads.emails(threadId);
            }

            public String bodyText(AccountView.Email e) {
                return cache.parsed(e.sha()).bodyText();
            }

            public List<HeaderField> headers(AccountView.Email e) {
                return cache.parsed(e.sha()).header().fields();
            }

            public boolean text(AccountView.Email e, String condition, String needle) {
                return text.matches(e, condition, needle);
            }
        };
        Predicate<AccountView.Email> filter = EmailFilter.parse(c.args().get("filter"), ctx);
        Comparator<AccountView.Email> order = order(c.args().get("sort"), ctx);
        boolean collapse = Json.optBoolean(c.args(), "collapseThreads", false);
        // The same query on the same content (no change to the account since) is answered from the last result.
        String key = "query\0" + c.args().path("filter") + "\0" + c.args().path("sort") + "\0" + collapse;
        boolean threaded = threaded(c.args());
        List<AccountView.Email> out = view.derived(key, () -> {
            // Over threads, every Email's thread is known from here on (kept by content address), also of one
            // the filter leaves out: /queryChanges needs the thread of an Email these results were computed
            // with after it is gone with its body.
            if (threaded) threads.emails("");
            List<AccountView.Email> l = new ArrayList<>();
            for (AccountView.Email e : view.emails()) if (filter.test(e)) l.add(e);
            l.sort(order);
            if (collapse) {
                Set<String> seen = new HashSet<>();
                l.removeIf(e -> !seen.add(threads.of(e)));
            }
            return List.copyOf(l);
        });
        return new Query(view, out);
    }

    public ObjectNode emailQuery(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        Query q = query(c);
        return page(c, account, q.view().state(), q.results().stream().map(AccountView.Email::id).toList(), true);
    }

    private Comparator<AccountView.Email> order(JsonNode sort, EmailFilter.Context ctx) {
        Comparator<AccountView.Email> byDate = Comparator.comparing(AccountView.Email::receivedAt).reversed();
        if (sort == null || sort.isNull() || sort.isEmpty()) return byDate.thenComparing(AccountView.Email::id);
        if (!sort.isArray()) throw MethodError.invalidArguments("sort is a list of Comparators");
        Comparator<AccountView.Email> order = null;
        for (JsonNode s : sort) {
            String prop = s.path("property").asText();
            if (!EMAIL_SORTS.contains(prop)) throw MethodError.unsupportedSort("cannot sort by " + prop);
            boolean asc = s.path("isAscending").asBoolean(true);
            String kw = s.path("keyword").asText(null);
            if (prop.endsWith("eyword") && kw == null) throw MethodError.invalidArguments(prop + " needs a keyword");
            Comparator<AccountView.Email> k = switch (prop) {
                case "receivedAt" -> Comparator.comparing(AccountView.Email::receivedAt);
                case "size" -> Comparator.comparingLong(AccountView.Email::size);
                case "from" -> Comparator.comparing(e -> EmailSummary.sortKey(ctx.summary(e).from()));
                case "to" -> Comparator.comparing(e -> EmailSummary.sortKey(ctx.summary(e).to()));
                case "subject" -> Comparator.comparing(e -> baseSubject(ctx.summary(e).subject()));
                case "sentAt" -> Comparator.comparing(e -> ctx.summary(e).sentAt() == null ? e.receivedAt() : ctx.summary(e).sentAt().toInstant());
                case "hasKeyword" -> Comparator.comparing(e -> Keywords.has(e.flags(), kw));
                case "allInThreadHaveKeyword" -> Comparator.comparing(e -> ctx.thread(ctx.summary(e).threadId()).stream().allMatch(x -> Keywords.has(x.flags(), kw)));
                default -> Comparator.comparing(e -> ctx.thread(ctx.summary(e).threadId()).stream().anyMatch(x -> Keywords.has(x.flags(), kw)));
            };
            if (!asc) k = k.reversed();
            order = order == null ? k : order.thenComparing(k);
        }
        return order.thenComparing(byDate).thenComparing(AccountView.Email::id);
    }

    /** The subject without Re:/Fwd: prefixes, lower case: what a subject sort compares. */
    static String baseSubject(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        while (true) {
            String u = t.replaceFirst("^(re|fwd?|aw|wg)\\s*(\\[\\d+\\])?\\s*:\\s*", "");
            if (u.equals(t)) return t;
            t = u;
        }
    }

    /**
     * Email/queryChanges. For a query over threads (collapseThreads, *InThreadHaveKeyword), a
     * change to one Email can move the others of its thread (another becomes the one shown, a
     * keyword of the thread changes), so every Email of a touched thread is reported with it;
     * a thread is known from the Email's content (kept by content address in {@link MessageCache}),
     * and only an Email that was there before and is gone with its content before it was ever read
     * leaves it unknown (then cannotCalculateChanges).
     */
    public ObjectNode emailQueryChanges(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        boolean threaded = threaded(c.args());
        Call qc = queryCall(c);
        Query q = query(qc);
        AccountView view = q.view();
        ObjectNode now = page(qc, account, view.state(), q.results().stream().map(AccountView.Email::id).toList(), true);
        return queryChanges(c, now, () -> {
            long since = state(changesCall(c), "sinceState");
            // The window reaches at least to the query's view (read after it), which maps flag changes to Emails.
            EmailChanges.Window w = EmailChanges.read(log, view, since, null, false);
            // Every Email the window touched, also one created and destroyed within it: the old results
            // may have been read after it came (a view's content is at least as new as its state).
            Set<String> all = new LinkedHashSet<>();
            for (String sha : w.emails().keySet()) all.add(Ids.email(sha));
            if (threaded) {
                Set<String> touchedThreads = new HashSet<>();
                for (Map.Entry<String, EmailChanges.Touched> e : w.emails().entrySet()) {
                    String sha = e.getKey();
                    AccountView.Email inView = view.email(Ids.email(sha));
                    try {
                        touchedThreads.add(cache.summary(sha).threadId());
                    } catch (RuntimeException gone) {
                        // Not in the query's view and gone with its content: if it came within the window it was in
                        // no result list (the old results' view was exact at their state, and a query over threads
                        // learns the thread of every Email of its view), so nothing moved for it.
                        if (inView == null && !EmailChanges.existedBefore(e.getValue(), null)) continue;
                        throw MethodError.cannotCalculateChanges("an Email of the window is gone, and its thread with it");
                    }
                }
                // The thread members the results were computed from (all known: the query learnt every thread).
                Threads threads = new Threads(view);
                for (String t : touchedThreads) for (AccountView.Email e : threads.emails(t)) all.add(e.id());
            }
            return new ArrayList<>(all);
        });
    }

    public ObjectNode searchSnippetGet(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        AccountView view = views.view(scope);
        List<String> ids = Json.optStrings(c.args(), "emailIds");
        if (ids == null) throw MethodError.invalidArguments("emailIds is required");
        if (ids.size() > limits.maxObjectsInGet()) throw MethodError.requestTooLarge("at most " + limits.maxObjectsInGet() + " ids");
        List<String> terms = new ArrayList<>();
        collectTerms(c.args().get("filter"), terms);
        ObjectNode r = Json.object();
        r.put("accountId", account);
        ArrayNode list = r.putArray("list");
        ArrayNode notFound = r.putArray("notFound");
        for (String id : ids) {
            AccountView.Email e = view.email(id);
            if (e == null) {
                notFound.add(id);
                continue;
            }
            ObjectNode s = list.addObject();
            s.put("emailId", id);
            EmailSummary sum = cache.summary(e.sha());
            String subj = Snippets.highlight(sum.subject(), terms, false);
            if (subj == null) s.putNull("subject");
            else s.put("subject", subj);
            String body = Snippets.highlight(cache.parsed(e.sha()).bodyText(), terms, true);
            if (body == null) s.putNull("preview");
            else s.put("preview", body);
        }
        return r;
    }

    private static void collectTerms(JsonNode f, List<String> out) {
        if (f == null || f.isNull()) return;
        if (f.has("operator")) {
            if (!f.path("operator").asText().equals("NOT")) for (JsonNode x : f.path("conditions")) collectTerms(x, out);
            return;
        }
        for (String k : List.of("text", "subject", "body")) if (f.path(k).isTextual()) out.add(f.get(k).asText());
    }

    // ---- shared shapes ----

    private static ObjectNode get(String account, long state) {
        ObjectNode r = Json.object();
        r.put("accountId", account);
        r.put("state", String.valueOf(state));
        return r;
    }

    private List<String> ids(Call c) {
        List<String> ids = Json.optStrings(c.args(), "ids");
        if (ids != null && ids.size() > limits.maxObjectsInGet()) {
            throw MethodError.requestTooLarge("at most " + limits.maxObjectsInGet() + " ids in one /get");
        }
        return ids == null ? null : ids.stream().map(c::id).toList();
    }

    private static List<String> properties(Call c, List<String> dflt, Set<String> known) {
        List<String> p = Json.optStrings(c.args(), "properties");
        if (p == null) return dflt;
        for (String x : p) if (!known.contains(x)) throw MethodError.invalidArguments("unknown property " + x);
        if (!p.contains("id")) {
            p = new ArrayList<>(p);
            p.addFirst("id");
        }
        return p;
    }

    private static ObjectNode changes(String account, EmailChanges.Window w, List<String> created, List<String> updated, List<String> destroyed) {
        ObjectNode r = Json.object();
        r.put("accountId", account);
        r.put("oldState", String.valueOf(w.oldState()));
        r.put("newState", String.valueOf(w.newState()));
        r.put("hasMoreChanges", w.hasMore());
        r.set("created", Json.array(created));
        r.set("updated", Json.array(updated));
        r.set("destroyed", Json.array(destroyed));
        return r;
    }

    /** position/anchor/anchorOffset/limit/calculateTotal over the full result (RFC 8620 5.5). */
    private ObjectNode page(Call c, String account, long state, List<String> ids, boolean canCalculateChanges) {
        Long position = Json.optLong(c.args(), "position");
        String anchor = Json.optString(c.args(), "anchor");
        Long anchorOffset = Json.optLong(c.args(), "anchorOffset");
        Long limit = Json.optLong(c.args(), "limit");
        if (limit != null && limit < 0) throw MethodError.invalidArguments("limit must not be negative");
        int max = limits.maxQueryLimit();
        int n = limit == null ? max : (int) Math.min(limit, max);
        int start;
        if (anchor != null) {
            int i = ids.indexOf(anchor);
            if (i < 0) throw MethodError.anchorNotFound();
            start = (int) Math.max(0, i + (anchorOffset == null ? 0 : anchorOffset));
        } else {
            long p = position == null ? 0 : position;
            if (p < 0) p = Math.max(0, ids.size() + p);
            start = (int) Math.min(p, ids.size());
        }
        int end = Math.min(ids.size(), start + n);
        ObjectNode r = Json.object();
        r.put("accountId", account);
        r.put("queryState", String.valueOf(state));
        r.put("canCalculateChanges", canCalculateChanges);
        r.put("position", start);
        r.set("ids", Json.array(ids.subList(start, end)));
        if (Json.optBoolean(c.args(), "calculateTotal", false)) r.put("total", ids.size());
        if (limit != null && limit > max) r.put("limit", max);
        return r;
    }

    /**
     * /queryChanges from /changes (RFC 8620 5.6): every Email (Mailbox) that changed since the
     * old query state is in {@code removed}, and those of them in the new results in
     * {@code added} with their index; unchanged objects keep their relative order, since the
     * sort and filter look at nothing but the object itself.
     */
    private ObjectNode queryChanges(Call c, ObjectNode now, java.util.function.Supplier<List<String>> changed) {
        String account = c.args().path("accountId").asText(); // checked by the caller
        Long maxChanges = Json.optLong(c.args(), "maxChanges");
        String up = Json.optString(c.args(), "upToId");
        // The query first (now), the changes after: the changes then reach at least to the query's state (a change
        // made between the two is reported though the results do not show it yet: more than needed, never less).
        List<String> touched = changed.get();
        List<String> ids = new ArrayList<>();
        now.path("ids").forEach(x -> ids.add(x.asText()));
        Set<String> t = new LinkedHashSet<>(touched);
        ArrayNode added = Json.array();
        for (int i = 0; i < ids.size(); i++) {
            if (t.contains(ids.get(i))) {
                ObjectNode a = added.addObject();
                a.put("id", ids.get(i));
                a.put("index", i);
            }
            if (up != null && ids.get(i).equals(up)) break;
        }
        if (maxChanges != null && touched.size() + added.size() > maxChanges) {
            throw new MethodError("tooManyChanges", "more than " + maxChanges + " changes");
        }
        ObjectNode r = Json.object();
        r.put("accountId", account);
        r.put("oldQueryState", c.args().path("sinceQueryState").asText());
        r.put("newQueryState", now.path("queryState").asText());
        r.set("removed", Json.array(touched));
        r.set("added", added);
        if (Json.optBoolean(c.args(), "calculateTotal", false)) r.put("total", ids.size());
        return r;
    }

    private static Call queryCall(Call c) {
        ObjectNode a = c.args().deepCopy();
        a.remove(List.of("sinceQueryState", "maxChanges", "upToId", "position", "anchor", "anchorOffset"));
        a.put("limit", Integer.MAX_VALUE);
        return new Call(c.name(), a, "", c.accountId(), c.createdIds(), List.of());
    }

    private static Call changesCall(Call c) {
        ObjectNode a = Json.object();
        a.put("accountId", c.args().path("accountId").asText());
        a.put("sinceState", Json.string(c.args(), "sinceQueryState"));
        return new Call(c.name(), a, "", c.accountId(), c.createdIds(), List.of());
    }
}
