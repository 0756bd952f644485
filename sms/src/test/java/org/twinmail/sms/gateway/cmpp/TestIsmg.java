package org.twinmail.sms.gateway.cmpp;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.twinmail.sms.gateway.cmpp.CmppPdu.ActiveTest;
import org.twinmail.sms.gateway.cmpp.CmppPdu.ActiveTestResp;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Connect;
import org.twinmail.sms.gateway.cmpp.CmppPdu.ConnectResp;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Deliver;
import org.twinmail.sms.gateway.cmpp.CmppPdu.DeliverResp;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Report;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Submit;
import org.twinmail.sms.gateway.cmpp.CmppPdu.SubmitResp;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Terminate;
import org.twinmail.sms.gateway.cmpp.CmppPdu.TerminateResp;

/**
 * A CMPP ISMG in the test's process, on the gateway's own codec: checks each CONNECT's
 * authenticator against its SP id and shared secret (Status 3 when wrong) and answers in the
 * version the SP asked for; records every SUBMIT as it arrived; answers with Msg_Ids 1, 2, 3 ...,
 * holding each answer a while when told (to see the window), refusing the next ones with Result
 * 8 (flow control) when told, or not answering at all; answers ACTIVE_TEST and TERMINATE; sends
 * status reports and mobile-originated DELIVERs to the logged-in SP and counts their
 * DELIVER_RESPs.
 */
public final class TestIsmg implements AutoCloseable {
    /** One SUBMIT as it arrived, with the Msg_Id it was answered with; {@code nanos} is System.nanoTime() when it did. */
    public record Submitted(CmppVersion version, Submit pdu, String hex, String msgId, long nanos) {
        public String srcId() {
            return pdu.srcId();
        }

        public String dest() {
            return pdu.destTerminalIds().getFirst();
        }

        public int msgFmt() {
            return pdu.msgFmt();
        }
    }

    public final List<Submitted> submitted = new CopyOnWriteArrayList<>();
    public final List<Connect> logins = new CopyOnWriteArrayList<>();
    public final AtomicInteger activeTests = new AtomicInteger();
    public final AtomicInteger deliverResps = new AtomicInteger();
    /** The Result of each DELIVER_RESP, in the order they came. */
    public final List<Long> deliverResults = new CopyOnWriteArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    public volatile long holdMillis;
    public volatile int refuseNext;
    /** When set, SUBMITs and ACTIVE_TESTs get no answer (a hung ISMG). */
    public volatile boolean silent;
    private final String spId;
    private final String secret;
    private final AtomicLong ids;
    private final ServerSocket server;
    private final List<Session> sessions = new CopyOnWriteArrayList<>();
    private final AtomicInteger sequence = new AtomicInteger(1000);
    private volatile boolean running = true;

