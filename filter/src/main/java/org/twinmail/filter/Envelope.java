package org.twinmail.filter;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;

/**
 * The transaction as far as it has come: a read-only view the session gives to the MAIL,
 * RCPT, DATA and DELIVERED checks.
 */
public interface Envelope {
    /** The id the client is told in {@code 250 Ok: queued as}, and the log's. */
    String queueId();

    /** The envelope sender; empty for the null reverse-path {@code <>}. */
    Optional<EmailAddress> sender();

    /** RFC 1870 SIZE= as declared at MAIL, if it was. */
    OptionalLong declaredSize();

    /** RFC 6531 SMTPUTF8 was given at MAIL. */
    boolean smtputf8();

    /**
     * The message's size in octets once it has been read (at the DELIVERED stage: what DATA or
     * BURL read, a JMAP submission's message); before that the declared SIZE, or 0.
     */
    default long messageSize() {
        return declaredSize().orElse(0);
    }

    /** Accepted recipients as the client wrote them, duplicates included. */
    List<String> recipients();

    /** The distinct local accounts the message will go to. */
    List<Account> accounts();

    /** The distinct remote recipients (submission, or relaying for {@code smtp.relayNetworks}). */
    List<EmailAddress> remoteRecipients();

    /**
     * The aliases among the recipients that lead to remote addresses, with those addresses (in
     * the order of their targets): the Sieve check forwards the message there with SRS, as an
     * account's forwarding.
     */
    default java.util.Map<EmailAddress, List<EmailAddress>> aliasForwards() {
        return java.util.Map.of();
    }

    /** Recipients refused so far in this transaction with this verdict reason. */
    int refused(String reason);

    /**
     * A notification the server itself wrote for the authenticated user and sends with the null
     * reverse-path {@code <>} (an MDN, RFC 8098 2.1): never true for a client's own transaction,
     * so only server-generated mail may have an empty {@link #sender()} on submission.
     */
    default boolean serverNotification() {
        return false;
    }
}
