package org.twinmail.store;

/** Where {@link MailStore#append} put the message: IMAP UIDPLUS reports {@code [APPENDUID uidValidity uid]}. */
public record AppendResult(long mailboxId, long uidValidity, long uid, long changePosition) { }
