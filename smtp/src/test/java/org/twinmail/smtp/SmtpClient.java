package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw-socket SMTP client for conversation tests: it sends exactly the bytes a test
 * gives it (so tests can pipeline, send bare LFs, NULs and overlong lines) and parses
 * replies, multi-line ones included.
 */
final class SmtpClient implements AutoCloseable {

    /** One reply: its code, the enhanced status of the last line (or null) and every line's text. */
    record Reply(int code, String status, List<String> lines) {
        String text() {
            return String.join("\n", lines);
        }

        String last() {
            return lines.getLast();
        }

        @Override
        public String toString() {
            return code + " " + text();
        }
    }

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    SmtpClient(InetSocketAddress address) throws IOException {
        this(address, null);
    }

    /** From {@code from} (another 127.0.0.0/8 address stands for another client machine); null: any. */
    SmtpClient(InetSocketAddress address, String from) throws IOException {
        socket = new Socket();
        if (from != null) socket.bind(new InetSocketAddress(from, 0));
        socket.connect(address, 10_000);
        socket.setSoTimeout(15_000);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Connects and checks the 220 greeting. */
    static SmtpClient connect(InetSocketAddress address) throws IOException {
        SmtpClient c = new SmtpClient(address);
        Reply greeting = c.read();
        assertThat(greeting.code()).as("greeting").isEqualTo(220);
        return c;
    }

    /** Connects with implicit TLS (port 465), trusting any certificate, and checks the 220 greeting. */
    static SmtpClient connectTls(InetSocketAddress address) throws IOException {
        SmtpClient c = new SmtpClient(address);
        c.handshake();
        Reply greeting = c.read();
        assertThat(greeting.code()).as("greeting").isEqualTo(220);
        return c;
    }

    /** STARTTLS, expects 220, then the TLS handshake over this socket. */
    void startTls() throws IOException {
        expect("STARTTLS", 220, "2.0.0");
        handshake();
    }

    /** Starts TLS on the socket as it is (the server must be ready for it); trusts any certificate. */
    void handshake() throws IOException {
        try {
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) { }
                public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) { }
                public java.security.cert.X509Certificate[] getAcceptedIssuers() { return new java.security.cert.X509Certificate[0]; }
            }}, null);
            javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) ctx.getSocketFactory()
                    .createSocket(socket, socket.getInetAddress().getHostAddress(), socket.getPort(), true);
            ssl.setSoTimeout(socket.getSoTimeout());
            ssl.startHandshake();
            socket = ssl;
            in = new BufferedInputStream(ssl.getInputStream());
            out = ssl.getOutputStream();
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** Connects and says EHLO. */
    static SmtpClient ehlo(InetSocketAddress address) throws IOException {
        SmtpClient c = connect(address);
        c.expect("EHLO client.example", 250);
        return c;
    }

    void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends one command line (CRLF added) and reads its reply. */
    Reply command(String line) throws IOException {
        send(line + "\r\n");
        return read();
    }

    /** Sends a command and checks the reply code. */
    Reply expect(String line, int code) throws IOException {
        Reply r = command(line);
        assertThat(r.code()).as("reply to " + abbreviate(line) + ": " + r).isEqualTo(code);
        return r;
    }

    /** Sends a command and checks the reply code and enhanced status code. */
    Reply expect(String line, int code, String status) throws IOException {
        Reply r = expect(line, code);
        assertThat(r.status()).as("status of reply to " + abbreviate(line) + ": " + r).isEqualTo(status);
        return r;
    }

    /** Reads one reply and checks it. */
    Reply expectReply(int code, String status) throws IOException {
        Reply r = read();
        assertThat(r.code()).as(r.toString()).isEqualTo(code);
        if (status != null) assertThat(r.status()).as(r.toString()).isEqualTo(status);
        return r;
    }

    /** Reads one (possibly multi-line) reply. */
    Reply read() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line == null) throw new EOFException("server closed the connection; lines so far: " + lines);
            if (line.length() < 3) throw new IOException("malformed reply line: " + line);
            int code = Integer.parseInt(line.substring(0, 3));
            boolean more = line.length() > 3 && line.charAt(3) == '-';
            String text = line.length() > 4 ? line.substring(4) : "";
            lines.add(text);
            if (!more) {
                String status = null;
                String[] words = text.split(" ", 2);
                if (words[0].matches("[245]\\.\\d{1,3}\\.\\d{1,3}")) status = words[0];
                List<String> texts = new ArrayList<>();
                for (String l : lines) texts.add(status != null && l.startsWith(status + " ") ? l.substring(status.length() + 1) : l);
                return new Reply(code, status, texts);
            }
        }
    }

    /** True if the server closes the connection (EOF) within the socket timeout. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset: closed as well
        }
    }

    void setTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                assertThat(n).as("reply line ends in CRLF").isEqualTo(bytes.length - 1);
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            b.write(c);
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
