package org.twinmail.filter.auth;

import java.util.Locale;

/**
 * The outcome of DMARC (RFC 7489 6.6, RFC 8601 2.7.3 tokens).
 *
 * @param result what it came to
 * @param fromDomain the RFC5322.From domain, or empty
 * @param policy the policy that applies (sp= for a subdomain), NONE when there is none
 * @param enforce the policy is to be applied to this message (pct= drew it)
 * @param reason a short explanation
 */
public record DmarcResult(Result result, String fromDomain, DmarcRecord.Policy policy, boolean enforce, String reason) {
    public enum Result {
        PASS, FAIL, NONE, TEMPERROR, PERMERROR;

        public String token() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
