package org.twinmail.sms.gateway.smpp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.jsmpp.bean.AlertNotification;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.DataCodings;
import org.jsmpp.bean.DeliverSm;
import org.jsmpp.bean.DeliveryReceipt;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.SMSCDeliveryReceipt;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.extra.ProcessRequestException;
import org.jsmpp.extra.ResponseTimeoutException;
import org.jsmpp.extra.SessionState;
import org.jsmpp.session.BindParameter;
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.MessageReceiverListener;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.Session;
import org.jsmpp.util.DeliveryReceiptState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.sms.encoding.Gsm7;
import org.twinmail.sms.encoding.SmsText;
import org.twinmail.sms.gateway.SmsGateway;
import org.twinmail.sms.gateway.SubmitLimits;

/**
 * An SMPP 3.4 gateway on jsmpp: one transceiver bind (bind_transceiver) kept up by a connector
 * thread that reconnects with back-off; enquire_link every {@code enquireLink}; at most
 * {@code window} submits awaiting their response and at most {@code throughput} submits a second
 * (the SMSC's contract); submit_sm with registered delivery (success and failure receipts), the
 * UDHI bit for concatenated parts, data_coding 0 (GSM 7-bit, one septet per octet) or 8 (UCS-2);
 * deliver_sm carries receipts (esm_class SMSC delivery receipt) and mobile-originated messages.
 * The notice's reference is appended to the source address ({@code sourceAddress} + digits) when
 * {@code extensionDigits} is set (the SMSC routes the source range to us).
 */
public final class SmppGateway implements SmsGateway {
    private static final Logger log = LoggerFactory.getLogger(SmppGateway.class);

    /** command_status values that say "not now" rather than "never" (SMPP 3.4 5.1.3). */
    private static final java.util.Set<Integer> TRANSIENT = java.util.Set.of(0x08 /* SYSERR */, 0x14 /* MSGQFUL */, 0x58 /* THROTTLED */,
            0x45 /* SUBMITFAIL */, 0x64 /* TXFAIL */, 0x04 /* INVBNDSTS */);

    /**
     * @param extensionDigits digits of the notice's reference appended to {@code sourceAddress} (0: the reference goes into the text)
     * @param window          submits awaiting their response at once
     * @param throughput      submits a second at most (0: no limit)
     * @param responseTimeout how long a submit waits for its response (then it is in doubt)
     * @param reconnectDelays waits before the 1st, 2nd ... reconnect; the last repeats
     */
    public record Settings(String name, String host, int port, String systemId, String password, String systemType, String sourceAddress,
                           int extensionDigits, int window, int throughput, Duration enquireLink, Duration responseTimeout,
                           List<Duration> reconnectDelays) {
        public Settings {
            Objects.requireNonNull(name);
            reconnectDelays = List.copyOf(reconnectDelays);
            if (reconnectDelays.isEmpty()) throw new IllegalArgumentException("no reconnect delays");
            if (window < 1) throw new IllegalArgumentException("the window must be at least 1");
        }
    }

    private final Settings settings;
    private final SubmitLimits limits;
    private volatile Consumer<Inbound> inbound = i -> { };
    private volatile SMPPSession session;
    private volatile boolean running = true;
    private final Thread connector;
    private final Object lock = new Object();

    public SmppGateway(Settings settings) {
        this.settings = settings;
        this.limits = new SubmitLimits(settings.window(), settings.throughput());
        this.connector = Thread.ofVirtual().name("smpp-" + settings.name()).unstarted(this::connectLoop);
    }

    public SmppGateway start() {
        connector.start();
        return this;
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public boolean available() {
        SMPPSession s = session;
        return s != null && s.getSessionState().isBound();
    }

    @Override
    public boolean sourceExtension() {
        return settings.extensionDigits() > 0;
    }

    /** Digits a reference must have to go into the source address. */
    public int extensionDigits() {
        return settings.extensionDigits();
    }

    @Override
    public void onInbound(Consumer<Inbound> listener) {
        this.inbound = listener;
    }

    private void connectLoop() {
        int failures = 0;
        while (running) {
            SMPPSession s = session;
            if (s != null && s.getSessionState() != SessionState.CLOSED && s.getSessionState() != SessionState.UNBOUND) {
                synchronized (lock) {
                    try {
                        lock.wait(1000);
                    } catch (InterruptedException e) {
                        if (!running) return;
                    }
                }
                continue;
            }
            if (s != null) s.close();
            session = null;
            try {
                SMPPSession n = new SMPPSession();
                n.setEnquireLinkTimer((int) settings.enquireLink().toMillis());
                n.setTransactionTimer(settings.responseTimeout().toMillis());
                n.setMessageReceiverListener(new Receiver());
                n.addSessionStateListener((newState, oldState, source) -> {
                    if (!newState.isBound()) {
                        synchronized (lock) {
                            lock.notifyAll();
                        }
                    }
                });
                n.connectAndBind(settings.host(), settings.port(), new BindParameter(BindType.BIND_TRX, settings.systemId(),
                        settings.password(), settings.systemType(), TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN,
                        sourceExtension() ? settings.sourceAddress() + "*" : null));
                session = n;
                failures = 0;
                log.info("smpp {}: bound as transceiver to {}:{}", settings.name(), settings.host(), settings.port());
            } catch (IOException e) {
                Duration wait = settings.reconnectDelays().get(Math.min(failures, settings.reconnectDelays().size() - 1));
                failures++;
                log.warn("smpp {}: cannot bind to {}:{} ({}); again in {}", settings.name(), settings.host(), settings.port(), e.getMessage(), wait);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ie) {
                    if (!running) return;
                }
            }
        }
    }

