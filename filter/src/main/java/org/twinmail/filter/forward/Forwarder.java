package org.twinmail.filter.forward;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.HeaderField;
import org.twinmail.filter.Message;
import org.twinmail.filter.Verdict;
import org.twinmail.mail.srs.Srs;
import org.twinmail.store.Directory;
import org.twinmail.store.RecipientResolution;

/**
 * Sends a copy of a message on behalf of one account (its Sieve {@code redirect}, its
 * forwarding) or of an alias that leads to remote addresses: the one implementation all use. Remote targets get the copy through the
 * outbound queue with the Sender Rewriting Scheme's envelope sender ({@link Srs}, in
 * {@code forwarding.srsDomain} or the account's domain), so it passes SPF at the target; a
 * message that came with the null sender keeps it (a bounce is never bounced). Local targets get
 * it in their INBOX. The copy carries {@code Delivered-To: <the account>}.
 *
 * <p>Loops are stopped before anything is queued: a message that already carries
 * {@code Delivered-To} with the account's address went through us for it once (it came back),
 * and one with more than {@code forwarding.maxReceived} Received fields has travelled too far;
 * both stay with the account instead.
 */
public final class Forwarder {
    /** The field that marks a copy sent on behalf of an account (as Postfix's local delivery writes it). */
    public static final String DELIVERED_TO = "Delivered-To";

    private final Srs srs;
    private final Directory directory;
    private final String srsDomain;
    private final int maxReceived;
    private final int maxPerMessage;

    public Forwarder(Srs srs, Directory directory, String srsDomain, int maxReceived, int maxPerMessage) {
        if (maxReceived < 1) throw new IllegalArgumentException("forwarding.maxReceived must be at least 1");
        if (maxPerMessage < 0) throw new IllegalArgumentException("forwarding.maxRedirectsPerMessage must not be negative");
        this.srs = srs;
        this.directory = directory;
        this.srsDomain = srsDomain == null ? "" : srsDomain.toLowerCase(Locale.ROOT);
        this.maxReceived = maxReceived;
        this.maxPerMessage = maxPerMessage;
    }

    public Srs srs() {
        return srs;
    }

    /** Copies of one message redirected so far, over all its recipients ({@code forwarding.maxRedirectsPerMessage}). */
    public static final class Budget {
        private int left;

        private Budget(int left) {
            this.left = left;
        }
    }

    public Budget budget() {
        return new Budget(maxPerMessage);
    }

    /** What became of a request to redirect. */
    public sealed interface Outcome {
        /** The effect to apply (null when every target was the account itself or unknown). */
        record Sent(Verdict.Redirect redirect) implements Outcome { }

        /** Not sent: a loop or the per-message limit; the message stays with the account. */
        record Refused(String why) implements Outcome { }
    }

    /** A copy of {@code message} to {@code targets} on behalf of {@code account}. */
    public Outcome redirect(Account account, Envelope envelope, Message message, List<EmailAddress> targets, Budget budget, String reason)
            throws IOException {
        return redirect(account.id(), account.address(), envelope, message, targets, budget, reason);
    }

    /**
     * A copy of {@code message} to {@code targets} on behalf of {@code own}: an account
     * ({@code accountId} its id), or an alias with remote targets ({@code accountId} 0).
     */
    public Outcome redirect(long accountId, EmailAddress ownAddress, Envelope envelope, Message message, List<EmailAddress> targets,
                            Budget budget, String reason) throws IOException {
        String own = ownAddress.toString();
        if (message.receivedHeaders() > maxReceived) {
            return new Outcome.Refused(message.receivedHeaders() + " Received fields, more than forwarding.maxReceived (" + maxReceived + ")");
        }
        for (org.twinmail.mail.header.HeaderField f : message.header().all(DELIVERED_TO)) {
            if (f.value().strip().equalsIgnoreCase(own)) return new Outcome.Refused("a loop: the message was forwarded for " + own + " before");
        }
        List<EmailAddress> remote = new ArrayList<>();
        List<Long> local = new ArrayList<>();
        for (EmailAddress to : targets) {
            if (to.key().equals(ownAddress.key())) continue;
            switch (directory.resolve(to)) {
                case RecipientResolution.Local l -> {
                    for (Account a : l.accounts()) if (a.id() != accountId && !local.contains(a.id())) local.add(a.id());
                    for (EmailAddress far : l.remote()) if (!remote.contains(far)) remote.add(far); // an alias of ours that leads away
                }
                case RecipientResolution.NotLocal n -> {
                    if (!remote.contains(to)) remote.add(to);
                }
                case RecipientResolution.Unknown u -> { } // our domain, nobody there: nothing to send
            }
        }
        int copies = remote.size() + local.size();
        if (copies == 0) return new Outcome.Sent(null);
        if (copies > budget.left) {
            return new Outcome.Refused("more than forwarding.maxRedirectsPerMessage (" + maxPerMessage + ") copies of one message");
        }
        budget.left -= copies;
        return new Outcome.Sent(new Verdict.Redirect(accountId, sender(ownAddress, envelope), remote, local,
                List.of(new HeaderField(DELIVERED_TO, own)), reason));
    }

    /** The envelope sender of the copy: the SRS address of the original sender, "" for a bounce, the account when SRS cannot fit. */
    String sender(EmailAddress own, Envelope envelope) {
        if (envelope.sender().isEmpty()) return "";
        String domain = srsDomain.isEmpty() ? own.domain() : srsDomain;
        return srs.forward(envelope.sender().get(), domain).map(EmailAddress::toString).orElse(own.toString());
    }
}
