package org.twinmail.cluster;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Moving the VIP from a node that hands over (or from a crashed node's supervisor) to the
 * node that takes over, through the lease slots, with the smallest gap in which the address
 * is nowhere.
 *
 * <p>While nobody holds the address, a client's connection attempt (its SYN) reaches the old
 * node's MAC address and is dropped, and the client's kernel sends it again only after a
 * second (TCP's initial retransmission timeout). While the old node still holds it, with its
 * services stopped, the attempt is answered with a reset at once and the client tries again.
 * So the old node keeps the address, with {@link LeaseSlot#VIP_HELD} in its slot, until the
 * new node has mounted the volume and opened the store. An IPv4 address is then made before it
 * is broken: the new node adds it, announces it (gratuitous ARP) and writes VIP_HELD in its own
 * slot; the old node, polling the new one's slot every {@value #POLL_MILLIS} ms, removes it.
 * (Break-before-make left a window of a process start or two, ~100 ms, in which the address
 * was nowhere and the client's ARP cache still named the old node; a client that retries
 * every 50 ms lands a SYN in it almost every time, and waits a second.) For the few ms both
 * hold it, a client reaching the old node gets a reset and tries again; the announcements
 * (three, one a second) correct a client that asked for the address meanwhile. An IPv6
 * address cannot be held twice (duplicate address detection would fail it on the new node),
 * so there the new node asks first ({@link LeaseSlot#VIP_WANTED}), the old one removes it and
 * clears its flag, and then the new one adds it.
 */
final class VipHandoff {
    static final long POLL_MILLIS = 10;

    private VipHandoff() {}

    /**
     * On the node that gives the address up: waits until the peer asks for it (VIP_WANTED),
     * serves at a higher epoch (a peer that does not ask), or {@code timeoutNanos} passed.
     * Returns why it stopped waiting.
     */
    static String awaitRequest(LeaseDevice lease, int peerSlot, long ownEpoch, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (System.nanoTime() < deadline) {
            try {
                if (lease.read(peerSlot) instanceof LeaseSlot.Valid(LeaseSlot p)) {
                    if (p.has(LeaseSlot.VIP_WANTED)) return "the peer asked for the VIP";
                    if (p.has(LeaseSlot.VIP_HELD)) return "the peer has added and announced the VIP";
                    if (p.role() == Role.ACTIVE && p.epoch() > ownEpoch) return "the peer serves at epoch " + p.epoch();
                }
            } catch (IOException e) {
                return "cannot read the peer's slot (" + e.getMessage() + ")";
            }
            sleep();
        }
        return "the peer did not ask for the VIP within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms";
    }

    /** On the node that takes the address: waits until the peer's slot no longer says it holds it; false on timeout. */
    static boolean awaitReleased(LeaseDevice lease, int peerSlot, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            try {
                if (!(lease.read(peerSlot) instanceof LeaseSlot.Valid(LeaseSlot p)) || !p.has(LeaseSlot.VIP_HELD)) return true;
            } catch (IOException e) {
                return false;
            }
            if (System.nanoTime() >= deadline) return false;
            sleep();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
