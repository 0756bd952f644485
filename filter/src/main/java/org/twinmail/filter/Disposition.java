package org.twinmail.filter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the verdicts of a transaction ask of its delivery, account by account: header fields
 * to prepend, the mailbox and flags to file into, or holding the message in quarantine.
 * The session applies every stage's {@link Decision} to the transaction's disposition and
 * hands the result to the store's delivery.
 *
 * <p>Header fields accumulate in the order they were given. For the mailbox, the last filing
 * verdict for an account wins, and quarantine wins over any filing.
 */
public final class Disposition {
    /** Where a quarantined message goes for each local recipient until an admin quarantine exists. */
    public static final String QUARANTINE_MAILBOX = "Quarantine";
    public static final String INBOX = "INBOX";

    private final List<HeaderField> everyone = new ArrayList<>();
    private final Map<Long, List<HeaderField>> perAccount = new HashMap<>();
    private Verdict.FileInto everyoneFiling;
    private final Map<Long, Verdict.FileInto> perAccountFiling = new HashMap<>();
    private String quarantine;

    public Disposition() {
    }

    /** A disposition that starts with what {@code base} holds (the session's connect and HELO verdicts). */
    public Disposition(Disposition base) {
        everyone.addAll(base.everyone);
        base.perAccount.forEach((k, v) -> perAccount.put(k, new ArrayList<>(v)));
        everyoneFiling = base.everyoneFiling;
        perAccountFiling.putAll(base.perAccountFiling);
        quarantine = base.quarantine;
    }

    /**
     * Takes a stage's effects (and its quarantine).
     *
     * @param scope the accounts a verdict without accounts of its own applies to: the recipient's
     *              at RCPT; empty elsewhere, meaning every local account of the message
     */
    public void apply(Decision decision, List<Long> scope) {
        for (Verdict.Effect v : decision.effects()) {
            switch (v) {
                case Verdict.AddHeaders h -> {
                    List<Long> ids = h.accountIds().isEmpty() ? scope : h.accountIds();
                    if (ids.isEmpty()) everyone.addAll(h.fields());
                    else for (long id : ids) perAccount.computeIfAbsent(id, k -> new ArrayList<>()).addAll(h.fields());
                }
                case Verdict.FileInto f -> {
                    List<Long> ids = f.accountIds().isEmpty() ? scope : f.accountIds();
                    if (ids.isEmpty()) {
                        everyoneFiling = f;
                        perAccountFiling.clear();
                    } else {
                        for (long id : ids) perAccountFiling.put(id, f);
                    }
                }
            }
        }
        if (decision.verdict() instanceof Verdict.Quarantine q && quarantine == null) quarantine = q.reason();
    }

    /** The header fields to prepend to this account's copy, in order. */
    public List<HeaderField> headers(long accountId) {
        List<HeaderField> own = perAccount.get(accountId);
        if (own == null) return List.copyOf(everyone);
        List<HeaderField> all = new ArrayList<>(everyone);
        all.addAll(own);
        return all;
    }

    /** The mailbox this account's copy goes into. */
    public String mailbox(long accountId) {
        if (quarantine != null) return QUARANTINE_MAILBOX;
        Verdict.FileInto f = filing(accountId);
        return f == null ? INBOX : f.mailbox();
    }

    /** The flags and keywords to set on this account's copy. */
    public Set<String> flags(long accountId) {
        Verdict.FileInto f = filing(accountId);
        return f == null ? Set.of() : f.flags();
    }

    private Verdict.FileInto filing(long accountId) {
        Verdict.FileInto own = perAccountFiling.get(accountId);
        return own != null ? own : everyoneFiling;
    }

    /** The reason the message is held, or null. */
    public String quarantine() {
        return quarantine;
    }

    /** True when every copy goes to INBOX as it came: no headers, no filing, no quarantine. */
    public boolean isPlain() {
        return everyone.isEmpty() && perAccount.isEmpty() && everyoneFiling == null && perAccountFiling.isEmpty() && quarantine == null;
    }
}
