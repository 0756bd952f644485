package org.twinmail.store.access;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.store.AccountMailboxes;
import org.twinmail.store.AclEntry;
import org.twinmail.store.AppendResult;
import org.twinmail.store.Appended;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.CopyResult;
import org.twinmail.store.Delivery;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.Directory;
import org.twinmail.store.ExpungeResult;
import org.twinmail.store.FlagChange;
import org.twinmail.store.FlagsResult;
import org.twinmail.store.MailboxAccess;
import org.twinmail.store.MailboxChanges;
import org.twinmail.store.MailboxStatus;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.QuotaUsage;
import org.twinmail.store.Records;
import org.twinmail.store.Rights;
import org.twinmail.store.SharedMailbox;
import org.twinmail.store.StoreException;
import org.twinmail.store.StoredRecord;

/**
 * {@link MailboxAccess} on the other roles, so every backend gets the same rules: the
 * access control lists are {@link Records} (kind {@value #KIND}, scope the owner's
 * account, name the mailbox id, value one {@code identifier TAB rights} line per entry, an
 * account named by its id, {@code anyone@domain} and {@code anyone} as they are), the
 * shared-account marks too (kind {@value #SHARED_KIND}). Both are held in memory and kept
 * current from the {@link ChangeLog}: before a check that needs them, the log's
 * {@code RECORD_CHANGED} entries since the last look are applied, so a change made through
 * this instance counts for the very next operation of every account. (Another process
 * writing the same store is seen when this one's change signal moves: the active node is
 * the only writer of a pair.) Checks on an account's own mailboxes need no list at all.
 */
public final class RecordsMailboxAccess implements MailboxAccess {
    /** Record kind of a mailbox's access control list. */
    public static final String KIND = "acl";
    /** Record kind of the mark of a shared account. */
    public static final String SHARED_KIND = "acl.shared";
    private static final String SHARED_NAME = "shared";
    /** RFC 4314 4: MYRIGHTS needs any of these; with none, the mailbox does not exist for the account. */
    private static final String VISIBLE = "lrikxa";
    private static final int CAS_ATTEMPTS = 20;

    private final Mailboxes mailboxes;
    private final Directory directory;
    private final Records records;
    private final ChangeLog changes;

    private record Acl(long owner, Map<String, Rights> entries) { }

    /** Mailbox id → its list; changed only under {@link #lock}. */
    private final ConcurrentHashMap<Long, Acl> acls = new ConcurrentHashMap<>();
    /** Identifier → the mailboxes whose lists name it; changed only under {@link #lock}. */
    private final ConcurrentHashMap<String, Set<Long>> byIdentifier = new ConcurrentHashMap<>();
    private final Set<Long> sharedAccounts = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    /** The change-log position the lists are current with. */
    private volatile long seen;

