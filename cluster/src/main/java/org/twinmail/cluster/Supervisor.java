package org.twinmail.cluster;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watchdog on a node's own machine ({@code twinmail supervise}): runs the node's JVM as
 * its child and, when that JVM dies while its lease slot says it serves (or was taking over,
 * handing over, or fenced), hands the service over for it, so that the peer takes over at
 * once instead of waiting for the lease to expire.
 *
 * <p>A process that has exited is the one certain failure: its kernel has closed its files and
 * sockets, and it will never write again. The supervisor then does what the node's handover
 * would have done, in the same order: every process the JVM left behind (a hook it was
 * running) is killed, the release hook unmounts the volume (which writes back what the page
 * cache still held), and only then is the node's lease slot written, by the only process that
 * may write it now: {@code STANDBY} with {@code YIELD} and {@code CRASHED}, on which the peer
 * takes over without a fence, exactly as after a planned handover; the VIP goes when the peer
 * asks for it ({@link VipHandoff}). If the release hook fails (a busy mount) the slot says {@code FENCED} with
 * {@code CRASHED} instead, and the peer takes over after running the fence command.
 *
 * <p>It never restarts the JVM itself: a crashed active hands over, and a restarted node joins as
 * the standby ({@code systemd Restart=} of the supervisor starts both again). The lease stays
 * the authority: the peer decides from the slot, which says what was done.
 */
