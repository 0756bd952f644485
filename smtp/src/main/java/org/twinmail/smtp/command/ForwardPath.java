package org.twinmail.smtp.command;

import org.twinmail.core.mail.EmailAddress;

/** The argument of RCPT TO: a mailbox, or the bare {@code <Postmaster>} that RFC 5321 4.1.1.3 allows without a domain. */
public sealed interface ForwardPath {

    /** An ordinary {@code <local@domain>} (any source route already removed). */
    record Mailbox(EmailAddress address) implements ForwardPath {
        @Override
        public String toString() {
            return address.toString();
        }
    }

    /** {@code <Postmaster>} in any case, meaning the postmaster of this server (RFC 5321 4.5.1). */
    record Postmaster() implements ForwardPath {
        @Override
        public String toString() {
            return "postmaster";
        }
    }
}