    public RecordsMailboxAccess(Mailboxes mailboxes, Directory directory, Records records, ChangeLog changes) {
        this.mailboxes = mailboxes;
        this.directory = directory;
        this.records = records;
        this.changes = changes;
        lock.lock();
        try {
            // The position first: a change between it and the reads is applied again, which is harmless.
            seen = changes.lastChangePosition();
            for (StoredRecord r : records.records(KIND)) load(r.kind(), r.scope(), r.name(), Optional.of(r));
            for (StoredRecord r : records.records(SHARED_KIND)) load(r.kind(), r.scope(), r.name(), Optional.of(r));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public AccountMailboxes forAccount(long accountId) {
        Account a = directory.findAccount(accountId).orElseThrow(() -> new StoreException.NotFound("no account " + accountId));
        return new View(a);
    }

    @Override
    public void setSharedAccount(long accountId, boolean shared) {
        directory.findAccount(accountId).orElseThrow(() -> new StoreException.NotFound("no account " + accountId));
        String scope = Records.accountScope(accountId);
        lock.lock();
        try {
            if (shared) {
                records.putRecord(SHARED_KIND, scope, SHARED_NAME, "1".getBytes(StandardCharsets.UTF_8), 0);
                sharedAccounts.add(accountId);
            } else {
                records.deleteRecord(SHARED_KIND, scope, SHARED_NAME);
                sharedAccounts.remove(accountId);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isSharedAccount(long accountId) {
        refresh();
        return sharedAccounts.contains(accountId);
    }

    // ---- the cache ----

    /** Applies the change log's record changes since the last look. */
    private void refresh() {
        long last;
        try {
            last = changes.awaitChange(seen, Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException.Unavailable("interrupted", e);
        }
        if (last <= seen) return;
        lock.lock();
        try {
            while (seen < last) {
                List<Change> batch = changes.changesSince(seen, 1000);
                if (batch.isEmpty()) break;
                for (Change c : batch) apply(c);
                seen = batch.getLast().position();
            }
        } finally {
            lock.unlock();
        }
    }

    private void apply(Change c) {
        switch (c.kind()) {
            case RECORD_CHANGED -> {
                String[] p = c.detail().split("\t", 3);
                if (p.length == 3 && (p[0].equals(KIND) || p[0].equals(SHARED_KIND))) {
                    load(p[0], p[1], p[2], records.record(p[0], p[1], p[2]));
                }
            }
            case MAILBOX_DELETED -> drop(c.mailboxId());
            case ACCOUNT_REMOVED -> {
                sharedAccounts.remove(c.accountId());
                for (var e : List.copyOf(acls.entrySet())) if (e.getValue().owner() == c.accountId()) drop(e.getKey());
            }
            default -> { }
        }
    }

    /** Puts (or, when absent, removes) one record's content into the cache; under {@link #lock}. */
    private void load(String kind, String scope, String name, Optional<StoredRecord> record) {
        if (!scope.startsWith("account:")) return;
        long owner;
        try {
            owner = Long.parseLong(scope.substring("account:".length()));
        } catch (NumberFormatException e) {
            return;
        }
        if (kind.equals(SHARED_KIND)) {
            if (record.isPresent()) sharedAccounts.add(owner);
            else sharedAccounts.remove(owner);
            return;
        }
        long mailboxId;
        try {
            mailboxId = Long.parseLong(name);
        } catch (NumberFormatException e) {
            return;
        }
        if (record.isEmpty()) {
            drop(mailboxId);
        } else {
            put(mailboxId, new Acl(owner, parse(record.get().text())));
        }
    }

    private void put(long mailboxId, Acl acl) {
        drop(mailboxId);
        if (acl.entries().isEmpty()) return;
        acls.put(mailboxId, acl);
        for (String id : acl.entries().keySet()) byIdentifier.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(mailboxId);
    }

    private void drop(long mailboxId) {
        Acl old = acls.remove(mailboxId);
        if (old == null) return;
        for (String id : old.entries().keySet()) {
            byIdentifier.computeIfPresent(id, (k, set) -> {
                set.remove(mailboxId);
                return set.isEmpty() ? null : set;
            });
        }
    }

    static Map<String, Rights> parse(String text) {
        Map<String, Rights> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab <= 0) continue;
            try {
                Rights r = Rights.parse(line.substring(tab + 1));
                if (!r.isEmpty()) out.put(line.substring(0, tab), r);
            } catch (IllegalArgumentException e) {
                // a right this version does not know: the entry keeps the ones it does
                StringBuilder known = new StringBuilder();
                for (char ch : line.substring(tab + 1).toCharArray()) if (Rights.LETTERS.indexOf(ch) >= 0) known.append(ch);
                if (!known.isEmpty()) out.put(line.substring(0, tab), Rights.parse(known.toString()));
            }
        }
        return out;
    }

    static byte[] format(Map<String, Rights> entries) {
        StringBuilder b = new StringBuilder();
        for (var e : entries.entrySet()) b.append(e.getKey()).append('\t').append(e.getValue()).append('\n');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Changes one mailbox's list by read, modify and compare-and-set; false if {@code edit} changed nothing. */
    private boolean modify(long mailboxId, long owner, Predicate<Map<String, Rights>> edit) {
        String scope = Records.accountScope(owner);
        String name = Long.toString(mailboxId);
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            Optional<StoredRecord> current = records.record(KIND, scope, name);
            Map<String, Rights> entries = current.map(r -> parse(r.text())).orElseGet(TreeMap::new);
            if (!edit.test(entries)) return false;
            lock.lock();
            try {
                if (entries.isEmpty()) {
                    records.deleteRecord(KIND, scope, name);
                    drop(mailboxId);
                    return true;
                }
                Optional<StoredRecord> written =
                        records.putRecordIf(KIND, scope, name, current.map(StoredRecord::version).orElse(0L), format(entries), 0);
                if (written.isPresent()) {
                    put(mailboxId, new Acl(owner, entries));
                    return true;
                }
            } finally {
                lock.unlock();
            }
        }
        throw new StoreException.Conflict("the access control list of mailbox " + mailboxId + " keeps changing; try again");
    }

    /**
     * A client's identifier as the list stores it: {@code anyone}, {@code anyone@domain}, or an
     * account by its id (ids are never reused, so a removed account's entries never reach a new
     * account of the same address; they are dropped when read). {@code strict}: the account or
     * domain must exist, else IllegalArgumentException; otherwise an unknown account gives null.
     */
    private String stored(String identifier, boolean strict) {
        String id = identifier.strip().toLowerCase(Locale.ROOT);
        if (id.isEmpty()) throw new IllegalArgumentException("empty identifier");
        if (id.startsWith("-")) throw new IllegalArgumentException("negative rights are not supported");
        if (id.equals(ANYONE)) return id;
        if (id.startsWith(ANYONE + "@")) {
            String domain = id.substring(ANYONE.length() + 1);
            if (strict && !directory.isLocalDomain(domain)) throw new IllegalArgumentException("not a local domain: " + domain);
            return id;
        }
        EmailAddress address;
        try {
            address = EmailAddress.parse(id);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an identifier (user@domain, anyone@domain or anyone): " + id);
        }
        Optional<Account> account = directory.findAccount(address);
        if (account.isEmpty() && !strict) return null;
        return Long.toString(account.orElseThrow(() -> new IllegalArgumentException("no account " + id)).id());
    }

    /** A stored identifier as clients see it: an account's address (null once the account is gone), else as stored. */
    private String shown(String stored) {
        if (stored.isEmpty() || !Character.isDigit(stored.charAt(0))) return stored;
        return directory.findAccount(Long.parseLong(stored)).map(a -> a.address().key()).orElse(null);
    }

    /** The mailboxes as one account may use them. */
    private final class View implements AccountMailboxes {
        private final long actor;
        private final EmailAddress address;
        /** The stored form of the account's own identifier: its id. */
        private final String key;
        private final String anyoneOfDomain;
        /** Mailbox id → owner: mailboxes never change owner and ids are never reused. */
        private final ConcurrentHashMap<Long, Long> owners = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<Long, EmailAddress> ownerAddresses = new ConcurrentHashMap<>();

        View(Account account) {
            this.actor = account.id();
            this.address = account.address();
            this.key = Long.toString(account.id());
            this.anyoneOfDomain = MailboxAccess.anyoneOf(account.address().domain());
        }

        @Override
        public long accountId() {
            return actor;
        }

        @Override
        public EmailAddress address() {
            return address;
        }

        private Mailbox remember(Mailbox m) {
            owners.putIfAbsent(m.id(), m.accountId());
            return m;
        }

        private long ownerOf(long mailboxId) {
            Long o = owners.get(mailboxId);
            if (o != null) return o;
            Mailbox m = mailboxes.mailbox(mailboxId).orElseThrow(() -> new StoreException.NotFound("no mailbox " + mailboxId));
            return remember(m).accountId();
        }

        private boolean names(String identifier) {
            return identifier.equals(key) || identifier.equals(anyoneOfDomain) || identifier.equals(ANYONE);
        }

        private Rights rightsIn(Acl acl) {
            Rights r = Rights.NONE;
            for (var e : acl.entries().entrySet()) if (names(e.getKey())) r = r.plus(e.getValue());
            return r;
        }

        private Rights rightsOn(long mailboxId, long owner) {
            if (owner == actor) return Rights.ALL;
            refresh();
            Acl acl = acls.get(mailboxId);
            return acl == null ? Rights.NONE : rightsIn(acl);
        }

        /** The rights on a mailbox, which must include {@code needed}: NotFound when it is invisible, Forbidden when short. */
        private Rights require(long mailboxId, String needed) {
            Rights have = rightsOn(mailboxId, ownerOf(mailboxId));
            if (!have.hasAny(VISIBLE)) throw new StoreException.NotFound("no mailbox " + mailboxId);
            if (!have.hasAll(needed)) {
                String missing = have.missing(needed);
                throw new StoreException.Forbidden(missing, "the right" + (missing.length() > 1 ? "s " : " ") + missing
                        + " on this mailbox " + (missing.length() > 1 ? "are" : "is") + " needed");
            }
            return have;
        }

        private boolean visible(Mailbox m) {
            return rightsOn(m.id(), m.accountId()).hasAny(VISIBLE);
        }

        /** Whether the account has a right on some mailbox of {@code owner}. */
        private boolean grantedBy(long owner) {
            if (owner == actor) return true;
            refresh();
            for (String id : List.of(key, anyoneOfDomain, ANYONE)) {
                for (long mailboxId : byIdentifier.getOrDefault(id, Set.of())) {
                    Acl acl = acls.get(mailboxId);
                    if (acl != null && acl.owner() == owner) return true;
                }
            }
            return false;
        }

        // ---- access control lists ----

        @Override
        public Rights rights(long mailboxId) {
            Rights have = rightsOn(mailboxId, ownerOf(mailboxId));
            if (!have.hasAny(VISIBLE)) throw new StoreException.NotFound("no mailbox " + mailboxId);
            return have;
        }

        @Override
        public List<AclEntry> acl(long mailboxId) {
            require(mailboxId, "a");
            long owner = ownerOf(mailboxId);
            List<AclEntry> out = new ArrayList<>();
            out.add(new AclEntry(ownerAddress(owner).key(), Rights.ALL));
            Acl acl = acls.get(mailboxId);
            if (acl != null) {
                List<AclEntry> entries = new ArrayList<>();
                for (var e : acl.entries().entrySet()) {
                    String shown = shown(e.getKey());
                    if (shown != null) entries.add(new AclEntry(shown, e.getValue()));
                }
                entries.sort(Comparator.comparing(AclEntry::identifier));
                out.addAll(entries);
            }
            return out;
        }

        @Override
        public void setRights(long mailboxId, String identifier, Rights rights) {
            require(mailboxId, "a");
            long owner = ownerOf(mailboxId);
            String id = stored(identifier, true);
            if (id.equals(Long.toString(owner))) throw new IllegalArgumentException("the owner always has every right");
            modify(mailboxId, owner, entries -> {
                Rights old = entries.get(id);
                if (rights.isEmpty()) return entries.remove(id) != null;
                entries.put(id, rights);
                return !rights.equals(old);
            });
        }

        @Override
        public boolean removeRights(long mailboxId, String identifier) {
            require(mailboxId, "a");
            String id = stored(identifier, false);
            return id != null && modify(mailboxId, ownerOf(mailboxId), entries -> entries.remove(id) != null);
        }

        @Override
        public List<SharedMailbox> sharedMailboxes() {
            refresh();
            Set<Long> candidates = new HashSet<>();
            for (String id : List.of(key, anyoneOfDomain, ANYONE)) candidates.addAll(byIdentifier.getOrDefault(id, Set.of()));
            List<SharedMailbox> out = new ArrayList<>();
            for (long mailboxId : candidates) {
                Acl acl = acls.get(mailboxId);
                if (acl == null || acl.owner() == actor) continue;
                Rights r = rightsIn(acl);
                if (!r.has('l')) continue;
                Optional<Mailbox> m = mailboxes.mailbox(mailboxId);
                if (m.isEmpty()) continue;
                EmailAddress owner;
                try {
                    owner = ownerAddress(acl.owner());
                } catch (StoreException.NotFound e) {
                    continue;
                }
                out.add(new SharedMailbox(remember(m.get()), owner, sharedAccounts.contains(acl.owner()), r));
            }
            out.sort(Comparator.comparing((SharedMailbox s) -> s.owner().key()).thenComparing(s -> s.mailbox().name()));
            return out;
        }

        @Override
        public Optional<Mailbox> mailbox(EmailAddress owner, String name) {
            return directory.findAccount(owner).flatMap(a -> mailbox(a.id(), name));
        }

        @Override
        public boolean isSharedAccount(long owner) {
            return RecordsMailboxAccess.this.isSharedAccount(owner);
        }

        @Override
        public EmailAddress ownerAddress(long ownerAccountId) {
            if (ownerAccountId == actor) return address;
            EmailAddress a = ownerAddresses.get(ownerAccountId);
            if (a != null) return a;
            if (!grantedBy(ownerAccountId)) throw new StoreException.NotFound("no account " + ownerAccountId);
            a = directory.findAccount(ownerAccountId).map(Account::address)
                    .orElseThrow(() -> new StoreException.NotFound("no account " + ownerAccountId));
            ownerAddresses.put(ownerAccountId, a);
            return a;
        }

        // ---- the Mailboxes role, checked ----

        @Override
        public DeliveryReceipt deliver(Delivery delivery) {
            throw new StoreException.Forbidden("", "delivery is not done as an account");
        }

        @Override
        public List<Mailbox> mailboxes(long accountId) {
            List<Mailbox> all = mailboxes.mailboxes(accountId);
            if (accountId == actor) {
                all.forEach(this::remember);
                return all;
            }
            return all.stream().filter(m -> rightsOn(m.id(), m.accountId()).has('l')).map(this::remember).toList();
        }

        @Override
        public Optional<Mailbox> mailbox(long accountId, String name) {
            Optional<Mailbox> m = mailboxes.mailbox(accountId, name);
            if (accountId != actor) m = m.filter(this::visible);
            return m.map(this::remember);
        }

        @Override
        public Optional<Mailbox> mailbox(long mailboxId) {
            return mailboxes.mailbox(mailboxId).filter(this::visible).map(this::remember);
        }

        @Override
        public List<MessageEntry> messages(long mailboxId) {
            require(mailboxId, "r");
            return mailboxes.messages(mailboxId);
        }

        @Override
        public InputStream openBlob(String blobId) throws IOException {
            return mailboxes.openBlob(blobId);
        }

        @Override
        public BodyView openView(long mailboxId, long modSeq) {
            require(mailboxId, "r");
            return mailboxes.openView(mailboxId, modSeq);
        }

        @Override
        public ExpungeResult expunge(long mailboxId, Collection<Long> uids) {
            require(mailboxId, "e");
            return mailboxes.expunge(mailboxId, uids);
        }

        /** The nearest existing mailbox above {@code name} in {@code accountId}'s tree, or null. */
        private Mailbox nearestParent(long accountId, String name) {
            for (int i = name.lastIndexOf(DELIMITER); i > 0; i = name.lastIndexOf(DELIMITER, i - 1)) {
                Optional<Mailbox> p = mailboxes.mailbox(accountId, name.substring(0, i));
                if (p.isPresent()) return remember(p.get());
            }
            return null;
        }

        private void requireCreateIn(long accountId, String name) {
            if (accountId == actor) return;
            Mailbox parent = nearestParent(accountId, name);
            if (parent == null) throw new StoreException.Forbidden("k", "mailboxes can be created only below a mailbox of that account with the right k");
            require(parent.id(), "k");
        }

        @Override
        public Mailbox createMailbox(long accountId, String name, SpecialUse specialUse) {
            requireCreateIn(accountId, name);
            Mailbox parent = nearestParent(accountId, name);
            Mailbox created = remember(mailboxes.createMailbox(accountId, name, specialUse));
            // RFC 4314 4: a new mailbox SHOULD inherit its parent's list.
            if (parent != null) {
                refresh();
                Acl inherited = acls.get(parent.id());
                if (inherited != null) modify(created.id(), accountId, entries -> {
                    entries.putAll(inherited.entries());
                    return true;
                });
            }
            return created;
        }

        @Override
        public void deleteMailbox(long accountId, String name) {
            Mailbox m = mailbox(accountId, name).orElseThrow(() -> new StoreException.NotFound("no mailbox named " + name));
            require(m.id(), "x");
            mailboxes.deleteMailbox(accountId, name);
            // RFC 4314 4: DELETE deletes the mailbox's list.
            refresh();
            if (acls.containsKey(m.id())) modify(m.id(), m.accountId(), entries -> {
                entries.clear();
                return true;
            });
        }

        @Override
        public Mailbox renameMailbox(long accountId, String from, String to) {
            if (accountId != actor) {
                Mailbox m = mailbox(accountId, from).orElseThrow(() -> new StoreException.NotFound("no mailbox named " + from));
                require(m.id(), "x");
                requireCreateIn(accountId, to);
            }
            return remember(mailboxes.renameMailbox(accountId, from, to));
        }

        private void own(long accountId, String what) {
            if (accountId != actor) throw new StoreException.Forbidden("", what + " are the account's own");
        }

        @Override
        public List<String> subscriptions(long accountId) {
            own(accountId, "subscriptions");
            return mailboxes.subscriptions(accountId);
        }

        @Override
        public void setSubscribed(long accountId, String name, boolean subscribed) {
            own(accountId, "subscriptions");
            mailboxes.setSubscribed(accountId, name, subscribed);
        }

        @Override
        public MailboxStatus status(long mailboxId) {
            require(mailboxId, "r");
            return mailboxes.status(mailboxId);
        }

        /** The flags of {@code flags} that {@code rights} let the account set (RFC 4314 4). */
        private static Set<String> allowed(Set<String> flags, Rights rights) {
            Set<String> out = new java.util.LinkedHashSet<>();
            for (String f : flags) if (rights.has(Rights.flagRight(f))) out.add(f);
            return out;
        }

        @Override
        public AppendResult append(long mailboxId, MessageData content, Set<String> flags, Instant internalDate) {
            Rights have = require(mailboxId, "i");
            return mailboxes.append(mailboxId, content, allowed(flags, have), internalDate);
        }

        @Override
        public List<AppendResult> appendAll(long mailboxId, List<Appended> messages) {
            Rights have = require(mailboxId, "i");
            List<Appended> kept = messages.stream()
                    .map(m -> new Appended(m.content(), allowed(m.flags(), have), m.internalDate())).toList();
            return mailboxes.appendAll(mailboxId, kept);
        }

        @Override
        public CopyResult copy(long fromMailboxId, Collection<Long> uids, long toMailboxId, boolean move) {
            require(fromMailboxId, move ? "rte" : "r");
            Rights target = require(toMailboxId, "i");
            if (target.hasAll("swt")) return mailboxes.copy(fromMailboxId, uids, toMailboxId, move);
            Map<Long, Set<String>> flags = new LinkedHashMap<>();
            Set<Long> wanted = new HashSet<>(uids);
            for (MessageEntry e : mailboxes.messages(fromMailboxId)) if (wanted.contains(e.uid())) flags.put(e.uid(), e.flags());
            CopyResult result = mailboxes.copy(fromMailboxId, uids, toMailboxId, move);
            // The flags the account may not set in the target are taken off the copies (RFC 4314 4: not a failure).
            Set<String> drop = new TreeSet<>();
            for (long uid : result.sourceUids()) {
                for (String f : flags.getOrDefault(uid, Set.of())) if (!target.has(Rights.flagRight(f))) drop.add(f);
            }
            if (!drop.isEmpty()) mailboxes.storeFlags(toMailboxId, result.targetUids(), FlagChange.REMOVE, drop, -1);
            return result;
        }

        @Override
        public FlagsResult storeFlags(long mailboxId, Collection<Long> uids, FlagChange change, Set<String> flags, long unchangedSince) {
            Rights have = require(mailboxId, "");
            if (have.hasAll("swt")) return mailboxes.storeFlags(mailboxId, uids, change, flags, unchangedSince);
            Set<String> allowed = allowed(flags, have);
            if (change != FlagChange.REPLACE) {
                if (allowed.isEmpty() && !flags.isEmpty()) throw noFlagRight(flags, have);
                return mailboxes.storeFlags(mailboxId, uids, change, allowed, unchangedSince);
            }
            if (!have.hasAny("swt")) throw noFlagRight(flags.isEmpty() ? Set.of("\\Seen", "\\Deleted", "$x") : flags, have);
            // A REPLACE changes only the flags the account may change: each message keeps the others.
            Map<Set<String>, List<Long>> groups = new LinkedHashMap<>();
            Set<Long> wanted = new HashSet<>(uids);
            for (MessageEntry e : mailboxes.messages(mailboxId)) {
                if (!wanted.contains(e.uid())) continue;
                Set<String> target = new TreeSet<>(allowed);
                for (String f : e.flags()) if (!have.has(Rights.flagRight(f))) target.add(f);
                groups.computeIfAbsent(target, k -> new ArrayList<>()).add(e.uid());
            }
            List<MessageEntry> updated = new ArrayList<>();
            List<Long> modified = new ArrayList<>();
            long position = 0;
            for (var g : groups.entrySet()) {
                FlagsResult r = mailboxes.storeFlags(mailboxId, g.getValue(), FlagChange.REPLACE, g.getKey(), unchangedSince);
                updated.addAll(r.updated());
                modified.addAll(r.modified());
                position = Math.max(position, r.changePosition());
            }
            if (groups.isEmpty()) position = mailboxes.status(mailboxId).mailbox().highestModSeq();
            updated.sort(Comparator.comparingLong(MessageEntry::uid));
            modified.sort(null);
            return new FlagsResult(updated, modified, position);
        }

        private StoreException.Forbidden noFlagRight(Set<String> flags, Rights have) {
            StringBuilder needed = new StringBuilder();
            for (String f : flags) {
                char c = Rights.flagRight(f);
                if (needed.indexOf(String.valueOf(c)) < 0) needed.append(c);
            }
            String missing = have.missing(needed.toString());
            return new StoreException.Forbidden(missing, "the right" + (missing.length() > 1 ? "s " : " ") + missing
                    + " on this mailbox " + (missing.length() > 1 ? "are" : "is") + " needed to change these flags");
        }

        @Override
        public MailboxChanges mailboxChanges(long mailboxId, long sinceModSeq) {
            require(mailboxId, "r");
            return mailboxes.mailboxChanges(mailboxId, sinceModSeq);
        }

        @Override
        public QuotaUsage quotaUsage(long accountId) {
            if (!grantedBy(accountId)) throw new StoreException.Forbidden("", "another account's quota");
            return mailboxes.quotaUsage(accountId);
        }
    }
}
