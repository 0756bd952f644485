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
 *
 * <p>Right after accept, on the accept thread, the {@link Admission} is checked: a banned
 * client, or one over its per-address, per-network or rate limit, gets the protocol's
 * refusal line and is closed at once, its permit returned (no session, no thread).
 *
 * <p>A watchdog closes connections whose client has not taken our output for
 * {@code writeTimeout}, so a client that stops reading cannot hold a session forever; it
 * also ends TLS handshakes that overrun {@code tls.handshakeTimeout}, and runs stress mode:
 * when free slots fall below {@code limits.stressFreePercent}, clients that have not logged
 * in get {@code limits.stressTimeout} per command (Postfix's STRESS_README), until free
 * slots are back at twice the threshold.
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
    private final MeterRegistry registry;
    private final Admission admission;
    private final int maxConnections;
    private final AtomicInteger stressed = new AtomicInteger();
    /** Where hibernated plain connections wait without a thread. */
    private final Hibernator hibernator;
    private volatile boolean closed;

    public ConnectionListener(String service, List<Listen> addresses, int maxConnections, Duration writeTimeout,
                              ConnectionHandler handler, MeterRegistry registry) {
        this(service, addresses, maxConnections, writeTimeout, null, handler, registry);
    }

    public ConnectionListener(String service, List<Listen> addresses, int maxConnections, Duration writeTimeout,
                              Tls implicitTls, ConnectionHandler handler, MeterRegistry registry) {
        this(service, addresses, maxConnections, writeTimeout, implicitTls, Admission.none(), handler, registry);
    }

    /**
     * A listener for implicit TLS (RFC 8314: submissions, POP3S, IMAPS, HTTPS) when
     * {@code implicitTls} is not null: each connection's handshake runs on its own virtual
     * thread, bounded by {@code writeTimeout} as a read timeout, before the handler sees it;
     * a failed handshake closes the connection without calling the handler.
     */
    public ConnectionListener(String service, List<Listen> addresses, int maxConnections, Duration writeTimeout,
                              Tls implicitTls, Admission admission, ConnectionHandler handler, MeterRegistry registry) {
        this.implicitTls = implicitTls;
        this.admission = implicitTls == null ? admission : admission.silent();
        this.maxConnections = maxConnections;
        this.registry = registry;
        this.service = service;
        this.hibernator = new Hibernator(service, c -> continueOnNewThread(c.rawSocket(), c));
        this.addresses = List.copyOf(addresses);
        this.permits = new Semaphore(maxConnections);
        this.writeTimeout = writeTimeout;
        this.handler = handler;
        this.accepted = Counter.builder("twinmail.connections").tag("service", service)
                .description("connections accepted").register(registry);
        Gauge.builder("twinmail.connections.active", active, AtomicInteger::get).tag("service", service)
                .description("connections open now").register(registry);
        Gauge.builder("twinmail.connections.stress", stressed, AtomicInteger::get).tag("service", service)
                .description("1 while the listener is in stress mode (few free slots: shorter timeouts before login)")
                .register(registry);
    }

    /** Binds every address (failing fast if one is taken) and starts accepting. */
    public void start() throws IOException {
        for (Listen l : addresses) {
            // From a channel: its connections can wait in the hibernator's selector (the socket API is the same).
            // Of the address's family: a channel of the default one would take IPv6 clients on 0.0.0.0 too.
            ServerSocket ss = (l.socketAddress().getAddress() instanceof java.net.Inet4Address
                    ? java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.INET)
                    : java.nio.channels.ServerSocketChannel.open()).socket();
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
        Thread.ofVirtual().name(service + "-watchdog").start(this::watch);
    }

    private void watch() {
        long limit = writeTimeout.toNanos();
        long tick = Math.max(50, Math.min(Math.min(1000, writeTimeout.toMillis() / 4), admission.stressTimeout().toMillis() / 4));
        while (!closed) {
            try {
                Thread.sleep(tick);
            } catch (InterruptedException e) {
                return;
            }
            checkStress();
            long stressBudget = stressBudget();
            long now = System.nanoTime();
            for (Connection c : live) {
                long since = c.writeBlockedSince();
                if (since != 0 && now - since > limit) {
                    log.info("{}: closing {}: client took no output for {} s", service, c.remote(), writeTimeout.toSeconds());
                    c.abort();
                    continue;
                }
                long abortAt = c.abortAt();
                if (abortAt != 0 && now - abortAt > 0) {
                    log.info("{}: closing {}: TLS handshake not done in time", service, c.remote());
                    c.abort();
                    continue;
                }
                // A read that started before stress mode began still has its old timeout: end it here.
                long reading = c.readingSince();
                if (stressBudget > 0 && reading != 0 && !c.isAuthenticated() && now - reading > stressBudget + tick * 1_000_000L) {
                    log.debug("{}: closing {}: no command within the stress timeout", service, c.remote());
                    c.abort();
                }
            }
        }
    }

    /** Stress mode on below the threshold of free slots, off again at twice it; one log line each way. */
    private void checkStress() {
        int percent = admission.stressFreePercent();
        if (percent <= 0) return;
        int free = permits.availablePermits();
        long threshold = Math.max(1, (long) maxConnections * percent / 100);
        if (stressed.get() == 0 && free < threshold) {
            stressed.set(1);
            log.warn("{}: stress mode on: {} of {} connection slots free; clients not logged in get {} s per command",
                    service, free, maxConnections, admission.stressTimeout().toSeconds());
        } else if (stressed.get() == 1 && free >= 2 * threshold) {
            stressed.set(0);
            log.warn("{}: stress mode off: {} of {} connection slots free", service, free, maxConnections);
        }
    }

    /** The read budget of clients not logged in while under stress, in nanoseconds; 0 when not under stress. */
    private long stressBudget() {
        return stressed.get() == 1 ? admission.stressTimeout().toNanos() : 0;
    }

    /** True while in stress mode. */
    public boolean isStressed() {
        return stressed.get() == 1;
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
            ClientLimits.Refusal refusal = admission.guard().isBanned(s.getInetAddress()) ? ClientLimits.Refusal.BANNED
                    : admission.clients().admit(s.getInetAddress());
            if (refusal != null) {
                refuse(s, refusal);
                permits.release();
                continue;
            }
            try {
                Thread.ofVirtual().name(service + "-" + s.getInetAddress().getHostAddress()).start(() -> serve(s));
            } catch (RuntimeException | Error e) {
                admission.clients().release(s.getInetAddress());
                permits.release();
                closeQuietly(s);
                throw e;
            }
        }
    }

    /**
     * The protocol's refusal line and close, on the accept thread: the line is a few dozen bytes
     * into an empty socket buffer, so the write does not block.
     */
    private void refuse(Socket s, ClientLimits.Refusal why) {
        Counter.builder("twinmail.connections.refused").tag("service", service).tag("reason", why.label())
                .description("connections refused at connect").register(registry).increment();
        log.debug("{}: refused {}: {}", service, s.getRemoteSocketAddress(), why.label());
        var line = admission.refusal();
        if (line != null) {
            String text = switch (why) {
                case PER_IP -> "too many connections from your address";
                case PER_NETWORK -> "too many connections from your network";
                case RATE -> "too many new connections from your address, slow down";
                case BANNED -> "your address is temporarily blocked after failed logins";
            };
            try {
                s.getOutputStream().write((line.apply(text) + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } catch (IOException ignored) {
                // the client is gone already
            }
        }
        closeQuietly(s);
    }

    private void serve(Socket s) {
        Connection c = null;
        boolean hibernating = false;
        active.incrementAndGet();
        try {
            c = new Connection(s);
            c.hibernator(hibernator);
            c.pressure(this::stressBudget);
            c.service(service);
            live.add(c);
            if (implicitTls != null) {
                c.setReadTimeout(writeTimeout);
                try {
                    implicitTls.upgrade(c); // bounded by tls.handshakeTimeout
                } catch (IOException e) { // SSLException, a timeout, or the client leaving mid-handshake
                    log.info("{}: TLS handshake with {} failed: {}", service, c.remote(),
                            e instanceof java.net.SocketTimeoutException || c.isClosed() ? "not done within "
                                    + implicitTls.handshakeTimeout().toMillis() + " ms" : e.getMessage());
                    return;
                }
            }
            handler.handle(c);
            hibernating = c.hibernating();
        } catch (SocketException e) {
            log.debug("{}: connection ended: {}", service, e.getMessage());
        } catch (Exception e) {
            log.warn("{}: session failed: {}", service, e.toString(), e);
        } finally {
            if (hibernating) {
                goOn(s, c);
            } else {
                end(s, c);
            }
        }
    }

    /**
     * The session hibernated ({@link Connection#hibernate}): its thread has ended. A plain
     * connection waits in the {@link Hibernator}'s selector, without a thread, until its client
     * sends something or it is woken; any other goes on at once on a fresh virtual thread, whose
     * first wait for the client parks on a shallow stack (a virtual thread's stack chunk keeps
     * the size of its deepest wait so far: a thread that waited inside a store read holds
     * kilobytes while idle).
     */
    private void goOn(Socket s, Connection c) {
        if (c.drowsy() && hibernator.sleep(c)) return; // no thread until the client sends something or a wake
        if (c.takeOut(Connection.Wake.INPUT)) c.awake(); // the hibernator is closed: a parked thread, as without one
        continueOnNewThread(s, c);
    }

    /** Runs the next handler of a hibernated connection on a fresh virtual thread. */
    private void continueOnNewThread(Socket s, Connection c) {
        ConnectionHandler next = c.takeHibernation();
        try {
            Thread.ofVirtual().name(service + "-" + s.getInetAddress().getHostAddress()).start(() -> resume(s, c, next));
        } catch (RuntimeException | Error e) {
            end(s, c);
            throw e;
        }
    }

    private void resume(Socket s, Connection c, ConnectionHandler handler) {
        boolean hibernating = false;
        try {
            handler.handle(c);
            hibernating = c.hibernating();
        } catch (SocketException e) {
            log.debug("{}: connection ended: {}", service, e.getMessage());
        } catch (Exception e) {
            log.warn("{}: session failed: {}", service, e.toString(), e);
        } finally {
            if (hibernating) {
                goOn(s, c);
            } else {
                end(s, c);
            }
        }
    }

    /** The session is over: the connection closes and its slot is free. */
    private void end(Socket s, Connection c) {
        if (c != null) {
            c.close(); // still watched: the final flush may block on a client that reads nothing
            live.remove(c);
        } else {
            closeQuietly(s);
        }
        active.decrementAndGet();
        admission.clients().release(s.getInetAddress());
        permits.release();
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
        hibernator.close();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
