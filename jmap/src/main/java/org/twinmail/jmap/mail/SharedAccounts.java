package org.twinmail.jmap.mail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * ({@code isPersonal: false}) on which every mail method works ({@link #scope}): the view is the
 * owner's, restricted to the mailboxes the user sees and reads ({@link AccountView#restrict}),
 * and every change goes through the store's checked {@link AccountMailboxes} of the user, so the
 * store decides, as for IMAP (and charges the owner's quota).
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
        return of(store, user);
    }

    /** {@link #of(long)} on {@code store}, for what has no views (push). */
    public static Map<Long, List<SharedMailbox>> of(MailStore store, long user) {
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

    /** The account a mail method's call acts on (its {@code accountId}): the user's own, or one it reaches; else accountNotFound. */
    public Scope scope(Call c) {
        String id = c.args().path("accountId").asText(null);
        if (id == null) throw MethodError.invalidArguments("accountId is required");
        return scope(c.accountId(), id);
    }

    /** The account {@code accountId} names as {@code user} acts on it; accountNotFound if it reaches no such account. */
    public Scope scope(long user, String accountId) {
        long owner = Ids.accountOf(accountId);
        if (owner == user) return new Scope(user, user, null, store);
        if (owner <= 0) throw MethodError.accountNotFound();
        List<SharedMailbox> visible = of(user).get(owner);
        if (visible == null) throw MethodError.accountNotFound();
        Map<Long, Rights> rights = new LinkedHashMap<>();
        for (SharedMailbox s : visible) rights.put(s.mailbox().id(), s.rights());
        return new Scope(owner, user, java.util.Collections.unmodifiableMap(rights), store.forAccount(user));
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
