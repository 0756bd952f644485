package org.twinmail.protocol.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The listeners of one protocol service (say POP3 with STLS plus POP3S), started and
 * stopped as one: either every address is bound or none stays bound, so a service is
 * never half up. Absent (null) listeners, such as an implicit-TLS port without TLS,
 * are left out.
 */
public final class ListenerGroup implements AutoCloseable {
    private final List<ConnectionListener> listeners;

    public ListenerGroup(ConnectionListener... listeners) {
        this.listeners = Arrays.stream(listeners).filter(Objects::nonNull).toList();
    }

    /** Binds every address of every listener; on any failure closes those already started and rethrows. */
    public void start() throws IOException {
        List<ConnectionListener> started = new ArrayList<>();
        try {
            for (ConnectionListener l : listeners) {
                l.start();
                started.add(l);
            }
        } catch (IOException | RuntimeException e) {
            started.forEach(ConnectionListener::close);
            throw e;
        }
    }

    /** The addresses bound by {@code listener}; empty when it is absent (null) or not started. */
    public static List<InetSocketAddress> addresses(ConnectionListener listener) {
        return listener == null ? List.of() : listener.boundAddresses();
    }

    /** Stops accepting everywhere and closes every open connection. */
    @Override
    public void close() {
        listeners.forEach(ConnectionListener::close);
    }
}
