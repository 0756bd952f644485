package org.twinmail.filter.rules;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.net.AddressRange;
import org.twinmail.core.policy.PolicyRecords;
import org.twinmail.core.policy.PolicyRecords.IpAction;
import org.twinmail.core.policy.PolicyRecords.RuleValue;
import org.twinmail.core.policy.PolicyRecords.SenderAction;
import org.twinmail.core.policy.SenderPattern;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.RecordWatcher;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The administrator's IP and sender rules ({@link PolicyRecords#IP_RULE}, {@link PolicyRecords#SENDER_RULE}),
 * held in memory for the checks and reloaded whenever the change log says one changed
 * ({@link RecordWatcher}), so {@code twinmail admin rule add} takes effect on the next
 * connection without a restart. Reads are lock-free on an immutable snapshot. Expired rules
 * are kept in the store and ignored here.
 */
public final class AdminRules implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminRules.class);

    /** An IP rule in force. */
    public record IpRule(AddressRange range, IpAction action, String comment, long expiresMillis) { }

    /** A sender rule in force; {@code scope} is the store's ("", domain:..., account:...). */
    public record SenderRule(String scope, SenderPattern pattern, SenderAction action, String comment, long expiresMillis) {
        /** For the log and header fields: {@code reject *@spam.example (domain:example.org)}. */
        public String describe() {
            return PolicyRecords.name(action) + " " + pattern + (scope.isEmpty() ? "" : " (" + scope + ")");
        }
    }

    private record Snapshot(List<IpRule> ips, Map<String, List<SenderRule>> senders) { }

    private final Records records;
    private volatile Snapshot snapshot = new Snapshot(List.of(), Map.of());
    private RecordWatcher watcher;

    private AdminRules(Records records) {
        this.records = records;
    }

    /** Loads the rules and keeps them fresh from {@code changes} until {@link #close()}. */
    public static AdminRules watch(Records records, ChangeLog changes) {
        AdminRules rules = new AdminRules(records);
        rules.watcher = RecordWatcher.start(changes, Set.of(PolicyRecords.IP_RULE, PolicyRecords.SENDER_RULE), rules::reload, "rules");
        return rules;
    }

    /** Loads the rules once (tests, and a caller that reloads itself). */
    public static AdminRules load(Records records) {
        AdminRules rules = new AdminRules(records);
        rules.reload();
        return rules;
    }

    /** Reads every rule from the store again. A record that cannot be read is skipped and logged. */
    public void reload() {
        List<IpRule> ips = new ArrayList<>();
        for (StoredRecord r : records.records(PolicyRecords.IP_RULE)) {
            try {
                RuleValue v = RuleValue.decode(r.value());
                ips.add(new IpRule(AddressRange.parse(r.name()), PolicyRecords.action(IpAction.class, v.action()), v.comment(), r.expiresMillis()));
            } catch (IllegalArgumentException e) {
                log.warn("ip rule {} skipped: {}", r.name(), e.getMessage());
            }
        }
        // The longest prefix first: the most specific range decides; at equal length allow before deny.
        ips.sort(Comparator.comparingInt((IpRule r) -> -r.range().prefix()).thenComparing(IpRule::action));
        Map<String, List<SenderRule>> senders = new HashMap<>();
        for (StoredRecord r : records.records(PolicyRecords.SENDER_RULE)) {
            try {
                RuleValue v = RuleValue.decode(r.value());
                senders.computeIfAbsent(r.scope(), k -> new ArrayList<>()).add(new SenderRule(r.scope(), SenderPattern.parse(r.name()),
                        PolicyRecords.action(SenderAction.class, v.action()), v.comment(), r.expiresMillis()));
            } catch (IllegalArgumentException e) {
                log.warn("sender rule {} in scope '{}' skipped: {}", r.name(), r.scope(), e.getMessage());
            }
        }
        senders.replaceAll((k, v) -> List.copyOf(v));
        snapshot = new Snapshot(List.copyOf(ips), Map.copyOf(senders));
    }

    /** The rule for {@code client}: the longest matching range not expired at {@code nowMillis}. */
    public Optional<IpRule> ipRule(InetAddress client, long nowMillis) {
        for (IpRule r : snapshot.ips()) {
            if (live(r.expiresMillis(), nowMillis) && r.range().contains(client)) return Optional.of(r);
        }
        return Optional.empty();
    }

    /**
     * The rule that decides for a recipient whose scopes are {@code scopes} ("" global,
     * {@code domain:...}, {@code account:...}) and a sender known by {@code identities} (the
     * envelope sender, the From addresses): the most specific scope (account, then domain,
     * then global), then the most specific pattern (address, domain, wildcard), then the
     * strongest action (accept, reject, quarantine, junk, tag).
     */
    public Optional<SenderRule> senderRule(Collection<String> scopes, Collection<String> identities, long nowMillis) {
        Map<String, List<SenderRule>> all = snapshot.senders();
        if (all.isEmpty() || identities.isEmpty()) return Optional.empty();
        SenderRule best = null;
        for (String scope : scopes) {
            List<SenderRule> rules = all.get(scope);
            if (rules == null) continue;
            for (SenderRule r : rules) {
                if (!live(r.expiresMillis(), nowMillis) || (best != null && rank(r) <= rank(best))) continue;
                for (String id : identities) {
                    if (r.pattern().matches(id)) {
                        best = r;
                        break;
                    }
                }
            }
        }
        return Optional.ofNullable(best);
    }

    private static int rank(SenderRule r) {
        int scope = r.scope().isEmpty() ? 1 : r.scope().startsWith("domain:") ? 2 : 3;
        return scope * 100 + r.pattern().specificity() * 10 + (SenderAction.values().length - r.action().ordinal());
    }

    private static boolean live(long expiresMillis, long nowMillis) {
        return expiresMillis == 0 || expiresMillis > nowMillis;
    }

    @Override
    public void close() {
        if (watcher != null) watcher.close();
    }
}
