package org.twinmail.protocol.net;

import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.twinmail.protocol.io.LineInput;
import org.twinmail.protocol.io.ReleasingBufferedOutput;
import org.twinmail.protocol.tls.Tls;

/**
 * One client connection as protocol sessions see it: bounded line input, buffered
 * output that the session flushes when it is ready (so pipelined replies go out in
 * one packet), byte counters for the session log, and read timeouts. After
 * {@link #startTls} the same object carries the encrypted stream, and after
 * {@link #addLayer} a compressed one; the session code does not change.
 *
 * <p>Output, top to bottom: a 16 KiB buffer (held only between a write and the next flush,
 * see {@link ReleasingBufferedOutput}), the layer slot (empty, or e.g. a deflater),
 * the byte counter, the socket (plain or TLS). Input: the line reader, the layer slot, the
 * byte counter, the socket. The counters sit below the layer, so with compression the
 * session log shows the compressed bytes (with TLS, as before, the bytes TLS carried).
 * The input buffer is small while the client is not sending in bulk (see {@link LineInput}),
 * so an idle connection holds a few hundred bytes of buffers.
 */
public final class Connection implements Closeable {
    /** The TCP socket: addresses, and the hard close of {@link #abort()}. */
    private final Socket raw;
    /** What reads and writes go through: {@code raw}, or the TLS socket over it. */
    private volatile Socket socket;
    private volatile SSLSession tlsSession;
    private final CountingInputStream inCounter;
    private final LineInput input;
    private final CountingOutputStream counter;
    private final LayerSlot layerSlot;
    private final OutputStream output;
    private volatile StreamLayer layer;
    private final java.util.concurrent.atomic.AtomicBoolean layerClosed = new java.util.concurrent.atomic.AtomicBoolean();
    /** The budget of each read (a whole line, see {@link LineInput}), in nanoseconds; 0: none. */
    private volatile long readBudget;
    /** When the read in progress started ({@link System#nanoTime()}), or 0 when none is. */
    private volatile long readingSince;
    /** When the watchdog must abort this connection ({@link System#nanoTime()}), or 0: a bounded TLS handshake. */
    private volatile long abortAt;
    /** {@link #overallDeadline}: when every read must be over ({@link System#nanoTime()}), or 0. */
    private volatile long overallDeadline;
    private volatile boolean authenticated;
    /** {@link #lingerOnClose()}: the client is known to be still sending when the session ends. */
    private volatile boolean linger;
    private volatile String service = "-";
    private volatile Pressure pressure = Pressure.NONE;
    private final java.util.concurrent.atomic.AtomicInteger authFailures = new java.util.concurrent.atomic.AtomicInteger();
    /** Set by {@link #hibernate}: what the listener runs next on a fresh thread, once the handler has returned. */
    private ConnectionHandler hibernation;
    /** The TCP channel under {@code raw} (sockets a listener accepts have one), or null: what a {@link Hibernator} selects on. */
    private final SocketChannel channel;
    /** Where this connection sleeps when its session hibernates; null: it keeps a parked thread. */
    private volatile Hibernator hibernator;
    /** {@link #AWAKE}, {@link #DROWSY}, {@link #ASLEEP}, {@link #CALLED} or {@link #WAKING}. */
    private volatile int sleep;
    private volatile Wake wokenBy = Wake.INPUT;
    /** When the wait for the client that a hibernation began started ({@link System#nanoTime()}), or 0. */
    private volatile long sleepingSince;

    private static final int AWAKE = 0;
    /** Hibernated, to be registered with the hibernator. */
    private static final int DROWSY = 1;
    /** Registered: waits without a thread. */
    private static final int ASLEEP = 2;
    /** {@link #wake} was called while drowsy: it goes on at once instead of being registered. */
    private static final int CALLED = 3;
    /** Taken out of the selector; the next handler starts soon. */
    private static final int WAKING = 4;
    private static final java.lang.invoke.VarHandle SLEEP;

