package org.twinmail.filter.rules;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.core.policy.PolicyRecords.SenderAction;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.HeaderField;
import org.twinmail.filter.Message;
import org.twinmail.filter.Recipient;
import org.twinmail.filter.Verdict;
import org.twinmail.filter.rules.AdminRules.SenderRule;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.Records;

/**
 * The administrator's sender rules ({@code twinmail admin rule sender ...}), global, per domain
 * and per account, matched on the envelope sender and the header From.
 * <ul>
 *   <li>RCPT (envelope sender, the recipient's scopes): {@code reject} refuses that recipient with
 *       550 5.7.1 ({@code sender_rule_reject}); {@code accept} passes the rest of the RCPT stage
 *       (greylisting) ({@code sender_rule_accept}). The other actions wait for DATA.</li>
 *   <li>DATA (envelope sender and From, each local account's scopes): every account {@code accept}
 *       → the spam scanners are skipped ({@link #allowList()}, after the virus scan); one {@code quarantine} → the message is held ({@code sender_rule_quarantine}); every
 *       account {@code reject} → 550 5.7.1; otherwise {@code junk} (and a {@code reject} that
 *       concerns only some recipients, which DATA cannot refuse) files those accounts' copies into
 *       Junk with {@code $Junk} ({@code sender_rule_junk}), and {@code tag} adds
 *       {@code X-TwinMail-Rule: tag <pattern> (<scope>)} to those accounts' copies ({@code sender_rule_tag}).</li>
 * </ul>
 */
public final class SenderRules implements Check.Rcpt, Check.Data {
    public static final String HEADER = "X-TwinMail-Rule";
    private final AdminRules rules;

    public SenderRules(AdminRules rules) {
        this.rules = rules;
    }

    @Override
    public String name() {
        return "sender-rules";
    }

    @Override
    public Verdict rcpt(Client client, Envelope envelope, Recipient recipient) {
        if (envelope.sender().isEmpty()) return Verdict.proceed();
        Set<String> scopes = new LinkedHashSet<>();
        scopes.add("");
        recipient.address().ifPresent(a -> scopes.add(Records.domainScope(a.domain())));
        if (recipient.resolution() instanceof RecipientResolution.Local local) {
            for (Account a : local.accounts()) {
                scopes.add(Records.domainScope(a.address().domain()));
                scopes.add(Records.accountScope(a.id()));
            }
        }
        Optional<SenderRule> rule = rules.senderRule(scopes, List.of(envelope.sender().get().toString()), System.currentTimeMillis());
        if (rule.isEmpty()) return Verdict.proceed();
        return switch (rule.get().action()) {
            case REJECT -> Verdict.reject(550, "5.7.1", "<" + Printable.of(envelope.sender().get().toString())
                    + ">: Sender address rejected: Access denied", "sender_rule_reject");
            case ACCEPT -> Verdict.accept("sender_rule_accept");
            default -> Verdict.proceed();
        };
    }

    @Override
    public Verdict data(Client client, Envelope envelope, Message message) throws IOException {
        Map<SenderAction, List<Long>> byAction = new LinkedHashMap<>();
        Map<Long, SenderRule> decided = decide(envelope, message, byAction);
        if (decided.isEmpty()) return Verdict.proceed();
        int accounts = envelope.accounts().size();
        boolean remote = !envelope.remoteRecipients().isEmpty();
        if (byAction.containsKey(SenderAction.QUARANTINE)) return Verdict.quarantine("sender_rule_quarantine");
        if (byAction.getOrDefault(SenderAction.REJECT, List.of()).size() == accounts && !remote) {
            return Verdict.reject(550, "5.7.1", "Message rejected: sender blocked by the administrator", "sender_rule_reject");
        }
        List<Verdict.Effect> effects = new ArrayList<>();
        List<Long> junk = new ArrayList<>(byAction.getOrDefault(SenderAction.JUNK, List.of()));
        junk.addAll(byAction.getOrDefault(SenderAction.REJECT, List.of()));
        if (!junk.isEmpty()) effects.add(Verdict.fileInto(SpecialUse.JUNK, Set.of("$Junk"), "sender_rule_junk").forAccounts(junk));
        for (long id : byAction.getOrDefault(SenderAction.TAG, List.of())) {
            effects.add(new Verdict.AddHeaders(List.of(new HeaderField(HEADER, Printable.of(decided.get(id).describe()))), List.of(id),
                    "sender_rule_tag"));
        }
        return effects.isEmpty() ? Verdict.proceed() : new Verdict.Effects(effects);
    }

    /**
     * The allow-list half, placed after the virus scan and before the spam scanners: when every
     * local account's rule is {@code accept} (and nothing goes to remote recipients), the rest
     * of DATA is skipped ({@code sender_rule_accept}).
     */
    public Check.Data allowList() {
        return new Check.Data() {
            @Override
            public String name() {
                return "sender-allow";
            }

            @Override
            public Verdict data(Client client, Envelope envelope, Message message) throws IOException {
                Map<SenderAction, List<Long>> byAction = new LinkedHashMap<>();
                decide(envelope, message, byAction);
                boolean all = !envelope.accounts().isEmpty() && envelope.remoteRecipients().isEmpty()
                        && byAction.getOrDefault(SenderAction.ACCEPT, List.of()).size() == envelope.accounts().size();
                return all ? Verdict.accept("sender_rule_accept") : Verdict.proceed();
            }
        };
    }

    /** Each local account's deciding rule (envelope sender and From), and the accounts grouped by action. */
    private Map<Long, SenderRule> decide(Envelope envelope, Message message, Map<SenderAction, List<Long>> byAction) throws IOException {
        Map<Long, SenderRule> decided = new LinkedHashMap<>();
        List<String> identities = new ArrayList<>(2);
        envelope.sender().ifPresent(s -> identities.add(s.toString()));
        try {
            for (EmailAddress a : message.from()) if (!identities.contains(a.toString())) identities.add(a.toString());
        } catch (Message.MalformedHeader e) {
            // no usable From: the envelope sender alone
        }
        if (identities.isEmpty()) return decided;
        long now = System.currentTimeMillis();
        for (Account a : envelope.accounts()) {
            Optional<SenderRule> r = rules.senderRule(List.of("", Records.domainScope(a.address().domain()), Records.accountScope(a.id())),
                    identities, now);
            if (r.isEmpty()) continue;
            decided.put(a.id(), r.get());
            byAction.computeIfAbsent(r.get().action(), k -> new ArrayList<>()).add(a.id());
        }
        return decided;
    }
}
