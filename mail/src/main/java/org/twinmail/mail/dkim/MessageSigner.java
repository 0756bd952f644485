package org.twinmail.mail.dkim;

import java.io.IOException;
import java.util.Optional;
import org.twinmail.core.mail.MessageData;

/** Signs outgoing mail. Implementations are thread-safe. */
public interface MessageSigner {
    /** Signs nothing: for nodes with no DKIM keys configured, and for tests. */
    MessageSigner NONE = (domain, message) -> Optional.empty();

    /**
     * The DKIM-Signature header field to prepend to the message, folded, ending in CRLF,
     * or empty when {@code signingDomain} has no key.
     *
     * @param signingDomain the domain of the message's From address (lower case, A-label)
     */
    Optional<String> signatureHeader(String signingDomain, MessageData message) throws IOException;
}
