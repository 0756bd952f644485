package org.twinmail.filter.auth;

/** An SPF record (or a macro in it) that does not follow RFC 7208 4.6 / 7.1: a permerror. The only exception the parser throws. */
public final class SpfSyntaxException extends Exception {
    public SpfSyntaxException(String message) {
        super(message, null, false, false);
    }
}
