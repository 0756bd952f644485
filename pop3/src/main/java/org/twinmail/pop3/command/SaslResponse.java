package org.twinmail.pop3.command;

/** A client line inside an AUTH exchange (RFC 5034 section 4): base64 data, a cancellation, or garbage. */
public sealed interface SaslResponse permits SaslResponse.Data, SaslResponse.Cancel, ParseError {

    /** Base64 text, still encoded: the mechanism decides what it means. */
    record Data(String base64) implements SaslResponse { }

    /** The client sent "*": the server must fail the AUTH command. */
    record Cancel() implements SaslResponse { }
}
