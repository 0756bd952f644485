package org.twinmail.admin;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.admin.AdminException.Kind;
import org.twinmail.admin.AdminOperations.SieveScriptInfo;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.policy.GlobalSieve;
import org.twinmail.sieve.SieveException;
import org.twinmail.sieve.run.Limits;
import org.twinmail.sieve.script.Grammar;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The administrator's global Sieve scripts half of {@link AdminService}: records of kind
 * {@link GlobalSieve#BEFORE} and {@link GlobalSieve#AFTER} in the global scope. A script is
 * compiled by the same grammar as delivery's before it is stored, so a script that is stored
 * runs (within {@link Limits#DEFAULTS}' size).
 */
final class SieveOperations {
    private final Records records;

    SieveOperations(Records records) {
        this.records = records;
    }

    List<SieveScriptInfo> list() {
        return AdminService.call(() -> {
            List<SieveScriptInfo> out = new ArrayList<>();
            for (String phase : GlobalSieve.PHASES) {
                for (StoredRecord r : records.records(GlobalSieve.kind(phase), "")) out.add(info(phase, r));
            }
            return out;
        }, e -> null);
    }

    SieveScriptInfo show(String phase, String name) {
        String kind = kind(phase);
        String n = name(name);
        return AdminService.call(() -> records.record(kind, "", n).map(r -> info(GlobalSieve.phase(kind), r))
                .orElseThrow(() -> notFound(phase, n)), e -> null);
    }

    SieveScriptInfo put(String phase, String name, String script) {
        String kind = kind(phase);
        String n = name(name);
        if (script == null) throw AdminService.invalid("no script given");
        try {
            Grammar.compile(script, Limits.DEFAULTS.maxScriptBytes());
        } catch (SieveException e) {
            throw AdminService.invalid("the script does not compile: " + e.getMessage());
        }
        byte[] bytes = script.getBytes(StandardCharsets.UTF_8);
        StoredRecord r = AdminService.call(() -> records.putRecord(kind, "", n, bytes, 0), e -> null);
        return info(GlobalSieve.phase(kind), r);
    }

    void remove(String phase, String name) {
        String kind = kind(phase);
        String n = name(name);
        boolean removed = AdminService.call(() -> records.deleteRecord(kind, "", n), e -> null);
        if (!removed) throw notFound(phase, n);
    }

    private static SieveScriptInfo info(String phase, StoredRecord r) {
        return new SieveScriptInfo(phase, r.name(), r.value().length, r.text());
    }

    private static String kind(String phase) {
        try {
            return GlobalSieve.kind(phase);
        } catch (IllegalArgumentException e) {
            throw AdminService.invalid("phase must be before or after, not " + Printable.of(String.valueOf(phase)));
        }
    }

    private static String name(String name) {
        try {
            return GlobalSieve.checkName(name);
        } catch (IllegalArgumentException e) {
            throw AdminService.invalid(e.getMessage());
        }
    }

    private static AdminException notFound(String phase, String name) {
        return new AdminException(Kind.NOT_FOUND, "no global " + phase.toLowerCase(java.util.Locale.ROOT) + " script " + Printable.of(name));
    }
}
