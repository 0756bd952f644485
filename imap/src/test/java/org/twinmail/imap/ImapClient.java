package org.twinmail.imap;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A raw line-level IMAP client for conversation tests: sends what it is told, reads lines (literals inline) with a timeout. */
final class ImapClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    ImapClient(InetSocketAddress address) throws IOException {
        this(address, null);
    }

    /** A client connecting from {@code from} (another 127.0.0.0/8 address stands for another client machine); null: any. */
    ImapClient(InetSocketAddress address, String from) throws IOException {
        socket = new Socket();
        if (from != null) socket.bind(new InetSocketAddress(from, 0));
        socket.connect(address, 10_000);
        socket.setSoTimeout(10_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** How long a read may wait (10 s unless changed). */
    void readTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    void sendLine(String line) throws IOException {
        send(line + "\r\n");
    }

    void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** One line without CRLF; null at end of stream. */
    String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    /** Lines up to and including the one starting with {@code tag + " "}. */
    List<String> until(String tag) throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String l = line();
            if (l == null) throw new IOException("connection closed before " + tag + "; got " + lines);
            lines.add(l);
            if (l.startsWith(tag + " ")) return lines;
        }
    }

    /** Sends a command and returns its response lines. */
    List<String> command(String tag, String command) throws IOException {
        sendLine(tag + " " + command);
        return until(tag);
    }

    /** Reads exactly n bytes (a literal's content). */
    byte[] bytes(int n) throws IOException {
        return in.readNBytes(n);
    }

    boolean closedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
