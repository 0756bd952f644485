package org.twinmail.mail.address;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link AddressParser} made of a field: the addresses it could read, in order, and what
 * it had to skip or guess. A strict caller (submission's From check) refuses a list with
 * problems; a lenient one (IMAP ENVELOPE, SORT) uses the addresses.
 */
public record AddressList(List<Address> addresses, List<String> problems) {
    public AddressList {
        addresses = List.copyOf(addresses);
        problems = List.copyOf(problems);
    }

    /** Every mailbox, group members in place of their group. */
    public List<Mailbox> mailboxes() {
        List<Mailbox> out = new ArrayList<>();
        for (Address a : addresses) {
            switch (a) {
                case Mailbox m -> out.add(m);
                case Group g -> out.addAll(g.members());
            }
        }
        return out;
    }

    /** True if the whole field was read as RFC 5322 (with its obsolete forms) allows. */
    public boolean clean() {
        return problems.isEmpty();
    }
}
