package org.twinmail.cluster;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of a hot-standby pair on shared storage.
 *
 * <p><b>The lease.</b> Each node owns one slot of the shared lease area and rewrites it
 * every heartbeat interval with its role, epoch and a growing sequence number. The
 * active node holds the lease as long as the standby sees its slot change; the standby
 * takes over only when the slot has not changed for {@code leaseTime} by the standby's
 * own monotonic clock. The active fences itself (drops the VIP, stops the services) when
 * it has not managed a write for {@code leaseTime - selfFenceMargin}, which is earlier
 * (see {@link Timings}). A node that was paused and resumes finds its renewal too old
 * and fences itself before it writes again; anything it still writes to the store
 * carries the old epoch and is refused, because the new active fenced the store with a
 * higher one before it served.
 *
 * <p><b>Takeover</b> (on the transition thread): raise the epoch above both slots' and
 * write the slot as CLAIMING; wait two intervals and read the peer again, giving up if
 * the peer is alive and claiming too (both back off at random, so one wins); run the
 * fence command if the peer did not release cleanly; run the acquire hook (mount);
 * open the store under the new epoch, which fences it; add the VIP and announce it;
 * the services are then ACTIVE. Any failure undoes the steps taken, in reverse.
 *
 * <p><b>Handover</b> (planned switchover, failing health probes, lost public network):
 * RELEASING; drop the VIP; stop the services and close the store; release hook
 * (unmount); STANDBY with the YIELD flag, on which the peer takes over at once instead
 * of waiting for a lease to expire. There is no automatic failback unless configured.
 *
 * <p>UDP heartbeats on two or more channels are reported, never the reason for a
 * takeover: only the shared disk tells a dead peer from a cut network.
 */
