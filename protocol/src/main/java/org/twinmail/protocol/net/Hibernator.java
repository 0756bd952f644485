package org.twinmail.protocol.net;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a listener's hibernated connections wait without a thread (Dovecot's imap-hibernate,
 * inside one process): a plain TCP connection whose session {@linkplain Connection#hibernate
 * hibernated} is registered with one selector, and costs its socket, a selection key and the
 * session's own state; no virtual thread, no stack, no input buffer. One platform thread
 * selects for all of them and wakes a connection when its client sends something (or
 * leaves), when {@link Connection#wake} is called (a store change to push), or when the
 * connection's read budget has passed while it slept; the listener then runs the session's
 * next handler on a fresh virtual thread, with {@link Connection#wokenBy} telling which.
 *
 * <p>The thread starts with the first connection that sleeps. A connection that cannot wait
 * here (TLS, a stream layer, input already buffered) keeps the parked thread of before.
 */
final class Hibernator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Hibernator.class);
    /** How often sleeping connections are checked against their read budget. */
    private static final long SWEEP_MILLIS = 1000;

    private final String name;
    /** Runs a woken connection's next handler on a fresh thread (the listener's). */
    private final Consumer<Connection> resume;
    /** Connections to register ({@link Connection.Wake} null) or to wake (not null), for the selector thread. */
    private final ConcurrentLinkedQueue<Connection> requests = new ConcurrentLinkedQueue<>();
    private Selector selector;
    private Thread thread;
    private volatile boolean closed;

    Hibernator(String name, Consumer<Connection> resume) {
        this.name = name;
        this.resume = resume;
    }

    /** Puts {@code c} to sleep (its session asked, and it can: {@link Connection#drowsy}); false if the hibernator is closed. */
    boolean sleep(Connection c) {
        synchronized (this) {
            if (closed) return false;
            if (thread == null) {
                try {
                    selector = Selector.open();
                } catch (IOException e) {
                    log.warn("{}: no selector for idle connections, they keep a thread each: {}", name, e.toString());
                    closed = true;
                    return false;
                }
                thread = Thread.ofPlatform().daemon().name(name + "-hibernate").start(this::run);
            }
            // queued under the lock that close() and the selector thread's end take: a connection queued here is seen by
            // the loop or by the drain in run()'s finally, never after that drain (it would sleep for ever)
            requests.add(c);
        }
        selector.wakeup();
        return true;
    }

    /** {@link Connection#wake}: the selector thread takes {@code c} out and resumes it. */
    void wake(Connection c) {
        requests.add(c);
        selector.wakeup();
    }

    private void run() {
        List<Connection> woken = new ArrayList<>();
        long lastSweep = System.nanoTime();
        try {
            while (!closed) {
                selector.select(SWEEP_MILLIS);
                for (SelectionKey key : selector.selectedKeys()) {
                    Connection c = (Connection) key.attachment();
                    if (c.takeOut(Connection.Wake.INPUT)) {
                        key.cancel();
                        woken.add(c);
                    }
                }
                selector.selectedKeys().clear();
                Connection c;
                while ((c = requests.poll()) != null) {
                    if (c.wakeRequested()) {
                        SelectionKey key = c.channel().keyFor(selector);
                        if (key != null) key.cancel();
                        woken.add(c);
                    } else if (c.drowsy()) {
                        register(c, woken);
                    } else if (c.takeOut(Connection.Wake.CALL)) {
                        woken.add(c); // called before it was registered
                    }
                }
                long now = System.nanoTime();
                if (now - lastSweep >= SWEEP_MILLIS * 1_000_000) {
                    lastSweep = now;
                    for (SelectionKey key : selector.keys()) {
                        Connection s = (Connection) key.attachment();
                        if (key.isValid() && s.sleptTooLong(now) && s.takeOut(Connection.Wake.TIMEOUT)) {
                            key.cancel();
                            woken.add(s);
                        }
                    }
                }
                if (!woken.isEmpty()) resumeAll(woken);
            }
        } catch (IOException | RuntimeException e) {
            log.error("{}: the selector of idle connections failed: {}", name, e.toString(), e);
        } finally {
            // Closing (or failed): every connection still here goes on with a thread of its own. Closed first, under the
            // lock, so that no sleep() queues a connection after the drain below.
            synchronized (this) {
                closed = true;
            }
            Connection c;
            while ((c = requests.poll()) != null) {
                if (c.wakeRequested() || c.takeOut(Connection.Wake.INPUT)) woken.add(c);
            }
            for (SelectionKey key : selector.keys()) {
                Connection s = (Connection) key.attachment();
                if (s.takeOut(Connection.Wake.INPUT)) woken.add(s);
                key.cancel();
            }
            try {
                resumeAll(woken);
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** Registers a connection that fell asleep; one that was woken meanwhile (or cannot be registered) goes on at once. */
    private void register(Connection c, List<Connection> woken) {
        try {
            c.channel().configureBlocking(false);
            c.channel().register(selector, SelectionKey.OP_READ, c);
        } catch (IOException | RuntimeException e) {
            // closed meanwhile: its read tells the session
            c.takeOut(Connection.Wake.INPUT);
            woken.add(c);
            return;
        }
        if (!c.asleep()) {
            // woken between its hibernation and here
            c.channel().keyFor(selector).cancel();
            woken.add(c);
        }
    }

    /** Deregisters (the cancelled keys go with one select), makes the channels blocking again and resumes each. */
    private void resumeAll(List<Connection> woken) throws IOException {
        selector.selectNow();
        selector.selectedKeys().clear(); // readiness seen here is seen again by the resumed read
        for (Connection c : woken) {
            try {
                c.channel().configureBlocking(true);
            } catch (IOException | RuntimeException e) {
                // closed: the resumed session's read fails and ends it
            }
            c.awake();
            try {
                resume.accept(c);
            } catch (RuntimeException | Error e) {
                log.error("{}: could not resume an idle connection: {}", name, e.toString());
            }
        }
        woken.clear();
    }

    @Override
    public void close() {
        Selector s;
        synchronized (this) {
            closed = true;
            s = selector;
        }
        if (s != null) s.wakeup();
    }
}
