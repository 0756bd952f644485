package org.twinmail.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's local control endpoint for {@code twinmail cluster status|switchover}: a
 * Unix domain socket, {@code cluster.sock} in the node's state directory, readable only
 * by the node's user (the socket file is created with mode 0600), so that no token is
 * needed and nothing listens on the network. One request line per connection
 * ({@code status} or {@code switchover}); the answer is text, then the connection
 * closes; a first line {@code ERR ...} marks a refusal.
 */
public final class ControlSocket implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlSocket.class);
    public static final String FILE = "cluster.sock";
    private static final Duration SWITCHOVER_TIMEOUT = Duration.ofSeconds(60);

    private final Path path;
    private final ServerSocketChannel server;
    private final ClusterNode node;
    private volatile boolean closed;

    private ControlSocket(Path path, ServerSocketChannel server, ClusterNode node) {
        this.path = path;
        this.server = server;
        this.node = node;
    }

    public static ControlSocket start(Path stateDir, ClusterNode node) throws IOException {
        Files.createDirectories(stateDir);
        Path path = stateDir.resolve(FILE);
        Files.deleteIfExists(path); // left by a node that died; we hold the state directory's lock
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX filesystem: the directory's permissions protect it
        }
        ControlSocket c = new ControlSocket(path, s, node);
        Thread.ofVirtual().name("cluster-control").start(c::acceptLoop);
        return c;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel ch = server.accept();
                Thread.ofVirtual().name("cluster-control-conn").start(() -> serve(ch));
            } catch (IOException e) {
                if (!closed) log.warn("cluster control socket: {}", e.getMessage());
                return;
            }
        }
    }

    private void serve(SocketChannel ch) {
        try (ch; BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
             OutputStream out = Channels.newOutputStream(ch)) {
            String request = in.readLine();
            String answer;
            try {
                answer = switch (request == null ? "" : request.strip()) {
                    case "status" -> node.status().render();
                    case "switchover" -> node.switchover(SWITCHOVER_TIMEOUT) + "\n";
                    default -> "ERR unknown request \"" + request + "\" (status, switchover)\n";
                };
            } catch (IllegalStateException e) {
                answer = "ERR " + e.getMessage() + "\n";
            }
            out.write(answer.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            log.debug("cluster control connection: {}", e.getMessage());
        }
    }

    /**
     * Sends {@code request} to the node whose state directory is {@code stateDir} and
     * returns the answer's text. A node that does not answer within {@code timeout} (a
     * paused JVM still accepts connections into the kernel's backlog) is an IOException.
     */
    public static String call(Path stateDir, String request, Duration timeout) throws IOException {
        Path path = stateDir.resolve(FILE);
        if (!Files.exists(path)) throw new IOException("no cluster node runs with state directory " + stateDir + " (no " + path + ")");
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(timeout);
                    ch.close();
                } catch (InterruptedException | IOException ignored) {
                    // answered in time, or already closed
                }
            });
            try {
                OutputStream out = Channels.newOutputStream(ch);
                out.write((request + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.nio.channels.AsynchronousCloseException e) {
                throw new IOException("the node did not answer within " + timeout.toSeconds() + " s (paused or hung?)", e);
            } finally {
                watchdog.interrupt();
            }
        }
    }

    /** {@link #call(Path, String, Duration)} with a deadline fit for the request: a switchover waits for the other node. */
    public static String call(Path stateDir, String request) throws IOException {
        return call(stateDir, request, request.equals("switchover") ? SWITCHOVER_TIMEOUT.plusSeconds(10) : Duration.ofSeconds(5));
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.debug("closing the control socket: {}", e.getMessage());
        }
    }
}
