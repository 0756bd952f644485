package org.twinmail.jmap.mail;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;

/**
 * An account's mailboxes and Emails as one request sees them, read no earlier than change-log
 * position {@link #state}. The store's entries (one per message per mailbox) are grouped
 * into Emails by content address ({@link Ids}).
 */
public final class AccountView {
    private final long accountId;
    private final long state;
    private final List<Mailbox> mailboxes;
    private final Map<Long, Mailbox> byId;
    private final Map<String, Email> emails;
    /** Results computed on this content (queries), shared by the views that have the same content. */
    private final Map<String, Object> derived;
    /** For a shared account's view, the mailboxes whose messages the user reads ({@code l} and {@code r}); null: every one. */
    private final Set<Long> readable;

    /**
     * One Email: its entries, one per mailbox it is in (a message appended twice to one mailbox
     * is one Email there too; its first entry is the one shown and changed with the others).
     */
    public record Email(String id, String sha, List<MessageEntry> entries) {
        public Set<String> flags() {
            return entries.getFirst().flags();
        }

        public Instant receivedAt() {
            return entries.getFirst().internalDate();
        }

        public long size() {
            return entries.getFirst().size();
        }

        public Set<Long> mailboxIds() {
            Set<Long> ids = new TreeSet<>();
            for (MessageEntry e : entries) ids.add(e.mailboxId());
            return ids;
        }

        public boolean in(long mailboxId) {
            for (MessageEntry e : entries) if (e.mailboxId() == mailboxId) return true;
            return false;
        }
    }

    AccountView(long accountId, long state, List<Mailbox> mailboxes, Map<Long, List<MessageEntry>> entries) {
        this(accountId, state, mailboxes, entries, null);
    }

    private AccountView(long accountId, long state, List<Mailbox> mailboxes, Map<Long, List<MessageEntry>> entries, Set<Long> readable) {
        this.readable = readable == null ? null : Set.copyOf(readable);
        this.accountId = accountId;
        this.state = state;
        this.mailboxes = List.copyOf(mailboxes);
        this.byId = new HashMap<>();
        this.emails = new LinkedHashMap<>();
        this.derived = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, List<MessageEntry>> bySha = new LinkedHashMap<>();
        for (Mailbox m : mailboxes) {
            byId.put(m.id(), m);
            for (MessageEntry e : entries.getOrDefault(m.id(), List.of())) {
                bySha.computeIfAbsent(e.blobId(), k -> new ArrayList<>(1)).add(e);
            }
        }
        for (Map.Entry<String, List<MessageEntry>> e : bySha.entrySet()) {
            Email email = new Email(Ids.email(e.getKey()), e.getKey(), Collections.unmodifiableList(e.getValue()));
            emails.put(email.id(), email);
        }
    }

    /** The same content seen at a later state (nothing of the account changed in between). */
    private AccountView(AccountView same, long state) {
        this.accountId = same.accountId;
        this.state = state;
        this.mailboxes = same.mailboxes;
        this.byId = same.byId;
        this.emails = same.emails;
        this.derived = same.derived;
        this.readable = same.readable;
    }

    /**
     * This account as a user with ACL rights sees it: the mailboxes it sees ({@code l}), the
     * Emails of those it also reads ({@code r}), each with its entries there only.
     */
    AccountView restrict(Map<Long, org.twinmail.store.Rights> rights) {
        List<Mailbox> visible = new ArrayList<>();
        Set<Long> reads = new java.util.HashSet<>();
        Map<Long, List<MessageEntry>> entries = new HashMap<>();
        for (Mailbox m : mailboxes) {
            org.twinmail.store.Rights r = rights.get(m.id());
            if (r == null || !r.has('l')) continue;
            visible.add(m);
            if (r.has('r')) reads.add(m.id());
        }
        for (Email e : emails.values()) {
            for (MessageEntry m : e.entries()) {
                if (reads.contains(m.mailboxId())) entries.computeIfAbsent(m.mailboxId(), k -> new ArrayList<>()).add(m);
            }
        }
        for (List<MessageEntry> l : entries.values()) l.sort(java.util.Comparator.comparingLong(MessageEntry::uid));
        return new AccountView(accountId, state, visible, entries, reads);
    }

    /** Whether the view holds the messages of a mailbox (every mailbox of the account, or a shared one the user reads). */
    public boolean reads(long mailboxId) {
        return readable == null || readable.contains(mailboxId);
    }

    /** Whether this is a shared account's view, restricted to the user's rights. */
    public boolean restricted() {
        return readable != null;
    }

    AccountView at(long newState) {
        return new AccountView(this, newState);
    }

    /**
     * A value computed from this content (a query's sorted results), computed once for every view
     * of the same content; at most {@code 64} are kept.
     */
    @SuppressWarnings("unchecked")
    <T> T derived(String key, java.util.function.Supplier<T> compute) {
        Object v = derived.get(key);
        if (v == null) {
            if (derived.size() >= 64) derived.clear();
            v = compute.get();
            derived.put(key, v);
        }
        return (T) v;
    }

    public long accountId() {
        return accountId;
    }

    public long state() {
        return state;
    }

    public List<Mailbox> mailboxes() {
        return mailboxes;
    }

    public Mailbox mailbox(long id) {
        return byId.get(id);
    }

    public Email email(String id) {
        return emails.get(id);
    }

    public java.util.Collection<Email> emails() {
        return emails.values();
    }
}
