package org.twinmail.filter.sieve;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The Sieve scripts of each account, in the store's {@link Records}: kind {@value #SCRIPT}
 * (name = the script's name, value = its UTF-8 text) and kind {@value #ACTIVE} (name
 * "active", value = the name of the active script; absent: none). ManageSieve writes them;
 * delivery reads the active one. Every change is a logged store change, so a pair carries
 * scripts over a failover like mail.
 */
public final class SieveScripts {
    public static final String SCRIPT = "sieve.script";
    public static final String ACTIVE = "sieve.active";
    private static final String ACTIVE_NAME = "active";

    private final Records records;

    public SieveScripts(Records records) {
        this.records = records;
    }

    /** A script and whether it is the active one. */
    public record Script(String name, String text, boolean active) { }

    public List<Script> list(long accountId) {
        String active = activeName(accountId).orElse(null);
        return records.records(SCRIPT, Records.accountScope(accountId)).stream()
                .map(r -> new Script(r.name(), r.text(), r.name().equals(active))).toList();
    }

    public Optional<String> text(long accountId, String name) {
        return records.record(SCRIPT, Records.accountScope(accountId), name).map(StoredRecord::text);
    }

    public Optional<String> activeName(long accountId) {
        return records.record(ACTIVE, Records.accountScope(accountId), ACTIVE_NAME).map(StoredRecord::text);
    }

    /** The active script's text, if the account has one. */
    public Optional<Script> active(long accountId) {
        return activeName(accountId).flatMap(n -> text(accountId, n).map(t -> new Script(n, t, true)));
    }

    public void put(long accountId, String name, String text) {
        records.putRecord(SCRIPT, Records.accountScope(accountId), name, text.getBytes(StandardCharsets.UTF_8), 0);
    }

    /** Deletes a script; false when there is none. The caller refuses to delete the active one. */
    public boolean delete(long accountId, String name) {
        return records.deleteRecord(SCRIPT, Records.accountScope(accountId), name);
    }

    /** Makes {@code name} active; null or "" deactivates. */
    public void activate(long accountId, String name) {
        String scope = Records.accountScope(accountId);
        if (name == null || name.isEmpty()) records.deleteRecord(ACTIVE, scope, ACTIVE_NAME);
        else records.putRecord(ACTIVE, scope, ACTIVE_NAME, name.getBytes(StandardCharsets.UTF_8), 0);
    }

    /** Renames a script, keeping it active if it was. */
    public void rename(long accountId, String from, String to, String text) {
        boolean wasActive = activeName(accountId).filter(from::equals).isPresent();
        put(accountId, to, text);
        if (wasActive) activate(accountId, to);
        delete(accountId, from);
    }
}
