package org.twinmail.sms.gateway.smpp;

import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsmpp.bean.BroadcastSm;
import org.jsmpp.bean.CancelBroadcastSm;
import org.jsmpp.bean.CancelSm;
import org.jsmpp.bean.DataCodings;
import org.jsmpp.bean.DataSm;
import org.jsmpp.bean.DeliveryReceipt;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.MessageType;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.QueryBroadcastSm;
import org.jsmpp.bean.QuerySm;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.ReplaceSm;
import org.jsmpp.bean.SubmitMulti;
import org.jsmpp.bean.SubmitSm;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.ProcessRequestException;
import org.jsmpp.session.BindRequest;
import org.jsmpp.session.BroadcastSmResult;
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.QueryBroadcastSmResult;
import org.jsmpp.session.QuerySmResult;
import org.jsmpp.session.SMPPServerSession;
import org.jsmpp.session.SMPPServerSessionListener;
import org.jsmpp.session.ServerMessageReceiverListener;
import org.jsmpp.session.Session;
import org.jsmpp.session.SubmitMultiResult;
import org.jsmpp.session.SubmitSmResult;
import org.jsmpp.util.DeliveryReceiptState;
import org.jsmpp.util.MessageId;

/**
 * An SMSC in the test's process, on jsmpp's server API: accepts binds, records every submit_sm
 * as it arrived (source, destination, esm_class, data_coding, the short message in hex), answers
 * with message ids 1, 2, 3 ..., can hold each answer a while (to see the window), and sends
 * delivery receipts and mobile-originated messages to the bound client.
 */
public final class TestSmsc implements AutoCloseable {
    /** One submit_sm as it arrived; {@code nanos} is System.nanoTime() when it did (for latency measurements). */
    public record Submitted(String source, String dest, int esmClass, int dataCoding, String hex, int registeredDelivery, String messageId,
                            long nanos) { }

    public final List<Submitted> submitted = new CopyOnWriteArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicInteger binds = new AtomicInteger();
    volatile long holdMillis;
    volatile int refuseNext;
    private final AtomicInteger ids = new AtomicInteger();
    private final SMPPServerSessionListener listener;
    private final List<SMPPServerSession> sessions = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean running = true;

    public TestSmsc(int port, AtomicInteger idsFrom) throws IOException {
        listener = new SMPPServerSessionListener(port == 0 ? freePort() : port);
        if (idsFrom != null) ids.set(idsFrom.get());
        acceptor = Thread.ofPlatform().daemon(true).name("test-smsc").start(this::accept);
    }

    /** jsmpp's listener does not tell the port the kernel chose for 0: take a free one first. */
    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return listener.getPort();
    }

    int lastId() {
        return ids.get();
    }

    private void accept() {
        while (running) {
            try {
                SMPPServerSession s = listener.accept();
                s.setMessageReceiverListener(new Receiver());
                BindRequest b = s.waitForBind(5000);
                b.accept("test-smsc");
                binds.incrementAndGet();
                sessions.add(s);
            } catch (Exception e) {
                if (!running) return;
            }
        }
    }

    /** Sends a delivery receipt for {@code messageId} to every bound client. */
    public void receipt(String messageId, DeliveryReceiptState state) throws Exception {
        DeliveryReceipt r = new DeliveryReceipt(messageId, 1, state == DeliveryReceiptState.DELIVRD ? 1 : 0, new java.util.Date(),
                new java.util.Date(), state, "000", "");
        for (SMPPServerSession s : sessions) {
            s.deliverShortMessage("", TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, "8613800138000", TypeOfNumber.UNKNOWN,
                    NumberingPlanIndicator.UNKNOWN, "10690000", new ESMClass(MessageType.SMSC_DEL_RECEIPT.value()), (byte) 0, (byte) 0,
                    new RegisteredDelivery(0), DataCodings.ZERO, r.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    /** Sends a mobile-originated message from {@code from} to {@code to}. */
    public void mo(String from, String to, int dataCoding, byte[] text) throws Exception {
        for (SMPPServerSession s : sessions) {
            s.deliverShortMessage("", TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, from, TypeOfNumber.UNKNOWN,
                    NumberingPlanIndicator.UNKNOWN, to, new ESMClass(0), (byte) 0, (byte) 0, new RegisteredDelivery(0),
                    DataCodings.newInstance((byte) dataCoding), text);
        }
    }

    private final class Receiver implements ServerMessageReceiverListener {
        @Override
        public SubmitSmResult onAcceptSubmitSm(SubmitSm s, SMPPServerSession source) throws ProcessRequestException {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                if (holdMillis > 0) Thread.sleep(holdMillis);
                if (refuseNext > 0) {
                    refuseNext--;
                    throw new ProcessRequestException("throttled", 0x58);
                }
                String id = Integer.toString(ids.incrementAndGet());
                submitted.add(new Submitted(s.getSourceAddr(), s.getDestAddress(), s.getEsmClass() & 0xFF, s.getDataCoding() & 0xFF,
                        HexFormat.of().formatHex(s.getShortMessage()), s.getRegisteredDelivery() & 0xFF, id, System.nanoTime()));
                return new SubmitSmResult(new MessageId(id), new org.jsmpp.bean.OptionalParameter[0]);
            } catch (InterruptedException | org.jsmpp.PDUStringException e) {
                throw new ProcessRequestException(e.toString(), 0x08);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        public SubmitMultiResult onAcceptSubmitMulti(SubmitMulti s, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("no", 0x03);
        }

        public QuerySmResult onAcceptQuerySm(QuerySm q, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("no", 0x03);
        }

        public void onAcceptReplaceSm(ReplaceSm r, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("no", 0x03);
        }

        public void onAcceptCancelSm(CancelSm c, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("no", 0x03);
        }

        public BroadcastSmResult onAcceptBroadcastSm(BroadcastSm b, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("no", 0x03);
        }

        public void onAcceptCancelBroadcastSm(CancelBroadcastSm c, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("no", 0x03);
        }

        public QueryBroadcastSmResult onAcceptQueryBroadcastSm(QueryBroadcastSm q, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("no", 0x03);
        }

        public DataSmResult onAcceptDataSm(DataSm d, Session source) throws ProcessRequestException {
            throw new ProcessRequestException("no", 0x03);
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        listener.close();
        for (SMPPServerSession s : sessions) s.close();
        acceptor.interrupt();
    }
}
