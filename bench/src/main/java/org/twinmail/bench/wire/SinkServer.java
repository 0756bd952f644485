package org.twinmail.bench.wire;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The "remote" world of SPECmail2001: an SMTP server on loopback that accepts every
 * message relayed to it and reports the X-Bench-Id of each one it receives. It keeps
 * nothing; it only answers as fast as it can so it never limits the server under test.
 */
public final class SinkServer implements AutoCloseable {
    public static final String ID_HEADER = "X-Bench-Id";

    private final ServerSocket listener;
    private final Consumer<String> arrived;
    private final AtomicLong messages = new AtomicLong();
    private final Thread acceptor;

    private SinkServer(ServerSocket listener, Consumer<String> arrived) {
        this.listener = listener;
        this.arrived = arrived;
        this.acceptor = Thread.ofVirtual().name("sink-accept").start(this::acceptLoop);
    }

    /** Listens on 127.0.0.1 at {@code port} (0: the kernel picks). */
    public static SinkServer start(int port, Consumer<String> arrived) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        return new SinkServer(s, arrived);
    }

    public int port() {
        return listener.getLocalPort();
    }

    public long messages() {
        return messages.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                Thread.ofVirtual().name("sink-session").start(() -> session(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void session(Socket socket) {
        try (Wire w = Wire.adopt(socket, Duration.ofMinutes(5))) {
            w.line("220 sink.bench ESMTP");
            while (true) {
                String line = w.readLine();
                String verb = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> w.line("250-sink.bench\r\n250-PIPELINING\r\n250 8BITMIME");
                    case "HELO", "MAIL", "RCPT", "RSET", "NOOP" -> w.line("250 2.0.0 ok");
                    case "DATA" -> {
                        w.line("354 go ahead");
                        StringBuilder headers = new StringBuilder();
                        w.readDotTerminated(headers);
                        String id = null;
                        for (String l : headers.toString().split("\n")) {
                            if (l.regionMatches(true, 0, ID_HEADER + ":", 0, ID_HEADER.length() + 1)) {
                                id = l.substring(ID_HEADER.length() + 1).trim();
                                break;
                            }
                        }
                        messages.incrementAndGet();
                        if (id != null) arrived.accept(id);
                        w.line("250 2.0.0 accepted");
                    }
                    case "QUIT" -> {
                        w.line("221 2.0.0 bye");
                        return;
                    }
                    default -> w.line("502 5.5.2 not implemented");
                }
            }
        } catch (IOException e) {
            // the relaying MTA hung up: nothing to record
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        acceptor.interrupt();
    }
}
