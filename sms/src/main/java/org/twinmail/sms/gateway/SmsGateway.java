package org.twinmail.sms.gateway;

import java.util.function.Consumer;
import org.twinmail.sms.encoding.SmsText;

/**
 * One way to an SMS centre (SMPP, CMPP, an HTTP provider). The queue submits a notice part by
 * part and records each part's SMSC message id before it submits the next, so a part is never
 * submitted twice; what the SMSC sends back (delivery receipts, mobile-originated messages) goes
 * to the {@link #onInbound listener}.
 */
public interface SmsGateway extends AutoCloseable {

    /** The gateway's name in the configuration, the logs and the records. */
    String name();

    /** Whether it can submit now (bound, connected); the queue leaves its work queued while not. */
    boolean available();

    /**
     * Whether the reference of a notice can go into the source address (an extension of the
     * service number the user's reply is sent to); else the reference goes into the text.
     */
    boolean sourceExtension();

    /**
     * Whether it takes a long text in one submit (the provider splits it, as HTTP APIs do);
     * else the queue splits it into parts with a UDH (SMPP).
     */
    default boolean concatenates() {
        return false;
    }

    /**
     * {@code text} as this gateway sends it: its alphabet and parts ({@code reference} the
     * concatenation reference of the parts). By default GSM 7-bit when the text allows it, else
     * UCS-2, split into parts with a UDH; one part when the provider {@link #concatenates}.
     */
    default SmsText encode(String text, int reference) {
        return concatenates() ? SmsText.whole(text) : SmsText.of(text, reference);
    }

    /** The parts {@code text} takes through this gateway (what a notice is fitted to). */
    default int partsNeeded(String text) {
        return SmsText.partsNeeded(text);
    }

    /**
     * Submits part {@code part} (0-based) of {@code text} to {@code phone}, from the service
     * number with {@code extension} appended when not empty, asking for a delivery receipt.
     * {@code id} names the SMS in the queue (the same for every retry): a gateway whose provider
     * takes a client reference passes it on, so the provider can drop a repeated request.
     *
     * @return the SMSC's message id for the part
     * @throws SubmitException.Refused when the SMSC answered that it did not take the part
     * @throws SubmitException.InDoubt when it is not known whether it took it (no answer)
     */
    String submit(String id, String phone, String extension, SmsText text, int part) throws SubmitException;

    /**
     * Where receipts and mobile-originated messages go; set before the gateway starts. The
     * listener stores a mobile-originated message durably before it returns: a gateway
     * acknowledges a message to the SMSC only after the listener returned (and not when it
     * threw), so that a node that dies loses no reply.
     */
    void onInbound(Consumer<Inbound> listener);

    @Override
    void close();

    /** What an SMSC sends to us. */
    sealed interface Inbound {
        /** A delivery receipt: {@code delivered} true for DELIVRD, false for a final failure (UNDELIV, REJECTD, EXPIRED...). */
        record Receipt(String gateway, String messageId, boolean delivered, String status) implements Inbound { }

        /**
         * A mobile-originated message: from the user's phone (E.164) to {@code to} (the service
         * number, with the extension the user answered); {@code extension} is what follows the
         * gateway's service number in {@code to} ("" when nothing does, or the gateway puts no
         * references into its source address); {@code messageId} the SMSC's or provider's id of
         * the message when it gives one ("" otherwise): a redelivery with the same id is dropped.
         */
        record Mo(String gateway, String from, String to, String extension, String text, String messageId) implements Inbound {
            public Mo {
                if (messageId == null) messageId = "";
            }

            /** A message without an id of the SMSC's. */
            public Mo(String gateway, String from, String to, String extension, String text) {
                this(gateway, from, to, extension, text, "");
            }
        }
    }

    /** Why a part was not submitted. */
    sealed class SubmitException extends Exception {
        SubmitException(String message) {
            super(message);
        }

        /** The SMSC refused the part: it was not sent. {@code permanent}: retrying cannot help (bad number, not allowed). */
        public static final class Refused extends SubmitException {
            private final boolean permanent;

            public Refused(String message, boolean permanent) {
                super(message);
                this.permanent = permanent;
            }

            public boolean permanent() {
                return permanent;
            }
        }

        /** No answer: the SMSC may or may not have taken the part. */
        public static final class InDoubt extends SubmitException {
            public InDoubt(String message) {
                super(message);
            }
        }
    }
}
