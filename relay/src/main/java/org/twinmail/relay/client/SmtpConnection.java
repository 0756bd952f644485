package org.twinmail.relay.client;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.twinmail.core.mail.Printable;
import org.twinmail.protocol.io.LineInput;

/**
 * One outgoing SMTP connection to one address, read top to bottom on the caller's (virtual)
 * thread: greeting, EHLO (HELO if refused), optional STARTTLS and AUTH, then any number of
 * mail transactions ({@link #send}), then QUIT. Every read has the RFC 5321 4.5.3.2 timeout
 * of its step; writes of message data are bounded by a watchdog ({@code dataBlock}).
 *
 * <p>Failures of the session as a whole are {@link SmtpClientException}s; the connection is
 * unusable afterwards. A refused MAIL, RCPT or DATA is not an exception: it is the result of
 * that recipient, and the connection stays usable for the next transaction.
 */
public final class SmtpConnection implements Closeable {
    /** RFC 5321 4.5.3.1.5: reply lines are at most 512 octets; we allow more for sloppy servers. */
    private static final int MAX_REPLY_LINE = 4096;
    /** A reply with more lines than this is not a conversation we want to have. */
    private static final int MAX_REPLY_LINES = 1000;
    private static final int WRITE_CHUNK = 64 * 1024;

    private final ClientSettings settings;
    private final InetSocketAddress address;
    private final String hostName;
    private final Socket raw;
    private Socket socket;
    private LineInput input;
    private OutputStream output;
    private Map<String, String> extensions = Map.of();
    private boolean esmtp;
    private boolean tls;
    private String tlsDescription;

    private SmtpConnection(ClientSettings settings, InetSocketAddress address, String hostName, Socket raw) throws IOException {
        this.settings = settings;
        this.address = address;
        this.hostName = hostName;
        this.raw = raw;
        this.socket = raw;
        raw.setTcpNoDelay(true);
        this.input = new LineInput(raw.getInputStream(), 16384);
        this.output = new BufferedOutputStream(raw.getOutputStream(), 16384);
    }

    /**
     * Connects, reads the greeting and says EHLO. With {@code implicitTls} the TLS handshake
     * comes first (RFC 8314).
     *
     * @param hostName the server's name (MX host or smarthost), for SNI, certificate checks and logs
     */
    public static SmtpConnection open(InetSocketAddress address, String hostName, ClientSettings settings,
                                      ClientTls implicitTls) throws SmtpClientException {
        Socket s = new Socket();
        SmtpConnection c = null;
        try {
            s.connect(address, (int) settings.connect().toMillis());
            c = new SmtpConnection(settings, address, hostName, s);
            if (implicitTls != null) c.handshake(implicitTls);
            SmtpReply greeting = c.read(settings.greeting());
            // RFC 5321 3.1: 554 means "no SMTP service here"; any non-2xx greeting ends the session.
            if (!greeting.positive()) {
                c.quietQuit();
                throw SmtpClientException.refused("greeting", greeting);
            }
            c.hello();
            return c;
        } catch (SmtpClientException e) {
            closeQuietly(c, s);
            throw e;
        } catch (SocketTimeoutException e) {
            closeQuietly(c, s);
            throw SmtpClientException.temporary("timeout connecting to or greeting from " + describe(address), "4.4.2", e);
        } catch (IOException e) {
            closeQuietly(c, s);
            throw SmtpClientException.temporary("connect to " + describe(address) + ": " + e.getMessage(), "4.4.1", e);
        }
    }

    private static void closeQuietly(SmtpConnection c, Socket s) {
        if (c != null) c.close();
        else try { s.close(); } catch (IOException ignored) { /* nothing to save */ }
    }

