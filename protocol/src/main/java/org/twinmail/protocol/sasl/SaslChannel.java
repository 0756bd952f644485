package org.twinmail.protocol.sasl;

import java.io.IOException;

/**
 * How one protocol carries a SASL exchange: SMTP sends {@code 334 <base64>} (RFC 4954), POP3
 * and IMAP send {@code + <base64>} (RFC 5034, RFC 9051). The mechanisms see only this.
 */
@FunctionalInterface
public interface SaslChannel {
    /**
     * Sends one server challenge and waits for the client's answer.
     *
     * @param base64 the challenge, already base64 (may be empty)
     * @return the client's response line without CRLF ("*" cancels), or null if the client left
     *         or sent a line over the protocol's limit
     */
    String challenge(String base64) throws IOException;
}
