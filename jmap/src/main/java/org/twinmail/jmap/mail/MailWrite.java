package org.twinmail.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.jmap.core.Call;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.core.MethodError;
import org.twinmail.jmap.core.SetResult;
import org.twinmail.store.AccountMailboxes;
import org.twinmail.store.AppendResult;
import org.twinmail.store.FlagChange;
import org.twinmail.store.MailStore;
import org.twinmail.store.Rights;
import org.twinmail.store.StoreException;

/**
 * The writing methods of RFC 8621: Mailbox/set, Email/set (keywords, mailboxIds, create,
 * destroy), Email/import, Email/copy, Email/parse. Every change is a store call IMAP makes
 * too (append, copy, flag store, expunge, mailbox create/rename/delete), so both protocols
 * see it at once.
 */
public final class MailWrite {
    private final MailStore store;
    private final Views views;
    private final MessageCache cache;
    private final Blobs blobs;
    private final int maxObjectsInSet;
    private final String hostname;
    private final SharedAccounts shared;

    public MailWrite(MailStore store, Views views, MessageCache cache, Blobs blobs, int maxObjectsInSet, String hostname) {
        this(store, views, cache, blobs, maxObjectsInSet, hostname, new SharedAccounts(store, views));
    }

    /** @param shared the accounts the user reaches through ACLs (Email/copy's other side) */
    public MailWrite(MailStore store, Views views, MessageCache cache, Blobs blobs, int maxObjectsInSet, String hostname, SharedAccounts shared) {
        this.shared = shared;
        this.store = store;
        this.views = views;
        this.cache = cache;
        this.blobs = blobs;
        this.maxObjectsInSet = maxObjectsInSet;
        this.hostname = hostname;
    }

    private static void ifInState(Call c, AccountView view) {
        String s = Json.optString(c.args(), "ifInState");
        if (s != null && !s.equals(String.valueOf(view.state()))) {
            throw new MethodError("stateMismatch", "the state is " + view.state() + ", not " + s);
        }
    }

    private List<String> destroyIds(Call c) {
        List<String> d = Json.optStrings(c.args(), "destroy");
        return d == null ? List.of() : d.stream().map(c::id).toList();
    }

    // ---- Mailbox/set ----