    static String describe(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** EHLO, or HELO when EHLO is refused with 5xx (RFC 5321 3.2). */
    private void hello() throws IOException, SmtpClientException {
        writeLine("EHLO " + settings.heloName());
        SmtpReply r = read(settings.command());
        if (r.positive()) {
            esmtp = true;
            Map<String, String> ext = new LinkedHashMap<>();
            for (int i = 1; i < r.lines().size(); i++) {
                String line = r.lines().get(i).strip();
                int sp = line.indexOf(' ');
                String keyword = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
                ext.put(keyword, sp < 0 ? "" : line.substring(sp + 1).strip());
            }
            extensions = ext;
            return;
        }
        if (!r.permanent()) throw SmtpClientException.refused("EHLO", r);
        writeLine("HELO " + settings.heloName());
        r = read(settings.command());
        if (!r.positive()) throw SmtpClientException.refused("HELO", r);
        esmtp = false;
        extensions = Map.of();
    }

    public boolean supports(String extension) {
        return extensions.containsKey(extension);
    }

    /** The server's SIZE limit (RFC 1870), or 0 for none announced. */
    public long sizeLimit() {
        String v = extensions.get("SIZE");
        if (v == null || v.isEmpty()) return 0;
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public boolean isTls() {
        return tls;
    }

    /** "TLSv1.3/TLS_AES_256_GCM_SHA384", or null in plaintext. */
    public String tlsDescription() {
        return tlsDescription;
    }

    public InetSocketAddress address() {
        return address;
    }

    public String hostName() {
        return hostName;
    }

    /**
     * STARTTLS (RFC 3207) and EHLO again. Anything the server sent after its 220 is dropped,
     * the mirror image of the injection problem on the server side.
     *
     * @throws SmtpClientException if the server refuses or the handshake fails; the connection is then closed
     */
    public void startTls(ClientTls policy) throws SmtpClientException {
        try {
            writeLine("STARTTLS");
            SmtpReply r = read(settings.command());
            if (r.code() != 220) throw SmtpClientException.refused("STARTTLS", r);
            handshake(policy);
            hello();
        } catch (SSLException e) {
            close();
            throw SmtpClientException.temporary("TLS handshake with " + describe(address) + " failed: " + e.getMessage(), "4.7.5", e);
        } catch (SocketTimeoutException e) {
            close();
            throw SmtpClientException.temporary("timeout during STARTTLS with " + describe(address), "4.4.2", e);
        } catch (IOException e) {
            close();
            throw SmtpClientException.temporary("connection lost during STARTTLS: " + e.getMessage(), "4.4.2", e);
        }
    }

    private void handshake(ClientTls policy) throws IOException {
        output.flush();
        SSLSocket ssl = (SSLSocket) policy.context().getSocketFactory().createSocket(raw, hostName, address.getPort(), true);
        ssl.setUseClientMode(true);
        ssl.setSSLParameters(policy.parameters(hostName));
        ssl.setSoTimeout((int) settings.command().toMillis());
        ssl.startHandshake();
        socket = ssl;
        input.switchTo(ssl.getInputStream());
        output = new BufferedOutputStream(ssl.getOutputStream(), 16384);
        tls = true;
        tlsDescription = ssl.getSession().getProtocol() + "/" + ssl.getSession().getCipherSuite();
    }

    /** AUTH PLAIN, or LOGIN when only that is offered (RFC 4954); only ever over TLS. */
    public void authenticate(String username, String password) throws SmtpClientException {
        if (!tls) throw SmtpClientException.temporary("refusing to send credentials without TLS", "4.7.0", null);
        String mechanisms = extensions.getOrDefault("AUTH", "").toUpperCase(Locale.ROOT);
        List<String> offered = List.of(mechanisms.split("\\s+"));
        try {
            SmtpReply r;
            if (offered.contains("PLAIN")) {
                writeLine("AUTH PLAIN " + b64("\0" + username + "\0" + password));
                r = read(settings.command());
            } else if (offered.contains("LOGIN")) {
                writeLine("AUTH LOGIN");
                r = read(settings.command());
                if (r.code() == 334) {
                    writeLine(b64(username));
                    r = read(settings.command());
                }
                if (r.code() == 334) {
                    writeLine(b64(password));
                    r = read(settings.command());
                }
            } else {
                throw SmtpClientException.temporary("the relay host offers neither AUTH PLAIN nor LOGIN (offers: "
                        + Printable.of(mechanisms) + ")", "4.7.0", null);
            }
            // A refused login is a configuration problem at our end: keep the mail and retry, as Postfix does.
            if (r.code() != 235) throw new SmtpClientException("authentication refused: " + r, r, false, "4.7.0", null);
        } catch (IOException e) {
            close();
            throw SmtpClientException.temporary("connection lost during AUTH: " + e.getMessage(), "4.4.2", e);
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** One mail transaction's envelope. */
    public record Envelope(String sender, List<String> recipients, long size, boolean eightBitMime, boolean smtputf8) {
        public Envelope {
            recipients = List.copyOf(recipients);
            if (recipients.isEmpty()) throw new IllegalArgumentException("no recipients");
        }
    }

    /** Opens the message content (CRLF line ends, not dot-stuffed) each time it is called. */
    @FunctionalInterface
    public interface Content {
        InputStream open() throws IOException;
    }

    /**
     * One mail transaction. Returns, for each recipient in order, the reply that decides its
     * fate: the refusal of MAIL or of its RCPT, or the reply after the final dot. With
     * PIPELINING (RFC 2920) MAIL, every RCPT and DATA go out in one write.
     *
     * @throws SmtpClientException when the connection fails or times out; the transaction did not happen
     */
    public List<SmtpReply> send(Envelope envelope, Content content) throws SmtpClientException {
        int n = envelope.recipients().size();
        try {
            StringBuilder mail = new StringBuilder("MAIL FROM:<").append(envelope.sender()).append('>');
            if (esmtp && supports("SIZE")) mail.append(" SIZE=").append(envelope.size());
            if (esmtp && envelope.eightBitMime() && supports("8BITMIME")) mail.append(" BODY=8BITMIME");
            if (esmtp && envelope.smtputf8() && supports("SMTPUTF8")) mail.append(" SMTPUTF8");
            boolean pipelining = esmtp && supports("PIPELINING");
            List<SmtpReply> replies = new ArrayList<>(n);
            SmtpReply mailReply;
            SmtpReply dataReply = null;
            int accepted = 0;
            if (pipelining) {
                writeLine(mail.toString());
                for (String rcpt : envelope.recipients()) writeLine("RCPT TO:<" + rcpt + ">");
                writeLine("DATA");
                mailReply = read(settings.mail());
                for (int i = 0; i < n; i++) {
                    SmtpReply r = read(settings.rcpt());
                    replies.add(r);
                    if (r.positive()) accepted++;
                }
                dataReply = read(settings.dataInit());
                if (!mailReply.positive()) {
                    if (dataReply.intermediate()) endData();
                    return rset(List.copyOf(java.util.Collections.nCopies(n, mailReply)));
                }
            } else {
                writeLine(mail.toString());
                mailReply = read(settings.mail());
                if (!mailReply.positive()) return rset(java.util.Collections.nCopies(n, mailReply));
                for (String rcpt : envelope.recipients()) {
                    writeLine("RCPT TO:<" + rcpt + ">");
                    SmtpReply r = read(settings.rcpt());
                    replies.add(r);
                    if (r.positive()) accepted++;
                }
                if (accepted == 0) return rset(replies);
                writeLine("DATA");
                dataReply = read(settings.dataInit());
            }
            if (!dataReply.intermediate()) {
                // DATA refused: every recipient that RCPT accepted gets that reply.
                for (int i = 0; i < n; i++) if (replies.get(i).positive()) replies.set(i, dataReply);
                return rset(replies);
            }
            if (accepted == 0) {
                // RFC 2920 3.1: the server accepted a pipelined DATA after refusing every RCPT; an empty message ends it.
                endData();
                return rset(replies);
            }
            SmtpReply done = writeData(content);
            for (int i = 0; i < n; i++) if (replies.get(i).positive()) replies.set(i, done);
            return replies;
        } catch (SocketTimeoutException e) {
            close();
            throw SmtpClientException.temporary("timeout waiting for " + describe(address), "4.4.2", e);
        } catch (IOException e) {
            close();
            throw SmtpClientException.temporary("connection with " + describe(address) + " lost: " + e.getMessage(), "4.4.2", e);
        }
    }

    /** After a failed transaction: RSET, so the next one starts clean. */
    private List<SmtpReply> rset(List<SmtpReply> replies) throws IOException, SmtpClientException {
        writeLine("RSET");
        SmtpReply r = read(settings.command());
        if (!r.positive()) throw SmtpClientException.refused("RSET", r);
        return new ArrayList<>(replies);
    }

    private void endData() throws IOException, SmtpClientException {
        output.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        output.flush();
        read(settings.dataTermination());
    }

    /**
     * Sends the content dot-stuffed (RFC 5321 4.5.2), ends it with CRLF.CRLF and reads the reply.
     * A watchdog closes the socket if one write blocks longer than {@code dataBlock}: Java's
     * blocking sockets have no write timeout of their own.
     */
    private SmtpReply writeData(Content content) throws IOException, SmtpClientException {
        try (InputStream in = content.open(); Watchdog dog = new Watchdog(socket, settings.dataBlock())) {
            byte[] buf = new byte[WRITE_CHUNK];
            boolean lineStart = true;
            int last = -1;
            int len;
            while ((len = in.read(buf)) > 0) {
                int from = 0;
                for (int i = 0; i < len; i++) {
                    byte b = buf[i];
                    if (lineStart && b == '.') {
                        output.write(buf, from, i - from);
                        output.write('.');
                        from = i;
                    }
                    lineStart = b == '\n';
                }
                output.write(buf, from, len - from);
                dog.progress();
                last = buf[len - 1];
            }
            if (last != '\n') output.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            output.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            output.flush();
        }
        return read(settings.dataTermination());
    }

    /** Closes a socket whose writes make no progress for {@code limit}. */
    private static final class Watchdog implements AutoCloseable {
        private final Thread thread;
        private volatile long lastProgress = System.nanoTime();
        private volatile boolean done;

        Watchdog(Socket socket, Duration limit) {
            long limitNanos = limit.toNanos();
            thread = Thread.ofVirtual().name("smtp-data-watchdog").start(() -> {
                while (!done) {
                    long idle = System.nanoTime() - lastProgress;
                    if (idle >= limitNanos) {
                        try { socket.close(); } catch (IOException ignored) { /* the writer sees the failure */ }
                        return;
                    }
                    try {
                        Thread.sleep(Duration.ofNanos(limitNanos - idle));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        void progress() {
            lastProgress = System.nanoTime();
        }

        @Override
        public void close() {
            done = true;
            thread.interrupt();
        }
    }

    /** QUIT and close; errors do not matter any more. */
    public void quit() {
        quietQuit();
        close();
    }

    private void quietQuit() {
        try {
            writeLine("QUIT");
            read(settings.command());
        } catch (IOException | SmtpClientException | RuntimeException ignored) {
            // the server may hang up first; the mail's fate is already decided
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            raw.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private void writeLine(String line) throws IOException {
        output.write(line.getBytes(StandardCharsets.UTF_8));
        output.write('\r');
        output.write('\n');
        // Replies are read only after a flush; a pipelined group is flushed by its first read.
    }

    /** Reads one (possibly multi-line) reply, flushing what is queued first. */
    SmtpReply read(Duration timeout) throws IOException, SmtpClientException {
        output.flush();
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            LineInput.Line line = input.readLine(MAX_REPLY_LINE);
            if (line == null) throw new IOException("the server closed the connection");
            String text = line.utf8();
            if (text.length() < 3 || !Character.isDigit(text.charAt(0)) || !Character.isDigit(text.charAt(1))
                    || !Character.isDigit(text.charAt(2)) || (text.length() > 3 && text.charAt(3) != ' ' && text.charAt(3) != '-')) {
                throw SmtpClientException.temporary("malformed reply from " + describe(address) + ": " + Printable.of(text), "4.5.0", null);
            }
            int c = Integer.parseInt(text.substring(0, 3));
            if (code >= 0 && c != code) {
                throw SmtpClientException.temporary("inconsistent reply codes from " + describe(address), "4.5.0", null);
            }
            code = c;
            if (code < 200 || code > 599) {
                throw SmtpClientException.temporary("reply code out of range from " + describe(address) + ": " + code, "4.5.0", null);
            }
            lines.add(text.length() > 4 ? text.substring(4) : "");
            if (lines.size() > MAX_REPLY_LINES) {
                throw SmtpClientException.temporary("reply of more than " + MAX_REPLY_LINES + " lines from " + describe(address), "4.5.0", null);
            }
            if (text.length() == 3 || text.charAt(3) == ' ') return SmtpReply.of(code, lines);
        }
    }
}
