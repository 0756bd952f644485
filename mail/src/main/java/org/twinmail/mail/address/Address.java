package org.twinmail.mail.address;

/** One element of an RFC 5322 address list: a mailbox, or a group of mailboxes. */
public sealed interface Address permits Mailbox, Group {
}
