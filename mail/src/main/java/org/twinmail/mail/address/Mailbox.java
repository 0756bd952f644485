package org.twinmail.mail.address;

import java.util.Optional;

/**
 * One mailbox (RFC 5322 3.4) as written.
 *
 * @param name      the display name decoded (RFC 2047 encoded words, quoted strings undone), or a
 *                  trailing comment {@code a@b (Real Name)} when there is no phrase; null if neither
 * @param rawName   the display name with quoting undone but encoded words left as written (IMAP
 *                  ENVELOPE sends it so, RFC 3501 7.4.2), or null
 * @param route     an obsolete source route ({@code @a,@b} of {@code <@a,@b:user@host>}), or null
 * @param localPart the local part as written (a quoted local part keeps its quotes), or null for {@code <>}
 * @param domain    the domain (a domain literal keeps its brackets), or null if there was no "@"
 */
public record Mailbox(String name, String rawName, String route, String localPart, String domain) implements Address {

    /** {@code local@domain}, or the local part alone when there is no domain; empty for {@code <>}. */
    public String address() {
        if (localPart == null) return "";
        return domain == null ? localPart : localPart + "@" + domain;
    }

    /** The display name, if any. */
    public Optional<String> displayName() {
        return Optional.ofNullable(name);
    }
}
