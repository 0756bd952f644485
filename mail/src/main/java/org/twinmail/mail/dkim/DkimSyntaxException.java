package org.twinmail.mail.dkim;

/**
 * A DKIM-Signature field or a key record that does not follow RFC 6376 3.5 / 3.6.1: the only
 * exception their parsers throw. The signature it belongs to is a permerror.
 */
public final class DkimSyntaxException extends Exception {
    public DkimSyntaxException(String message) {
        super(message, null, false, false);
    }
}
