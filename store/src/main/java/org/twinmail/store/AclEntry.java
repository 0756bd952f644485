package org.twinmail.store;

/**
 * One entry of a mailbox's access control list: who ({@link MailboxAccess#identifier}
 * syntax, canonical form) and what rights.
 */
public record AclEntry(String identifier, Rights rights) { }
