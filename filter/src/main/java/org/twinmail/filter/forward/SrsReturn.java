package org.twinmail.filter.forward;

import java.util.Optional;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Recipient;
import org.twinmail.filter.Verdict;
import org.twinmail.mail.srs.Srs;
import org.twinmail.store.RecipientResolution;

/**
 * RCPT on the MX (check {@code srs}, before {@code relay}): a recipient that is an SRS address
 * in one of our domains (a bounce, or a reply, to a message we forwarded) goes to the address
 * it holds when its hash and day are valid: {@link Recipient#returnTo} makes it a remote
 * recipient the relay check lets through, queued for the original sender. A forged or expired
 * one that no account or catch-all takes is refused (550 5.1.1, {@code srs_invalid}), so the
 * MX is no open relay through made-up SRS addresses.
 */
public final class SrsReturn implements Check.Rcpt {
    private final Srs srs;

    public SrsReturn(Srs srs) {
        this.srs = srs;
    }

    @Override
    public String name() {
        return "srs";
    }

    @Override
    public Verdict rcpt(Client client, Envelope envelope, Recipient recipient) {
        Optional<EmailAddress> address = recipient.address();
        if (address.isEmpty() || !Srs.isSrs(address.get().localPart())) return Verdict.proceed();
        RecipientResolution resolution = recipient.resolution();
        if (resolution instanceof RecipientResolution.NotLocal) return Verdict.proceed(); // not ours to reverse
        return switch (srs.reverse(address.get())) {
            case Srs.Reversed.Valid v -> {
                recipient.returnTo(v.original());
                yield Verdict.proceed();
            }
            case Srs.Reversed.Invalid i -> resolution instanceof RecipientResolution.Local ? Verdict.proceed() // an account or catch-all takes it
                    : Verdict.reject(550, "5.1.1", recipient.shown() + ": Recipient address rejected: " + i.reason(), "srs_invalid");
        };
    }
}
