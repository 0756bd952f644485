package org.twinmail.filter.sieve;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.twinmail.core.policy.ForwardingSetting;
import org.twinmail.core.policy.GlobalSieve;
import org.twinmail.filter.forward.VacationResponse;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.RecordWatcher;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The Sieve scripts of each account, in the store's {@link Records}: kind {@value #SCRIPT}
 * (name = the script's name, value = its UTF-8 text) and kind {@value #ACTIVE} (name
 * "active", value = the name of the active script; absent: none). ManageSieve writes them;
 * delivery reads the active one. Every change is a logged store change, so a pair carries
 * scripts over a failover like mail.
 *
 * <p>{@link #cached} gives the instance delivery and ManageSieve share on a node: each
 * account's scripts, forwarding and JMAP VacationResponse are read once (four record reads) and then served from memory, so a
 * delivery costs no store read while nothing changed. Writes through this instance drop the
 * account's entry before they return (a script put over ManageSieve applies to the next
 * message); writes by anyone else (the admin API, JMAP) drop the whole view when the change
 * log shows them ({@link RecordWatcher}), and a lookup first waits (at most {@link #FRESH_WAIT})
 * for the watcher to have seen every change committed before it, so a forwarding set a moment
 * ago applies to the next message too.
 */
public final class SieveScripts implements AutoCloseable {
    public static final String SCRIPT = "sieve.script";
    public static final String ACTIVE = "sieve.active";
    /** Each script's stable id (name = the script's name, value = the id), given when it is first stored and carried over a rename. */
    public static final String ID = "sieve.id";
    /** Rewritten by every change to an account's scripts: its version is the scripts' state (JMAP's SieveScript state). */
    public static final String STATE = "sieve.state";
    private static final String ACTIVE_NAME = "active";
    /** Accounts whose scripts are kept in memory; beyond it the view starts again empty. */
    static final int MAX_CACHED_ACCOUNTS = 100_000;
    /** Longest a lookup waits for the change log's watcher to reach the newest change before reading the store itself. */
    static final java.time.Duration FRESH_WAIT = java.time.Duration.ofSeconds(1);

    private final Records records;
    /** account id -> its scripts; null when nothing is cached (an uncached instance). */
    private final Map<Long, Personal> cache;
    /** Bumped by every invalidation: a load that raced one is not kept. */
    private final AtomicLong generation = new AtomicLong();
    private final AtomicLong loads = new AtomicLong();
    private final RecordWatcher watcher;

    public SieveScripts(Records records) {
        this.records = records;
        this.cache = null;
        this.watcher = null;
    }

    private SieveScripts(Records records, ChangeLog changes) {
        this.records = records;
        this.cache = new ConcurrentHashMap<>();
        this.watcher = RecordWatcher.start(changes, Set.of(SCRIPT, ACTIVE, ForwardingSetting.KIND, VacationResponse.KIND, GlobalSieve.BEFORE,
                GlobalSieve.AFTER), this::invalidateAll, "sieve-scripts");
    }

    /** An instance that keeps the scripts in memory, fresh from the change log until {@link #close()}. */
    public static SieveScripts cached(Records records, ChangeLog changes) {
        return new SieveScripts(records, changes);
    }

    /** A script and whether it is the active one. */
    public record Script(String name, String text, boolean active) { }

    /** The administrator's global scripts ({@link GlobalSieve}), each phase in name order. */
    public record Globals(List<Script> before, List<Script> after) {
        public static final Globals NONE = new Globals(List.of(), List.of());

        public boolean isEmpty() {
            return before.isEmpty() && after.isEmpty();
        }
    }

    /** The global scripts as last read (null: to be read again). */
    private volatile Globals globals;

    /** The administrator's before and after scripts; read once and kept while the change log shows no change to them. */
    public Globals globals() {
        if (cache != null) {
            if (!watcher.awaitCurrent(FRESH_WAIT)) return loadGlobals();
            Globals g = globals;
            if (g != null) return g;
        }
        long before = generation.get();
        Globals g = loadGlobals();
        if (cache != null && generation.get() == before) globals = g;
        return g;
    }

    private Globals loadGlobals() {
        loads.addAndGet(2);
        List<Script> b = records.records(GlobalSieve.BEFORE, "").stream().map(r -> new Script(r.name(), r.text(), true)).toList();
        List<Script> a = records.records(GlobalSieve.AFTER, "").stream().map(r -> new Script(r.name(), r.text(), true)).toList();
        return b.isEmpty() && a.isEmpty() ? Globals.NONE : new Globals(b, a);
    }

    /** One account's scripts by name, the active one's name (or null), its forwarding (or null). */
    private record Personal(Map<String, String> scripts, String active, ForwardingSetting forwarding, VacationResponse vacation) { }

    /** The account's JMAP VacationResponse, if it has one that can be read. */
    public Optional<VacationResponse> vacationResponse(long accountId) {
        return Optional.ofNullable(personal(accountId).vacation());
    }

    /**
     * The account's forwarding ({@link ForwardingSetting}, kept beside its scripts since delivery
     * reads both); empty when it has none or its record cannot be read (logged).
     */
    public Optional<ForwardingSetting> forwarding(long accountId) {
        return Optional.ofNullable(personal(accountId).forwarding());
    }

    public List<Script> list(long accountId) {
        Personal p = personal(accountId);
        return p.scripts().entrySet().stream().map(e -> new Script(e.getKey(), e.getValue(), e.getKey().equals(p.active()))).toList();
    }

    public Optional<String> text(long accountId, String name) {
        return Optional.ofNullable(personal(accountId).scripts().get(name));
    }

    public Optional<String> activeName(long accountId) {
        return Optional.ofNullable(personal(accountId).active());
    }

    /** The active script's text, if the account has one. */
    public Optional<Script> active(long accountId) {
        Personal p = personal(accountId);
        if (p.active() == null) return Optional.empty();
        String text = p.scripts().get(p.active());
        return text == null ? Optional.empty() : Optional.of(new Script(p.active(), text, true));
    }

    public void put(long accountId, String name, String text) {
        String scope = Records.accountScope(accountId);
        try {
            records.putRecord(SCRIPT, scope, name, text.getBytes(StandardCharsets.UTF_8), 0);
            // a new script gets its id now (a racing writer's id wins: putRecordIf)
            if (records.record(ID, scope, name).isEmpty()) records.putRecordIf(ID, scope, name, 0, newId(), 0);
            changed(scope);
        } finally {
            invalidate(accountId);
        }
    }

    /** Deletes a script; false when there is none. The caller refuses to delete the active one. */
    public boolean delete(long accountId, String name) {
        String scope = Records.accountScope(accountId);
        try {
            boolean gone = records.deleteRecord(SCRIPT, scope, name);
            records.deleteRecord(ID, scope, name);
            if (gone) changed(scope);
            return gone;
        } finally {
            invalidate(accountId);
        }
    }

    /** Makes {@code name} active; null or "" deactivates. */
    public void activate(long accountId, String name) {
        String scope = Records.accountScope(accountId);
        try {
            if (name == null || name.isEmpty()) records.deleteRecord(ACTIVE, scope, ACTIVE_NAME);
            else records.putRecord(ACTIVE, scope, ACTIVE_NAME, name.getBytes(StandardCharsets.UTF_8), 0);
            changed(scope);
        } finally {
            invalidate(accountId);
        }
    }

    /** Renames a script, keeping it active if it was, and keeping its id. */
    public void rename(long accountId, String from, String to, String text) {
        boolean wasActive = activeName(accountId).filter(from::equals).isPresent();
        String id = ids(accountId).get(from);
        if (id != null) records.putRecord(ID, Records.accountScope(accountId), to, id.getBytes(StandardCharsets.UTF_8), 0);
        put(accountId, to, text);
        if (wasActive) activate(accountId, to);
        delete(accountId, from);
    }

    /**
     * Every script's stable id by name. A script stored before ids existed gets one now: the id
     * it had then ({@link #legacyId}, derived from its name) unless another script holds it.
     */
    public Map<String, String> ids(long accountId) {
        String scope = Records.accountScope(accountId);
        Map<String, String> ids = new LinkedHashMap<>();
        for (StoredRecord r : records.records(ID, scope)) ids.put(r.name(), r.text());
        for (StoredRecord r : records.records(SCRIPT, scope)) {
            if (ids.containsKey(r.name())) continue;
            String legacy = legacyId(r.name());
            byte[] id = ids.containsValue(legacy) ? newId() : legacy.getBytes(StandardCharsets.UTF_8);
            Optional<StoredRecord> put = records.putRecordIf(ID, scope, r.name(), 0, id, 0);
            ids.put(r.name(), put.isPresent() ? put.get().text() : records.record(ID, scope, r.name()).map(StoredRecord::text).orElseThrow());
        }
        ids.keySet().retainAll(records.records(SCRIPT, scope).stream().map(StoredRecord::name).collect(java.util.stream.Collectors.toSet()));
        return ids;
    }

    /** The id a script had when ids were derived from names: {@code S} and the name's UTF-8 in hex. */
    static String legacyId(String name) {
        return "S" + java.util.HexFormat.of().formatHex(name.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] newId() {
        byte[] b = new byte[10];
        RANDOM.nextBytes(b);
        // lower-case "s": never a legacy id, which starts with "S"
        return ("s" + java.util.HexFormat.of().formatHex(b)).getBytes(StandardCharsets.UTF_8);
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * The state of the account's scripts: the change-log position of their last change (every
     * write above rewrites the {@value #STATE} record; before that record exists, the newest of
     * the scripts' own records).
     */
    public long state(long accountId) {
        String scope = Records.accountScope(accountId);
        long v = records.record(STATE, scope, STATE).map(StoredRecord::version).orElse(0L);
        if (v > 0) return v;
        for (StoredRecord r : records.records(SCRIPT, scope)) v = Math.max(v, r.version());
        for (StoredRecord r : records.records(ACTIVE, scope)) v = Math.max(v, r.version());
        return v;
    }

    private void changed(String scope) {
        records.putRecord(STATE, scope, STATE, new byte[0], 0);
    }

    /** Store reads made to fill the view (four per account loaded): what a test counts. */
    long loads() {
        return loads.get();
    }

    private Personal personal(long accountId) {
        if (cache != null) {
            // the view must reflect every change committed before this delivery (a forwarding set
            // through the admin API a moment ago); a view that lags behind is bypassed, not trusted
            if (!watcher.awaitCurrent(FRESH_WAIT)) return load(accountId);
            Personal p = cache.get(accountId);
            if (p != null) return p;
        }
        long before = generation.get();
        Personal p = load(accountId);
        if (cache != null && generation.get() == before) {
            if (cache.size() >= MAX_CACHED_ACCOUNTS) cache.clear();
            cache.put(accountId, p);
        }
        return p;
    }

    private Personal load(long accountId) {
        String scope = Records.accountScope(accountId);
        loads.addAndGet(4);
        Map<String, String> scripts = new LinkedHashMap<>();
        for (StoredRecord r : records.records(SCRIPT, scope)) scripts.put(r.name(), r.text());
        String active = records.record(ACTIVE, scope, ACTIVE_NAME).map(StoredRecord::text).orElse(null);
        ForwardingSetting forwarding = null;
        Optional<StoredRecord> f = records.record(ForwardingSetting.KIND, scope, ForwardingSetting.NAME);
        if (f.isPresent()) {
            try {
                forwarding = ForwardingSetting.decode(f.get().value());
            } catch (IllegalArgumentException e) {
                org.slf4j.LoggerFactory.getLogger(SieveScripts.class).warn("account {}: forwarding record unreadable, ignored: {}",
                        accountId, e.getMessage());
            }
        }
        VacationResponse vacation = null;
        Optional<StoredRecord> v = records.record(VacationResponse.KIND, scope, VacationResponse.NAME);
        if (v.isPresent()) {
            try {
                vacation = VacationResponse.decode(v.get().value());
            } catch (IllegalArgumentException e) {
                org.slf4j.LoggerFactory.getLogger(SieveScripts.class).warn("account {}: VacationResponse unreadable, ignored: {}",
                        accountId, e.getMessage());
            }
        }
        return new Personal(java.util.Collections.unmodifiableMap(scripts), active, forwarding, vacation);
    }

    private void invalidate(long accountId) {
        if (cache == null) return;
        generation.incrementAndGet();
        cache.remove(accountId);
    }

    private void invalidateAll() {
        if (cache == null) return;
        generation.incrementAndGet();
        cache.clear();
        globals = null;
    }

    @Override
    public void close() {
        if (watcher != null) watcher.close();
    }
}
