package org.twinmail.jmap.mail;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.jmap.core.Call;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.core.MethodError;
import org.twinmail.store.AccountMailboxes;
import org.twinmail.store.MailStore;
import org.twinmail.store.Rights;
import org.twinmail.store.SharedMailbox;
import org.twinmail.store.StoreException;

/**
 * Other accounts a user reaches through mailbox ACLs (RFC 4314, the store's {@code MailboxAccess}):
 * each owner with a mailbox the user may see ({@code l}) is a JMAP account of the session
 * ({@code isPersonal: false}), whose visible mailboxes Mailbox/get lists with {@code myRights},
 * and which Email/copy copies into and out of. Every operation on them goes through the
 * store's checked {@link AccountMailboxes} of the user, so the store decides, as for IMAP.
 */
public final class SharedAccounts {
    private final MailStore store;
    private final Views views;

    public SharedAccounts(MailStore store, Views views) {
        this.store = store;
        this.views = views;
    }

    /** The accounts other than {@code user}'s own it sees a mailbox of: owner id to its visible mailboxes. */
    public Map<Long, List<SharedMailbox>> of(long user) {
        Map<Long, List<SharedMailbox>> out = new TreeMap<>();
        for (SharedMailbox s : store.forAccount(user).sharedMailboxes()) {
            out.computeIfAbsent(s.mailbox().accountId(), k -> new java.util.ArrayList<>()).add(s);
        }
        return out;
    }

    /** Whether {@code accountId} is the user's or one it shares. */
    boolean reaches(long user, long accountId) {
        return accountId == user || of(user).containsKey(accountId);
    }

    /** The user's rights on a mailbox; none when it does not exist or is invisible to it. */
    static Rights rights(AccountMailboxes acting, long mailboxId) {
        try {
            return acting.rights(mailboxId);
        } catch (StoreException.NotFound e) {
            return Rights.NONE;
        }
    }

    /** The entries of {@code emailId} in {@code owner}'s mailboxes that the user may read ({@code r}). */
    List<MessageEntry> readable(AccountMailboxes acting, long owner, String emailId) {
        AccountView.Email e = views.view(owner).email(emailId);
        if (e == null) return List.of();
        if (owner == acting.accountId()) return e.entries();
        return e.entries().stream().filter(m -> rights(acting, m.mailboxId()).has('r')).toList();
    }

    /** Mailbox/get on a shared account: its mailboxes the user sees, with its rights (RFC 8621 2.1 myRights). */
    public ObjectNode mailboxGet(Call c, long owner) {
        AccountMailboxes acting = store.forAccount(c.accountId());
        List<SharedMailbox> visible = of(c.accountId()).get(owner);
        if (visible == null) throw MethodError.accountNotFound();
        Map<Long, SharedMailbox> byId = new LinkedHashMap<>();
        Map<String, SharedMailbox> byName = new LinkedHashMap<>();
        for (SharedMailbox s : visible) {
            byId.put(s.mailbox().id(), s);
            byName.put(s.mailbox().name(), s);
        }
        List<String> ids = Json.optStrings(c.args(), "ids");
        List<String> props = Json.optStrings(c.args(), "properties");
        ObjectNode r = Json.object();
        r.put("accountId", Ids.account(owner));
        r.put("state", String.valueOf(store.lastChangePosition()));
        ArrayNode list = r.putArray("list");
        ArrayNode notFound = r.putArray("notFound");
        List<SharedMailbox> wanted = new java.util.ArrayList<>();
        if (ids == null) wanted.addAll(visible);
        else for (String id : ids) {
            SharedMailbox s = byId.get(Ids.mailboxOf(c.id(id)));
            if (s == null) notFound.add(id);
            else wanted.add(s);
        }
        AccountView view = views.view(owner);
        for (SharedMailbox s : wanted) {
            Mailbox m = s.mailbox();
            ObjectNode o = Json.object();
            o.put("id", Ids.mailbox(m.id()));
            int slash = m.name().lastIndexOf(org.twinmail.store.Mailboxes.DELIMITER);
            o.put("name", slash < 0 ? m.name() : m.name().substring(slash + 1));
            SharedMailbox parent = slash < 0 ? null : byName.get(m.name().substring(0, slash));
            if (parent == null) o.putNull("parentId");
            else o.put("parentId", Ids.mailbox(parent.mailbox().id()));
            o.putNull("role");
            o.put("sortOrder", 0);
            int total = 0;
            int unread = 0;
            if (s.rights().has('r')) {
                for (AccountView.Email e : view.emails()) {
                    if (!e.in(m.id())) continue;
                    total++;
                    if (!Keywords.has(e.flags(), "$seen")) unread++;
                }
            }
            o.put("totalEmails", total);
            o.put("unreadEmails", unread);
            o.put("totalThreads", total);
            o.put("unreadThreads", unread);
            o.set("myRights", myRights(s.rights()));
            o.put("isSubscribed", false);
            if (props != null) {
                ObjectNode p = Json.object();
                p.put("id", o.path("id").asText());
                for (String name : props) if (o.has(name)) p.set(name, o.get(name));
                list.add(p);
            } else {
                list.add(o);
            }
        }
        return r;
    }

    /** RFC 8621 2.1's MailboxRights from RFC 4314 rights (the mapping of RFC 8621 2.1's notes). */
    static ObjectNode myRights(Rights r) {
        ObjectNode o = Json.object();
        o.put("mayReadItems", r.has('r'));
        o.put("mayAddItems", r.has('i'));
        o.put("mayRemoveItems", r.has('t') && r.has('e'));
        o.put("maySetSeen", r.has('s'));
        o.put("maySetKeywords", r.has('w'));
        o.put("mayCreateChild", r.has('k'));
        o.put("mayRename", r.has('x'));
        o.put("mayDelete", r.has('x'));
        o.put("maySubmit", false);
        return o;
    }
}