public final class Supervisor {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);

    private Supervisor() {}

    /**
     * Hands over for a node whose JVM has exited (call only once the process is gone: after
     * {@code waitFor}). Returns what it did, for the log.
     */
    public static String afterExit(ClusterSettings s, LeaseDevice lease, long pid, int exitCode) {
        LeaseSlot own;
        try {
            if (!(lease.read(s.slot()) instanceof LeaseSlot.Valid(LeaseSlot slot))) return "no lease slot of this node: nothing to hand over";
            own = slot;
        } catch (IOException e) {
            return "cannot read this node's lease slot (" + e.getMessage() + "): the peer takes over when the lease expires";
        }
        if (!own.nodeId().equals(s.nodeId())) return "slot " + s.slot() + " belongs to " + own.nodeId() + ": nothing done";
        if (own.role() == Role.STANDBY) return "the node was STANDBY: nothing to hand over";
        long t0 = System.nanoTime();
        log.error("CRASH: the node's JVM (pid {}) exited with code {} while {} at epoch {}: handing over for it",
                pid, exitCode, own.role(), own.epoch());
        // The slot says at once that a supervisor is at work (RELEASING, CRASHED): the peer, which hears the dead
        // JVM's heartbeat port answer "port unreachable", then waits for this release (or the lease) instead of
        // fencing a machine that is handing over cleanly.
        long seq = own.seq() + 1;
        try {
            lease.write(s.slot(), new LeaseSlot(s.nodeId(), Role.RELEASING, own.epoch(), seq++, LeaseSlot.CRASHED | (own.flags() & LeaseSlot.VIP_HELD),
                    System.currentTimeMillis()));
        } catch (IOException e) {
            log.error("CRASH: cannot write RELEASING to the lease slot: {}", e.getMessage());
        }
        // whatever the JVM started (a hook in progress) must not mount or write after the release
        // "kill -9 -PGID": dash's kill takes neither "--" nor "-s KILL" before a negative pid (it said "Illegal number")
        ShellCommand.run("kill left-over processes", "kill -9 -" + pid + " 2>/dev/null; true", Map.of(), s.hookTimeout());
        VirtualIp vip = s.vip().isEmpty() ? null : new VirtualIp(s.vip(), s.vipInterface());
        boolean released = s.releaseHook().isBlank() || ShellCommand.run("release hook (after the crash)", s.releaseHook(), Map.of(
                "TWINMAIL_NODE", s.nodeId(), "TWINMAIL_PEER", s.peerId(), "TWINMAIL_EPOCH", Long.toString(own.epoch()),
                "TWINMAIL_ACTION", "release"), s.hookTimeout()).ok();
        // The VIP stays until the peer asks for it (VipHandoff): meanwhile clients get resets from this machine, whose
        // kernel answers for the dead process, instead of silence. Not after a failed release: the peer must fence.
        boolean handOff = released && vip != null;
        if (vip != null && !handOff) vip.remove();
        Role role = released ? Role.STANDBY : Role.FENCED;
        int flags = LeaseSlot.CRASHED | (released ? LeaseSlot.YIELD : 0);
        try {
            lease.write(s.slot(), new LeaseSlot(s.nodeId(), role, own.epoch(), seq, flags | (handOff ? LeaseSlot.VIP_HELD : 0),
                    System.currentTimeMillis()));
        } catch (IOException e) {
            if (handOff) vip.remove();
            return "the volume was " + (released ? "" : "not ") + "released but the lease slot could not be written (" + e.getMessage()
                    + "): the peer takes over when the lease expires";
        }
        String done = (released ? "released the volume and wrote STANDBY (crashed, yield)" : "the release hook failed: wrote FENCED (crashed)")
                + " at epoch " + own.epoch() + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms";
        log.error("CRASH: {}", done);
        if (handOff) {
            String why = VipHandoff.awaitRequest(lease, s.peerSlot(), own.epoch(), s.timings().leaseNanos() + s.hookTimeout().toNanos());
            vip.remove();
            try {
                lease.write(s.slot(), new LeaseSlot(s.nodeId(), role, own.epoch(), seq + 1, flags, System.currentTimeMillis()));
            } catch (IOException e) {
                log.error("CRASH: cannot clear VIP_HELD in the lease slot: {}", e.getMessage());
            }
            log.error("CRASH: VIP {} removed: {}", vip.describe(), why);
        }
        return done;
    }

    /**
     * What the supervisor sees of its node's own lease slot while the JVM runs: a JVM whose slot says it holds the
     * volume (CLAIMING, ACTIVE, RELEASING) and has not changed for {@code leaseTime - selfFenceMargin} on the
     * supervisor's clock has stopped renewing while its machine runs (a stopped process, a JVM frozen in a pause, a
     * debugger). That is the moment the node would fence itself if it could (its renewals are due every interval, and
     * the change is seen here up to an interval after it was written, so never earlier); frozen, it cannot, and the
     * peer would wait out the lease and then fence the whole machine. The supervisor kills it instead: the process is
     * then gone, the one certain failure, and {@link #afterExit} hands over for it as for a crash. Only a slot this
     * JVM has written counts: the slot as the supervisor first reads it is a previous life's (a node restarted after
     * it was killed or fenced still finds its old ACTIVE there until its new JVM, which may take seconds to start,
     * writes STANDBY), so the watch starts at the first change it sees. Not thread-safe: one watching thread.
     */
    public static final class LeaseWatch {
        private final ClusterSettings settings;
        private long lastSeq = -1;
        private long changedAt;
        /** The slot has changed since the first read: the JVM being watched has written it. */
        private boolean written;

        public LeaseWatch(ClusterSettings settings) {
            this.settings = settings;
        }

        /**
         * Records a read of the node's own slot at {@code now} (monotonic ns; null: empty or unreadable, which keeps
         * the last view). Returns why the JVM should be killed, or null.
         */
        public String observe(LeaseSlot own, long now) {
            if (own == null || !own.nodeId().equals(settings.nodeId())) return null;
            if (own.seq() != lastSeq) {
                written = lastSeq != -1;
                lastSeq = own.seq();
                changedAt = now;
                return null;
            }
            long still = now - changedAt;
            if (!written || !own.role().holdsVolume() || still < settings.timings().selfFenceNanos()) return null;
            return "its lease slot (" + own.role() + " at epoch " + own.epoch() + ") has not changed for " + still / 1_000_000
                    + " ms (it would fence itself after " + settings.timings().selfFenceNanos() / 1_000_000 + " ms): the JVM is stopped or frozen";
        }
    }

    /**
     * Watches the node's own slot every interval while {@code jvm} runs (on the caller's thread, until it exits) and
     * kills its process group when {@link LeaseWatch} says it has stopped renewing while holding the volume; the caller's
     * {@code waitFor} then returns and {@link #afterExit} hands over. A lease area that cannot be read (a hung device)
     * changes nothing: the peer's lease rule decides. Returns the reason it killed, or null once the JVM has exited.
     */
    public static String watch(ClusterSettings s, LeaseDevice lease, ProcessHandle jvm, java.util.function.LongSupplier clock) {
        LeaseWatch watch = new LeaseWatch(s);
        long interval = s.timings().intervalNanos();
        while (jvm.isAlive()) {
            LeaseSlot own = null;
            try {
                if (lease.read(s.slot()) instanceof LeaseSlot.Valid(LeaseSlot slot)) own = slot;
            } catch (IOException e) {
                // the device does not answer: nothing to decide from here
            }
            String why = watch.observe(own, clock.getAsLong());
            if (why != null && jvm.isAlive()) {
                log.error("HUNG: the node's JVM (pid {}) stopped renewing: {}; killing it, then handing over for it", jvm.pid(), why);
                // the process group: a hook it was running goes with it. SIGKILL ends a stopped process too; the kernel then
                // closes its connections while this machine still holds the VIP, so its clients hear of it at once.
                ShellCommand.run("kill the stopped node", "kill -9 -" + jvm.pid() + " 2>/dev/null; kill -9 " + jvm.pid()
                        + " 2>/dev/null; true", Map.of(), s.hookTimeout());
                return why;
            }
            try {
                jvm.onExit().get(interval, java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // still running: look again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (java.util.concurrent.ExecutionException e) {
                return null;
            }
        }
        return null;
    }

    /** {@code setsid} in front of the node's command: the JVM leads a process group of its own, which a crash kills whole. */
    public static List<String> inOwnProcessGroup(List<String> command) {
        List<String> out = new ArrayList<>(List.of("setsid"));
        out.addAll(command);
        return out;
    }
}