public final class ClusterNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

    private final ClusterSettings settings;
    private final ActiveServices services;
    private final LeaseDevice lease;
    private final boolean leaseDirect;
    private final LongSupplier clock;
    private final Heartbeats heartbeats;
    private final VirtualIp vip;
    private final long startedAt;

    private final AtomicReference<Role> role = new AtomicReference<>(Role.STANDBY);
    private volatile long epoch;
    private long seq;
    /** Start (monotonic) of the last lease write that succeeded; the self-fence clock runs from here. */
    private volatile long lastRenewStart;
    private final PeerView peer;
    private volatile LeaseSlot peerSlot;
    private volatile boolean peerAlive = true;
    private volatile long peerAge;
    private volatile boolean peerReadable;
    private volatile boolean publicOk = true;
    private volatile int healthFailures;
    private volatile String lastHealthFailure = "";
    /** The first storage I/O error of the current series of failed probe rounds: the cause named in the handover. */
    private volatile String firstStorageIo;
    /** The last failed probe round found the round before it still running: something without a deadline hangs. */
    private volatile boolean probeHung;
    /** A probe round that overran its deadline and may still be blocked (health thread only). */
    private CompletableFuture<List<ProbeFailure>> overdueProbe;
    /** When that round started (health thread only). */
    private long overdueSince;
    /** A fence status query (cluster.fenceStatusCommand) is running; one at a time. */
    private final AtomicBoolean statusQueryRunning = new AtomicBoolean();
    private volatile long lastStatusQuery = Long.MIN_VALUE;
    /** The peer's slot sequence number for which the fence device answered "powered off"; -1: none. */
    private volatile long peerOffSeq = -1;
    private volatile long yieldUntil = Long.MIN_VALUE;
    private volatile long requestUntil = Long.MIN_VALUE;
    private volatile long backoffUntil = Long.MIN_VALUE;
    private volatile long failbackEligibleSince = Long.MIN_VALUE;
    /** This node has the VIP on its interface (VIP_HELD in its slot). */
    private volatile boolean vipHeld;
    /** Taking over and ready to add the VIP: asks the peer to let go of it (VIP_WANTED in its slot). */
    private volatile boolean vipWanted;
    private volatile String lastEvent = "started";
    /** This node's recent role changes, newest last, at most {@link #EVENTS_KEPT}; listeners hear each as it happens. */
    private final java.util.ArrayDeque<ClusterEvent> events = new java.util.ArrayDeque<>();
    private static final int EVENTS_KEPT = 50;
    private final List<java.util.function.Consumer<ClusterEvent>> eventListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The last probe round's end (wall clock) and what failed in it. */
    private volatile long lastProbeMillis;
    private volatile List<String> lastProbeFailures = List.of();
    private final AtomicLong takeovers = new AtomicLong();
    private final AtomicLong selfFences = new AtomicLong();
    private final AtomicLong releases = new AtomicLong();
    private final AtomicLong writeErrors = new AtomicLong();
    private final AtomicBoolean transitionBusy = new AtomicBoolean();
    /**
     * Released when a heartbeat shows the peer in another role (it has just handed over, say): the lease thread
     * then reads the peer's slot at once instead of at its next interval. The slot decides, as always; the
     * datagram only says when to look.
     */
    private final java.util.concurrent.Semaphore wake = new java.util.concurrent.Semaphore(0);

    private final ExecutorService transitions = Executors.newSingleThreadExecutor(r -> new Thread(r, "cluster-transition"));
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    /** Starts the node in STANDBY on {@code lease}; it takes over by itself when the lease says so. */
    public ClusterNode(ClusterSettings settings, ActiveServices services, LeaseDevice lease, boolean leaseDirect,
                       LongSupplier clock, MeterRegistry registry) throws IOException {
        this.settings = settings;
        this.services = services;
        this.lease = lease;
        this.leaseDirect = leaseDirect;
        this.clock = clock;
        this.vip = settings.vip().isEmpty() ? null : new VirtualIp(settings.vip(), settings.vipInterface());
        this.startedAt = clock.getAsLong();
        this.peer = new PeerView(startedAt);
        this.lastRenewStart = startedAt;
        // Our own slot remembers the epoch we last used; the new epoch of a takeover must exceed it.
        if (lease.read(settings.slot()) instanceof LeaseSlot.Valid(LeaseSlot own)) {
            if (!own.nodeId().equals(settings.nodeId())) {
                throw new IOException("slot " + settings.slot() + " of the lease area belongs to node \"" + own.nodeId()
                        + "\", not \"" + settings.nodeId() + "\": check cluster.slot on both nodes");
            }
            epoch = own.epoch();
            seq = own.seq();
        }
        // A previous life of this node may have died holding the VIP and the volume (kill -9): a node that
        // starts is a standby, so it makes sure it holds neither.
        removeVip();
        if (!settings.releaseHook().isBlank()) runHook("release hook (start-up cleanup)", settings.releaseHook(), "cleanup");
        if (!settings.acquireHook().isBlank() && settings.fenceCommand().isBlank()) {
            log.warn("cluster.acquireHook mounts a volume but no cluster.fenceCommand is set: a peer that was paused or lost"
                    + " its lease without dying keeps its mount, and its cached writes can reach the volume after this node"
                    + " mounted it; only a fence (power off, or a shutdown of its filesystem) prevents that");
        }
        byte[] secret = settings.heartbeatSecretFile() == null ? null : Heartbeats.readSecret(settings.heartbeatSecretFile());
        if (secret == null) {
            log.warn("cluster.heartbeatSecretFile is not set: heartbeats are not authenticated, anyone on the channels' networks"
                    + " can forge them (they are only reported, the lease decides; still, set a secret)");
        }
        // a datagram may be a few leases behind the peer's slot on disk and still be fresh (the disk is read once per interval)
        long replayWindow = 4 * Math.max(1, settings.timings().leaseNanos() / settings.timings().intervalNanos());
        this.heartbeats = new Heartbeats(settings.nodeId(), settings.peerId(), settings.channels(), clock, secret, replayWindow, wake::release);
        bindMetrics(registry);
        threads.add(Thread.ofPlatform().name("cluster-lease").priority(Thread.MAX_PRIORITY).start(this::leaseLoop));
        threads.add(Thread.ofPlatform().name("cluster-watchdog").priority(Thread.MAX_PRIORITY).daemon().start(this::watchdogLoop));
        threads.add(Thread.ofVirtual().name("cluster-health").start(this::healthLoop));
        if (!settings.pingTargets().isEmpty()) threads.add(Thread.ofVirtual().name("cluster-ping").start(this::pingLoop));
        log.info("cluster node {} (slot {}) started as STANDBY at epoch {}; lease {} ({}), renew every {} ms, lease {} ms, self-fence after {} ms",
                settings.nodeId(), settings.slot(), epoch, lease instanceof LeaseArea a ? a.path() : lease, leaseDirect ? "direct I/O" : "buffered I/O",
                settings.timings().interval().toMillis(), settings.timings().lease().toMillis(), settings.timings().selfFenceNanos() / 1_000_000);
    }

    /** Opens the configured lease area and starts the node. */
    public static ClusterNode start(ClusterSettings settings, ActiveServices services, MeterRegistry registry) throws IOException {
        LeaseArea area = LeaseArea.open(settings.leaseDevice());
        try {
            return new ClusterNode(settings, services, area, area.direct(), System::nanoTime, registry);
        } catch (IOException | RuntimeException e) {
            area.close();
            throw e;
        }
    }

    public Role role() {
        return role.get();
    }

    public long epoch() {
        return epoch;
    }

    // ---- the lease thread ----

    private void leaseLoop() {
        long interval = settings.timings().intervalNanos();
        while (!closed) {
            long start = clock.getAsLong();
            try {
                tick(start);
            } catch (RuntimeException e) {
                log.error("cluster lease loop: {}", e.toString(), e);
            }
            long sleep = interval - (clock.getAsLong() - start);
            while (sleep > 0 && !closed) {
                try {
                    if (!wake.tryAcquire(sleep, TimeUnit.NANOSECONDS)) break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                wake.drainPermits();
                try {
                    readPeer(); // a heartbeat named a new role: look at the slot now
                    decide(clock.getAsLong());
                } catch (RuntimeException e) {
                    log.error("cluster lease loop: {}", e.toString(), e);
                }
                sleep = interval - (clock.getAsLong() - start);
            }
        }
    }

    private void tick(long start) {
        // A node that resumes from a pause must not renew a lease it may have lost: fence first.
        checkRenewal(start);
        Role r = role.get();
        if (writeSlot(r, start)) writeErrors.set(0);
        announce();
        if (r == Role.STANDBY) heartbeats.probePorts();
        readPeer();
        heartbeats.updateLiveness(settings.timings().leaseNanos());
        decide(clock.getAsLong());
    }

    /** Writes this node's slot; on success the self-fence clock restarts at {@code start}. */
    private synchronized boolean writeSlot(Role r, long start) {
        LeaseSlot record = new LeaseSlot(settings.nodeId(), r, epoch, ++seq, flags(), System.currentTimeMillis());
        try {
            lease.write(settings.slot(), record);
            lastRenewStart = Math.max(lastRenewStart, start);
            return true;
        } catch (IOException | RuntimeException e) {
            if (writeErrors.getAndIncrement() == 0) log.error("cannot write the lease slot: {}", e.getMessage());
            return false;
        }
    }

    private int flags() {
        long now = clock.getAsLong();
        int f = 0;
        if (publicOk) f |= LeaseSlot.PUBLIC_OK;
        if (now < yieldUntil) f |= LeaseSlot.YIELD;
        if (now < requestUntil) f |= LeaseSlot.REQUEST;
        if (vipHeld) f |= LeaseSlot.VIP_HELD;
        if (vipWanted) f |= LeaseSlot.VIP_WANTED;
        return f;
    }

    private void readPeer() {
        long now;
        try {
            LeaseSlot.Read read = lease.read(settings.peerSlot());
            now = clock.getAsLong();
            switch (read) {
                case LeaseSlot.Valid(LeaseSlot s) -> {
                    if (!s.nodeId().equals(settings.peerId())) {
                        log.error("slot {} of the lease area is written by \"{}\", not the peer \"{}\"", settings.peerSlot(), s.nodeId(), settings.peerId());
                        peerReadable = false;
                        return;
                    }
                    peer.observe(s, now);
                    heartbeats.peerSeqOnDisk(s.seq());
                    peerReadable = true;
                }
                case LeaseSlot.Empty e -> {
                    peer.observeEmpty(now);
                    peerReadable = true;
                }
                case LeaseSlot.Unreadable u -> {
                    // a torn read of a write in progress: keep the last view; it refreshes next interval
                    log.debug("peer slot unreadable: {}", u.why());
                }
            }
        } catch (IOException | RuntimeException e) {
            if (peerReadable) log.error("cannot read the peer's lease slot: {}", e.getMessage());
            peerReadable = false;
            return;
        }
        peerSlot = peer.last();
        peerAlive = peer.alive(now, settings.timings().leaseNanos());
        peerAge = peer.age(now);
    }

    /** The decisions of one heartbeat, from the current role and what the lease says of the peer. */
    private void decide(long now) {
        if (transitionBusy.get() || closed) return;
        LeaseSlot p = peerSlot;
        boolean alive = peerAlive;
        if (p != null && alive && p.role() == Role.ACTIVE && now < yieldUntil) yieldUntil = Long.MIN_VALUE; // the peer took over
        switch (role.get()) {
            case STANDBY -> decideAsStandby(p, alive, now);
            case ACTIVE -> decideAsActive(p, alive);
            default -> { }
        }
    }

    private void decideAsStandby(LeaseSlot p, boolean alive, long now) {
        if (!peerReadable || writeErrors.get() > 0) return; // a node that cannot use the lease area never takes over
        if (now < backoffUntil || !publicOk) return;
        if (p != null && alive && p.role().holdsVolume()) {
            String gone = processGone(p, now);
            if (gone == null) gone = poweredOff(p, now);
            if (gone != null) takeover(gone, true, p, true);
            else considerFailback(p, now);
            return;
        }
        failbackEligibleSince = Long.MIN_VALUE;
        if (p == null) {
            if (!alive) takeover("the peer has never written its lease slot", false, null, true);
            return;
        }
        if (!alive) {
            takeover("the peer's lease expired (" + p.role() + ", no renewal for " + peerAge / 1_000_000 + " ms)", p.role() != Role.STANDBY, p, true);
        } else if (p.role() == Role.FENCED) {
            takeover(p.has(LeaseSlot.CRASHED) ? "the peer's process died and its supervisor could not release the volume"
                    : "the peer fenced itself", true, p, false);
        } else {
            // Both standby and alive: the peer that just handed over yields; a peer without the public
            // network cannot serve; otherwise the lower slot takes the service, so the two never race.
            boolean iYield = now < yieldUntil;
            boolean pYield = p.has(LeaseSlot.YIELD);
            if (p.has(LeaseSlot.CRASHED)) takeover("the peer's process died; its supervisor released the volume", false, p, false);
            else if (!p.has(LeaseSlot.PUBLIC_OK)) takeover("the peer cannot reach the public network", false, p, false);
            else if (pYield && !iYield) takeover("the peer handed the service over", false, p, false);
            else if (pYield == iYield && settings.slot() < settings.peerSlot()) takeover("no node serves; the lower slot starts", false, p, false);
        }
    }

    /**
     * The peer holds the volume, but its process is gone for certain: its kernel answers the
     * heartbeat port with ICMP port unreachable (no process holds the port, which the node
     * binds for its whole life), nothing has been heard from it since, and its slot has not
     * changed since that answer and for at least two intervals. A hung or paused process
     * still holds its port, and a cut or dead network answers nothing, so those keep the
     * lease rule. A supervisor at work (CRASHED in the slot) is waited for: it releases the
     * volume cleanly, and the fence would power off a machine that is handing over. Only
     * with a fence command: the volume is still mounted on the peer's machine, with what its
     * cache holds, until the fence ends it. Returns the reason to take over, or null.
     */
    private String processGone(LeaseSlot p, long now) {
        if (settings.fenceCommand().isBlank() || p.has(LeaseSlot.CRASHED)) return null;
        long age = peer.age(now);
        if (age < 2 * settings.timings().intervalNanos()) return null;
        return heartbeats.portClosedSince(now - age).map(ch -> "the peer's process is gone: its heartbeat port answers port unreachable (channel "
                + ch + ") and its slot (" + p.role() + ") has not changed for " + age / 1_000_000 + " ms").orElse(null);
    }

    /**
     * The peer holds the volume and has fallen silent, and its fence device says its power is off
     * ({@code cluster.fenceStatusCommand}, exit code 2 as fence-agents' {@code -o status} has it). Power
     * loss is silence, which alone keeps the lease rule: a paused or cut-off node must not be taken over
     * before its own watchdog has stopped it. A machine whose power is off has stopped, whatever its
     * lease says, so once the device confirms it the standby fences (power off again: it stays off) and
     * takes over at once. Asked when the peer's slot has not changed for two intervals and nothing has
     * been heard from it on any channel for two intervals (a node that is running but slow to write its
     * slot still sends heartbeats, and a query is not made for it), at most once an interval, on a thread
     * of its own (a BMC may take a second to answer); the answer counts only while the slot is the one it
     * was asked about. The query is read-only, so a pause or a storage stall costs a few status queries
     * and nothing else: "on", no answer or any other exit code keeps the lease rule. Returns the reason
     * to take over, or null.
     */
    private String poweredOff(LeaseSlot p, long now) {
        if (settings.fenceStatusCommand().isBlank() || settings.fenceCommand().isBlank() || p.has(LeaseSlot.CRASHED)) return null;
        long interval = settings.timings().intervalNanos();
        long age = peer.age(now);
        long heard = heartbeats.lastHeard();
        if (age < 2 * interval || (heard != Long.MIN_VALUE && now - heard < 2 * interval)) return null;
        if (peerOffSeq == p.seq()) {
            return "the fence device reports the peer powered off (its slot, " + p.role() + ", has not changed for "
                    + age / 1_000_000 + " ms and nothing was heard from it on any channel for " + (heard == Long.MIN_VALUE ? "ever" : (now - heard) / 1_000_000 + " ms") + ")";
        }
        if ((lastStatusQuery != Long.MIN_VALUE && now - lastStatusQuery < interval) || !statusQueryRunning.compareAndSet(false, true)) return null;
        lastStatusQuery = now;
        long seq = p.seq();
        try {
            Thread.ofVirtual().name("cluster-fence-status").start(() -> {
                try {
                    ShellCommand.Result r = ShellCommand.runQuietly("fence status command", settings.fenceStatusCommand(), Map.of(
                            "TWINMAIL_NODE", settings.nodeId(), "TWINMAIL_PEER", settings.peerId(),
                            "TWINMAIL_EPOCH", Long.toString(epoch), "TWINMAIL_ACTION", "status"), settings.hookTimeout());
                    if (r.exitCode() == 2) {
                        log.warn("fence status command: the peer {} is powered off{}", settings.peerId(), r.output().isBlank() ? "" : " (" + r.output().strip() + ")");
                        peerOffSeq = seq;
                        wake.release(); // decide now, not at the next interval
                    } else {
                        log.info("fence status command: the silent peer {} is not reported off ({}); the lease decides", settings.peerId(), r.describe());
                    }
                } finally {
                    statusQueryRunning.set(false);
                }
            });
        } catch (RuntimeException e) {
            statusQueryRunning.set(false);
        }
        return null;
    }

    private void considerFailback(LeaseSlot p, long now) {
        if (!settings.failback() || settings.slot() != 0 || p.role() != Role.ACTIVE) return;
        if (failbackEligibleSince == Long.MIN_VALUE) failbackEligibleSince = now;
        // Ask only after being healthy for a while, so a node that flaps does not pull the service back and forth.
        if (now - failbackEligibleSince > 5 * settings.timings().leaseNanos() && now >= requestUntil) {
            log.info("failback: asking {} to hand the service back", settings.peerId());
            requestUntil = now + 3 * settings.timings().leaseNanos() + 2 * settings.hookTimeout().toNanos();
        }
    }

    private void decideAsActive(LeaseSlot p, boolean alive) {
        if (p != null && alive && p.role().holdsVolume() && p.epoch() > epoch) {
            selfFence("the peer claimed epoch " + p.epoch() + " above ours (" + epoch + ")");
            return;
        }
        boolean standbyReady = p != null && alive && p.role() == Role.STANDBY && p.has(LeaseSlot.PUBLIC_OK);
        if (!standbyReady) return;
        if (p.has(LeaseSlot.REQUEST)) release("the peer asked for the service (switchover or failback)");
        else if (!publicOk) release("this node reaches none of the public ping targets and the peer does");
        else if (healthFailures >= settings.healthFailures()) {
            String why = "the services failed " + healthFailures + " health probes: " + lastHealthFailure;
            // A hung volume (frozen, a path that stopped answering) would hang a handover too: the store would
            // not close and the unmount would block for good. Stop serving at once and let the peer fence.
            if (probeHung) fenceForHungStorage(why);
            else release(why);
        }
    }

    // ---- self-fencing ----

    private void watchdogLoop() {
        long step = Math.max(5_000_000L, settings.timings().intervalNanos() / 4);
        while (!closed) {
            checkRenewal(clock.getAsLong());
            sleepNanos(step);
        }
    }

    private void checkRenewal(long now) {
        Role r = role.get();
        if (!r.holdsVolume()) return;
        long since = now - lastRenewStart;
        if (since > settings.timings().selfFenceNanos()) {
            selfFence("the lease was not renewed for " + since / 1_000_000 + " ms (limit " + settings.timings().selfFenceNanos() / 1_000_000 + " ms)");
        }
    }

    /**
     * Stops serving at once, from whatever thread notices: the VIP first (an {@code ip}
     * call, independent of the storage), then the services. The store may hang on a dead
     * volume, so stopping is bounded; the node stays FENCED, never claiming, until the
     * release hook has unmounted the volume.
     */
    private void selfFence(String reason) {
        Role r;
        do {
            r = role.get();
            if (!r.holdsVolume()) return;
        } while (!role.compareAndSet(r, Role.FENCED));
        selfFences.incrementAndGet();
        lastEvent = "self-fenced from " + r + " at epoch " + epoch + ": " + reason;
        event("self-fence", 0, reason);
        log.error("SELF-FENCE: {}", lastEvent);
        removeVip();
        stopServicesBounded();
        transitions.execute(this::recoverFromFence);
    }

    /**
     * The health probes hang on the storage while the lease (on its own device) still
     * renews: a handover cannot finish, because closing the store and unmounting block on
     * the volume. So the node stops serving as a self-fence does: VIP first, then FENCED,
     * which the lease thread writes at its next renewal, and on which the peer takes over
     * after running the fence command against this node (power off: the only way out of
     * I/O that never returns). Stopping the services runs on the transition thread, so the
     * lease thread is never the one that blocks on the volume.
     */
    private void fenceForHungStorage(String reason) {
        if (!transitionBusy.compareAndSet(false, true)) return;
        if (!role.compareAndSet(Role.ACTIVE, Role.FENCED)) {
            transitionBusy.set(false);
            return;
        }
        selfFences.incrementAndGet();
        lastEvent = "fenced at epoch " + epoch + ", storage hung: " + reason;
        event("self-fence", 0, "storage hung: " + reason);
        log.error("SELF-FENCE: {}", lastEvent);
        // The clients first, while the VIP is still here to carry the connections' end: a transaction stuck in the hung
        // store would otherwise wait for the client's own read timeout (5 s in the lab: the whole storage-frozen figure
        // was that timeout), since once the address is gone nothing can answer for it. Closing sockets does not touch
        // the store; bounded all the same.
        closeConnectionsBounded();
        removeVip();
        try {
            transitions.execute(() -> {
                try {
                    stopServicesBounded();
                } finally {
                    transitionBusy.set(false);
                }
                recoverFromFence();
            });
        } catch (RuntimeException e) {
            transitionBusy.set(false); // closing: nothing is left to stop
        }
    }

    private void closeConnectionsBounded() {
        CompletableFuture<Void> close = CompletableFuture.runAsync(services::closeConnections,
                r -> Thread.ofPlatform().name("cluster-close-connections").daemon().start(r));
        try {
            close.get(settings.timings().intervalNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            log.error("closing the client connections took over {} ms; dropping the VIP anyway", settings.timings().intervalNanos() / 1_000_000);
        } catch (Exception e) {
            log.error("closing the client connections failed: {}", e.toString());
        }
    }

    private void stopServicesBounded() {
        CompletableFuture<Void> stop = CompletableFuture.runAsync(services::stop, r -> Thread.ofPlatform().name("cluster-stop").daemon().start(r));
        try {
            stop.get(settings.hookTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.error("the services did not stop within {} ms (storage hung?); their threads are left behind", settings.hookTimeout().toMillis());
        } catch (Exception e) {
            log.error("stopping the services failed: {}", e.toString());
        }
    }

    /** After a self-fence: release the volume; once that worked the node is a standby that yields. */
    private void recoverFromFence() {
        while (!closed && role.get() == Role.FENCED) {
            if (settings.releaseHook().isBlank() || runHook("release hook", settings.releaseHook(), "release")) {
                yieldUntil = clock.getAsLong() + 5 * settings.timings().leaseNanos();
                if (role.compareAndSet(Role.FENCED, Role.STANDBY)) log.info("released the volume after the self-fence; now STANDBY");
                return;
            }
            sleepNanos(settings.timings().leaseNanos());
        }
    }

    // ---- transitions ----

    /**
     * Queues a takeover decided on {@code basis}, the peer's slot as the lease thread last read it (null: never
     * written). {@code silence}: the decision rests on the peer having written nothing for a while (its lease
     * expired, its process is gone, its power is off), so any write of the peer since undoes it.
     */
    private void takeover(String reason, boolean fencePeer, LeaseSlot basis, boolean silence) {
        if (!transitionBusy.compareAndSet(false, true)) return;
        try {
            transitions.execute(() -> {
                boolean decideAgain = false;
                try {
                    decideAgain = doTakeover(reason, fencePeer, basis, silence);
                } catch (Throwable t) {
                    // anything unforeseen (a LinkageError, an OutOfMemoryError) must not leave the node
                    // CLAIMING for ever: that would hold the lease while serving nothing
                    log.error("takeover at epoch {} failed: {}", epoch, t.toString(), t);
                    stopServicesBounded();
                    if (!settings.releaseHook().isBlank()) runHook("release hook (undo)", settings.releaseHook(), "release");
                    abortTakeover("unexpected failure: " + t, false);
                } finally {
                    transitionBusy.set(false);
                }
                // the peer's slot changed since the decision: the lease thread reads it and decides again now, not at
                // its next interval (after transitionBusy is clear, or its decide() would return at once)
                if (decideAgain) wake.release();
            });
        } catch (RuntimeException e) {
            transitionBusy.set(false);
        }
    }

    /**
     * Whether the peer's slot read just now undoes a decision taken on {@code basis}: a decision on silence by any
     * write of the peer since; any other by a slot that says something else (role, epoch, or the flags the decision
     * reads), not by a renewal that says the same (a standby or fenced peer rewrites its slot every interval).
     */
    static boolean changedSince(LeaseSlot basis, LeaseSlot now, boolean silence) {
        if (basis == null || now == null) return basis != now;
        if (silence && now.seq() != basis.seq()) return true;
        int read = LeaseSlot.YIELD | LeaseSlot.CRASHED | LeaseSlot.PUBLIC_OK;
        return now.role() != basis.role() || now.epoch() != basis.epoch() || (now.flags() & read) != (basis.flags() & read);
    }

    /** Takes the service over; true when it did not claim because the peer's slot changed since the decision. */
    private boolean doTakeover(String reason, boolean fencePeer, LeaseSlot basis, boolean silence) {
        if (role.get() != Role.STANDBY) return false;
        // Decide on the slot as it is on the device now, not as the lease thread read it up to an interval ago: a peer
        // that wrote since (renewed after all, claimed, fenced itself) would otherwise be seen only after this node had
        // claimed, and the claim would be abandoned as a race, an epoch spent and both nodes backing off 1-6 intervals
        // (the peer sees this claim too). Nothing is written before this read, so a decision undone here costs nothing:
        // the lease thread decides again on the fresh slot at once. A torn read (a write in progress) keeps the
        // decision, as the lease thread keeps its last view; the re-read after the claim below still guards the race.
        LeaseSlot before;
        try {
            before = switch (lease.read(settings.peerSlot())) {
                case LeaseSlot.Valid(LeaseSlot s) -> s;
                case LeaseSlot.Empty e -> null;
                case LeaseSlot.Unreadable u -> basis;
            };
        } catch (IOException e) {
            log.warn("not taking over ({}): cannot read the peer's slot: {}", reason, e.getMessage());
            return true;
        }
        if (changedSince(basis, before, silence)) {
            log.info("not taking over ({}): the peer's slot changed since the decision: {} at epoch {} (seq {}), was {}; deciding again",
                    reason, before == null ? "empty" : before.role(), before == null ? 0 : before.epoch(), before == null ? 0 : before.seq(),
                    basis == null ? "empty" : basis.role() + " (seq " + basis.seq() + ")");
            return true;
        }
        if (!role.compareAndSet(Role.STANDBY, Role.CLAIMING)) return false;
        long t0 = clock.getAsLong();
        epoch = Math.max(epoch, before == null ? 0 : before.epoch()) + 1;
        log.warn("TAKEOVER at epoch {}: {}", epoch, reason);
        if (!writeSlot(Role.CLAIMING, clock.getAsLong())) {
            abortTakeover("cannot write the claim to the lease area", false);
            return false;
        }
        // Both nodes may have decided at once. Each wrote its claim before it reads the other's slot, so at
        // least one of them sees the other's claim; both then step back for a random time and one wins.
        // After a release (the peer wrote STANDBY with YIELD, or its supervisor CRASHED) the peer does not claim: a
        // yielding node claims only when both yield, and then the lower slot alone does; a restarted JVM watches a
        // whole lease first. A peer taken over with the fence does not claim either: it wrote FENCED (and never claims
        // while FENCED; once it has released the volume it is a standby that yields), or it held the volume and has
        // written nothing since (its lease expired, its process is gone, its fence device reports it off), and such a
        // node, if it runs again, fences itself before it writes anything (checkRenewal comes first on its lease
        // thread, and its watchdog does the same), so its next write is FENCED, never a claim; a restarted JVM watches
        // a whole lease first. So a quarter interval before the re-read is enough there; two intervals otherwise (a
        // standby peer, alive or not, may have decided from an older read and still be writing its claim).
        boolean released = !fencePeer && before != null && before.role() == Role.STANDBY
                && (before.has(LeaseSlot.YIELD) || before.has(LeaseSlot.CRASHED));
        sleepNanos(released || fencePeer ? settings.timings().intervalNanos() / 4 : 2 * settings.timings().intervalNanos());
        try {
            if (lease.read(settings.peerSlot()) instanceof LeaseSlot.Valid(LeaseSlot now)
                    && now.role().holdsVolume() && (before == null || now.seq() != before.seq())) {
                abortTakeover("the peer is alive and " + now.role() + " at epoch " + now.epoch(), true);
                return false;
            }
        } catch (IOException e) {
            abortTakeover("cannot read the peer's slot: " + e.getMessage(), false);
            return false;
        }
        long tClaimed = clock.getAsLong();
        if (fencePeer && !settings.fenceCommand().isBlank() && !runHook("fence command", settings.fenceCommand(), "fence")) {
            abortTakeover("the fence command failed", false);
            return false;
        }
        long tFenced = clock.getAsLong();
        if (!settings.acquireHook().isBlank() && !runHook("acquire hook", settings.acquireHook(), "acquire")) {
            if (!settings.releaseHook().isBlank()) runHook("release hook (undo)", settings.releaseHook(), "release");
            abortTakeover("the acquire hook failed", false);
            return false;
        }
        long tMounted = clock.getAsLong();
        if (!startServices()) {
            if (!settings.releaseHook().isBlank()) runHook("release hook (undo)", settings.releaseHook(), "release");
            abortTakeover("the services did not start", false);
            return false;
        }
        long tOpened = clock.getAsLong();
        if (vip != null && !fencePeer && !acquireVipFromPeer()) {
            services.stop();
            if (!settings.releaseHook().isBlank()) runHook("release hook (undo)", settings.releaseHook(), "release");
            abortTakeover("the peer keeps the VIP and could not be fenced", false);
            return false;
        }
        if (vip != null && !vip.add()) {
            services.stop();
            if (!settings.releaseHook().isBlank()) runHook("release hook (undo)", settings.releaseHook(), "release");
            abortTakeover("the VIP could not be added", false);
            return false;
        }
        if (vip != null) {
            vipHeld = true;
            writeSlot(role.get(), clock.getAsLong()); // VIP_HELD now: the old holder (IPv4) removes it on seeing this
        }
        if (!role.compareAndSet(Role.CLAIMING, Role.ACTIVE)) {
            // fenced while starting (the lease could not be renewed): the fence stopped everything, but may have
            // removed the VIP before it was added here
            removeVip();
            log.error("takeover at epoch {} overtaken by a self-fence", epoch);
            return false;
        }
        requestUntil = Long.MIN_VALUE;
        healthFailures = 0;
        takeovers.incrementAndGet();
        long tDone = clock.getAsLong();
        long ms = (tDone - t0) / 1_000_000;
        lastEvent = "took over at epoch " + epoch + " in " + ms + " ms: " + reason;
        event("takeover", ms, reason);
        log.warn("ACTIVE at epoch {} ({} ms after the decision: claim {} ms, fence {} ms, mount {} ms, open {} ms, VIP {} ms){}{}", epoch, ms,
                (tClaimed - t0) / 1_000_000, (tFenced - tClaimed) / 1_000_000, (tMounted - tFenced) / 1_000_000,
                (tOpened - tMounted) / 1_000_000, (tDone - tOpened) / 1_000_000, vip == null ? "" : ", VIP " + vip.describe(),
                openSplit.isEmpty() ? "" : "; open: " + openSplit);
        return false;
    }

    /** Where the last start of the services spent its time (ActiveServices.start), for the ACTIVE line. */
    private String openSplit = "";

    private boolean startServices() {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                String split = services.start(epoch);
                openSplit = split == null ? "" : split;
                return true;
            } catch (EpochBehindException e) {
                log.warn("{}; claiming epoch {}", e.getMessage(), e.storedEpoch() + 1);
                epoch = e.storedEpoch() + 1;
                if (!writeSlot(Role.CLAIMING, clock.getAsLong())) return false;
            } catch (Exception | LinkageError e) {
                log.error("the services did not start at epoch {}: {}", epoch, e.toString(), e);
                stopServicesBounded();
                return false;
            }
        }
        return false;
    }

    private void abortTakeover(String why, boolean race) {
        long interval = settings.timings().intervalNanos();
        // A race backs off a random few intervals; a failure waits a whole lease so the peer gets its chance.
        backoffUntil = clock.getAsLong() + (race ? ThreadLocalRandom.current().nextLong(interval, 6 * interval) : settings.timings().leaseNanos());
        // A node that could not start the service (its hooks, its store, its software) lets the peer try:
        // otherwise the lower slot would retry for ever while a healthy peer waits for it.
        if (!race) yieldUntil = clock.getAsLong() + 5 * settings.timings().leaseNanos();
        if (role.compareAndSet(Role.CLAIMING, Role.STANDBY)) {
            lastEvent = "takeover at epoch " + epoch + " abandoned: " + why;
            event("abandoned", 0, why);
            log.warn("{}", lastEvent);
        }
    }

    /** Queues a handover; false if another transition is still finishing (the caller may retry). */
    private boolean release(String reason) {
        if (!transitionBusy.compareAndSet(false, true)) return false;
        try {
            transitions.execute(() -> {
                try {
                    doRelease(reason);
                } catch (Throwable t) {
                    log.error("handover failed: {}", t.toString(), t);
                    if (role.compareAndSet(Role.RELEASING, Role.FENCED)) {
                        removeVip();
                        stopServicesBounded();
                        transitions.execute(this::recoverFromFence);
                    }
                } finally {
                    transitionBusy.set(false);
                }
            });
            return true;
        } catch (RuntimeException e) {
            transitionBusy.set(false);
            return false;
        }
    }

    private void doRelease(String reason) {
        if (!role.compareAndSet(Role.ACTIVE, Role.RELEASING)) return;
        log.warn("HANDOVER from epoch {}: {}", epoch, reason);
        // The VIP stays while the services stop and the volume is released: a client that connects meanwhile gets a
        // reset at once and tries again, where a node without the address would drop its SYN (retried after 1 s).
        stopServicesBounded(); // a store on a failing volume may not close: the release hook still runs
        if (!settings.releaseHook().isBlank() && !runHook("release hook", settings.releaseHook(), "release")) {
            removeVip();
            if (role.compareAndSet(Role.RELEASING, Role.FENCED)) {
                lastEvent = "handover at epoch " + epoch + " stuck: the release hook failed (" + reason + ")";
                transitions.execute(this::recoverFromFence);
            }
            return;
        }
        yieldUntil = clock.getAsLong() + 5 * settings.timings().leaseNanos();
        if (role.compareAndSet(Role.RELEASING, Role.STANDBY)) {
            releases.incrementAndGet();
            lastEvent = "handed over at epoch " + epoch + ": " + reason;
            event("handover", 0, reason);
            log.warn("STANDBY: {}", lastEvent);
        }
        // the peer reads YIELD now, not at our next renewal: the slot first, then a heartbeat naming the new role,
        // on which the peer reads the slot at once
        writeSlot(role.get(), clock.getAsLong());
        announce();
        handOverVip();
    }

    /** A heartbeat now, with the role and sequence number of the slot just written. */
    private synchronized void announce() {
        heartbeats.send(role.get(), epoch, seq);
    }

    /** Removes the VIP (absent is fine); a failure is logged by VirtualIp and leaves it marked as held. */
    private void removeVip() {
        if (vip != null && vip.remove()) vipHeld = false;
    }

    /**
     * The end of a handover: the VIP stayed while the services stopped and the volume was
     * released (clients got resets, not silence); now the slot says STANDBY with YIELD and
     * VIP_HELD, and the address goes when the peer asks for it ({@link VipHandoff}).
     */
    private void handOverVip() {
        if (vip == null || !vipHeld) return;
        LeaseSlot p = peerSlot;
        if (closed || p == null || !peerAlive || !(p.role() == Role.STANDBY || p.role() == Role.CLAIMING)) {
            removeVip(); // nobody to take it: no reason to keep it
            return;
        }
        String why = VipHandoff.awaitRequest(lease, settings.peerSlot(), epoch,
                settings.timings().leaseNanos() + settings.hookTimeout().toNanos());
        removeVip();
        writeSlot(role.get(), clock.getAsLong());
        log.info("VIP {} removed: {}", vip.describe(), why);
    }

    /**
     * Before adding the VIP after a takeover without a fence: if the peer (or its supervisor)
     * still holds it, ask for it and wait until it is gone; if it does not go, the fence
     * command takes it (power off). False if it cannot be had.
     */
    private boolean acquireVipFromPeer() {
        if (!vip.ipv6()) return true; // IPv4: made before broken, see VipHandoff
        try {
            if (!(lease.read(settings.peerSlot()) instanceof LeaseSlot.Valid(LeaseSlot p)) || !p.has(LeaseSlot.VIP_HELD)) return true;
        } catch (IOException e) {
            return true; // the takeover read the slot a moment ago; the next read decides nothing new
        }
        vipWanted = true;
        try {
            writeSlot(role.get(), clock.getAsLong());
            if (VipHandoff.awaitReleased(lease, settings.peerSlot(), settings.timings().leaseNanos())) return true;
            log.error("the peer still holds the VIP {} {} ms after it was asked for it", vip.describe(), settings.timings().lease().toMillis());
            return !settings.fenceCommand().isBlank() && runHook("fence command (the peer keeps the VIP)", settings.fenceCommand(), "fence");
        } finally {
            vipWanted = false;
        }
    }

    private boolean runHook(String what, String command, String action) {
        return ShellCommand.run(what, command, Map.of(
                "TWINMAIL_NODE", settings.nodeId(), "TWINMAIL_PEER", settings.peerId(),
                "TWINMAIL_EPOCH", Long.toString(epoch), "TWINMAIL_ACTION", action), settings.hookTimeout()).ok();
    }

    // ---- health ----

    /**
     * Pings the targets every {@code healthInterval}, each ping bounded by {@code healthTimeout}, on a thread of
     * its own: an unanswered ping does not delay the service probes, nor they the pings, so both links cut are
     * seen after about {@code healthFailures × max(healthInterval, healthTimeout)}.
     */
    private void pingLoop() {
        int pingFailures = 0;
        while (!closed) {
            long start = clock.getAsLong();
            boolean reached = settings.pingTargets().stream().anyMatch(this::ping);
            pingFailures = reached ? 0 : pingFailures + 1;
            String silence = reached ? null : silentOnEveryChannel(clock.getAsLong());
            boolean ok = pingFailures < settings.healthFailures() && silence == null;
            if (ok != publicOk) {
                publicOk = ok;
                if (ok) log.info("public network reachable again");
                else if (silence != null) log.error("none of the ping targets {} answered, and {}: this node is cut off", settings.pingTargets(), silence);
                else log.error("none of the ping targets {} answered {} times in a row", settings.pingTargets(), pingFailures);
            }
            long sleep = settings.healthInterval().toNanos() - (clock.getAsLong() - start);
            if (sleep > 0) sleepNanos(sleep);
        }
    }

    /**
     * The second witness of isolation, besides an unanswered ping: the peer, heard before, has not been heard on
     * any heartbeat channel (the private link and the public network, two paths) for as long as the ping waited
     * (and at least three intervals). A ping lost under load is no reason to move the service, which is why
     * {@code healthFailures} of them in a row are needed; a ping unanswered while both paths to the peer are silent
     * too is the node's own links gone (or the whole network, where the peer is cut off as well and, without the
     * public network, neither takes over). The peer's own rule is the same, so the node whose links are cut is the
     * one that clears PUBLIC_OK, and the handover still needs a standby whose slot says it reaches the public
     * network. Returns a description of the silence, or null when the peer was heard recently (or never).
     */
    private String silentOnEveryChannel(long now) {
        long heard = heartbeats.lastHeard();
        if (heard == Long.MIN_VALUE) return null;
        long needed = Math.max(settings.healthTimeout().toNanos(), 3 * settings.timings().intervalNanos());
        if (now - heard < needed) return null;
        return "the peer has not been heard on any heartbeat channel for " + (now - heard) / 1_000_000 + " ms";
    }

    private void healthLoop() {
        while (!closed) {
            long start = clock.getAsLong();
            if (role.get() == Role.ACTIVE) {
                List<ProbeFailure> failures = probe();
                if (failures == null) {
                    // a round still blocked, not yet for long enough to call the storage hung: look again soon
                    sleepNanos(Math.min(settings.healthInterval().toNanos(), settings.timings().intervalNanos() / 2));
                    continue;
                }
                lastProbeFailures = failures.stream().map(ProbeFailure::detail).toList();
                lastProbeMillis = System.currentTimeMillis();
                if (failures.isEmpty()) {
                    if (healthFailures > 0) log.info("services healthy again after {} failed probe(s)", healthFailures);
                    healthFailures = 0;
                    firstStorageIo = null;
                } else {
                    if (firstStorageIo == null) {
                        failures.stream().filter(ProbeFailure::storageIo).findFirst().ifPresent(f -> firstStorageIo = f.detail());
                    }
                    lastHealthFailure = ProbeFailure.describe(failures, firstStorageIo);
                    // a hung volume is not a slow answer that a later round may undo: it is decided at once
                    healthFailures = probeHung ? Math.max(healthFailures + 1, settings.healthFailures()) : healthFailures + 1;
                    log.warn("health probe {} of {} failed: {}", healthFailures, settings.healthFailures(), lastHealthFailure);
                    // every failure in full once, for the record (the line above names the cause)
                    if (firstStorageIo != null && failures.size() > 1) {
                        log.info("health probe {} details: {}", healthFailures,
                                failures.stream().map(ProbeFailure::detail).collect(java.util.stream.Collectors.joining("; ")));
                    }
                }
            } else {
                healthFailures = 0;
                firstStorageIo = null;
                probeHung = false;
            }
            long sleep = settings.healthInterval().toNanos() - (clock.getAsLong() - start);
            if (sleep > 0) sleepNanos(sleep);
        }
    }

    /**
     * How long a probe round may stay blocked on the store or the data volume before the storage counts as hung and
     * the node fences itself: {@code leaseTime - selfFenceMargin}, the time the node already allows its lease device
     * to stall before it stops serving (a data volume stalled as long as that is treated as the lease device would
     * be), and never less than half a probe interval past the round's own deadline, so that a round that merely
     * overran it on a loaded machine has time to come back. At the defaults 2 s, against the three rounds of about
     * 2.5-3.5 s before.
     */
    private long hungStorageNanos() {
        return Math.max(settings.timings().selfFenceNanos(),
                (roundDeadlineMillis() + settings.healthInterval().toMillis() / 2) * 1_000_000);
    }

    /**
     * A probe round's deadline: the probes run at once, side by side ({@link ActiveServices#probe}), each bounded by
     * {@code healthTimeout}; half an interval more for the round to be collected on a loaded machine.
     */
    private long roundDeadlineMillis() {
        return settings.healthTimeout().toMillis() + settings.healthInterval().toMillis() / 2;
    }

    /**
     * Probes with an overall deadline: the probes themselves are bounded, but a store call may hang. Null: no verdict
     * yet (a round overran its deadline and is still blocked, not yet for {@link #hungStorageNanos}).
     */
    private List<ProbeFailure> probe() {
        // The socket probes have deadlines of their own; only a store or volume call can block for good. A round that
        // overran its deadline counts as one failure; while it is still blocked no other round starts, and once it has
        // been blocked for hungStorageNanos the storage is hung: decided at once, not after more rounds.
        if (overdueProbe != null) {
            if (!overdueProbe.isDone()) {
                long blocked = clock.getAsLong() - overdueSince;
                if (blocked < hungStorageNanos()) return null;
                probeHung = true;
                return List.of(ProbeFailure.service("a probe has hung on the store or the data volume for " + blocked / 1_000_000
                        + " ms (limit " + hungStorageNanos() / 1_000_000 + " ms, as long as the lease may go unrenewed)"));
            }
            overdueProbe = null;
        }
        probeHung = false;
        long start = clock.getAsLong();
        CompletableFuture<List<ProbeFailure>> f = CompletableFuture.supplyAsync(() -> services.probe(settings.healthTimeout()),
                r -> Thread.ofVirtual().name("cluster-probe").start(r));
        try {
            return f.get(roundDeadlineMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            overdueProbe = f;
            overdueSince = start;
            return List.of(ProbeFailure.service("the probes did not finish within " + roundDeadlineMillis() + " ms"));
        } catch (Exception e) {
            return List.of(ProbeFailure.service("probe failed: " + e));
        }
    }

    private boolean ping(String host) {
        try {
            return InetAddress.getByName(host).isReachable((int) settings.healthTimeout().toMillis());
        } catch (IOException e) {
            return false;
        }
    }

    // ---- operator commands ----

    /**
     * Planned switchover. On the active: hand over, if the standby is alive and reaches
     * the public network. On the standby: ask the active to hand over. Waits up to
     * {@code timeout} for the service to arrive on the other node and says what happened.
     */
    public String switchover(java.time.Duration timeout) {
        Role r = role.get();
        LeaseSlot p = peerSlot;
        boolean alive = peerAlive;
        long deadline = clock.getAsLong() + timeout.toNanos();
        if (r == Role.ACTIVE) {
            if (p == null || !alive || p.role() != Role.STANDBY || !p.has(LeaseSlot.PUBLIC_OK)) {
                throw new IllegalStateException("no standby is ready to take over: peer " + settings.peerId() + " is "
                        + (p == null ? "unknown" : p.role()) + (alive ? "" : " and its lease expired")
                        + (p != null && !p.has(LeaseSlot.PUBLIC_OK) ? " and cannot reach the public network" : ""));
            }
            // the takeover that made us active may still be finishing its bookkeeping: retry until queued
            while (!release("switchover requested by the operator") && clock.getAsLong() < deadline) {
                sleepNanos(settings.timings().intervalNanos());
            }
            while (clock.getAsLong() < deadline) {
                LeaseSlot now = peerSlot;
                if (role.get() == Role.STANDBY && now != null && now.role() == Role.ACTIVE) {
                    return "switched over: " + settings.peerId() + " is ACTIVE at epoch " + now.epoch() + ", " + settings.nodeId() + " is STANDBY";
                }
                sleepNanos(settings.timings().intervalNanos());
            }
            throw new IllegalStateException("handover started but " + settings.peerId() + " was not ACTIVE within " + timeout.toSeconds()
                    + " s; this node is " + role.get() + " (see twinmail cluster status)");
        }
        if (r == Role.STANDBY) {
            if (p == null || !alive || p.role() != Role.ACTIVE) {
                throw new IllegalStateException("the peer " + settings.peerId() + " is not an active node to switch over from ("
                        + (p == null ? "unknown" : p.role()) + (alive ? "" : ", lease expired") + ")");
            }
            if (!publicOk) throw new IllegalStateException("this node cannot reach the public network; it would not serve clients");
            requestUntil = clock.getAsLong() + timeout.toNanos();
            while (clock.getAsLong() < deadline) {
                if (role.get() == Role.ACTIVE) return "switched over: " + settings.nodeId() + " is ACTIVE at epoch " + epoch;
                sleepNanos(settings.timings().intervalNanos());
            }
            requestUntil = Long.MIN_VALUE;
            throw new IllegalStateException("asked " + settings.peerId() + " to hand over, but this node was not ACTIVE within "
                    + timeout.toSeconds() + " s; it is " + role.get());
        }
        throw new IllegalStateException("this node is " + r + "; a switchover needs one ACTIVE and one STANDBY node");
    }

    public ClusterStatus status() {
        long now = clock.getAsLong();
        List<ClusterStatus.ChannelStatus> chans = heartbeats.channels().stream().map(c -> new ClusterStatus.ChannelStatus(
                c.config.name(), c.config.peer().toString(), c.up,
                c.lastHeard == Long.MIN_VALUE ? -1 : (now - c.lastHeard) / 1_000_000, c.received.get(), c.sent.get(),
                heartbeats.authenticated(), c.unauthenticated.get(), c.replayed.get())).toList();
        LeaseSlot p = peerSlot;
        Role r = role.get();
        String holder = r == Role.ACTIVE ? "this node (" + settings.nodeId() + ")"
                : p != null && peerAlive && p.role() == Role.ACTIVE ? "the peer (" + settings.peerId() + ")" : "nobody";
        return new ClusterStatus(settings.nodeId(), settings.slot(), r, epoch, (now - lastRenewStart) / 1_000_000, leaseDirect,
                settings.peerId(), p == null ? null : p.role(), p == null ? 0 : p.epoch(), peerAge / 1_000_000, peerAlive,
                chans, settings.vip(), holder, publicOk, settings.pingTargets(), takeovers.get(), selfFences.get(), releases.get(), lastEvent);
    }

    /** Records a role change, tells the listeners (each failure logged, none stops the others). */
    private void event(String kind, long millis, String reason) {
        ClusterEvent e = new ClusterEvent(System.currentTimeMillis(), kind, epoch, millis, reason);
        synchronized (events) {
            if (events.size() == EVENTS_KEPT) events.removeFirst();
            events.addLast(e);
        }
        for (var l : eventListeners) {
            try {
                l.accept(e);
            } catch (RuntimeException x) {
                log.warn("cluster event listener: {}", x.toString());
            }
        }
    }

    /** This node's recent role changes since it started (takeovers, handovers, self-fences, abandoned takeovers), oldest first. */
    public List<ClusterEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /**
     * Calls {@code listener} on the transition thread after each role change of this node (a takeover: once it
     * serves, so the listener may write to the store). A listener must not block.
     */
    public void onEvent(java.util.function.Consumer<ClusterEvent> listener) {
        eventListeners.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    /** The last health-probe round of this node (while it was active). */
    public ProbeState probes() {
        return new ProbeState(lastProbeMillis, lastProbeFailures, healthFailures, settings.healthFailures());
    }

    /** For a node that does not serve: where the service is, in one line for an operator or a client. */
    public String whoServes() {
        LeaseSlot p = peerSlot;
        String active = p != null && peerAlive && p.role() == Role.ACTIVE ? "the active node is " + settings.peerId()
                : "no active node is known";
        return "this node (" + settings.nodeId() + ") is " + role.get() + "; " + active + "; run the command there";
    }

    private void bindMetrics(MeterRegistry registry) {
        for (Role r : Role.values()) {
            Gauge.builder("twinmail_cluster_role", role, x -> x.get() == r ? 1 : 0).tag("role", r.name())
                    .description("1 for this node's current role").register(registry);
        }
        Gauge.builder("twinmail_cluster_epoch", this, n -> n.epoch).description("epoch this node serves or last served").register(registry);
        Gauge.builder("twinmail_cluster_lease_age_seconds", this, n -> (n.clock.getAsLong() - n.lastRenewStart) / 1e9)
                .description("time since this node's last successful lease write").register(registry);
        Gauge.builder("twinmail_cluster_peer_lease_age_seconds", this, n -> n.peerAge / 1e9)
                .description("time since the peer's lease slot last changed, on this node's clock").register(registry);
        for (Heartbeats.Channel c : heartbeats.channels()) {
            FunctionCounter.builder("twinmail_cluster_heartbeats_received", c, x -> x.received.get()).tag("channel", c.config.name())
                    .description("UDP heartbeats received from the peer").register(registry);
            FunctionCounter.builder("twinmail_cluster_heartbeats_sent", c, x -> x.sent.get()).tag("channel", c.config.name())
                    .description("UDP heartbeats sent to the peer").register(registry);
            Gauge.builder("twinmail_cluster_heartbeat_up", c, x -> x.up ? 1 : 0).tag("channel", c.config.name())
                    .description("1 while the peer is heard on this channel").register(registry);
            FunctionCounter.builder("twinmail_cluster_heartbeats_dropped", c, x -> x.unauthenticated.get()).tag("channel", c.config.name())
                    .tag("reason", "unauthenticated").description("heartbeat datagrams refused: wrong or missing MAC, or not from the peer")
                    .register(registry);
            FunctionCounter.builder("twinmail_cluster_heartbeats_dropped", c, x -> x.replayed.get()).tag("channel", c.config.name())
                    .tag("reason", "replayed").description("heartbeat datagrams refused: a sequence number already seen or far behind the peer's lease slot")
                    .register(registry);
        }
        FunctionCounter.builder("twinmail_cluster_takeovers", takeovers, AtomicLong::get).description("times this node took the service over").register(registry);
        FunctionCounter.builder("twinmail_cluster_self_fences", selfFences, AtomicLong::get).description("times this node fenced itself").register(registry);
        FunctionCounter.builder("twinmail_cluster_handovers", releases, AtomicLong::get).description("planned or health-driven handovers by this node").register(registry);
    }

    private static void sleepNanos(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the node's threads without a handover, without touching the VIP or the
     * services, as if the process had been killed: for tests of the peer's takeover.
     */
    void haltForTest() {
        pauseForTest();
        heartbeats.close();
    }

    /**
     * Stops the node's threads as {@link #haltForTest} does but keeps its heartbeat sockets
     * bound, as a hung or paused process does: silence, not a closed port. The threads are not
     * interrupted (they end at their next look at {@code closed}, within an interval): an
     * interrupt in the middle of a send would close the heartbeat channel, and a closed port is
     * what a dead process shows, not a paused one.
     */
    void pauseForTest() {
        closed = true;
        transitions.shutdown();
    }

    /**
     * Stops the node. An active node hands over cleanly first (VIP, services, release hook),
     * so a {@code systemctl stop} on the active is a switchover, not a failure.
     */
    @Override
    public void close() {
        if (closed) return;
        if (role.get() == Role.ACTIVE) {
            transitionBusy.set(true);
            CompletableFuture<Void> f = CompletableFuture.runAsync(() -> doRelease("the node is shutting down"), transitions);
            try {
                f.get(settings.hookTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                log.error("handover at shutdown did not finish: {}", e.toString());
            }
            removeVip(); // handed over (or the handover hung): a stopped node holds no address
            writeSlot(role.get(), clock.getAsLong());
        }
        closed = true;
        Role r = role.get();
        if (r.holdsVolume()) { // a takeover in progress, or a handover that hung
            removeVip();
            stopServicesBounded();
        }
        for (Thread t : threads) {
            t.interrupt();
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        transitions.shutdownNow();
        heartbeats.close();
        try {
            lease.close();
        } catch (IOException e) {
            log.warn("closing the lease area: {}", e.getMessage());
        }
    }
}
