package org.twinmail.mail.dkim;

/**
 * The outcome of one DKIM signature (RFC 8601 2.7.1).
 *
 * @param result what it came to
 * @param domain d= (lower case), empty when the field could not be parsed
 * @param selector s=, empty when the field could not be parsed
 * @param algorithm a=, empty when the field could not be parsed
 * @param reason a short explanation for people (the Authentication-Results comment, the log)
 */
public record DkimResult(Result result, String domain, String selector, String algorithm, String reason) {
    public enum Result {
        PASS, FAIL, NEUTRAL, TEMPERROR, PERMERROR;

        /** As Authentication-Results writes it. */
        public String token() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public boolean passed() {
        return result == Result.PASS;
    }
}
