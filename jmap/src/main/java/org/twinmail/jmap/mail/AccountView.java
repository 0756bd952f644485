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
