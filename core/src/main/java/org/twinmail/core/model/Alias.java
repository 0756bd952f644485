package org.twinmail.core.model;

import java.util.List;
import org.twinmail.core.mail.EmailAddress;

/**
 * Mail to {@code source} goes to every address in {@code targets}. A source of the
 * form {@code @domain} is the domain's catch-all: it applies only when no account
 * or more specific alias matches.
 */
public record Alias(String source, List<EmailAddress> targets) {
    public Alias {
        targets = List.copyOf(targets);
    }

    public boolean isCatchAll() {
        return source.startsWith("@");
    }

    public String domain() {
        return source.substring(source.indexOf('@') + 1);
    }
}
