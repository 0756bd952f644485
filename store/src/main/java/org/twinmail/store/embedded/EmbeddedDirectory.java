package org.twinmail.store.embedded;

import static org.twinmail.store.embedded.StoreSql.*;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Alias;
import org.twinmail.core.model.Domain;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.store.AccountChange;
import org.twinmail.store.Change;
import org.twinmail.store.Records;
import org.twinmail.store.Directory;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.StoreException;
import org.twinmail.store.embedded.GroupCommitWriter.WriteTx;

/** The embedded {@link Directory}: domains, accounts and aliases in the store's SQLite database. */
final class EmbeddedDirectory implements Directory {
    private final Engine engine;

    EmbeddedDirectory(Engine engine) {
        this.engine = engine;
    }

    // ---- directory: domains ----

    @Override
    public Domain addDomain(String name) {
        String d = domainName(name);
        return engine.write(tx -> {
            Db db = tx.db();
            if (db.exists("SELECT 1 FROM domain WHERE name = ?", d)) throw new StoreException.Conflict("domain " + d + " already exists");
            long id = db.insert("INSERT INTO domain (name, quota_bytes, used_bytes) VALUES (?, 0, 0)", d);
            tx.appendChange(Change.Kind.DOMAIN_ADDED, 0, 0, 0, d);
            return new Domain(id, d, 0, 0, 0, 0);
        });
    }

    @Override
    public void removeDomain(String name, boolean force) {
        String d = domainName(name);
        engine.write(tx -> {
            Db db = tx.db();
            long domainId = db.queryLong("SELECT id FROM domain WHERE name = ?", d).orElseThrow(() -> noDomain(d));
            List<Long> accounts = db.list("SELECT id FROM account WHERE domain_id = ? ORDER BY address_key", rs -> rs.getLong(1), domainId);
            List<String> aliases = db.list("SELECT source FROM alias WHERE domain_id = ? ORDER BY source", rs -> rs.getString(1), domainId);
            if (!force && (!accounts.isEmpty() || !aliases.isEmpty())) {
                throw new StoreException.Conflict("domain " + d + " still has " + accounts.size() + " account(s) and "
                        + aliases.size() + " alias(es); remove them first, or force to remove them with their mail");
            }
            for (long accountId : accounts) removeAccount(tx, accountId);
            for (String source : aliases) removeAlias(tx, source);
            db.update("DELETE FROM domain WHERE id = ?", domainId);
            EmbeddedRecords.removeScope(tx, Records.domainScope(d));
            tx.appendChange(Change.Kind.DOMAIN_REMOVED, 0, 0, 0, d);
            return null;
        });
    }

    @Override
    public List<Domain> listDomains() {
        return engine.read(db -> db.list(DOMAIN_COLUMNS + " ORDER BY name", StoreSql::domain));
    }

    @Override
    public Optional<Domain> findDomain(String name) {
        Optional<String> d = domainNameOrEmpty(name);
        if (d.isEmpty()) return Optional.empty();
        return engine.read(db -> db.one(DOMAIN_COLUMNS + " WHERE name = ?", StoreSql::domain, d.get()));
    }

    @Override
    public Domain setDomainQuota(String name, long quotaBytes) {
        String d = domainName(name);
        nonNegative(quotaBytes, "domain quota");
        return engine.write(tx -> {
            Db db = tx.db();
            if (db.update("UPDATE domain SET quota_bytes = ? WHERE name = ?", quotaBytes, d) == 0) throw noDomain(d);
            tx.appendChange(Change.Kind.DOMAIN_CHANGED, 0, 0, 0, d + " quota=" + quotaBytes);
            return db.one(DOMAIN_COLUMNS + " WHERE name = ?", StoreSql::domain, d).orElseThrow();
        });
    }

    @Override
    public Domain setDomainMessageLimit(String name, long maxMessages) {
        String d = domainName(name);
        nonNegative(maxMessages, "domain message limit");
        return engine.write(tx -> {
            Db db = tx.db();
            if (db.update("UPDATE domain SET max_messages = ? WHERE name = ?", limitOrNull(maxMessages), d) == 0) throw noDomain(d);
            tx.appendChange(Change.Kind.DOMAIN_CHANGED, 0, 0, 0, d + " max-messages=" + maxMessages);
            return db.one(DOMAIN_COLUMNS + " WHERE name = ?", StoreSql::domain, d).orElseThrow();
        });
    }


    @Override
    public boolean isLocalDomain(String domain) {
        return findDomain(domain).isPresent();
    }


    // ---- directory: accounts ----

