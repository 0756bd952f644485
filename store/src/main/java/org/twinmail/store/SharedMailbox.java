package org.twinmail.store;

import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Mailbox;

/**
 * A mailbox of another account that the acting account may see ({@code l} right).
 *
 * @param owner         the account that owns it (its quota is charged for what goes in)
 * @param sharedAccount whether the owner is a shared account ({@link MailboxAccess#setSharedAccount}), such as
 *                      {@code sales@}: IMAP shows its mailboxes under {@code #shared/}, others' under {@code #user/}
 * @param rights        the acting account's rights on it
 */
public record SharedMailbox(Mailbox mailbox, EmailAddress owner, boolean sharedAccount, Rights rights) { }
