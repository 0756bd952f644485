package org.twinmail.store;

import java.time.Instant;
import java.util.Set;
import org.twinmail.core.mail.MessageData;

/** One message for {@link MailStore#appendAll}: its content, flags and internal date. */
public record Appended(MessageData content, Set<String> flags, Instant internalDate) {
    public Appended {
        flags = Set.copyOf(flags);
    }
}