    @Override
    public Account addAccount(EmailAddress address, String passwordHash, long quotaBytes, long maxMessageBytes) {
        EmailAddress a = validAddress(address);
        if (passwordHash == null || passwordHash.isBlank()) throw new IllegalArgumentException("empty password hash");
        nonNegative(quotaBytes, "quota");
        nonNegative(maxMessageBytes, "message size limit");
        String key = a.key();
        return engine.write(tx -> {
            Db db = tx.db();
            long domainId = db.queryLong("SELECT id FROM domain WHERE name = ?", a.domain()).orElseThrow(() -> noDomain(a.domain()));
            if (db.exists("SELECT 1 FROM account WHERE address_key = ?", key)) {
                throw new StoreException.Conflict("account " + a + " already exists");
            }
            long id = db.insert("""
                    INSERT INTO account (domain_id, address_key, local_part, password_hash, quota_bytes, max_message_bytes)
                    VALUES (?, ?, ?, ?, ?, ?)""", domainId, key, a.localPart(), passwordHash, quotaBytes, maxMessageBytes);
            tx.appendChange(Change.Kind.ACCOUNT_ADDED, id, 0, 0, key);
            for (SpecialUse use : SpecialUse.values()) {
                createMailbox(tx, id, use.defaultName(), use);
                db.update("INSERT INTO subscription (account_id, name) VALUES (?, ?)", id, use.defaultName());
            }
            return db.one(ACCOUNT_COLUMNS + " WHERE a.id = ?", StoreSql::account, id).orElseThrow();
        });
    }


    @Override
    public Account updateAccount(EmailAddress address, AccountChange change) {
        EmailAddress a = validAddress(address);
        Objects.requireNonNull(change, "change");
        if (change.passwordHash() != null && change.passwordHash().isBlank()) throw new IllegalArgumentException("empty password hash");
        if (change.quotaBytes() != null) nonNegative(change.quotaBytes(), "quota");
        if (change.maxMessageBytes() != null) nonNegative(change.maxMessageBytes(), "message size limit");
        if (change.maxMessages() != null) nonNegative(change.maxMessages(), "message limit");
        String key = a.key();
        return engine.write(tx -> {
            Db db = tx.db();
            long id = db.queryLong("SELECT id FROM account WHERE address_key = ?", key).orElseThrow(() -> noAccount(a));
            List<String> changed = new ArrayList<>();
            if (change.passwordHash() != null) {
                db.update("UPDATE account SET password_hash = ? WHERE id = ?", change.passwordHash(), id);
                changed.add("password");
            }
            if (change.quotaBytes() != null) {
                db.update("UPDATE account SET quota_bytes = ? WHERE id = ?", change.quotaBytes(), id);
                changed.add("quota=" + change.quotaBytes());
            }
            if (change.maxMessageBytes() != null) {
                db.update("UPDATE account SET max_message_bytes = ? WHERE id = ?", change.maxMessageBytes(), id);
                changed.add("max-message=" + change.maxMessageBytes());
            }
            if (change.maxMessages() != null) {
                db.update("UPDATE account SET max_messages = ? WHERE id = ?", limitOrNull(change.maxMessages()), id);
                changed.add("max-messages=" + change.maxMessages());
            }
            if (!changed.isEmpty()) tx.appendChange(Change.Kind.ACCOUNT_CHANGED, id, 0, 0, String.join(" ", changed));
            return db.one(ACCOUNT_COLUMNS + " WHERE a.id = ?", StoreSql::account, id).orElseThrow();
        });
    }

    @Override
    public void removeAccount(EmailAddress address) {
        EmailAddress a = validAddress(address);
        engine.write(tx -> {
            long id = tx.db().queryLong("SELECT id FROM account WHERE address_key = ?", a.key()).orElseThrow(() -> noAccount(a));
            removeAccount(tx, id);
            return null;
        });
    }

