package org.twinmail.filter;

import java.util.Optional;
import java.util.function.Function;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.store.RecipientResolution;

/**
 * The recipient of one RCPT TO. Where it leads (accounts, remote, unknown) is asked of the
 * store once, by the first check that needs it, and kept for the rest of the chain.
 */
public final class Recipient {
    private final String written;
    private Optional<EmailAddress> address;
    private boolean srsReturn;
    private final Function<EmailAddress, RecipientResolution> resolver;
    private RecipientResolution resolution;

    /**
     * @param written  the forward-path as the client wrote it, without brackets, for replies and logs
     * @param address  the address to deliver to (postmaster in lower case, a bare {@code <Postmaster>}
     *                 already mapped to a local domain's); empty when there is none
     * @param resolver the store's alias/account/catch-all resolution
     */
    public Recipient(String written, Optional<EmailAddress> address, Function<EmailAddress, RecipientResolution> resolver) {
        this.written = written;
        this.address = address;
        this.resolver = resolver;
    }

    public String written() {
        return written;
    }

    /** The recipient in angle brackets as the client wrote it, printable, for reply texts. */
    public String shown() {
        return "<" + org.twinmail.core.mail.Printable.of(written) + ">";
    }

    public Optional<EmailAddress> address() {
        return address;
    }

    /**
     * Makes this recipient, an SRS address of ours, the remote address it holds ({@code srs}
     * check): the message is queued for {@code original}, and the relay check lets it through.
     */
    public void returnTo(EmailAddress original) {
        address = Optional.of(original);
        resolution = new RecipientResolution.NotLocal();
        srsReturn = true;
    }

    /** Whether this is a bounce (or reply) to an SRS address of ours, on its way back to the original sender. */
    public boolean srsReturn() {
        return srsReturn;
    }

    /**
     * Where the recipient leads: local accounts, not ours, or unknown (also when there is no
     * address). May throw {@link org.twinmail.store.StoreException}; the pipeline answers 451.
     */
    public RecipientResolution resolution() {
        if (resolution == null) {
            resolution = address.isEmpty() ? new RecipientResolution.Unknown() : resolver.apply(address.get());
        }
        return resolution;
    }
}
