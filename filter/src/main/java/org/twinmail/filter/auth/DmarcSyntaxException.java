package org.twinmail.filter.auth;

/** A DMARC record that does not follow RFC 7489 6.4: the only exception its parser throws. */
public final class DmarcSyntaxException extends Exception {
    public DmarcSyntaxException(String message) {
        super(message, null, false, false);
    }
}
