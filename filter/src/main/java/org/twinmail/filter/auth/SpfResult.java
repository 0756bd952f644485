package org.twinmail.filter.auth;

import java.util.Locale;

/**
 * The outcome of an SPF check (RFC 7208 2.6).
 *
 * @param result what it came to
 * @param identity {@code mailfrom} or {@code helo}: which identity was checked
 * @param domain the domain checked (the sender's, or the HELO name)
 * @param sender the address checked ({@code postmaster@<helo>} for the HELO identity)
 * @param reason a short explanation (log, Authentication-Results comment)
 * @param explanation the domain's exp= text on fail, or empty
 */
public record SpfResult(Result result, String identity, String domain, String sender, String reason, String explanation) {
    public enum Result {
        PASS, FAIL, SOFTFAIL, NEUTRAL, NONE, TEMPERROR, PERMERROR;

        public String token() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