    /**
     * @param port    0 for any free port
     * @param idsFrom the last Msg_Id given (a restarted ISMG goes on from it); 0 for a new one
     */
    public TestIsmg(int port, String spId, String secret, long idsFrom) throws IOException {
        this.spId = spId;
        this.secret = secret;
        this.ids = new AtomicLong(idsFrom);
        this.server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("test-ismg").start(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    public long lastId() {
        return ids.get();
    }

    /** Logged-in connections now. */
    public int connections() {
        return (int) sessions.stream().filter(s -> s.version != null && !s.socket.isClosed()).count();
    }

    private void accept() {
        while (running) {
            try {
                Socket s = server.accept();
                Session session = new Session(s);
                sessions.add(session);
                Thread.ofVirtual().start(session::run);
            } catch (IOException e) {
                if (!running) return;
            }
        }
    }

    /** Sends a status report of {@code msgId} with {@code stat} (DELIVRD, UNDELIV ...) from {@code phone}. */
    public void report(String msgId, String stat, String phone) throws IOException {
        for (Session s : sessions) {
            if (s.version == null || s.socket.isClosed()) continue;
            byte[] content = CmppCodec.encodeReport(s.version, new Report(Long.parseUnsignedLong(msgId), stat, "2612080010", "2612080011", phone, 7));
            s.send(new Deliver(ids.incrementAndGet(), "10690000", "", 0, 0, 0, phone, 0, 1, content, ""));
        }
    }

    /** Sends a mobile-originated message from {@code phone} to {@code destId} (the service number and an extension). */
    public void mo(String phone, String destId, int msgFmt, byte[] content, boolean udhi) throws IOException {
        for (Session s : sessions) {
            if (s.version == null || s.socket.isClosed()) continue;
            s.send(new Deliver(ids.incrementAndGet(), destId, "", 0, udhi ? 1 : 0, msgFmt, phone, 0, 0, content, ""));
        }
    }

    /** Sends an ACTIVE_TEST to every logged-in SP; their answers count in {@link #activeTestResps}. */
    public void activeTest() throws IOException {
        for (Session s : sessions) if (s.version != null && !s.socket.isClosed()) s.send(new ActiveTest());
    }

    public final AtomicInteger activeTestResps = new AtomicInteger();

    private final class Session {
        final Socket socket;
        final OutputStream out;
        volatile CmppVersion version;

        Session(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
        }

        void send(CmppPdu pdu) throws IOException {
            write(sequence.incrementAndGet(), pdu);
        }

        void write(int seq, CmppPdu pdu) throws IOException {
            byte[] frame = CmppCodec.encode(version == null ? CmppVersion.V3 : version, seq, pdu);
            synchronized (out) {
                out.write(frame);
                out.flush();
            }
        }

        void run() {
            try (socket) {
                DataInputStream in = new DataInputStream(socket.getInputStream());
                byte[] head = new byte[4];
                while (running) {
                    in.readFully(head);
                    byte[] frame = new byte[CmppCodec.frameLength(head, 0)];
                    System.arraycopy(head, 0, frame, 0, 4);
                    in.readFully(frame, 4, frame.length - 4);
                    CmppCodec.Frame f = CmppCodec.decode(version == null ? CmppVersion.V3 : version, frame);
                    switch (f.pdu()) {
                        case Connect c -> login(f.sequenceId(), c);
                        case Submit s -> Thread.ofVirtual().start(() -> submit(f.sequenceId(), s, frame));
                        case ActiveTest a -> {
                            activeTests.incrementAndGet();
                            if (!silent) write(f.sequenceId(), new ActiveTestResp());
                        }
                        case ActiveTestResp a -> activeTestResps.incrementAndGet();
                        case DeliverResp d -> {
                            deliverResults.add(d.result());
                            deliverResps.incrementAndGet();
                        }
                        case Terminate t -> {
                            write(f.sequenceId(), new TerminateResp());
                            return;
                        }
                        default -> { }
                    }
                }
            } catch (IOException | CmppFormatException e) {
                // the SP went away, or the ISMG was closed
            }
        }

        private void login(int seq, Connect c) throws IOException {
            CmppVersion v = CmppVersion.ofCode(c.version());
            byte[] expected = CmppAuth.authenticatorSource(spId, secret, c.timestamp());
            long status = v == null ? 4 : !c.sourceAddr().equals(spId) ? 2 : !Arrays.equals(expected, c.authenticatorSource()) ? 3 : 0;
            CmppVersion answerIn = v == null ? CmppVersion.V3 : v;
            version = answerIn;
            write(seq, new ConnectResp(status, CmppAuth.authenticatorIsmg(answerIn, status, c.authenticatorSource(), secret), answerIn.code()));
            logins.add(c);
            if (status != 0) {
                version = null;
                socket.close();
            }
        }

        private void submit(int seq, Submit s, byte[] frame) {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            CmppPdu answer;
            try {
                if (holdMillis > 0) Thread.sleep(holdMillis);
                if (silent) return;
                synchronized (TestIsmg.this) {
                    if (refuseNext > 0) {
                        refuseNext--;
                        answer = new SubmitResp(0, CmppPdu.RESULT_FLOW_CONTROL);
                    } else {
                        long id = ids.incrementAndGet();
                        submitted.add(new Submitted(version, s, HexFormat.of().formatHex(s.content()), Long.toUnsignedString(id), System.nanoTime()));
                        answer = new SubmitResp(id, 0);
                    }
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                inFlight.decrementAndGet(); // before the answer: the SP may send the next at once
            }
            try {
                write(seq, answer);
            } catch (IOException e) {
                // closed meanwhile
            }
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        server.close();
        for (Session s : sessions) s.socket.close();
    }
}
