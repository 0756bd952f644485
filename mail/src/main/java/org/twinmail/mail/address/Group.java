package org.twinmail.mail.address;

import java.util.List;

/**
 * A group (RFC 5322 3.4): {@code name: a@b, c@d;}; {@code undisclosed-recipients:;} is a group
 * with no members.
 *
 * @param name    the group's display name decoded
 * @param rawName the display name with encoded words left as written
 */
public record Group(String name, String rawName, List<Mailbox> members) implements Address {
    public Group {
        members = List.copyOf(members);
    }
}