    public ObjectNode mailboxSet(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        org.twinmail.store.Mailboxes writer = scope.writer();
        SetResult.checkSize(c.args(), maxObjectsInSet);
        AccountView view = views.view(scope);
        ifInState(c, view);
        boolean removeEmails = Json.optBoolean(c.args(), "onDestroyRemoveEmails", false);
        SetResult r = new SetResult();
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "create")) {
            try {
                JsonNode m = e.getValue();
                String name = m.path("name").asText(null);
                if (name == null || !validName(name)) throw new Refused("invalidProperties", "name is required, without '/'", "name");
                String parent = parentName(c, views.view(scope), m.get("parentId"));
                SpecialUse role = role(m.get("role"));
                if (!scope.own()) {
                    // RFC 8621 2.5: a mailbox of another account is made under one where the user may create (k)
                    if (parent == null) throw new Refused("forbidden", "no mailbox may be created at the top of a shared account", "parentId");
                    if (role != null) throw new Refused("forbidden", "roles are the owner's", "role");
                }
                for (String p : List.of("id", "totalEmails", "unreadEmails", "totalThreads", "unreadThreads", "myRights")) {
                    if (m.has(p)) throw new Refused("invalidProperties", p + " is set by the server", p);
                }
                Mailbox created = writer.createMailbox(scope.owner(), parent == null ? name : parent + org.twinmail.store.Mailboxes.DELIMITER + name, role);
                if (scope.own() && m.path("isSubscribed").asBoolean(false)) store.setSubscribed(c.accountId(), created.name(), true);
                ObjectNode o = Json.object();
                o.put("id", Ids.mailbox(created.id()));
                for (String p : MailRead.COUNT_PROPERTIES) o.put(p, 0);
                c.createdIds().put(e.getKey(), Ids.mailbox(created.id()));
                r.created(e.getKey(), o);
            } catch (Refused x) {
                r.notCreated(e.getKey(), x.error());
            } catch (StoreException.Conflict x) {
                r.notCreated(e.getKey(), SetResult.error("invalidProperties", x.getMessage(), "name"));
            } catch (StoreException.Forbidden | StoreException.NotFound x) {
                r.notCreated(e.getKey(), SetResult.error("forbidden", x.getMessage(), "parentId"));
            } catch (IllegalArgumentException x) {
                r.notCreated(e.getKey(), SetResult.error("invalidProperties", x.getMessage(), "name"));
            }
        }
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "update")) {
            String id = c.id(e.getKey());
            try {
                AccountView now = views.view(scope);
                Mailbox m = now.mailbox(Ids.mailboxOf(id));
                if (m == null) throw new Refused("notFound", null);
                JsonNode u = e.getValue();
                String name = MailRead.leaf(m.name());
                Mailbox parentBox = MailRead.parent(now, m);
                String parent = parentBox == null ? null : parentBox.name();
                for (Map.Entry<String, JsonNode> p : u.properties()) {
                    switch (p.getKey()) {
                        case "name" -> {
                            if (!p.getValue().isTextual() || !validName(p.getValue().asText())) throw new Refused("invalidProperties", "bad name", "name");
                            name = p.getValue().asText();
                        }
                        case "parentId" -> parent = parentName(c, now, p.getValue());
                        case "isSubscribed" -> { }
                        case "role" -> {
                            SpecialUse want = role(p.getValue());
                            if (want != m.specialUse()) throw new Refused("invalidProperties", "the role of a mailbox cannot change", "role");
                        }
                        case "sortOrder" -> { }
                        default -> throw new Refused("invalidProperties", p.getKey() + " cannot be set", p.getKey());
                    }
                }
                String full = parent == null ? name : parent + org.twinmail.store.Mailboxes.DELIMITER + name;
                if (parent != null && (parent.equals(m.name()) || parent.startsWith(m.name() + org.twinmail.store.Mailboxes.DELIMITER))) {
                    throw new Refused("invalidProperties", "a mailbox cannot move under itself", "parentId");
                }
                if (!full.equals(m.name())) {
                    if (m.specialUse() == SpecialUse.INBOX) throw new Refused("forbidden", "INBOX cannot be renamed");
                    if (!scope.rights(m.id()).has('x')) throw new Refused("forbidden", "renaming needs the x right");
                    writer.renameMailbox(scope.owner(), m.name(), full);
                }
                if (u.has("isSubscribed") && scope.own()) store.setSubscribed(c.accountId(), full, u.get("isSubscribed").asBoolean());
                r.updated(id, NullNode.getInstance());
            } catch (Refused x) {
                r.notUpdated(id, x.error());
            } catch (StoreException.Forbidden | StoreException.NotFound x) {
                r.notUpdated(id, SetResult.error("forbidden", x.getMessage()));
            } catch (StoreException.Conflict | IllegalArgumentException x) {
                r.notUpdated(id, SetResult.error("invalidProperties", x.getMessage(), "name"));
            }
        }
        for (String id : destroyIds(c)) {
            AccountView now = views.view(scope);
            Mailbox m = now.mailbox(Ids.mailboxOf(id));
            if (m == null) {
                r.notDestroyed(id, SetResult.error("notFound", null));
                continue;
            }
            if (m.specialUse() == SpecialUse.INBOX || !scope.rights(m.id()).has('x')) {
                r.notDestroyed(id, SetResult.error("forbidden", m.specialUse() == SpecialUse.INBOX ? "INBOX cannot be destroyed" : "destroying needs the x right"));
                continue;
            }
            // in a shared account, also the mailboxes and Emails the user does not see or read: deleting would take them too
            AccountView all = scope.own() ? now : views.view(scope.owner());
            boolean hasChild = all.mailboxes().stream().anyMatch(x -> x.name().startsWith(m.name() + org.twinmail.store.Mailboxes.DELIMITER));
            if (hasChild) {
                r.notDestroyed(id, SetResult.error("mailboxHasChild", null));
                continue;
            }
            boolean hasEmail = all.emails().stream().anyMatch(x -> x.in(m.id()));
            if (hasEmail && !removeEmails) {
                r.notDestroyed(id, SetResult.error("mailboxHasEmail", null));
                continue;
            }
            try {
                writer.deleteMailbox(scope.owner(), m.name());
                r.destroyed(id);
            } catch (StoreException.Conflict | StoreException.Forbidden | StoreException.NotFound x) {
                r.notDestroyed(id, SetResult.error("forbidden", x.getMessage()));
            }
        }
        return r.toJson(account, String.valueOf(view.state()), String.valueOf(store.lastChangePosition()));
    }

    private static boolean validName(String name) {
        return !name.isEmpty() && name.indexOf(org.twinmail.store.Mailboxes.DELIMITER) < 0 && name.length() <= 255
                && name.chars().noneMatch(ch -> ch < 0x20 || ch == 0x7f);
    }

    private static String parentName(Call c, AccountView view, JsonNode parentId) {
        if (parentId == null || parentId.isNull()) return null;
        Mailbox p = view.mailbox(Ids.mailboxOf(c.id(parentId.asText())));
        if (p == null) throw new Refused("invalidProperties", "no such parent", "parentId");
        return p.name();
    }

    private static SpecialUse role(JsonNode role) {
        if (role == null || role.isNull()) return null;
        for (SpecialUse u : SpecialUse.values()) if (MailRead.role(u).equals(role.asText())) return u;
        throw new Refused("invalidProperties", "unknown role " + role.asText(), "role");
    }

    /** A SetError in the making. */
    static final class Refused extends RuntimeException {
        private final String type;
        private final String[] properties;

        Refused(String type, String description, String... properties) {
            super(description, null, false, false);
            this.type = type;
            this.properties = properties;
        }

        ObjectNode error() {
            return SetResult.error(type, getMessage(), properties);
        }
    }

    // ---- Email/set ----

    public ObjectNode emailSet(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        SetResult.checkSize(c.args(), maxObjectsInSet);
        AccountView view = views.view(scope);
        ifInState(c, view);
        SetResult r = new SetResult();
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "create")) {
            try {
                JsonNode m = e.getValue();
                for (String p : List.of("id", "blobId", "threadId", "size", "hasAttachment", "preview")) {
                    if (m.has(p)) throw new Refused("invalidProperties", p + " is set by the server", p);
                }
                Set<Long> boxes = mailboxIds(c, views.view(scope), m.get("mailboxIds"));
                Set<String> flags = flags(m.get("keywords"));
                mayAdd(scope, boxes, flags);
                Instant received = instant(m.get("receivedAt"));
                byte[] data;
                try {
                    data = new MessageBuilder(m, id -> blobs.download(scope, c.id(id)), hostname).build();
                } catch (MessageBuilder.Invalid x) {
                    String type = x.property().equals("blobId") ? "blobNotFound" : "invalidProperties";
                    throw new Refused(type, x.getMessage(), x.property());
                }
                r.created(e.getKey(), place(c, scope, e.getKey(), data, boxes, flags, received));
            } catch (Refused x) {
                r.notCreated(e.getKey(), x.error());
            }
        }
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "update")) {
            String id = c.id(e.getKey());
            try {
                update(c, scope, id, e.getValue());
                r.updated(id, NullNode.getInstance());
            } catch (Refused x) {
                r.notUpdated(id, x.error());
            } catch (StoreException.Forbidden x) {
                r.notUpdated(id, SetResult.error("forbidden", x.getMessage()));
            }
        }
        for (String id : destroyIds(c)) {
            AccountView.Email email = views.view(scope).email(id);
            if (email == null) {
                r.notDestroyed(id, SetResult.error("notFound", null));
                continue;
            }
            // RFC 8621 2 mayRemoveItems: t and e on every mailbox it is in (as the user sees it)
            if (email.entries().stream().anyMatch(m -> !mayRemove(scope, m.mailboxId()))) {
                r.notDestroyed(id, SetResult.error("forbidden", "removing from a mailbox needs the t and e rights"));
                continue;
            }
            try {
                for (MessageEntry m : email.entries()) scope.writer().expunge(m.mailboxId(), List.of(m.uid()));
                r.destroyed(id);
            } catch (StoreException.Forbidden x) {
                r.notDestroyed(id, SetResult.error("forbidden", x.getMessage()));
            }
        }
        return r.toJson(account, String.valueOf(view.state()), String.valueOf(store.lastChangePosition()));
    }

    /** Whether the user may remove Emails from a mailbox (RFC 8621 mayRemoveItems: RFC 4314 t and e). */
    private static boolean mayRemove(Scope scope, long mailboxId) {
        return scope.rights(mailboxId).hasAll("te");
    }

    /** Refuses (forbidden) what the user may not put into the mailboxes: i on each, and the right of each flag (s, w, t). */
    private static void mayAdd(Scope scope, Set<Long> boxes, Set<String> flags) {
        for (long box : boxes) {
            Rights have = scope.rights(box);
            if (!have.has('i')) throw new Refused("forbidden", "adding to " + Ids.mailbox(box) + " needs the i right", "mailboxIds");
            for (String f : flags) {
                if (!have.has(Rights.flagRight(f))) throw new Refused("forbidden", f + " in " + Ids.mailbox(box) + " needs the " + Rights.flagRight(f) + " right", "keywords");
            }
        }
    }

    /**
     * Appends {@code data} to the first mailbox and copies it to the others, through the scope's
     * writer (a shared account's is the store's checked view: the owner's quota is charged); the
     * created Email's server-set properties.
     */
    private ObjectNode place(Call c, Scope scope, String creationId, byte[] data, Set<Long> boxes, Set<String> flags, Instant received) {
        List<Long> targets = new ArrayList<>(boxes);
        AppendResult first;
        try {
            first = scope.writer().append(targets.getFirst(), MessageSpool.of(data), flags, received);
            for (Long other : targets.subList(1, targets.size())) scope.writer().copy(targets.getFirst(), List.of(first.uid()), other, false);
        } catch (StoreException.QuotaExceeded q) {
            throw new Refused("overQuota", q.getMessage());
        } catch (StoreException.Forbidden f) {
            throw new Refused("forbidden", f.getMessage(), "mailboxIds");
        }
        String sha = MessageSpool.of(data).sha256();
        ObjectNode o = Json.object();
        o.put("id", Ids.email(sha));
        o.put("blobId", Ids.blob(sha));
        o.put("threadId", cache.summary(sha).threadId());
        o.put("size", data.length);
        c.createdIds().put(creationId, Ids.email(sha));
        return o;
    }

    private void update(Call c, Scope scope, String id, JsonNode patch) {
        AccountView view = views.view(scope);
        AccountView.Email email = view.email(id);
        if (email == null) throw new Refused("notFound", null);
        if (!patch.isObject()) throw new Refused("invalidPatch", "a patch is an object");
        Set<String> keywords = null;
        Set<Long> boxes = null;
        Map<String, Boolean> keywordPatch = new java.util.LinkedHashMap<>();
        Map<Long, Boolean> boxPatch = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> p : patch.properties()) {
            String k = p.getKey();
            JsonNode v = p.getValue();
            if (k.equals("keywords")) {
                keywords = new TreeSet<>();
                if (!v.isObject()) throw new Refused("invalidProperties", "keywords is a map", "keywords");
                for (Map.Entry<String, JsonNode> kw : v.properties()) {
                    if (!Keywords.valid(kw.getKey()) || !kw.getValue().asBoolean(false)) throw new Refused("invalidProperties", "bad keyword", "keywords");
                    keywords.add(kw.getKey().toLowerCase(Locale.ROOT));
                }
            } else if (k.startsWith("keywords/")) {
                String kw = k.substring(9);
                if (!Keywords.valid(kw) || !(v.isNull() || v.asBoolean(false))) throw new Refused("invalidPatch", "bad keyword patch " + k);
                keywordPatch.put(kw.toLowerCase(Locale.ROOT), !v.isNull());
            } else if (k.equals("mailboxIds")) {
                boxes = mailboxIds(c, view, v);
            } else if (k.startsWith("mailboxIds/")) {
                long box = Ids.mailboxOf(c.id(k.substring(11)));
                if (view.mailbox(box) == null) throw new Refused("invalidProperties", "no such mailbox " + k.substring(11), "mailboxIds");
                if (!(v.isNull() || v.asBoolean(false))) throw new Refused("invalidPatch", "bad mailbox patch " + k);
                boxPatch.put(box, !v.isNull());
            } else {
                throw new Refused("invalidProperties", k + " cannot be changed", k);
            }
        }
        if (keywords != null && !keywordPatch.isEmpty()) throw new Refused("invalidPatch", "keywords and keywords/... together");
        if (boxes != null && !boxPatch.isEmpty()) throw new Refused("invalidPatch", "mailboxIds and mailboxIds/... together");
        // keywords: the same change on every entry of the Email
        Set<String> current = Keywords.keywords(email.flags());
        Set<String> target = keywords != null ? keywords : new TreeSet<>(current);
        keywordPatch.forEach((kw, on) -> {
            if (on) target.add(kw);
            else target.remove(kw);
        });
        Set<String> add = new TreeSet<>();
        Set<String> remove = new TreeSet<>();
        for (String kw : target) if (!current.contains(kw)) add.add(Keywords.flag(kw));
        for (String kw : current) if (!target.contains(kw)) remove.add(Keywords.flag(kw));
        // rights first, for the whole change (nothing is written when one is missing): each flag's on every entry,
        // i on every mailbox added, t and e on every mailbox left
        Set<Long> now = email.mailboxIds();
        Set<Long> want = boxes != null ? boxes : new LinkedHashSet<>(now);
        boxPatch.forEach((box, on) -> {
            if (on) want.add(box);
            else want.remove(box);
        });
        if (want.isEmpty()) throw new Refused("invalidProperties", "an Email is in at least one mailbox", "mailboxIds");
        if (!scope.own()) {
            for (MessageEntry m : email.entries()) {
                Rights have = scope.rights(m.mailboxId());
                for (String f : add) if (!have.has(Rights.flagRight(f))) throw new Refused("forbidden", "setting " + f + " needs the " + Rights.flagRight(f) + " right", "keywords");
                for (String f : remove) if (!have.has(Rights.flagRight(f))) throw new Refused("forbidden", "clearing " + f + " needs the " + Rights.flagRight(f) + " right", "keywords");
            }
            for (long box : want) if (!now.contains(box) && !scope.rights(box).has('i')) throw new Refused("forbidden", "adding to " + Ids.mailbox(box) + " needs the i right", "mailboxIds");
            for (long box : now) if (!want.contains(box) && !mayRemove(scope, box)) throw new Refused("forbidden", "removing from " + Ids.mailbox(box) + " needs the t and e rights", "mailboxIds");
        }
        org.twinmail.store.Mailboxes writer = scope.writer();
        for (MessageEntry m : email.entries()) {
            if (!add.isEmpty()) writer.storeFlags(m.mailboxId(), List.of(m.uid()), FlagChange.ADD, add, -1);
            if (!remove.isEmpty()) writer.storeFlags(m.mailboxId(), List.of(m.uid()), FlagChange.REMOVE, removeAll(m.flags(), remove), -1);
        }
        // mailboxes: copy into the new ones (the body is shared, the id stays), then expunge from the old ones
        if (want.equals(now)) return;
        MessageEntry source = email.entries().getFirst();
        for (long box : want) {
            if (now.contains(box)) continue;
            try {
                writer.copy(source.mailboxId(), List.of(source.uid()), box, false);
            } catch (StoreException.QuotaExceeded q) {
                throw new Refused("overQuota", q.getMessage());
            }
        }
        for (MessageEntry m : email.entries()) {
            if (!want.contains(m.mailboxId())) writer.expunge(m.mailboxId(), List.of(m.uid()));
        }
    }

    /** The stored flags that spell the keywords to remove (IMAP keywords keep the case they were stored in). */
    private static Set<String> removeAll(Set<String> flags, Set<String> remove) {
        Set<String> out = new HashSet<>(remove);
        for (String f : flags) {
            String k = Keywords.keyword(f);
            if (k != null && remove.contains(Keywords.flag(k))) out.add(f);
        }
        return out;
    }

    private static Set<Long> mailboxIds(Call c, AccountView view, JsonNode v) {
        if (v == null || !v.isObject() || v.isEmpty()) throw new Refused("invalidProperties", "mailboxIds names at least one mailbox", "mailboxIds");
        Set<Long> out = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            long id = Ids.mailboxOf(c.id(e.getKey()));
            if (view.mailbox(id) == null || !e.getValue().asBoolean(false)) {
                throw new Refused("invalidProperties", "no such mailbox " + e.getKey(), "mailboxIds");
            }
            out.add(id);
        }
        return out;
    }

    private static Set<String> flags(JsonNode keywords) {
        Set<String> out = new TreeSet<>();
        if (keywords == null || keywords.isNull()) return out;
        if (!keywords.isObject()) throw new Refused("invalidProperties", "keywords is a map", "keywords");
        for (Map.Entry<String, JsonNode> e : keywords.properties()) {
            if (!Keywords.valid(e.getKey()) || !e.getValue().asBoolean(false)) throw new Refused("invalidProperties", "bad keyword " + e.getKey(), "keywords");
            out.add(Keywords.flag(e.getKey()));
        }
        return out;
    }

    private static Instant instant(JsonNode v) {
        if (v == null || v.isNull()) return Instant.now();
        try {
            return Instant.parse(v.asText());
        } catch (DateTimeParseException e) {
            throw new Refused("invalidProperties", "receivedAt is a UTCDate", "receivedAt");
        }
    }

    // ---- Email/import, /copy, /parse ----

    public ObjectNode emailImport(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        AccountView view = views.view(scope);
        ifInState(c, view);
        JsonNode emails = c.args().get("emails");
        if (emails == null || !emails.isObject()) throw MethodError.invalidArguments("emails is a map of EmailImport objects");
        if (emails.size() > maxObjectsInSet) throw MethodError.requestTooLarge("at most " + maxObjectsInSet + " imports");
        ObjectNode created = Json.object();
        ObjectNode notCreated = Json.object();
        for (Map.Entry<String, JsonNode> e : emails.properties()) {
            try {
                JsonNode m = e.getValue();
                String blobId = c.id(m.path("blobId").asText(""));
                byte[] data = blobs.download(c.accountId(), blobId);
                if (data == null) throw new Refused("blobNotFound", "no such blob " + blobId, "blobId");
                if (data.length == 0) throw new Refused("invalidEmail", "an empty blob is no message");
                Set<Long> boxes = mailboxIds(c, views.view(scope), m.get("mailboxIds"));
                Set<String> flags = flags(m.get("keywords"));
                mayAdd(scope, boxes, flags);
                created.set(e.getKey(), place(c, scope, e.getKey(), data, boxes, flags, instant(m.get("receivedAt"))));
            } catch (Refused x) {
                notCreated.set(e.getKey(), x.error());
            }
        }
        ObjectNode r = Json.object();
        r.put("accountId", account);
        r.put("oldState", String.valueOf(view.state()));
        r.put("newState", String.valueOf(store.lastChangePosition()));
        r.set("created", created.isEmpty() ? null : created);
        r.set("notCreated", notCreated.isEmpty() ? null : notCreated);
        return r;
    }

    /**
     * Email/copy (RFC 8621 4.7, RFC 8620 5.4) between the user's account and the accounts it
     * reaches through mailbox ACLs ({@link SharedAccounts}), either way: the source Email is read
     * where the user has {@code r}, and written through the store's checked
     * {@link AccountMailboxes} of the user (append needs {@code i} on the target, flags only with
     * their rights, the owner's quota charged), so the store's ACL decides as for IMAP. The copy
     * has the same id (ids are content addresses). {@code onSuccessDestroyOriginal} expunges the
     * originals (needing {@code e} in a shared account).
     */
    public ObjectNode emailCopy(Call c) {
        String toId = Json.string(c.args(), "accountId");
        String fromId = Json.string(c.args(), "fromAccountId");
        long to = Ids.accountOf(toId);
        long from = Ids.accountOf(fromId);
        if (from == to) throw MethodError.invalidArguments("fromAccountId must differ from accountId");
        if (from <= 0 || !shared.reaches(c.accountId(), from)) throw new MethodError("fromAccountNotFound", "no such account " + fromId);
        if (to <= 0 || !shared.reaches(c.accountId(), to)) throw MethodError.accountNotFound();
        long state = store.lastChangePosition();
        for (String arg : List.of("ifInState", "ifFromInState")) {
            String s = Json.optString(c.args(), arg);
            if (s != null && !s.equals(String.valueOf(state))) throw new MethodError("stateMismatch", "the state is " + state + ", not " + s);
        }
        JsonNode create = c.args().get("create");
        if (create == null || !create.isObject()) throw MethodError.invalidArguments("create is a map of Email objects");
        if (create.size() > maxObjectsInSet) throw MethodError.requestTooLarge("at most " + maxObjectsInSet + " copies");
        AccountMailboxes acting = store.forAccount(c.accountId());
        ObjectNode created = Json.object();
        ObjectNode notCreated = Json.object();
        List<String> copied = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : create.properties()) {
            try {
                JsonNode m = e.getValue();
                for (Map.Entry<String, JsonNode> p : m.properties()) {
                    if (!List.of("id", "mailboxIds", "keywords", "receivedAt").contains(p.getKey())) {
                        throw new Refused("invalidProperties", p.getKey() + " cannot be set on a copy", p.getKey());
                    }
                }
                String srcId = c.id(m.path("id").asText(""));
                List<MessageEntry> source = shared.readable(acting, from, srcId);
                if (source.isEmpty()) throw new Refused("notFound", "no such email " + srcId, "id");
                JsonNode boxes = m.get("mailboxIds");
                if (boxes == null || !boxes.isObject() || boxes.isEmpty()) throw new Refused("invalidProperties", "mailboxIds is required", "mailboxIds");
                List<Long> targets = new ArrayList<>();
                for (Map.Entry<String, JsonNode> b : boxes.properties()) {
                    long box = Ids.mailboxOf(c.id(b.getKey()));
                    Optional<Mailbox> target = Optional.empty();
                    try {
                        if (box > 0) target = acting.mailbox(box);
                    } catch (StoreException.NotFound gone) {
                        // not there, or not visible to the user: the same answer
                    }
                    if (target.isEmpty() || target.get().accountId() != to || !b.getValue().asBoolean(false)) {
                        throw new Refused("invalidProperties", "no such mailbox " + b.getKey(), "mailboxIds");
                    }
                    targets.add(box);
                }
                if (!shared.readable(acting, to, srcId).isEmpty()) {
                    Refused exists = new Refused("alreadyExists", "the account has this Email");
                    ObjectNode err = exists.error();
                    err.put("existingId", srcId);
                    notCreated.set(e.getKey(), err);
                    continue;
                }
                MessageEntry original = source.getFirst();
                Set<String> flags = m.hasNonNull("keywords") ? flags(m.get("keywords")) : copiedFlags(original.flags());
                Instant received = m.hasNonNull("receivedAt") ? instant(m.get("receivedAt")) : original.internalDate();
                byte[] data = cache.bytes(original.blobId());
                AppendResult first;
                try {
                    first = acting.append(targets.getFirst(), MessageSpool.of(data), flags, received);
                    for (Long other : targets.subList(1, targets.size())) acting.copy(targets.getFirst(), List.of(first.uid()), other, false);
                } catch (StoreException.QuotaExceeded q) {
                    throw new Refused("overQuota", q.getMessage());
                } catch (StoreException.Forbidden f) {
                    throw new Refused("forbidden", f.getMessage(), "mailboxIds");
                }
                ObjectNode o = Json.object();
                o.put("id", srcId);
                o.put("blobId", Ids.blob(original.blobId()));
                o.put("threadId", cache.summary(original.blobId()).threadId());
                o.put("size", data.length);
                created.set(e.getKey(), o);
                c.createdIds().put(e.getKey(), srcId);
                copied.add(srcId);
            } catch (Refused x) {
                notCreated.set(e.getKey(), x.error());
            }
        }
        ObjectNode r = Json.object();
        r.put("fromAccountId", fromId);
        r.put("accountId", toId);
        r.put("oldState", String.valueOf(state));
        r.put("newState", String.valueOf(store.lastChangePosition()));
        r.set("created", created.isEmpty() ? null : created);
        r.set("notCreated", notCreated.isEmpty() ? null : notCreated);
        if (Json.optBoolean(c.args(), "onSuccessDestroyOriginal", false) && !copied.isEmpty()) {
            c.respondAlso("Email/set", destroyOriginals(c, acting, from, fromId, copied));
        }
        return r;
    }

    /** The implicit Email/set of onSuccessDestroyOriginal: the originals expunged where the user reads them (checked by the store). */
    private ObjectNode destroyOriginals(Call c, AccountMailboxes acting, long from, String fromId, List<String> ids) {
        String expected = Json.optString(c.args(), "destroyFromIfInState");
        long old = store.lastChangePosition();
        SetResult r = new SetResult();
        for (String id : ids) {
            if (expected != null && !expected.equals(String.valueOf(old))) {
                r.notDestroyed(id, SetResult.error("stateMismatch", "the state is " + old));
                continue;
            }
            try {
                for (MessageEntry m : shared.readable(acting, from, id)) acting.expunge(m.mailboxId(), List.of(m.uid()));
                r.destroyed(id);
            } catch (StoreException.Forbidden f) {
                r.notDestroyed(id, SetResult.error("forbidden", f.getMessage()));
            }
        }
        return r.toJson(fromId, String.valueOf(old), String.valueOf(store.lastChangePosition()));
    }

    /** The flags a copy takes from its original: every one but the IMAP states (\Deleted, \Recent). */
    private static Set<String> copiedFlags(Set<String> flags) {
        Set<String> out = new TreeSet<>();
        for (String f : flags) if (!f.equalsIgnoreCase("\\Deleted") && !f.equalsIgnoreCase("\\Recent")) out.add(f);
        return out;
    }

    public ObjectNode emailParse(Call c) {
        Scope scope = shared.scope(c);
        String account = scope.accountId();
        List<String> ids = Json.optStrings(c.args(), "blobIds");
        if (ids == null) throw MethodError.invalidArguments("blobIds is required");
        List<String> props = Json.optStrings(c.args(), "properties");
        if (props == null) props = List.of("messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo",
                "subject", "sentAt", "hasAttachment", "preview", "bodyValues", "textBody", "htmlBody", "attachments");
        EmailRender.check(props);
        for (String p : props) {
            if (List.of("id", "mailboxIds", "keywords", "receivedAt", "threadId").contains(p)) {
                throw MethodError.invalidArguments(p + " has no value for a parsed blob");
            }
        }
        List<String> bodyProps = Json.optStrings(c.args(), "bodyProperties");
        Long max = Json.optLong(c.args(), "maxBodyValueBytes");
        EmailRender.BodyOptions opts = new EmailRender.BodyOptions(bodyProps == null ? EmailRender.DEFAULT_BODY_PROPERTIES : bodyProps,
                Json.optBoolean(c.args(), "fetchTextBodyValues", false), Json.optBoolean(c.args(), "fetchHTMLBodyValues", false),
                Json.optBoolean(c.args(), "fetchAllBodyValues", false), max == null ? 0 : max);
        ObjectNode parsed = Json.object();
        List<String> notParsable = new ArrayList<>();
        List<String> notFound = new ArrayList<>();
        for (String id : ids) {
            byte[] data = blobs.download(scope, id);
            if (data == null) {
                notFound.add(id);
                continue;
            }
            try {
                String sha = MessageSpool.of(data).sha256();
                ParsedMessage msg = new ParsedMessage(sha, data);
                AccountView.Email pseudo = new AccountView.Email(Ids.email(sha), sha,
                        List.of(new MessageEntry(0, 0, 0, Set.of(), Instant.EPOCH, data.length, sha)));
                ObjectNode o = EmailRender.email(pseudo, props, msg.summary(), msg, opts);
                o.put("blobId", id);
                if (props.contains("size")) o.put("size", data.length);
                parsed.set(id, o);
            } catch (RuntimeException e) {
                notParsable.add(id);
            }
        }
        return parseResponse(account, parsed, notParsable, notFound);
    }

    /** The response of an RFC 8621 4.9 Email/parse, and of RFC 9007's MDN/parse, which has its shape. */
    static ObjectNode parseResponse(String account, ObjectNode parsed, List<String> notParsable, List<String> notFound) {
        ObjectNode r = Json.object();
        r.put("accountId", account);
        r.set("parsed", parsed.isEmpty() ? null : parsed);
        r.set("notParsable", notParsable.isEmpty() ? null : Json.array(notParsable));
        r.set("notFound", notFound.isEmpty() ? null : Json.array(notFound));
        return r;
    }
}
