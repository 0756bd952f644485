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
 * @param policyDomain the domain whose record applied (the From domain or its organizational domain), empty without one
 * @param record the record that applied, or null
 * @param spfAligned an SPF pass aligned with the From domain
 * @param dkimAligned a DKIM pass aligned with the From domain
 */
public record DmarcResult(Result result, String fromDomain, DmarcRecord.Policy policy, boolean enforce, String reason,
                          String policyDomain, DmarcRecord record, boolean spfAligned, boolean dkimAligned) {

    /** An outcome without a record (none, temperror, permerror). */
    public DmarcResult(Result result, String fromDomain, DmarcRecord.Policy policy, boolean enforce, String reason) {
        this(result, fromDomain, policy, enforce, reason, "", null, false, false);
    }

    public enum Result {
        PASS, FAIL, NONE, TEMPERROR, PERMERROR;

        public String token() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