    static {
        try {
            SLEEP = java.lang.invoke.MethodHandles.lookup().findVarHandle(Connection.class, "sleep", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Why a hibernated connection goes on ({@link #wokenBy}). */
    public enum Wake {
        /** The client sent something, or left: the next read returns at once. */
        INPUT,
        /** {@link #wake} was called: there may be nothing to read. */
        CALL,
        /** The read budget passed while it slept: the read would have timed out. */
        TIMEOUT
    }

    /**
     * What the listener says about load: under stress, a client that has not logged in gets
     * at most {@link #stressBudget()} per read (Postfix's stress mode).
     */
    public interface Pressure {
        Pressure NONE = () -> 0;

        /** The read budget for clients not logged in while the listener is under stress, in nanoseconds; 0: no stress. */
        long stressBudget();
    }

    public Connection(Socket socket) throws IOException {
        this.raw = socket;
        this.socket = socket;
        this.channel = socket.getChannel();
        socket.setTcpNoDelay(true);
        this.inCounter = new CountingInputStream(socket.getInputStream());
        this.input = new LineInput(inCounter, 16384);
        this.input.timer(new LineInput.Timer() {
            @Override
            public long budgetNanos() {
                readingSince = Math.max(1, System.nanoTime());
                return effectiveBudget();
            }

            private boolean shortened;

            @Override
            public void waitAtMost(long nanos) throws IOException {
                Connection.this.socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, (nanos + 999_999) / 1_000_000)));
                shortened = true;
            }

            @Override
            public void readDone() {
                readingSince = 0;
                if (shortened) {
                    // What is left of one read's budget must not become the timeout of the next read elsewhere (a TLS handshake).
                    shortened = false;
                    try {
                        Connection.this.socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, readBudget / 1_000_000)));
                    } catch (IOException e) {
                        // closed: the next read fails anyway
                    }
                }
            }
        });
        this.counter = new CountingOutputStream(socket.getOutputStream());
        this.layerSlot = new LayerSlot(counter);
        this.output = new ReleasingBufferedOutput(layerSlot, 16384);
    }

    public LineInput input() {
        return input;
    }

    /**
     * The session is about to wait for its client for long (IMAP IDLE): when its handler
     * returns, the listener keeps the connection open and runs {@code next} on a fresh virtual
     * thread instead of closing it. The session's thread ends, and with it the stack it grew in
     * its deepest work so far; the new one parks in its first read with a shallow stack, which
     * is all an idle connection then costs besides its socket and the session's own state.
     * Call it right before the handler returns, with nothing left to write.
     */
    public void hibernate(ConnectionHandler next) {
        sleepingSince = Math.max(1, System.nanoTime());
        hibernateAgain(next);
    }

    /**
     * As {@link #hibernate}, for a handler that was {@linkplain #wake woken by a call} and found
     * nothing to read: the wait goes on, and its read budget still counts from its start.
     */
    public void hibernateAgain(ConnectionHandler next) {
        if (hibernation != null) throw new IllegalStateException("already hibernating");
        hibernation = java.util.Objects.requireNonNull(next);
        wokenBy = Wake.INPUT; // unless the hibernator says otherwise
        if (hibernator != null && channel != null && socket == raw && layer == null && !input.hasBuffered()) {
            // A plain connection with nothing to read waits in the hibernator's selector: no thread at all.
            input.releaseBuffer();
            sleep = DROWSY;
        }
    }

    /**
     * Asks a hibernating connection to go on now, before its client sends anything (IMAP IDLE:
     * a store change to push): its next handler runs on a fresh thread with {@link #wokenBy}
     * {@link Wake#CALL}. False when the connection is not waiting in a hibernator (it is awake,
     * or its hibernation keeps a parked thread): the caller does the work itself.
     */
    public boolean wake() {
        while (true) {
            int s = sleep;
            switch (s) {
                case AWAKE:
                    return false;
                case DROWSY:
                    if (SLEEP.compareAndSet(this, DROWSY, CALLED)) return true;
                    break;
                case ASLEEP:
                    if (SLEEP.compareAndSet(this, ASLEEP, WAKING)) {
                        wokenBy = Wake.CALL;
                        hibernator.wake(this);
                        return true;
                    }
                    break;
                default:
                    return true; // CALLED, WAKING: it goes on already
            }
        }
    }

    /**
     * Why the handler now running was started after a hibernation: {@link Wake#INPUT} (also
     * when it waited on a parked thread), {@link Wake#CALL} or {@link Wake#TIMEOUT}.
     */
    public Wake wokenBy() {
        return wokenBy;
    }

    /** Bytes the client sent that the next read returns without waiting (buffered or in the socket). */
    public boolean inputReady() throws IOException {
        return input.hasBuffered() || socket.getInputStream().available() > 0;
    }

    /** For the listener: gives this connection the hibernator where it sleeps when its session hibernates. */
    void hibernator(Hibernator h) {
        this.hibernator = h;
    }

    /** For the listener: true when the hibernation just asked for waits in the hibernator (no thread). */
    boolean drowsy() {
        return sleep == DROWSY;
    }

    SocketChannel channel() {
        return channel;
    }

    /** For the hibernator: registered; false when woken meanwhile (then it is taken out, woken by a call). */
    boolean asleep() {
        if (SLEEP.compareAndSet(this, DROWSY, ASLEEP)) return true;
        takeOut(Wake.CALL);
        return false;
    }

    /** For the hibernator: a request it queued is a wake ({@link #wake}), not a registration. */
    boolean wakeRequested() {
        return sleep == WAKING;
    }

    /**
     * For the hibernator: takes this connection out of its sleep for {@code why}; false when it is
     * awake or already taken out. A connection {@link #CALLED} before it slept is woken by the call.
     */
    boolean takeOut(Wake why) {
        while (true) {
            int s = sleep;
            if (s == AWAKE || s == WAKING) return false;
            if (SLEEP.compareAndSet(this, s, WAKING)) {
                wokenBy = s == CALLED ? Wake.CALL : why;
                return true;
            }
        }
    }

    /** For the hibernator: it slept past its read budget (the read it stands for would have timed out). */
    boolean sleptTooLong(long now) {
        long since = sleepingSince;
        long budget = readBudget;
        return since != 0 && budget != 0 && now - since > budget;
    }

    /** For the hibernator, right before the next handler runs: awake again. */
    void awake() {
        sleep = AWAKE;
    }

    /** For the listener: the handler returned after {@link #hibernate}. */
    boolean hibernating() {
        return hibernation != null;
    }

    Socket rawSocket() {
        return raw;
    }

    /** For the listener: what {@link #hibernate} asked for, or null; cleared. */
    ConnectionHandler takeHibernation() {
        ConnectionHandler next = hibernation;
        hibernation = null;
        return next;
    }

    /** Raw output for bulk data (message bodies); callers still end with {@link #flush()}. */
    public OutputStream output() {
        return output;
    }

    /** Queues text (UTF-8); nothing is sent before {@link #flush()}. */
    public void write(String text) throws IOException {
        output.write(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Queues one reply line and its CRLF. */
    public void writeLine(String line) throws IOException {
        write(line);
        output.write('\r');
        output.write('\n');
    }

    public void flush() throws IOException {
        output.flush();
    }

    /**
     * How long each later read may take before {@link java.net.SocketTimeoutException}: a whole
     * line (however slowly it trickles), or an exact read of up to 64 KiB (see {@link LineInput});
     * shorter under stress for a client not logged in.
     */
    public void setReadTimeout(Duration timeout) throws IOException {
        readBudget = Math.max(1_000_000, timeout.toNanos());
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
    }

    /**
     * Whether the client sends anything within {@code wait}, which stays buffered for the next
     * read: SMTP's early-talker test before the greeting. False if it stays silent or leaves.
     */
    public boolean inputWithin(Duration wait) throws IOException {
        if (input.hasBuffered()) return true;
        int before = socket.getSoTimeout();
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, wait.toMillis())));
        try {
            return input.awaitInput();
        } finally {
            socket.setSoTimeout(before);
        }
    }

    /**
     * Until {@link #clearOverallDeadline()}, every read must also end within {@code within} from
     * now, however many lines or chunks it takes: for a phase as a whole (SMTP DATA, say), where
     * {@link #setReadTimeout} bounds each line.
     */
    public void overallDeadline(Duration within) {
        overallDeadline = Math.max(1, System.nanoTime() + within.toNanos());
    }

    public void clearOverallDeadline() {
        overallDeadline = 0;
    }

    /** The budget of the next read in nanoseconds, the stress limit and the overall deadline applied; 0 for none. */
    long effectiveBudget() {
        long budget = readBudget;
        long stress = authenticated ? 0 : pressure.stressBudget();
        if (stress > 0 && (budget == 0 || stress < budget)) budget = stress;
        long overall = overallDeadline;
        if (overall != 0) {
            long left = Math.max(1, overall - System.nanoTime());
            if (budget == 0 || left < budget) budget = left;
        }
        return budget;
    }

    /** Set by the listener: the service name ("imap", "submission") for logs and metrics. */
    public void service(String name) {
        this.service = name;
    }

    /** The service this connection belongs to ("-" when not set). */
    public String service() {
        return service;
    }

    /** Set by the listener: whether it is under stress. */
    public void pressure(Pressure pressure) {
        this.pressure = pressure;
    }

    /** A user logged in on this connection (stress no longer shortens its reads). */
    public void markAuthenticated() {
        authenticated = true;
    }

    public boolean isAuthenticated() {
        return authenticated;
    }

    /** Counts one failed login on this connection; returns the count so far. */
    public int authFailed() {
        return authFailures.incrementAndGet();
    }

    public int authFailures() {
        return authFailures.get();
    }

    /** When the read in progress started ({@link System#nanoTime()}), or 0. */
    public long readingSince() {
        return readingSince;
    }

    /** When the listener's watchdog must abort this connection ({@link System#nanoTime()}), or 0. */
    public long abortAt() {
        return abortAt;
    }

    public InetSocketAddress remote() {
        return (InetSocketAddress) raw.getRemoteSocketAddress();
    }

    public InetAddress remoteAddress() {
        return raw.getInetAddress();
    }

    public InetSocketAddress local() {
        return (InetSocketAddress) raw.getLocalSocketAddress();
    }

    /**
     * Turns this connection into a TLS connection (server side): flushes what is queued (the
     * "220 Ready to start TLS"), runs the handshake under the current read timeout, then reads
     * and writes through TLS. Plaintext the client sent after its STARTTLS command is still in
     * our input buffer; it is discarded, never executed (RFC 3207 section 6, CVE-2011-0411).
     * Protocols call this through {@link Tls#upgrade(Connection)}.
     *
     * @return the number of plaintext bytes discarded
     * @throws javax.net.ssl.SSLException when the handshake fails; the caller must end the session
     */
    public int startTls(Tls tls) throws IOException {
        if (tlsSession != null) throw new IllegalStateException("TLS is already active");
        // TLS over compressed bytes would need the layer below TLS; protocols order them the other way (RFC 4978 4).
        if (layer != null) throw new IllegalStateException("TLS cannot start over a stream layer");
        output.flush();
        SSLSocket ssl = tls.wrap(raw);
        // The handshake as a whole is bounded: each read by the socket timeout, all of it by the listener's watchdog.
        long limit = tls.handshakeTimeout().toNanos();
        int before = raw.getSoTimeout();
        ssl.setSoTimeout((int) Math.max(1, Math.min(before == 0 ? Integer.MAX_VALUE : before, tls.handshakeTimeout().toMillis())));
        abortAt = Math.max(1, System.nanoTime() + limit);
        try {
            ssl.startHandshake();
        } finally {
            abortAt = 0;
        }
        ssl.setSoTimeout(before);
        socket = ssl;
        inCounter.switchTo(ssl.getInputStream());
        int dropped = input.switchTo(inCounter);
        counter.switchTo(ssl.getOutputStream());
        tlsSession = ssl.getSession();
        return dropped;
    }

    /**
     * Stacks {@code layer} over the connection's streams (over TLS when TLS is active), for
     * IMAP COMPRESS (RFC 4978) and the like. What is queued is flushed first, below the layer
     * (the reply that agreed to it); everything after goes through it. Input received but not
     * yet read also goes through it: it was sent after the command that started the layer.
     * A connection takes one layer; the layer is closed with the connection.
     *
     * @throws IllegalStateException when a layer is already active
     */
    public void addLayer(StreamLayer layer) throws IOException {
        if (this.layer != null) throw new IllegalStateException("a stream layer is already active");
        output.flush();
        this.layer = layer;
        layerSlot.switchTo(layer.output(counter));
        input.layer(layer::input);
    }

    /** True once a stream layer (compression) is active. */
    public boolean hasLayer() {
        return layer != null;
    }

    /** True once TLS is active (after STARTTLS, or from the start on an implicit-TLS port). */
    public boolean isSecure() {
        return tlsSession != null;
    }

    /** "TLSv1.3/TLS_AES_128_GCM_SHA256" for the session log, or null without TLS. */
    public String tlsDescription() {
        SSLSession s = tlsSession;
        return s == null ? null : s.getProtocol() + "/" + s.getCipherSuite(); // no space: one key=value in the session log
    }

    /** True for a client on this machine (its traffic never leaves the kernel). */
    public boolean isLoopback() {
        return raw.getInetAddress().isLoopbackAddress();
    }

    public long bytesIn() {
        return inCounter.count;
    }

    public long bytesOut() {
        return counter.count;
    }

    /**
     * When the write now in progress started ({@link System#nanoTime()}), or 0 when no
     * write is blocked. Java sockets have no write timeout; the listener's watchdog reads
     * this to close connections whose client stopped reading (Postfix's write deadline).
     */
    public long writeBlockedSince() {
        return counter.writingSince;
    }

    public boolean isClosed() {
        return raw.isClosed();
    }

    /**
     * Closes the TCP socket without flushing and without a TLS close_notify: for a peer that
     * takes no output (a flush would block again).
     */
    private void drainBeforeClose() {
        try {
            if (socket == raw) raw.shutdownOutput(); // FIN after the last reply; over TLS the close_notify comes with close()
            long deadline = System.nanoTime() + LINGER_TIME.toNanos();
            byte[] buffer = new byte[8192];
            long dropped = 0;
            InputStream in = socket.getInputStream();
            while (dropped < LINGER_BYTES) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                int n = in.read(buffer);
                if (n < 0) break;
                dropped += n;
            }
        } catch (IOException | RuntimeException ignored) {
            // timed out, reset or closed: close now either way
        }
    }

    public void abort() {
        wake(); // a sleeping connection goes on, and its read finds the socket closed
        try {
            // A read blocked in the socket delays the close of the descriptor until it returns; the
            // shutdown sends the FIN (and wakes the reader) at once.
            raw.shutdownOutput();
        } catch (IOException ignored) {
            // not connected any more
        }
        try {
            raw.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** How long, and how much, {@link #close()} reads and drops after {@link #lingerOnClose()}. */
    static final Duration LINGER_TIME = Duration.ofSeconds(1);
    static final int LINGER_BYTES = 1 << 20;

    /**
     * The session ends while the client is still sending (an over-long line, a refused literal):
     * {@link #close()} then half-closes, and reads and drops what the client sends for at most
     * {@link #LINGER_TIME} and {@link #LINGER_BYTES}, before closing. Closing a socket with unread
     * input makes the kernel answer with a reset, which can destroy the last reply (the BYE, the
     * 500) before the client has read it: the lingering close of Apache and nginx.
     */
    public void lingerOnClose() {
        linger = true;
    }

    @Override
    public void close() {
        try {
            output.flush();
        } catch (IOException ignored) {
            // the peer is gone; nothing more to tell it
        }
        if (linger) drainBeforeClose();
        wake(); // a sleeping connection goes on, and its read finds the socket closed
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        // After the socket: a read or write still blocked in it fails now and lets go of the layer.
        StreamLayer l = layer;
        if (l != null && layerClosed.compareAndSet(false, true)) l.close();
    }

    /** Where a stream layer goes: passes bytes straight through until {@link #addLayer}. */
    private static final class LayerSlot extends FilterOutputStream {
        LayerSlot(OutputStream out) {
            super(out);
        }

        void switchTo(OutputStream next) {
            out = next;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }
    }

    /** Counts the bytes read from the socket (plain or TLS). */
    private static final class CountingInputStream extends FilterInputStream {
        volatile long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        void switchTo(InputStream next) {
            in = next;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }
    }

    /** The layer that touches the socket: counts bytes and marks when a write is in progress. */
    private static final class CountingOutputStream extends FilterOutputStream {
        long count;
        volatile long writingSince;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        /** After the handshake: the same counting, over the TLS stream. */
        void switchTo(OutputStream next) {
            out = next;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writingSince = Math.max(1, System.nanoTime());
            try {
                out.write(b, off, len);
            } finally {
                writingSince = 0;
            }
            count += len;
        }
    }
}
