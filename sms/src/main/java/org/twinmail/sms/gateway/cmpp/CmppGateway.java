package org.twinmail.sms.gateway.cmpp;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.sms.encoding.Alphabet;
import org.twinmail.sms.encoding.Gsm7;
import org.twinmail.sms.encoding.SmsText;
import org.twinmail.sms.gateway.SmsGateway;
import org.twinmail.sms.gateway.SubmitLimits;
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
 * A CMPP 2.0/3.0 gateway (China Mobile's ISMG; docs/sms.md "CMPP"): one long connection that
 * sends and receives, logged in with CMPP_CONNECT (the MD5 authenticator of {@link CmppAuth}),
 * kept up by a connector thread that connects again after a drop with the configured back-off,
 * checked with CMPP_ACTIVE_TEST when idle ({@code activeTestMisses} unanswered in a row drop it),
 * closed with CMPP_TERMINATE. At most {@code window} SUBMITs await their SUBMIT_RESP and at most
 * {@code throughput} go a second. A notice's SUBMIT carries the service code (Service_Id), asks
 * for a status report (Registered_Delivery 1), and comes from {@code sourceAddress} + the
 * notice's reference (Src_Id) when {@code extensionDigits} is set, so the phone's answer arrives
 * as a DELIVER to that number. Text goes as ASCII (Msg_Fmt 0) when every character is ASCII,
 * else as UCS-2 (Msg_Fmt 8); a long one in parts with a UDH and TP_udhi 1. DELIVERs with
 * Registered_Delivery 1 are status reports, the others mobile-originated messages (Msg_Fmt 0,
 * 8 or 15 read as ASCII, UCS-2 or GB18030; the parts of a concatenated one joined).
 */
public final class CmppGateway implements SmsGateway {
    private static final Logger log = LoggerFactory.getLogger(CmppGateway.class);
    /** Concatenated MO messages waiting for their other parts, at most, and how long. */
    private static final int MAX_PENDING_MO = 256;
    private static final Duration MO_PARTS_WAIT = Duration.ofMinutes(10);
    /** DELIVER_RESP Result for a DELIVER that could not be taken now (9: "other error"; the ISMG delivers it again). */
    static final long RESULT_NOT_TAKEN = 9;

    /**
     * @param spId            the SP's login (Source_Addr of CONNECT, Msg_src of SUBMIT; 6 characters)
     * @param serviceId       the service code of SUBMIT (Service_Id; up to 10 characters)
     * @param sourceAddress   the SP's service number (Src_Id; the reference is appended to it when {@code extensionDigits} is set)
     * @param extensionDigits digits of the notice's reference appended to {@code sourceAddress} (0: the reference goes into the text)
     * @param feeUserType     Fee_UserType (0 the receiver, 1 the sender, 2 the SP, 3 Fee_terminal_Id)
     * @param feeType         FeeType ("01" free, "02" per message ...)
     * @param feeCode         FeeCode (the fee in fen, 6 digits)
     * @param countryCode     numbers of this country go national in Dest_terminal_Id ("+8613800138000" as 13800138000), and a
     *                        received national number is read in it; empty: numbers go and come international
     * @param activeTestInterval after this long without a frame from the ISMG an ACTIVE_TEST is sent
     * @param activeTestMisses   unanswered ACTIVE_TESTs in a row after which the connection is dropped and made again
     * @param responseTimeout how long a request waits for its response (a SUBMIT without one is in doubt)
     * @param reconnectDelays waits before the 1st, 2nd ... connect after a failure or a drop; the last repeats
     */
    public record Settings(String name, String host, int port, CmppVersion version, String spId, String sharedSecret, String serviceId,
                           String sourceAddress, int extensionDigits, int feeUserType, String feeType, String feeCode, String countryCode,
                           int window, int throughput, Duration activeTestInterval, int activeTestMisses, Duration responseTimeout,
                           List<Duration> reconnectDelays) {
        public Settings {
            Objects.requireNonNull(name);
            Objects.requireNonNull(version);
            reconnectDelays = List.copyOf(reconnectDelays);
            if (reconnectDelays.isEmpty()) throw new IllegalArgumentException("cmpp " + name + ": no reconnect delays");
            if (window < 1) throw new IllegalArgumentException("cmpp " + name + ": the window must be at least 1");
            if (spId.length() > 6) throw new IllegalArgumentException("cmpp " + name + ": spId has 6 characters at most");
            if (serviceId.length() > 10) throw new IllegalArgumentException("cmpp " + name + ": serviceId has 10 characters at most");
            if (sourceAddress.length() + extensionDigits > 21) {
                throw new IllegalArgumentException("cmpp " + name + ": sourceAddress and extensionDigits make more than the 21 digits of Src_Id");
            }
            if (!sourceAddress.matches("[0-9]*")) throw new IllegalArgumentException("cmpp " + name + ": sourceAddress must be digits");
            if (feeType.length() > 2 || feeCode.length() > 6) throw new IllegalArgumentException("cmpp " + name + ": feeType 2, feeCode 6 characters at most");
            if (activeTestMisses < 1) throw new IllegalArgumentException("cmpp " + name + ": activeTestMisses must be at least 1");
        }
    }

    private final Settings settings;
    private final Clock clock;
    private final SubmitLimits limits;
    private final Thread connector;
    private final Object lock = new Object();
    private final Map<String, MoParts> moParts = new LinkedHashMap<>();
    private volatile Consumer<Inbound> inbound = i -> { };
    private volatile Link link;
    private volatile boolean running = true;

    public CmppGateway(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.limits = new SubmitLimits(settings.window(), settings.throughput());
        this.connector = Thread.ofVirtual().name("cmpp-" + settings.name()).unstarted(this::connectLoop);
    }

    public CmppGateway start() {
        connector.start();
        return this;
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public boolean available() {
        Link l = link;
        return l != null && l.open;
    }

    @Override
    public boolean sourceExtension() {
        return settings.extensionDigits() > 0;
    }

    @Override
    public void onInbound(Consumer<Inbound> listener) {
        this.inbound = listener;
    }

    /** The alphabet a text goes in: GSM 7-bit counting (the ISMG sends ASCII as GSM on the air) when it is all ASCII, else UCS-2. */
    static Alphabet alphabet(String text) {
        String t = Gsm7.withStandIns(text);
        return Gsm7.encodable(t) && t.chars().allMatch(c -> c < 0x80) ? Alphabet.GSM7 : Alphabet.UCS2;
    }

    @Override
    public SmsText encode(String text, int reference) {
        return SmsText.of(text, reference, alphabet(text));
    }

    @Override
    public int partsNeeded(String text) {
        return SmsText.partsNeeded(text, alphabet(text));
    }

    // ---------------------------------------------------------------- the connection

    private void connectLoop() {
        int failures = 0;
        while (running) {
            Link l = link;
            if (l != null && l.open) {
                keepAlive(l);
                continue;
            }
            link = null;
            try {
                link = login();
                failures = 0;
                log.info("cmpp {}: logged in to {}:{} as {} (CMPP {})", settings.name(), settings.host(), settings.port(), settings.spId(),
                        settings.version() == CmppVersion.V3 ? "3.0" : "2.0");
            } catch (IOException e) {
                Duration wait = settings.reconnectDelays().get(Math.min(failures, settings.reconnectDelays().size() - 1));
                failures++;
                log.warn("cmpp {}: cannot log in to {}:{} ({}); again in {}", settings.name(), settings.host(), settings.port(), e.getMessage(), wait);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ie) {
                    if (!running) return;
                }
            }
        }
    }

    /** Connects and logs in; the link is open when this returns. */
    private Link login() throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(settings.host(), settings.port()), (int) settings.responseTimeout().toMillis());
            socket.setTcpNoDelay(true);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        Link l = new Link(socket);
        long timestamp = CmppAuth.timestamp(clock.instant());
        byte[] auth = CmppAuth.authenticatorSource(settings.spId(), settings.sharedSecret(), timestamp);
        CmppPdu answer;
        try {
            answer = l.request(new Connect(settings.spId(), auth, settings.version().code(), timestamp))
                    .get(settings.responseTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            l.close("no CONNECT_RESP");
            throw new IOException("no CONNECT_RESP within " + settings.responseTimeout());
        } catch (ExecutionException | InterruptedException e) {
            l.close("login failed");
            throw new IOException("the connection closed during the login", e);
        }
        if (!(answer instanceof ConnectResp r)) {
            l.close("not a CONNECT_RESP");
            throw new IOException("the answer to CONNECT was " + answer.getClass().getSimpleName());
        }
        if (r.status() != 0) {
            l.close("login refused");
            throw new IOException("CONNECT_RESP Status " + r.status() + " (" + loginStatus(r.status()) + ")");
        }
        if (!Arrays.equals(r.authenticatorIsmg(), CmppAuth.authenticatorIsmg(settings.version(), 0, auth, settings.sharedSecret()))) {
            // some ISMGs fill it differently; the SP's own login succeeded, so this is worth a warning, not a refusal
            log.warn("cmpp {}: the ISMG's AuthenticatorISMG does not match the shared secret", settings.name());
        }
        l.open = true;
        return l;
    }

    private static String loginStatus(long status) {
        return switch ((int) status) {
            case 1 -> "wrong message structure";
            case 2 -> "illegal source address";
            case 3 -> "authentication failed";
            case 4 -> "version too high";
            default -> "other error";
        };
    }

    /** While the link is open: an ACTIVE_TEST after each idle interval; too many unanswered drop it. */
    private void keepAlive(Link l) {
        synchronized (lock) {
            try {
                lock.wait(Math.max(1, Math.min(1000, settings.activeTestInterval().toMillis())));
            } catch (InterruptedException e) {
                return;
            }
        }
        if (!l.open || !running) return;
        long idle = System.nanoTime() - l.lastReceived;
        if (idle < settings.activeTestInterval().toNanos()) return;
        try {
            l.request(new ActiveTest()).get(settings.responseTimeout().toMillis(), TimeUnit.MILLISECONDS);
            l.misses = 0;
        } catch (TimeoutException e) {
            if (++l.misses >= settings.activeTestMisses()) {
                l.close(l.misses + " ACTIVE_TEST unanswered");
                log.warn("cmpp {}: {} ACTIVE_TEST unanswered; connecting again", settings.name(), l.misses);
            }
        } catch (IOException | ExecutionException e) {
            l.close("ACTIVE_TEST failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void wakeConnector() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    // ---------------------------------------------------------------- submit

    /** The destination as Dest_terminal_Id: national for the configured country, else international digits. */
    String destination(String phone) {
        String digits = phone.startsWith("+") ? phone.substring(1) : phone;
        String cc = settings.countryCode();
        return !cc.isEmpty() && digits.startsWith(cc) ? digits.substring(cc.length()) : digits;
    }

    /** A received terminal number as E.164. */
    String e164(String number) {
        String n = number.strip();
        if (n.startsWith("+")) return n;
        if (n.startsWith("00")) return "+" + n.substring(2);
        String cc = settings.countryCode();
        if (cc.isEmpty() || (n.startsWith(cc) && n.length() > 11)) return "+" + n;
        return "+" + cc + n;
    }

    /** The SUBMIT of part {@code part} of {@code text}. */
    Submit submitPdu(String phone, String extension, SmsText text, int part) {
        boolean ascii = text.alphabet() == Alphabet.GSM7;
        byte[] content;
        if (ascii) {
            byte[] chars = text.texts().get(part).getBytes(StandardCharsets.US_ASCII);
            int udh = text.concatenated() ? 6 : 0;
            content = new byte[udh + chars.length];
            System.arraycopy(text.parts().get(part), 0, content, 0, udh);
            System.arraycopy(chars, 0, content, udh, chars.length);
        } else {
            content = text.parts().get(part);
        }
        return new Submit(0, text.parts().size(), part + 1, 1, 0, settings.serviceId(), settings.feeUserType(), "", 0, 0,
                text.concatenated() ? 1 : 0, ascii ? CmppPdu.FMT_ASCII : CmppPdu.FMT_UCS2, settings.spId(), settings.feeType(), settings.feeCode(),
                "", "", settings.sourceAddress() + (extension == null ? "" : extension), List.of(destination(phone)), 0, content, "");
    }

    @Override
    public String submit(String id, String phone, String extension, SmsText text, int part) throws SubmitException {
        Link l = link;
        if (l == null || !l.open) throw new SubmitException.Refused("not connected", false);
        try {
            if (!limits.enter(settings.responseTimeout())) {
                throw new SubmitException.Refused("the window of " + settings.window() + " is full", false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SubmitException.Refused("interrupted", false);
        }
        try {
            CompletableFuture<CmppPdu> answer;
            try {
                answer = l.request(submitPdu(phone, extension, text, part));
            } catch (IOException e) {
                throw new SubmitException.Refused("connection: " + e.getMessage(), false); // not written: not sent
            }
            CmppPdu r;
            try {
                r = answer.get(settings.responseTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new SubmitException.InDoubt("no SUBMIT_RESP within " + settings.responseTimeout());
            } catch (ExecutionException e) {
                throw new SubmitException.InDoubt("the connection closed before the SUBMIT_RESP");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SubmitException.InDoubt("interrupted while waiting for the SUBMIT_RESP");
            }
            if (!(r instanceof SubmitResp s)) throw new SubmitException.InDoubt("the answer to SUBMIT was " + r.getClass().getSimpleName());
            if (s.result() == 0) return Long.toUnsignedString(s.msgId());
            throw new SubmitException.Refused("SUBMIT_RESP Result " + s.result(), s.result() != CmppPdu.RESULT_FLOW_CONTROL);
        } finally {
            limits.leave();
        }
    }

    // ---------------------------------------------------------------- what the ISMG sends

    /** What follows the service number in a DELIVER's Dest_Id, when references go into the source address; else "". */
    String extension(String to) {
        String base = settings.sourceAddress();
        if (!sourceExtension() || to == null || base.isEmpty() || !to.startsWith(base)) return "";
        return to.substring(base.length());
    }

    /** A message content's text by its Msg_Fmt. */
    static String text(int msgFmt, byte[] data) {
        Charset cs = switch (msgFmt) {
            case CmppPdu.FMT_UCS2 -> StandardCharsets.UTF_16BE;
            case CmppPdu.FMT_GB -> Charset.forName("GB18030");
            case CmppPdu.FMT_ASCII -> StandardCharsets.US_ASCII;
            default -> StandardCharsets.ISO_8859_1;
        };
        return new String(data, cs);
    }

    private void deliver(Deliver d) {
        if (d.isReport()) {
            Report r;
            try {
                r = CmppCodec.decodeReport(settings.version(), d.content());
            } catch (CmppFormatException e) {
                log.warn("cmpp {}: an unreadable status report: {}", settings.name(), e.getMessage());
                return;
            }
            String stat = r.stat().strip();
            if (stat.equals("ACCEPTD") || stat.equals("ENROUTE")) return; // not final
            inbound.accept(new Inbound.Receipt(settings.name(), Long.toUnsignedString(r.msgId()), stat.equals("DELIVRD"), stat));
            return;
        }
        String from = e164(d.srcTerminalId());
        byte[] data = d.content();
        if (d.tpUdhi() == 1) {
            Udh udh = Udh.of(data);
            if (udh == null) {
                log.warn("cmpp {}: a message from {} with an unreadable UDH", settings.name(), from);
                return;
            }
            data = Arrays.copyOfRange(data, udh.length(), data.length);
            if (udh.total() > 1) {
                data = joined(from + "/" + d.destId() + "/" + udh.reference() + "/" + udh.total(), udh, data);
                if (data == null) return; // waiting for the other parts
            }
        }
        // the ISMG's Msg_Id (of the last part) makes a redelivery known as one
        inbound.accept(new Inbound.Mo(settings.name(), from, d.destId(), extension(d.destId()), text(d.msgFmt(), data),
                Long.toUnsignedString(d.msgId())));
    }

    /** The octets of a concatenated message once all its parts are in; null while some are missing. */
    private byte[] joined(String key, Udh udh, byte[] data) {
        synchronized (moParts) {
            long now = System.nanoTime();
            for (Iterator<MoParts> i = moParts.values().iterator(); i.hasNext(); ) {
                MoParts p = i.next();
                if (now - p.started > MO_PARTS_WAIT.toNanos() || moParts.size() > MAX_PENDING_MO) i.remove();
                else break;
            }
            MoParts p = moParts.computeIfAbsent(key, k -> new MoParts(new byte[udh.total()][], now));
            if (udh.seq() < 1 || udh.seq() > udh.total()) return null;
            p.parts[udh.seq() - 1] = data;
            for (byte[] b : p.parts) if (b == null) return null;
            moParts.remove(key);
            int n = 0;
            for (byte[] b : p.parts) n += b.length;
            byte[] all = new byte[n];
            int at = 0;
            for (byte[] b : p.parts) {
                System.arraycopy(b, 0, all, at, b.length);
                at += b.length;
            }
            return all;
        }
    }

    private record MoParts(byte[][] parts, long started) { }

    /** The concatenation element of a UDH (IEI 0x00 with an 8-bit reference, 0x08 with a 16-bit one); total 1 when it has none. */
    record Udh(int length, int reference, int total, int seq) {
        static Udh of(byte[] data) {
            if (data.length < 1) return null;
            int udhl = data[0] & 0xFF;
            if (udhl + 1 > data.length) return null;
            int i = 1;
            while (i + 1 < udhl + 1) {
                int iei = data[i] & 0xFF;
                int len = data[i + 1] & 0xFF;
                if (i + 2 + len > udhl + 1) return null;
                if (iei == 0x00 && len == 3) return new Udh(udhl + 1, data[i + 2] & 0xFF, data[i + 3] & 0xFF, data[i + 4] & 0xFF);
                if (iei == 0x08 && len == 4) {
                    return new Udh(udhl + 1, ((data[i + 2] & 0xFF) << 8) | (data[i + 3] & 0xFF), data[i + 4] & 0xFF, data[i + 5] & 0xFF);
                }
                i += 2 + len;
            }
            return new Udh(udhl + 1, 0, 1, 1);
        }
    }

    /** One connection to the ISMG: the frames written under a lock, a reader thread that answers requests and completes responses. */
    private final class Link {
        private final Socket socket;
        private final OutputStream out;
        private final Map<Integer, CompletableFuture<CmppPdu>> pending = new ConcurrentHashMap<>();
        private final AtomicInteger sequence = new AtomicInteger();
        volatile boolean open;
        volatile long lastReceived = System.nanoTime();
        int misses;
        private volatile boolean closed;

        Link(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            Thread.ofVirtual().name("cmpp-" + settings.name() + "-reader").start(() -> read(new DataInputStream(in)));
        }

        private int nextSequence() {
            return sequence.updateAndGet(s -> s == Integer.MAX_VALUE ? 1 : s + 1);
        }

        /** Writes a request; its response completes the future (exceptionally when the link closes first). */
        CompletableFuture<CmppPdu> request(CmppPdu pdu) throws IOException {
            int seq = nextSequence();
            CompletableFuture<CmppPdu> f = new CompletableFuture<>();
            pending.put(seq, f);
            try {
                write(seq, pdu);
            } catch (IOException e) {
                pending.remove(seq);
                throw e;
            }
            return f;
        }

        void write(int seq, CmppPdu pdu) throws IOException {
            if (closed) throw new IOException("the connection is closed");
            byte[] frame = CmppCodec.encode(settings.version(), seq, pdu);
            synchronized (out) {
                try {
                    out.write(frame);
                    out.flush();
                } catch (IOException e) {
                    close("write failed: " + e.getMessage());
                    throw e;
                }
            }
        }

        private void read(DataInputStream in) {
            byte[] head = new byte[4];
            try {
                while (!closed) {
                    in.readFully(head);
                    int length = CmppCodec.frameLength(head, 0);
                    byte[] frame = new byte[length];
                    System.arraycopy(head, 0, frame, 0, 4);
                    in.readFully(frame, 4, length - 4);
                    lastReceived = System.nanoTime();
                    CmppCodec.Frame f;
                    try {
                        f = CmppCodec.decode(settings.version(), frame);
                    } catch (CmppFormatException e) {
                        log.warn("cmpp {}: a malformed frame from the ISMG: {}", settings.name(), e.getMessage());
                        if (e.commandId() == CmppPdu.DELIVER) write(e.sequenceId(), new DeliverResp(0, 1)); // 1: wrong message structure
                        continue;
                    }
                    handle(f);
                }
            } catch (EOFException e) {
                close("the ISMG closed the connection");
            } catch (IOException | CmppFormatException e) {
                close(e.getMessage());
            }
        }

        private void handle(CmppCodec.Frame f) throws IOException {
            switch (f.pdu()) {
                case ActiveTest a -> write(f.sequenceId(), new ActiveTestResp());
                case Deliver d -> {
                    long result = 0;
                    try {
                        deliver(d); // the listener keeps an MO before it returns: only then is it acknowledged
                    } catch (RuntimeException e) {
                        log.warn("cmpp {}: a DELIVER not taken (Result {}): the ISMG delivers it again", settings.name(), RESULT_NOT_TAKEN, e);
                        result = RESULT_NOT_TAKEN;
                    }
                    write(f.sequenceId(), new DeliverResp(d.msgId(), result));
                }
                case Terminate t -> {
                    write(f.sequenceId(), new TerminateResp());
                    close("the ISMG ended the connection (TERMINATE)");
                }
                case ConnectResp c -> complete(f);
                case SubmitResp s -> complete(f);
                case ActiveTestResp a -> complete(f);
                case TerminateResp t -> complete(f);
                default -> log.warn("cmpp {}: an unexpected {} from the ISMG", settings.name(), f.pdu().getClass().getSimpleName());
            }
        }

        private void complete(CmppCodec.Frame f) {
            CompletableFuture<CmppPdu> p = pending.remove(f.sequenceId());
            if (p != null) p.complete(f.pdu());
            else log.info("cmpp {}: a {} for no request (sequence {})", settings.name(), f.pdu().getClass().getSimpleName(), f.sequenceId());
        }

        void close(String why) {
            if (closed) return;
            closed = true;
            boolean was = open;
            open = false;
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            IOException gone = new IOException("the connection closed: " + why);
            for (CompletableFuture<CmppPdu> f : new ArrayList<>(pending.values())) f.completeExceptionally(gone);
            pending.clear();
            if (was) log.warn("cmpp {}: connection to {}:{} closed ({})", settings.name(), settings.host(), settings.port(), why);
            wakeConnector();
        }
    }

    @Override
    public void close() {
        running = false;
        connector.interrupt();
        Link l = link;
        if (l != null && l.open) {
            try {
                l.request(new Terminate()).get(Math.min(1000, settings.responseTimeout().toMillis()), TimeUnit.MILLISECONDS);
            } catch (IOException | ExecutionException | TimeoutException e) {
                // ending anyway
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            l.close("closed");
        }
        try {
            connector.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
