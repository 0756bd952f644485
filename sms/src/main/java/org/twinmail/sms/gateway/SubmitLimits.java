package org.twinmail.sms.gateway;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The two limits an SMS centre's contract sets on submits, shared by the gateways that keep a
 * connection (SMPP, CMPP): at most {@code window} submits awaiting their response at once, and
 * at most {@code throughput} submits a second (0: no limit), spaced evenly.
 */
public final class SubmitLimits {
    private final int window;
    private final Semaphore inFlight;
    private final long spacingNanos;
    private final Object rate = new Object();
    private long nextSlotNanos;

    public SubmitLimits(int window, int throughput) {
        if (window < 1) throw new IllegalArgumentException("the window must be at least 1");
        if (throughput < 0) throw new IllegalArgumentException("the throughput must not be negative");
        this.window = window;
        this.inFlight = new Semaphore(window, true);
        this.spacingNanos = throughput == 0 ? 0 : 1_000_000_000L / throughput;
    }

    public int window() {
        return window;
    }

    /**
     * Takes a place in the window, waiting at most {@code wait} for one, then waits for the
     * next slot of the throughput; false (and no place taken) when the window stayed full. A
     * place taken must be given back with {@link #leave}.
     */
    public boolean enter(Duration wait) throws InterruptedException {
        if (!inFlight.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) return false;
        if (spacingNanos == 0) return true;
        long slot;
        synchronized (rate) {
            slot = Math.max(System.nanoTime(), nextSlotNanos);
            nextSlotNanos = slot + spacingNanos;
        }
        long pause;
        while ((pause = slot - System.nanoTime()) > 0) {
            LockSupport.parkNanos(pause);
            if (Thread.interrupted()) {
                inFlight.release();
                throw new InterruptedException();
            }
        }
        return true;
    }

    /** Gives back a place taken by {@link #enter}. */
    public void leave() {
        inFlight.release();
    }
}