    /** Removes an account with its mailboxes and mail, releasing blobs and the domain's usage. */
    private static void removeAccount(WriteTx tx, long accountId) throws SQLException {
        Db db = tx.db();
        record Owner(long domainId, long usedBytes, long messageCount, String key) { }
        Owner owner = db.one("SELECT domain_id, used_bytes, message_count, address_key FROM account WHERE id = ?",
                rs -> new Owner(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4)), accountId).orElseThrow();
        record Use(String sha256, long count) { }
        List<Use> uses = db.list("""
                SELECT m.blob_sha256, count(*) FROM message m JOIN mailbox b ON b.id = m.mailbox_id
                WHERE b.account_id = ? GROUP BY m.blob_sha256""", rs -> new Use(rs.getString(1), rs.getLong(2)), accountId);
        db.update("DELETE FROM message WHERE mailbox_id IN (SELECT id FROM mailbox WHERE account_id = ?)", accountId);
        for (Use u : uses) releaseBlob(tx, u.sha256(), u.count());
        db.update("DELETE FROM mailbox WHERE account_id = ?", accountId);
        db.update("DELETE FROM subscription WHERE account_id = ?", accountId);
        db.update("UPDATE domain SET used_bytes = used_bytes - ?, message_count = message_count - ? WHERE id = ?",
                owner.usedBytes(), owner.messageCount(), owner.domainId());
        db.update("DELETE FROM account WHERE id = ?", accountId);
        EmbeddedRecords.removeScope(tx, Records.accountScope(accountId));
        tx.appendChange(Change.Kind.ACCOUNT_REMOVED, accountId, 0, 0, owner.key());
    }

    /** Ordered by domain, then address (case-insensitively), so a listing of all domains reads domain by domain. */
    @Override
    public List<Account> listAccounts(String domain) {
        if (domain == null) return engine.read(db -> db.list(ACCOUNT_COLUMNS + " ORDER BY d.name, a.address_key", StoreSql::account));
        Optional<String> d = domainNameOrEmpty(domain);
        if (d.isEmpty()) return List.of();
        return engine.read(db -> db.list(ACCOUNT_COLUMNS + " WHERE d.name = ? ORDER BY a.address_key", StoreSql::account, d.get()));
    }

    @Override
    public Optional<Account> findAccount(EmailAddress address) {
        Objects.requireNonNull(address, "address");
        return engine.read(db -> db.one(ACCOUNT_COLUMNS + " WHERE a.address_key = ?", StoreSql::account, address.key()));
    }

    @Override
    public Optional<Account> findAccount(long accountId) {
        return engine.read(db -> db.one(ACCOUNT_COLUMNS + " WHERE a.id = ?", StoreSql::account, accountId));
    }


    // ---- directory: aliases ----

    @Override
    public Alias addAlias(String source, List<EmailAddress> targets) {
        String src = aliasSource(source);
        String srcDomain = src.substring(src.indexOf('@') + 1);
        if (targets == null || targets.isEmpty()) throw new IllegalArgumentException("alias " + src + " needs at least one target");
        // Duplicates compared as the directory compares (case-insensitively); the first spelling and the order are kept.
        Map<String, EmailAddress> unique = new LinkedHashMap<>();
        for (EmailAddress t : targets) {
            EmailAddress v = validAddress(t);
            unique.putIfAbsent(v.key(), v);
        }
        int maxTargets = engine.options().aliasMaxTargets();
        if (unique.size() > maxTargets) throw new IllegalArgumentException("alias " + src + " has more than " + maxTargets + " targets");
        List<EmailAddress> to = List.copyOf(unique.values());
        return engine.write(tx -> {
            Db db = tx.db();
            long domainId = db.queryLong("SELECT id FROM domain WHERE name = ?", srcDomain).orElseThrow(() -> noDomain(srcDomain));
            // a target in a domain not served here is forwarded there at delivery (with SRS, as an account's forwarding)
            boolean replaced = db.update("DELETE FROM alias WHERE source = ?", src) > 0;
            long id = db.insert("INSERT INTO alias (source, domain_id) VALUES (?, ?)", src, domainId);
            for (int i = 0; i < to.size(); i++) {
                db.update("INSERT INTO alias_target (alias_id, position, local_part, domain) VALUES (?, ?, ?, ?)",
                        id, i, to.get(i).localPart(), to.get(i).domain());
            }
            tx.appendChange(Change.Kind.ALIAS_ADDED, 0, 0, 0, src + (replaced ? " (replaced) -> " : " -> ")
                    + String.join(",", to.stream().map(EmailAddress::toString).toList()));
            return new Alias(src, to);
        });
    }

    @Override
    public void removeAlias(String source) {
        String src = aliasSource(source);
        engine.write(tx -> {
            if (!tx.db().exists("SELECT 1 FROM alias WHERE source = ?", src)) throw new StoreException.NotFound("alias " + src + " does not exist");
            removeAlias(tx, src);
            return null;
        });
    }

    private static void removeAlias(WriteTx tx, String source) throws SQLException {
        tx.db().update("DELETE FROM alias WHERE source = ?", source); // targets go by ON DELETE CASCADE
        tx.appendChange(Change.Kind.ALIAS_REMOVED, 0, 0, 0, source);
    }

    @Override
    public List<Alias> listAliases(String domain) {
        if (domain == null) {
            return engine.read(db -> aliases(db.list(ALIAS_COLUMNS + " ORDER BY a.source, t.position", AliasRow::of)));
        }
        Optional<String> d = domainNameOrEmpty(domain);
        if (d.isEmpty()) return List.of();
        return engine.read(db -> aliases(db.list(ALIAS_COLUMNS + " WHERE a.domain_id = (SELECT id FROM domain WHERE name = ?)"
                + " ORDER BY a.source, t.position", AliasRow::of, d.get())));
    }

    private record AliasRow(String source, EmailAddress target) {
        static AliasRow of(ResultSet rs) throws SQLException {
            return new AliasRow(rs.getString(1), new EmailAddress(rs.getString(2), rs.getString(3)));
        }
    }

    private static List<Alias> aliases(List<AliasRow> rows) {
        Map<String, List<EmailAddress>> bySource = new LinkedHashMap<>();
        for (AliasRow r : rows) bySource.computeIfAbsent(r.source(), k -> new ArrayList<>()).add(r.target());
        return bySource.entrySet().stream().map(e -> new Alias(e.getKey(), e.getValue())).toList();
    }

    @Override
    public RecipientResolution resolve(EmailAddress recipient) {
        Objects.requireNonNull(recipient, "recipient");
        int maxDepth = engine.options().aliasMaxDepth();
        return engine.read(db -> {
            if (!db.exists("SELECT 1 FROM domain WHERE name = ?", recipient.domain())) return new RecipientResolution.NotLocal();
            Resolver resolver = new Resolver(db, maxDepth);
            resolver.expand(recipient, 0);
            return resolver.found.isEmpty() && resolver.remote.isEmpty()
                    ? new RecipientResolution.Unknown()
                    : new RecipientResolution.Local(List.copyOf(resolver.found.values()), List.copyOf(resolver.remote));
        });
    }

    /**
     * Alias expansion, depth first in the administrator's target order. Each alias
     * is expanded at most once per resolution: an address met again (a loop, or the
     * "keep a copy" idiom {@code alice -> alice, bob}) or beyond
     * {@link StoreOptions#aliasMaxDepth()} stands for itself and counts only if it is an
     * account. This bounds the work by the number of aliases, whatever their shape.
     */
    private static final class Resolver {
        final Db db;
        final int maxDepth;
        final Map<Long, Account> found = new LinkedHashMap<>();
        /** Alias targets in domains not served here, in order, each once. */
        final List<EmailAddress> remote = new ArrayList<>();
        final Set<String> expanded = new HashSet<>();

        Resolver(Db db, int maxDepth) {
            this.db = db;
            this.maxDepth = maxDepth;
        }

        void expand(EmailAddress address, int depth) throws SQLException {
            String key = address.key();
            if (depth > 0 && !db.exists("SELECT 1 FROM domain WHERE name = ?", address.domain())) {
                if (remote.stream().noneMatch(r -> r.key().equals(key))) remote.add(address);
                return;
            }
            List<EmailAddress> targets = targets(key);
            if (!targets.isEmpty()) {
                if (depth < maxDepth && expanded.add(key)) {
                    for (EmailAddress t : targets) expand(t, depth + 1);
                } else {
                    addAccount(key);
                }
                return;
            }
            if (addAccount(key)) return;
            // Subaddress (RFC 5233, Postfix's recipient_delimiter "+"): user+detail@ goes where user@ goes.
            int plus = address.localPart().indexOf('+');
            if (plus > 0) {
                expand(new EmailAddress(address.localPart().substring(0, plus), address.domain()), depth);
                return;
            }
            // The catch-all applies only where neither an alias nor an account matched.
            String catchAll = "@" + address.domain();
            List<EmailAddress> all = targets(catchAll);
            if (!all.isEmpty() && depth < maxDepth && expanded.add(catchAll)) {
                for (EmailAddress t : all) expand(t, depth + 1);
            }
        }

        private List<EmailAddress> targets(String source) throws SQLException {
            return db.list("""
                    SELECT t.local_part, t.domain FROM alias a JOIN alias_target t ON t.alias_id = a.id
                    WHERE a.source = ? ORDER BY t.position""", rs -> new EmailAddress(rs.getString(1), rs.getString(2)), source);
        }

        private boolean addAccount(String key) throws SQLException {
            Optional<Account> a = db.one(ACCOUNT_COLUMNS + " WHERE a.address_key = ?", StoreSql::account, key);
            a.ifPresent(account -> found.putIfAbsent(account.id(), account));
            return a.isPresent();
        }
    }

}
