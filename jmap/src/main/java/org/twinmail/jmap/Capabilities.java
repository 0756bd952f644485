package org.twinmail.jmap;

/** The capability URIs this server knows (RFC 8620, 8621, 8887, 9425, 9007). */
public final class Capabilities {
    public static final String CORE = "urn:ietf:params:jmap:core";
    public static final String MAIL = "urn:ietf:params:jmap:mail";
    public static final String SUBMISSION = "urn:ietf:params:jmap:submission";
    public static final String VACATION = "urn:ietf:params:jmap:vacationresponse";
    public static final String WEBSOCKET = "urn:ietf:params:jmap:websocket";
    public static final String QUOTA = "urn:ietf:params:jmap:quota";
    public static final String MDN = "urn:ietf:params:jmap:mdn";
    public static final String SIEVE = "urn:ietf:params:jmap:sieve";

    private Capabilities() {
    }
}
