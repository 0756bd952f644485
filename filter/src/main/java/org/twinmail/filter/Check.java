package org.twinmail.filter;

import java.io.IOException;

/**
 * One policy check. A check class implements the stage interfaces it takes part in (a
 * greylisting check {@link Rcpt}, DKIM/DMARC {@link Data}, the submission sender check both
 * {@link Mail} and {@link Data}); the {@link Chain} runs it at each of them, in the order the
 * chain lists its checks.
 *
 * <p>Checks hold no per-session state of their own (one instance serves every session of a
 * listener, concurrently); what they need comes in the arguments. They never see a socket:
 * a check answers with a {@link Verdict}, and the session turns it into the reply.
 * A check that throws {@link org.twinmail.store.StoreException}, {@link IOException} or any
 * other runtime exception makes the stage answer 451 4.3.0 (reason {@code store_error} or
 * {@code check_error}): a failing check never lets mail through unchecked and never loses it.
 */
public interface Check {

    /** Short and stable, lower case with dashes ({@code relay}, {@code recipient-exists}): logs, metrics, docs. */
    String name();

    /** At the connect, before the greeting. */
    interface Connect extends Check {
        Verdict connect(Client client) throws IOException;
    }

    /** At HELO/EHLO ({@link Client#helo()} is set). */
    interface Helo extends Check {
        Verdict helo(Client client) throws IOException;
    }

    /** At MAIL FROM, once its syntax and parameters are valid. */
    interface Mail extends Check {
        Verdict mail(Client client, Envelope envelope) throws IOException;
    }

    /** At each RCPT TO; {@code envelope} holds the recipients accepted before this one. */
    interface Rcpt extends Check {
        Verdict rcpt(Client client, Envelope envelope, Recipient recipient) throws IOException;
    }

    /** At the end of DATA, once the whole message has been read and before it is committed. */
    interface Data extends Check {
        Verdict data(Client client, Envelope envelope, Message message) throws IOException;
    }

    /** After the message is committed and acknowledged (counters such as the sending rate). */
    interface Delivered extends Check {
        void delivered(Client client, Envelope envelope);
    }
}
