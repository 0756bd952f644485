package org.twinmail.filter.checks;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Domain;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Recipient;
import org.twinmail.filter.Verdict;
import org.twinmail.store.RecipientResolution;

/**
 * RCPT: every account a local recipient leads to must be able to take the message, so the
 * sender learns of a full mailbox from the RCPT reply instead of a bounce later.
 * <ul>
 *   <li>declared SIZE over an account's per-message limit: 552 5.3.4 (RFC 1870), {@code too_big}</li>
 *   <li>account or its domain full, or would be with the declared SIZE: 452 4.2.2, {@code quota}</li>
 * </ul>
 * An alias with several targets is refused as a whole if one target cannot take the message:
 * accepting it for the others would lose that copy without telling anyone. The store checks the
 * quotas again inside the delivery's transaction (452 4.2.2 / 552 5.3.4 after DATA).
 */
public final class Quota implements Check.Rcpt {
    private final Function<String, Optional<Domain>> domains;

    /** @param domains the store's domain lookup (quota and usage) */
    public Quota(Function<String, Optional<Domain>> domains) {
        this.domains = domains;
    }

    @Override
    public String name() {
        return "quota";
    }

    @Override
    public Verdict rcpt(Client client, Envelope envelope, Recipient recipient) {
        if (!(recipient.resolution() instanceof RecipientResolution.Local local)) return Verdict.proceed();
        long declared = envelope.declaredSize().orElse(0);
        // "Full" means not even one more byte fits; with SIZE, the declared size must fit.
        long needed = Math.max(1, declared);
        Map<String, Optional<Domain>> seen = new HashMap<>();
        for (Account a : local.accounts()) {
            if (declared > 0 && a.maxMessageBytes() > 0 && declared > a.maxMessageBytes()) {
                return Verdict.reject(552, "5.3.4",
                        recipient.shown() + ": Recipient address rejected: message size exceeds the recipient's limit", "too_big");
            }
            if (a.isFull(needed)) {
                return Verdict.tempfail(452, "4.2.2", recipient.shown() + ": Recipient address rejected: mailbox full", "quota");
            }
            Optional<Domain> domain = seen.computeIfAbsent(a.address().domain(), domains);
            if (domain.isPresent() && domain.get().isFull(needed)) {
                return Verdict.tempfail(452, "4.2.2",
                        recipient.shown() + ": Recipient address rejected: mailbox full (domain quota)", "quota");
            }
        }
        return Verdict.proceed();
    }
}
