package org.twinmail.filter.rules;

import org.twinmail.core.policy.PolicyRecords.IpAction;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Verdict;

/**
 * Connect: the administrator's IP rules ({@code twinmail admin rule ip ...}). A client in a
 * {@code deny} range is refused before the greeting with {@code 554 5.7.1} (reason
 * {@code ip_rule_deny}); one in an {@code allow} range passes the rest of the connect stage
 * (DNSBL, and whatever else looks at the client there; reason {@code ip_rule_allow}). The most
 * specific range decides.
 */
public final class IpRules implements Check.Connect {
    private final AdminRules rules;

    public IpRules(AdminRules rules) {
        this.rules = rules;
    }

    @Override
    public String name() {
        return "ip-rules";
    }

    @Override
    public Verdict connect(Client client) {
        return rules.ipRule(client.ip(), System.currentTimeMillis()).<Verdict>map(r -> r.action() == IpAction.DENY
                ? Verdict.reject(554, "5.7.1", "Service unavailable; client [" + client.ip().getHostAddress() + "] blocked by the administrator",
                        "ip_rule_deny")
                : Verdict.accept("ip_rule_allow")).orElse(Verdict.proceed());
    }
}
