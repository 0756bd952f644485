package org.twinmail.protocol.net;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.Listen;
import org.twinmail.protocol.tls.Tls;

/**
 * Accepts connections for one service on one or more addresses and runs each on
 * its own virtual thread. A permit is taken <em>before</em> accept, so beyond
 * {@code maxConnections} new clients wait in the kernel's listen queue instead of
 * costing us memory; the permit is returned in {@code finally}, whatever happens.
 * A watchdog closes connections whose client has not taken our output for
 * {@code writeTimeout}, so a client that stops reading cannot hold a session forever.
 */
public final class ConnectionListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConnectionListener.class);

    private final String service;
    private final List<Listen> addresses;
    private final Semaphore permits;
    private final Duration writeTimeout;
    private final ConnectionHandler handler;
    private final Tls implicitTls;
    private final List<ServerSocket> sockets = new ArrayList<>();
    private final Set<Connection> live = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private final Counter accepted;
    private volatile boolean closed;

    public ConnectionListener(String service, List<Listen> addresses, int maxConnections, Duration writeTimeout,
                              ConnectionHandler handler, MeterRegistry registry) {
        this(service, addresses, maxConnections, writeTimeout, null, handler, registry);
    }

    /**
     * A listener for implicit TLS (RFC 8314: submissions, POP3S, IMAPS, HTTPS) when
     * {@code implicitTls} is not null: each connection's handshake runs on its own virtual
     * thread, bounded by {@code writeTimeout} as a read timeout, before the handler sees it;
     * a failed handshake closes the connection without calling the handler.
     */
    public ConnectionListener(String service, List<Listen> addresses, int maxConnections, Duration writeTimeout,
                              Tls implicitTls, ConnectionHandler handler, MeterRegistry registry) {
        this.implicitTls = implicitTls;
        this.service = service;
        this.addresses = List.copyOf(addresses);
        this.permits = new Semaphore(maxConnections);
        this.writeTimeout = writeTimeout;
        this.handler = handler;
        this.accepted = Counter.builder("twinmail.connections").tag("service", service)
                .description("connections accepted").register(registry);
        Gauge.builder("twinmail.connections.active", active, AtomicInteger::get).tag("service", service)
                .description("connections open now").register(registry);
    }

    /** Binds every address (failing fast if one is taken) and starts accepting. */
    public void start() throws IOException {
        for (Listen l : addresses) {
            ServerSocket ss = new ServerSocket();
            ss.setReuseAddress(true);
            try {
                ss.bind(l.socketAddress(), 1024);
            } catch (IOException e) {
                ss.close();
                close();
                throw new IOException(service + ": cannot listen on " + l + ": " + e.getMessage(), e);
            }
            sockets.add(ss);
        }
        for (ServerSocket ss : sockets) {
            Thread.ofVirtual().name(service + "-accept-" + ss.getLocalPort()).start(() -> acceptLoop(ss));
        }
        Thread.ofVirtual().name(service + "-write-watchdog").start(this::watchWrites);
    }

    private void watchWrites() {
        long limit = writeTimeout.toNanos();
        long tick = Math.max(50, Math.min(1000, writeTimeout.toMillis() / 4));
        while (!closed) {
            try {
                Thread.sleep(tick);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Connection c : live) {
                long since = c.writeBlockedSince();
                if (since != 0 && now - since > limit) {
                    log.info("{}: closing {}: client took no output for {} s", service, c.remote(), writeTimeout.toSeconds());
                    c.abort();
                }
            }
        }
    }

    /** The addresses actually bound (port 0 in the configuration becomes a real port here). */
    public List<InetSocketAddress> boundAddresses() {
        return sockets.stream().map(s -> (InetSocketAddress) s.getLocalSocketAddress()).toList();
    }

    public String service() {
        return service;
    }

    public int activeConnections() {
        return active.get();
    }

    private void acceptLoop(ServerSocket ss) {
        while (!closed) {
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                return;
            }
            Socket s;
            try {
                s = ss.accept();
            } catch (IOException e) {
                permits.release();
                if (!closed) log.warn("{}: accept failed: {}", service, e.getMessage());
                if (ss.isClosed()) return;
                continue;
            }
            accepted.increment();
            try {
                Thread.ofVirtual().name(service + "-" + s.getInetAddress().getHostAddress()).start(() -> serve(s));
            } catch (RuntimeException | Error e) {
                permits.release();
                closeQuietly(s);
                throw e;
            }
        }
    }

    private void serve(Socket s) {
        Connection c = null;
        active.incrementAndGet();
        try {
            c = new Connection(s);
            live.add(c);
            if (implicitTls != null) {
                c.setReadTimeout(writeTimeout);
                try {
                    implicitTls.upgrade(c);
                } catch (IOException e) { // SSLException, a timeout, or the client leaving mid-handshake
                    log.debug("{}: TLS handshake with {} failed: {}", service, c.remote(), e.getMessage());
                    return;
                }
            }
            handler.handle(c);
        } catch (SocketException e) {
            log.debug("{}: connection ended: {}", service, e.getMessage());
        } catch (Exception e) {
            log.warn("{}: session failed: {}", service, e.toString(), e);
        } finally {
            if (c != null) {
                c.close(); // still watched: the final flush may block on a client that reads nothing
                live.remove(c);
            } else {
                closeQuietly(s);
            }
            active.decrementAndGet();
            permits.release();
        }
    }

    /** Stops accepting and closes every open connection. */
    @Override
    public void close() {
        closed = true;
        for (ServerSocket ss : sockets) {
            try {
                ss.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
        for (Connection c : live) c.close();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
