package org.twinmail.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A deliberately dumb POP3 client on a raw socket: it sends exactly the bytes it
 * is given and checks that every reply line ends in CRLF, so tests see the wire.
 */
final class Pop3Client implements AutoCloseable {
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    final String greeting;

    Pop3Client(InetSocketAddress address) throws IOException {
        this(address, false);
    }

    /** With {@code implicitTls}: POP3S, trusting any certificate. */
    Pop3Client(InetSocketAddress address, boolean implicitTls) throws IOException {
        this(address, implicitTls, null);
    }

    /** From {@code from} (another 127.0.0.0/8 address stands for another client machine); null: any. */
    Pop3Client(InetSocketAddress address, boolean implicitTls, String from) throws IOException {
        socket = new Socket();
        if (from != null) socket.bind(new InetSocketAddress(from, 0));
        socket.connect(address, 10_000);
        socket.setSoTimeout(10_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        if (implicitTls) handshake();
        greeting = readLine();
    }

    /** Starts TLS on the socket as it is (after "+OK" to STLS), trusting any certificate. */
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

    void send(String line) throws IOException {
        sendRaw((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** One reply line without its CRLF, or null when the server closed the connection. */
    String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] line = b.toByteArray();
                assertThat(line.length).as("reply line ends in CRLF").isGreaterThan(0);
                assertThat(line[line.length - 1]).as("reply line ends in CRLF").isEqualTo((byte) '\r');
                return new String(line, 0, line.length - 1, StandardCharsets.UTF_8);
            }
            b.write(c);
        }
        assertThat(b.size()).as("partial line before EOF").isZero();
        return null;
    }

    String cmd(String line) throws IOException {
        send(line);
        return readLine();
    }

    /** The body of a multi-line reply, already un-stuffed, without the final ".". */
    List<String> readBody() throws IOException {
        List<String> lines = new ArrayList<>();
        for (String l; (l = readLine()) != null; ) {
            if (l.equals(".")) return lines;
            lines.add(l.startsWith(".") ? l.substring(1) : l);
        }
        throw new AssertionError("connection closed inside a multi-line reply");
    }

    /** The raw bytes of a multi-line body up to and including CRLF.CRLF (nothing un-stuffed). */
    byte[] readRawBody() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int lineLength = 0;   // bytes on the current line so far
        boolean dotLine = false;
        int c;
        while ((c = in.read()) != -1) {
            b.write(c);
            if (c == '\n') {
                if (dotLine && lineLength == 2) return b.toByteArray(); // the line was exactly ".\r"
                lineLength = 0;
                dotLine = false;
            } else {
                if (lineLength == 0) dotLine = c == '.';
                lineLength++;
            }
        }
        throw new AssertionError("connection closed inside a multi-line reply");
    }

    /** A multi-line reply: asserts "+OK" and returns the body. */
    List<String> multi(String command) throws IOException {
        String first = cmd(command);
        assertThat(first).as(command).startsWith("+OK");
        return readBody();
    }

    String login(String user, String password) throws IOException {
        assertThat(cmd("USER " + user)).startsWith("+OK");
        return cmd("PASS " + password);
    }

    /** True when the server has closed its side (reads EOF within the socket timeout). */
    boolean serverClosed() throws IOException {
        return in.read() == -1;
    }

    /** Half-closes: the server reads end of stream after whatever was sent (a FIN, not an RST). */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Closes without QUIT, as a client that crashes or loses its network would. */
    void drop() throws IOException {
        socket.setSoLinger(true, 0); // RST, not FIN: the rudest way out
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