    @Override
    public String submit(String id, String phone, String extension, SmsText text, int part) throws SubmitException {
        SMPPSession s = session;
        if (s == null || !s.getSessionState().isBound()) throw new SubmitException.Refused("not bound", false);
        try {
            if (!limits.enter(settings.responseTimeout())) {
                throw new SubmitException.Refused("the window of " + settings.window() + " is full", false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SubmitException.Refused("interrupted", false);
        }
        try {
            String source = settings.sourceAddress() + (extension == null ? "" : extension);
            ESMClass esm = new ESMClass(text.concatenated() ? 0x40 : 0x00);
            byte dataCoding = (byte) text.alphabet().dataCoding();
            String dest = phone.startsWith("+") ? phone.substring(1) : phone;
            return s.submitShortMessage("", TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, source, TypeOfNumber.INTERNATIONAL,
                    NumberingPlanIndicator.ISDN, dest, esm, (byte) 0, (byte) 1, null, null,
                    new RegisteredDelivery(SMSCDeliveryReceipt.SUCCESS_FAILURE), (byte) 0, DataCodings.newInstance(dataCoding), (byte) 0,
                    text.parts().get(part)).getMessageId();
        } catch (NegativeResponseException e) {
            int status = e.getCommandStatus();
            throw new SubmitException.Refused("submit_sm_resp status 0x" + Integer.toHexString(status), !TRANSIENT.contains(status));
        } catch (ResponseTimeoutException e) {
            throw new SubmitException.InDoubt("no submit_sm_resp within " + settings.responseTimeout());
        } catch (IOException e) {
            // jsmpp throws IOException when the PDU cannot be written (the connection is gone): not sent
            throw new SubmitException.Refused("connection: " + e.getMessage(), false);
        } catch (org.jsmpp.PDUException | org.jsmpp.InvalidResponseException e) {
            throw new SubmitException.Refused(e.toString(), true);
        } finally {
            limits.leave();
        }
    }

    /** What follows the service number in a destination address, when references go into the source address; else "". */
    String extension(String to) {
        String base = settings.sourceAddress();
        if (!sourceExtension() || to == null || base.isEmpty() || !to.startsWith(base)) return "";
        return to.substring(base.length());
    }

    /** A mobile-originated message's text, by its data_coding (payload TLV when the short message is empty). */
    static String text(byte dataCoding, byte[] data) {
        return switch (dataCoding & 0xFF) {
            case 0x08 -> new String(data, StandardCharsets.UTF_16BE);
            case 0x00 -> Gsm7.decode(data);
            case 0x04 -> new String(data, StandardCharsets.ISO_8859_1);
            default -> new String(data, StandardCharsets.ISO_8859_1);
        };
    }

    private final class Receiver implements MessageReceiverListener {
        @Override
        public void onAcceptDeliverSm(DeliverSm d) throws ProcessRequestException {
            if (d.isSmscDeliveryReceipt()) {
                try {
                    DeliveryReceipt r = d.getShortMessageAsDeliveryReceipt();
                    DeliveryReceiptState st = r.getFinalStatus();
                    if (st == DeliveryReceiptState.ENROUTE || st == DeliveryReceiptState.ACCEPTD) return; // not final
                    inbound.accept(new Inbound.Receipt(settings.name(), r.getId(), st == DeliveryReceiptState.DELIVRD, String.valueOf(st)));
                } catch (org.jsmpp.util.InvalidDeliveryReceiptException e) {
                    log.warn("smpp {}: an unreadable delivery receipt: {}", settings.name(), e.getMessage());
                }
                return;
            }
            byte[] data = d.getShortMessage();
            if (data == null || data.length == 0) {
                OptionalParameter p = d.getOptionalParameter(OptionalParameter.Tag.MESSAGE_PAYLOAD);
                data = p instanceof OptionalParameter.OctetString o ? o.getValue() : new byte[0];
            }
            String from = d.getSourceAddr();
            String to = d.getDestAddress();
            try { // stored before the deliver_sm_resp; if it cannot be, the SMSC hears an error and delivers it again
                inbound.accept(new Inbound.Mo(settings.name(), from.startsWith("+") ? from : "+" + from, to, extension(to),
                        text(d.getDataCoding(), data)));
            } catch (RuntimeException e) {
                log.warn("smpp {}: a message from {} not stored, refused for now: {}", settings.name(), from, e.toString());
                throw new ProcessRequestException("not stored", 0x08); // ESME_RSYSERR
            }
        }

        @Override
        public void onAcceptAlertNotification(AlertNotification a) { }

        @Override
        public DataSmResult onAcceptDataSm(org.jsmpp.bean.DataSm d, Session source) throws ProcessRequestException {
            throw new ProcessRequestException("data_sm is not supported", 0x03);
        }
    }

    @Override
    public void close() {
        running = false;
        connector.interrupt();
        SMPPSession s = session;
        if (s != null) s.unbindAndClose();
        try {
            connector.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
