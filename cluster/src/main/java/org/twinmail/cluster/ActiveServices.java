package org.twinmail.cluster;

import java.time.Duration;
import java.util.List;

/**
 * What the active node runs and the standby does not: the server implements it (open the
 * store under an epoch, start SMTP/POP3/IMAP; and the reverse), the cluster decides when.
 */
public interface ActiveServices {
    /**
     * Opens the store under {@code epoch}, fencing every older writer, and starts the
     * services. Throws {@link EpochBehindException} if the store knows a newer epoch.
     * Returns where the time went ("store 120 ms, ..."), for the takeover's log line; "" if
     * there is nothing to say.
     */
    String start(long epoch) throws Exception;

    /** Stops the services and closes the store; must return even if the storage hangs (it may then leave threads behind). */
    void stop();

    /**
     * Stops accepting clients and closes every client connection at once, without touching the store (which may hang):
     * a node that stops serving because its storage hung calls it before it gives up the VIP, so that a client whose
     * transaction is stuck in that storage hears so now (the connection's end goes out from the address it talks to)
     * and tries again, instead of waiting for its own read timeout on a connection nobody will ever answer.
     */
    default void closeConnections() {
    }

    /**
     * Probes the running services the way clients use them (SMTP banner and NOOP, POP3
     * greeting, a store write) and the data volume itself, side by side, each within {@code timeout}
     * (the round is over after about {@code timeout}, unless a store or volume call hangs);
     * returns one entry per failed probe, the volume's own I/O errors marked as such (they
     * are the cause of the rest), empty when all answered.
     */
    List<ProbeFailure> probe(Duration timeout);
}
