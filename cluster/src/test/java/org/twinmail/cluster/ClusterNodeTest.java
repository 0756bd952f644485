package org.twinmail.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes in one JVM on a shared lease file and loopback heartbeats, with stand-in
 * services that record when each node serves. Timings are short (50 ms heartbeats, 600 ms
 * lease) so that each case takes seconds; the waits are bounded and generous, and no
 * assertion is about how fast something happened, only about order and outcome.
 */
class ClusterNodeTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger serving = new AtomicInteger();
    private final AtomicInteger maxServing = new AtomicInteger();
    private final AtomicLong storeEpoch = new AtomicLong();
    private final List<ClusterNode> nodes = new ArrayList<>();
    private final List<FaultyLease> leases = new ArrayList<>();
    private final List<CountDownLatch> hungProbes = new ArrayList<>();
    private int[] ports;

    @AfterEach
    void stop() {
        leases.forEach(FaultyLease::heal);
        hungProbes.forEach(CountDownLatch::countDown);
        nodes.forEach(ClusterNode::close);
    }

    /** The stand-in for the server's store and services: one shared "store" epoch, as on the shared volume. */
    final class FakeServices implements ActiveServices {
        final String name;
        volatile boolean running;
        volatile String probeFailure;
        /** When set, what every probe returns (a volume's I/O error and what failed with it). */
        volatile List<ProbeFailure> probeIoFailures;
        /** While set and closed, every probe blocks on it, as a store call on a frozen volume does. */
        volatile CountDownLatch probeHang;
        volatile Error startError;

        FakeServices(String name) {
            this.name = name;
        }

        @Override
        public synchronized String start(long epoch) {
            Error e = startError;
            if (e != null) throw e;
            long stored = storeEpoch.get();
            if (stored > epoch) throw new EpochBehindException(stored, epoch);
            storeEpoch.set(epoch);
            running = true;
            maxServing.accumulateAndGet(serving.incrementAndGet(), Math::max);
            events.add(name + " start " + epoch);
            return "";
        }

        @Override
        public void stop() {
            synchronized (this) {
                if (!running) return;
                running = false;
                serving.decrementAndGet();
                events.add(name + " stop");
            }
            // the listeners are closed; closing a store on a hung volume then blocks as well
            CountDownLatch h = probeHang;
            if (h != null) {
                try {
                    h.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void closeConnections() {
            events.add(name + " close-connections");
        }

        @Override
        public List<ProbeFailure> probe(Duration timeout) {
            CountDownLatch h = probeHang;
            if (h != null) {
                try {
                    h.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String f = probeFailure;
            List<ProbeFailure> io = probeIoFailures;
            if (io != null) return io;
            return f == null ? List.of() : List.of(ProbeFailure.service(f));
        }
    }

    /** The lease area as one node sees it: healthy, failing with I/O errors, or hung. */
    static final class FaultyLease implements LeaseDevice {
        enum Mode { OK, FAIL, HANG }
        final LeaseArea area;
        volatile Mode mode = Mode.OK;
        volatile CountDownLatch hang = new CountDownLatch(1);

        FaultyLease(LeaseArea area) {
            this.area = area;
        }

        void heal() {
            mode = Mode.OK;
            hang.countDown();
        }

        private void check() throws IOException {
            switch (mode) {
                case FAIL -> throw new IOException("I/O error (injected)");
                case HANG -> {
                    try {
                        hang.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted");
                    }
                }
                default -> { }
            }
        }

        @Override
        public void write(int slot, LeaseSlot record) throws IOException {
            check();
            area.write(slot, record);
        }

        @Override
        public LeaseSlot.Read read(int slot) throws IOException {
            check();
            return area.read(slot);
        }

        @Override
        public void close() throws IOException {
            area.close();
        }
    }

    /** The pair's shared heartbeat secret, mode 0600 as an operator would keep it. */
    private Path secretFile() {
        Path f = dir.resolve("heartbeat.key");
        try {
            if (!Files.exists(f)) {
                Files.write(f, "lab secret of the two test nodes, 32+".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return f;
    }

    private ClusterSettings settings(String id, String peer, int slot, String fenceCommand, int[] channelPorts) {
        return settings(id, peer, slot, fenceCommand, "", channelPorts);
    }

    private ClusterSettings settings(String id, String peer, int slot, String fenceCommand, String fenceStatusCommand, int[] channelPorts) {
        InetSocketAddress lo = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        String host = lo.getAddress().getHostAddress();
        int me = slot * 2;
        int other = (1 - slot) * 2;
        List<HeartbeatChannel> channels = List.of(
                new HeartbeatChannel("private", new InetSocketAddress(host, channelPorts[me]), new InetSocketAddress(host, channelPorts[other])),
                new HeartbeatChannel("public", new InetSocketAddress(host, channelPorts[me + 1]), new InetSocketAddress(host, channelPorts[other + 1])));
        return new ClusterSettings(id, peer, slot, dir.resolve("state-" + id), dir.resolve("lease"), channels,
                new Timings(Duration.ofMillis(50), Duration.ofMillis(600), Duration.ofMillis(250)),
                "", "", fenceCommand, Duration.ofSeconds(5), "", "eth0", false,
                Duration.ofMillis(100), Duration.ofMillis(500), 2, List.of(), secretFile(), fenceStatusCommand);
    }

    private ClusterNode start(ClusterSettings s, FakeServices services) throws IOException {
        FaultyLease lease = new FaultyLease(LeaseArea.open(s.leaseDevice()));
        leases.add(lease);
        ClusterNode n = new ClusterNode(s, services, lease, false, System::nanoTime, new SimpleMeterRegistry());
        nodes.add(n);
        return n;
    }

    private static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<DatagramSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                open.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            open.forEach(DatagramSocket::close);
        }
        return ports;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
            Thread.sleep(20);
        }
    }

    record Pair(ClusterNode a, FakeServices sa, ClusterNode b, FakeServices sb) {}

    private Pair pair(String fenceCommand) throws Exception {
        return pair(fenceCommand, "");
    }

    private Pair pair(String fenceCommand, String fenceStatusCommand) throws Exception {
        ports = freePorts(4);
        FakeServices sa = new FakeServices("a");
        FakeServices sb = new FakeServices("b");
        ClusterNode a = start(settings("a", "b", 0, fenceCommand, fenceStatusCommand, ports), sa);
        ClusterNode b = start(settings("b", "a", 1, fenceCommand, fenceStatusCommand, ports), sb);
        await("a node is ACTIVE", () -> a.role() == Role.ACTIVE || b.role() == Role.ACTIVE);
        return new Pair(a, sa, b, sb);
    }

    @Test
    void aPairStartsWithExactlyOneActiveTheLowerSlotAtEpochOne() throws Exception {
        Pair p = pair("");
        Thread.sleep(1500); // several leases: nothing may change on its own
        assertThat(p.a().role()).isEqualTo(Role.ACTIVE);
        assertThat(p.b().role()).isEqualTo(Role.STANDBY);
        assertThat(p.a().epoch()).isEqualTo(1);
        assertThat(events).containsExactly("a start 1");
        assertThat(maxServing).hasValue(1);
        await("both heartbeat channels up on b", () -> p.b().status().channels().stream().allMatch(ClusterStatus.ChannelStatus::up));
        ClusterStatus st = p.b().status();
        assertThat(st.peerRole()).isEqualTo(Role.ACTIVE);
        assertThat(st.vipHolder()).contains("peer");
        assertThat(st.render()).contains("role:", "STANDBY", "heartbeat private:", "heartbeat public:");
        assertThat(p.b().whoServes()).contains("the active node is a");
    }

    @Test
    void whenTheActiveFallsSilentTheStandbyFencesItAndTakesOverAtAHigherEpoch() throws Exception {
        Path fenced = dir.resolve("fenced");
        Pair p = pair("echo \"$TWINMAIL_NODE fences $TWINMAIL_PEER\" > " + fenced);
        p.a().pauseForTest(); // hung: it renews nothing, and still holds its heartbeat ports
        p.sa().stop();
        await("b ACTIVE", () -> p.b().role() == Role.ACTIVE);
        assertThat(p.b().epoch()).isEqualTo(2);
        assertThat(storeEpoch).hasValue(2);
        assertThat(Files.readString(fenced).strip()).isEqualTo("b fences a");
        assertThat(events).containsExactly("a start 1", "a stop", "b start 2");
        assertThat(p.b().status().lastEvent()).contains("lease expired");
        assertThat(p.b().status().takeovers()).isEqualTo(1);
    }

    @Test
    void whenTheActivesProcessIsGoneThePeerFencesItAndTakesOverWithoutWaitingForTheLease() throws Exception {
        Path fenced = dir.resolve("fenced");
        Pair p = pair("echo \"$TWINMAIL_NODE fences $TWINMAIL_PEER\" > " + fenced);
        await("b hears a", () -> p.b().status().channels().stream().allMatch(ClusterStatus.ChannelStatus::up));
        p.a().haltForTest(); // gone: its heartbeat ports are closed, and the kernel says so to b's probes
        p.sa().stop();
        await("b ACTIVE", () -> p.b().role() == Role.ACTIVE);
        assertThat(p.b().status().lastEvent()).contains("the peer's process is gone: its heartbeat port answers port unreachable")
                .doesNotContain("lease expired");
        assertThat(Files.readString(fenced).strip()).as("the peer's machine still has the volume mounted: fenced first").isEqualTo("b fences a");
        assertThat(p.b().epoch()).isEqualTo(2);
        assertThat(events).containsExactly("a start 1", "a stop", "b start 2");
    }

    /**
     * Power loss is silence: the slot stops changing and no heartbeat comes, as when the process is
     * paused. The fence device's status query tells the two apart; "off" (exit code 2, as fence-agents
     * answer {@code -o status}) lets the standby fence and take over without waiting for the lease.
     */
    @Test
    void whenTheSilentActivesFenceDeviceReportsItOffThePeerFencesItAndTakesOverBeforeTheLeaseExpires() throws Exception {
        Path fenced = dir.resolve("fenced");
        Path off = dir.resolve("a-is-off");
        Path asked = dir.resolve("asked");
        Pair p = pair("echo \"$TWINMAIL_NODE fences $TWINMAIL_PEER\" > " + fenced,
                "echo \"$TWINMAIL_ACTION $TWINMAIL_PEER\" >> " + asked + "; test -e " + off + " && exit 2; exit 0");
        await("a ACTIVE, b STANDBY hearing it", () -> p.a().role() == Role.ACTIVE && p.b().role() == Role.STANDBY
                && p.b().status().channels().stream().allMatch(ClusterStatus.ChannelStatus::up));
        assertThat(asked).as("a peer that renews and sends heartbeats is never asked about").doesNotExist();
        p.a().pauseForTest(); // silent, its heartbeat ports still bound: no "port unreachable" shortcut
        Files.writeString(off, "");
        await("b ACTIVE", () -> p.b().role() == Role.ACTIVE);
        assertThat(p.b().status().lastEvent()).contains("the fence device reports the peer powered off").doesNotContain("lease expired");
        assertThat(Files.readString(fenced).strip()).as("fenced before the volume is mounted, so that it stays off").isEqualTo("b fences a");
        assertThat(Files.readAllLines(asked)).first().isEqualTo("status a");
        assertThat(p.b().epoch()).isEqualTo(2);
    }

    @Test
    void aSilentActiveThatItsFenceDeviceDoesNotReportOffKeepsTheLeaseRule() throws Exception {
        Path asked = dir.resolve("asked");
        Pair p = pair("true", "echo \"$TWINMAIL_ACTION\" >> " + asked + "; exit 0"); // "on": a paused JVM, a hung machine
        await("a ACTIVE, b STANDBY hearing it", () -> p.a().role() == Role.ACTIVE && p.b().role() == Role.STANDBY
                && p.b().status().channels().stream().allMatch(ClusterStatus.ChannelStatus::up));
        p.a().pauseForTest();
        await("b ACTIVE", () -> p.b().role() == Role.ACTIVE);
        assertThat(p.b().status().lastEvent()).contains("lease expired");
        assertThat(Files.readAllLines(asked)).as("asked while the peer was silent, and told \"on\"").isNotEmpty().allMatch("status"::equals);
    }

    @Test
    void withoutAFenceCommandAGoneProcessWaitsForTheLease() throws Exception {
        Pair p = pair("");
        await("b hears a", () -> p.b().status().channels().stream().allMatch(ClusterStatus.ChannelStatus::up));
        p.a().haltForTest();
        p.sa().stop();
        await("b ACTIVE", () -> p.b().role() == Role.ACTIVE);
        assertThat(p.b().status().lastEvent()).contains("lease expired");
    }

    @Test
    void whenTheActivesJvmDiesItsSupervisorReleasesAndThePeerTakesOverAtOnceWithoutTheFence() throws Exception {
        Path fenced = dir.resolve("fenced");
        Path released = dir.resolve("released");
        Pair p = pair("echo \"$TWINMAIL_NODE fences $TWINMAIL_PEER\" > " + fenced);
        ClusterSettings a = settings("a", "b", 0, "", ports);
        ClusterSettings supervised = new ClusterSettings(a.nodeId(), a.peerId(), a.slot(), a.stateDir(), a.leaseDevice(), a.channels(),
                a.timings(), "", "echo \"$TWINMAIL_ACTION $TWINMAIL_EPOCH\" >> " + released, "", a.hookTimeout(), "", "eth0", false,
                a.healthInterval(), a.healthTimeout(), a.healthFailures(), List.of(), null, "");
        try (LeaseArea lease = LeaseArea.open(a.leaseDevice())) {
            // the process is gone, its ports closed; its supervisor writes at once that it is at work (CRASHED), on which
            // the peer waits for its release instead of fencing
            p.a().haltForTest();
            p.sa().stop();
            assertThat(Supervisor.afterExit(supervised, lease, ProcessHandle.current().pid() + 1_000_000, 137))
                    .contains("released the volume and wrote STANDBY (crashed, yield)");
            assertThat(lease.read(0)).isInstanceOfSatisfying(LeaseSlot.Valid.class, v -> {
                assertThat(v.slot().role()).isEqualTo(Role.STANDBY);
                assertThat(v.slot().has(LeaseSlot.CRASHED)).isTrue();
                assertThat(v.slot().has(LeaseSlot.YIELD)).isTrue();
            });
        }
        assertThat(Files.readString(released).strip()).isEqualTo("release 1");
        await("b ACTIVE", () -> p.b().role() == Role.ACTIVE);
        assertThat(p.b().status().lastEvent()).contains("the peer's process died; its supervisor released the volume");
        assertThat(fenced).as("a released volume needs no fence").doesNotExist();
        assertThat(p.b().epoch()).isEqualTo(2);
        assertThat(events).containsExactly("a start 1", "a stop", "b start 2");
    }

    /**
     * The supervisor's watch over its own node: a JVM whose slot says it holds the volume and stops changing is killed
     * at the moment it would fence itself (leaseTime - selfFenceMargin), never before, and a standby or a fenced node
     * that stops writing is left alone (nothing to hand over, or the peer fences it).
     */
    @Test
    void theSupervisorCallsAJvmHungWhenItsSlotHoldsTheVolumeAndStopsChangingForTheSelfFenceTime() throws Exception {
        ClusterSettings s = settings("a", "b", 0, "", freePorts(4));
        long interval = s.timings().intervalNanos();
        long fence = s.timings().selfFenceNanos();
        Supervisor.LeaseWatch w = new Supervisor.LeaseWatch(s);
        long t = 1_000_000_000L;
        for (int seq = 1; seq < 50; seq++, t += interval) {
            assertThat(w.observe(new LeaseSlot("a", Role.ACTIVE, 3, seq, 0, 0), t)).as("renewing").isNull();
        }
        long last = t - interval;
        LeaseSlot stuck = new LeaseSlot("a", Role.ACTIVE, 3, 49, 0, 0);
        assertThat(w.observe(stuck, last + fence - 1)).isNull();
        assertThat(w.observe(null, last + fence)).as("an unreadable slot decides nothing").isNull();
        assertThat(w.observe(stuck, last + fence)).contains("ACTIVE at epoch 3", "has not changed for " + fence / 1_000_000 + " ms", "stopped or frozen");
        for (Role r : List.of(Role.STANDBY, Role.FENCED)) {
            Supervisor.LeaseWatch quiet = new Supervisor.LeaseWatch(s);
            assertThat(quiet.observe(new LeaseSlot("a", r, 3, 7, 0, 0), 0)).isNull();
            assertThat(quiet.observe(new LeaseSlot("a", r, 3, 7, 0, 0), 10 * fence)).as(r + " that stops writing").isNull();
        }
        // a restarted node's supervisor first finds the slot its previous JVM left (ACTIVE, killed or fenced): not this
        // JVM's, which may take seconds to start and write STANDBY; only a slot written since counts
        Supervisor.LeaseWatch restarted = new Supervisor.LeaseWatch(s);
        LeaseSlot previousLife = new LeaseSlot("a", Role.ACTIVE, 5, 80, 0, 0);
        assertThat(restarted.observe(previousLife, 0)).isNull();
        assertThat(restarted.observe(previousLife, 10 * fence)).as("a previous life's slot").isNull();
        assertThat(restarted.observe(new LeaseSlot("a", Role.STANDBY, 5, 81, 0, 0), 11 * fence)).isNull();
        assertThat(restarted.observe(new LeaseSlot("a", Role.STANDBY, 5, 81, 0, 0), 20 * fence)).as("a standby").isNull();
        Supervisor.LeaseWatch other = new Supervisor.LeaseWatch(s);
        other.observe(new LeaseSlot("x", Role.ACTIVE, 3, 7, 0, 0), 0);
        assertThat(other.observe(new LeaseSlot("x", Role.ACTIVE, 3, 7, 0, 0), 10 * fence)).as("another node's slot").isNull();
    }

    @Test
    void theSupervisorKillsTheProcessGroupOfAJvmWhoseSlotStoppedChangingWhileActive() throws Exception {
        ClusterSettings s = settings("a", "b", 0, "", freePorts(4));
        try (LeaseArea lease = LeaseArea.open(s.leaseDevice())) {
            lease.write(0, new LeaseSlot("a", Role.ACTIVE, 2, 40, LeaseSlot.PUBLIC_OK, 0));
            // a stand-in for the stopped JVM, leading its own process group as the node's JVM does, with a child of its own
            Process jvm = new ProcessBuilder(Supervisor.inOwnProcessGroup(List.of("sh", "-c", "sleep 60 & kill -STOP $$; wait"))).start();
            await("its child started", () -> jvm.descendants().findAny().isPresent());
            List<ProcessHandle> group = jvm.descendants().toList();
            AtomicLong now = new AtomicLong();
            AtomicInteger looks = new AtomicInteger();
            String why = Supervisor.watch(s, lease, jvm.toHandle(), () -> {
                // the JVM renews once after the watch's first look (a slot found unchanged from the start is a previous life's)
                if (looks.incrementAndGet() == 2) {
                    try {
                        lease.write(0, new LeaseSlot("a", Role.ACTIVE, 2, 41, LeaseSlot.PUBLIC_OK, 0));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
                return now.addAndGet(s.timings().intervalNanos());
            });
            assertThat(why).contains("has not changed for", "stopped or frozen");
            assertThat(jvm.waitFor(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).as("the stopped process killed").isTrue();
            await("its process group gone", () -> group.stream().allMatch(ClusterNodeTest::dead));
            assertThat(now.get()).as("not before the self-fence time after the JVM's last renewal")
                    .isGreaterThanOrEqualTo(3 * s.timings().intervalNanos() + s.timings().selfFenceNanos());
        }
    }

    /** Gone, or a zombie that nobody reaps (its parent was killed; in a container the first process may not reap). */
    private static boolean dead(ProcessHandle p) {
        if (!p.isAlive()) return true;
        try {
            String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void aSupervisorOfAStandbyDoesNothing() throws Exception {
        Pair p = pair("");
        p.b().haltForTest();
        ClusterSettings b = settings("b", "a", 1, "", ports);
        try (LeaseArea lease = LeaseArea.open(b.leaseDevice())) {
            assertThat(Supervisor.afterExit(b, lease, 1, 0)).contains("STANDBY: nothing to hand over");
        }
        Thread.sleep(300);
        assertThat(p.a().role()).isEqualTo(Role.ACTIVE);
    }

    @Test
    void anActiveWhoseLeaseWritesHangStopsServingBeforeThePeerTakesOver() throws Exception {
        Pair p = pair("");
        leases.get(0).mode = FaultyLease.Mode.HANG; // a paused JVM or frozen storage: nothing reaches the disk
        await("b ACTIVE", () -> p.b().role() == Role.ACTIVE);
        // fenced, then released (no release hook) on its transition thread, which a loaded machine may run late
        await("a STANDBY", () -> p.a().role() == Role.STANDBY);
        assertThat(events).containsExactly("a start 1", "a stop", "b start 2");
        assertThat(maxServing).as("never two nodes serving").hasValue(1);
        assertThat(p.a().status().lastEvent()).contains("self-fenced", "not renewed");
    }

    @Test
    void anActiveWhoseLeaseWritesFailFencesItselfAndNeverServesBeside() throws Exception {
        Pair p = pair("");
        leases.get(0).mode = FaultyLease.Mode.FAIL;
        await("b ACTIVE", () -> p.b().role() == Role.ACTIVE);
        assertThat(maxServing).as("never two nodes serving").hasValue(1);
        assertThat(events).containsExactly("a start 1", "a stop", "b start 2");
        // a cannot use the lease area, so it must not take anything back, whatever it sees
        Thread.sleep(1500);
        assertThat(p.a().role()).isNotEqualTo(Role.ACTIVE);
        leases.get(0).heal();
        Thread.sleep(1500);
        assertThat(p.b().role()).isEqualTo(Role.ACTIVE);
        assertThat(p.a().role()).isEqualTo(Role.STANDBY);
    }

    @Test
    void plannedSwitchoverMovesTheServiceAndThereIsNoAutomaticFailback() throws Exception {
        Pair p = pair("");
        assertThat(p.a().switchover(WAIT)).contains("b is ACTIVE at epoch 2");
        assertThat(p.b().role()).isEqualTo(Role.ACTIVE);
        Thread.sleep(2000);
        assertThat(p.a().role()).isEqualTo(Role.STANDBY);
        assertThat(p.b().role()).isEqualTo(Role.ACTIVE);
        // and back, asked from the standby's side this time
        assertThat(p.a().switchover(WAIT)).contains("a is ACTIVE at epoch 3");
        await("b STANDBY", () -> p.b().role() == Role.STANDBY);
        assertThat(events).containsExactly("a start 1", "a stop", "b start 2", "b stop", "a start 3");
        assertThat(maxServing).hasValue(1);
        assertThat(p.a().status().releases()).isEqualTo(1);
    }

    @Test
    void eachRoleChangeIsAnEventWithItsTimeReasonAndDurationAndListenersHearTakeoversOnceServing() throws Exception {
        Pair p = pair("");
        List<ClusterEvent> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Role> roleWhenHeard = new java.util.concurrent.CopyOnWriteArrayList<>();
        p.b().onEvent(e -> {
            heard.add(e);
            roleWhenHeard.add(p.b().role());
        });
        await("a has probed as the active", () -> p.a().probes().timeMillis() > 0);
        assertThat(p.a().probes().failures()).isEmpty();
        assertThat(p.a().probes().allowed()).isPositive();
        long before = System.currentTimeMillis();
        p.a().switchover(WAIT);
        assertThat(p.a().events()).extracting(ClusterEvent::kind).containsExactly("takeover", "handover");
        ClusterEvent handover = p.a().events().getLast();
        assertThat(handover.reason()).isEqualTo("switchover requested by the operator");
        assertThat(handover.epoch()).isEqualTo(1);
        assertThat(heard).hasSize(1);
        ClusterEvent takeover = heard.getFirst();
        assertThat(takeover.kind()).isEqualTo("takeover");
        assertThat(takeover.epoch()).isEqualTo(2);
        assertThat(takeover.reason()).isEqualTo("the peer handed the service over");
        assertThat(takeover.millis()).isPositive();
        assertThat(takeover.timeMillis()).isBetween(before, System.currentTimeMillis());
        assertThat(roleWhenHeard).containsExactly(Role.ACTIVE);
        assertThat(p.b().events()).containsExactly(takeover);
    }

    @Test
    void aSwitchoverWithoutAReadyStandbyIsRefusedWithTheReason() throws Exception {
        Pair p = pair("");
        p.b().haltForTest();
        await("a sees b's lease expire", () -> !p.a().status().peerAlive());
        assertThatThrownBy(() -> p.a().switchover(Duration.ofSeconds(2))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no standby is ready");
        assertThat(p.a().role()).isEqualTo(Role.ACTIVE);
    }

    @Test
    void servicesThatFailTheirHealthProbesAreHandedOver() throws Exception {
        Pair p = pair("");
        p.sa().probeFailure = "SMTP 127.0.0.1:25: no answer within 500 ms";
        await("b ACTIVE", () -> p.b().role() == Role.ACTIVE);
        await("a STANDBY", () -> p.a().role() == Role.STANDBY);
        assertThat(p.a().status().lastEvent()).contains("health probes", "no answer");
        assertThat(maxServing).hasValue(1);
    }

    @Test
    void aStorageIoErrorIsNamedAsTheCauseOfTheHandoverNotTheStoreErrorsItCaused() throws Exception {
        Pair p = pair("");
        // the store's error comes first in the round, as SQLite's does: it reports a read that failed with EIO as corruption
        p.sa().probeIoFailures = List.of(
                ProbeFailure.service("store: store read failed: [SQLITE_CORRUPT] The database disk image is malformed"),
                ProbeFailure.storageIo("data volume: cannot write /data/health-probe: Input/output error"));
        await("b ACTIVE", () -> p.b().role() == Role.ACTIVE);
        await("a STANDBY", () -> p.a().role() == Role.STANDBY);
        assertThat(p.a().status().lastEvent())
                .contains("health probes: storage I/O error: data volume: cannot write /data/health-probe: Input/output error")
                .doesNotContain("SQLITE_CORRUPT").doesNotContain("malformed");
    }

    @Test
    void probeFailuresNameTheFirstStorageIoErrorOfTheSeriesAsTheCause() {
        List<ProbeFailure> round = List.of(ProbeFailure.service("store: [SQLITE_CORRUPT] malformed"),
                ProbeFailure.storageIo("data volume: cannot write f: Read-only file system"));
        assertThat(ProbeFailure.describe(round, null)).startsWith("storage I/O error: data volume: cannot write f: Read-only file system (1 other")
                .doesNotContain("SQLITE_CORRUPT");
        assertThat(ProbeFailure.describe(round, "data volume: cannot read g: Input/output error"))
                .startsWith("storage I/O error: data volume: cannot read g: Input/output error (2 other");
        assertThat(ProbeFailure.describe(List.of(ProbeFailure.service("SMTP: no answer"), ProbeFailure.service("POP3: no answer")), null))
                .isEqualTo("SMTP: no answer; POP3: no answer");
    }

    @Test
    void probesThatHangOnTheStorageFenceTheActiveAndThePeerTakesOverWithTheFence() throws Exception {
        Path fenced = dir.resolve("fenced");
        Pair p = pair("echo \"$TWINMAIL_NODE fenced $TWINMAIL_PEER\" >> " + fenced);
        ClusterNode active = p.a().role() == Role.ACTIVE ? p.a() : p.b();
        ClusterNode standby = active == p.a() ? p.b() : p.a();
        FakeServices services = active == p.a() ? p.sa() : p.sb();
        CountDownLatch hang = new CountDownLatch(1);
        hungProbes.add(hang);
        services.probeHang = hang; // the lease device stays healthy: only the probes (the volume) hang
        await("the standby ACTIVE", () -> standby.role() == Role.ACTIVE);
        assertThat(active.role()).isNotEqualTo(Role.ACTIVE);
        // decided on how long the round has been blocked (as long as the lease may go unrenewed), not after more rounds
        assertThat(active.status().lastEvent()).contains("storage hung", "hung on the store", "as long as the lease may go unrenewed");
        // no clean handover was possible, so the peer fenced the hung node before it served
        assertThat(Files.readString(fenced)).contains("fenced " + active.status().nodeId());
        assertThat(maxServing).hasValue(1);
        // its clients were told at once (their connections closed, which needs the VIP still there), then it stopped
        String name = active == p.a() ? "a" : "b";
        assertThat(events).containsSubsequence(name + " close-connections", name + " stop");
    }

    @Test
    void losingTheHeartbeatNetworksIsReportedButTheDiskDecides() throws Exception {
        ports = freePorts(6);
        // b sends its heartbeats to ports nobody listens on: a hears b on no channel at all
        int[] bPorts = {ports[4], ports[5], ports[2], ports[3]};
        FakeServices sa = new FakeServices("a");
        FakeServices sb = new FakeServices("b");
        ClusterNode a = start(settings("a", "b", 0, "", ports), sa);
        ClusterNode b = start(settings("b", "a", 1, "", bPorts), sb);
        await("a ACTIVE", () -> a.role() == Role.ACTIVE);
        Thread.sleep(2000);
        assertThat(a.role()).isEqualTo(Role.ACTIVE);
        assertThat(b.role()).isEqualTo(Role.STANDBY);
        assertThat(a.status().channels()).allSatisfy(c -> assertThat(c.up()).isFalse());
        assertThat(a.status().peerAlive()).isTrue();
        assertThat(maxServing).hasValue(1);
    }

    @Test
    void aTakeoverThatFailsWithAnErrorLeavesTheNodeStandbyAndThePeerCanStillServe() throws Exception {
        ports = freePorts(4);
        FakeServices sa = new FakeServices("a");
        sa.startError = new NoClassDefFoundError("org/example/Missing");
        ClusterNode a = start(settings("a", "b", 0, "", ports), sa);
        ClusterNode b = start(settings("b", "a", 1, "", ports), new FakeServices("b"));
        await("b ACTIVE", () -> b.role() == Role.ACTIVE);
        assertThat(a.role()).isEqualTo(Role.STANDBY);
        assertThat(a.status().lastEvent()).contains("abandoned");
        assertThat(events).containsExactly("b start 2");
    }

    /**
     * The lease area as node b sees it, with the peer (slot 0) scripted by the test: a write of the peer's slot lands
     * just after the first read of it that happens once {@code when} holds, and every write of b's own slot is kept.
     */
    static final class ScriptedPeerLease implements LeaseDevice {
        final LeaseArea area;
        final AtomicInteger peerReads = new AtomicInteger();
        final List<Role> ownWrites = Collections.synchronizedList(new ArrayList<>());
        volatile LeaseSlot peerWritesAfterRead;
        volatile BooleanSupplier when = () -> false;

        ScriptedPeerLease(LeaseArea area) {
            this.area = area;
        }

        @Override
        public void write(int slot, LeaseSlot record) throws IOException {
            if (slot == 1) ownWrites.add(record.role());
            area.write(slot, record);
        }

        @Override
        public synchronized LeaseSlot.Read read(int slot) throws IOException {
            LeaseSlot.Read r = area.read(slot);
            if (slot == 0) {
                peerReads.incrementAndGet();
                LeaseSlot w = peerWritesAfterRead;
                if (w != null && when.getAsBoolean()) {
                    area.write(0, w);
                    peerWritesAfterRead = null;
                }
            }
            return r;
        }

        @Override
        public void close() throws IOException {
            area.close();
        }
    }

    /**
     * The stale-cache case of the takeover: the peer's slot changes just after the read on which the standby finds
     * the peer's lease expired (a renewal that was slow, not a dead peer). A takeover that claimed on that read
     * would see the renewal only after its claim and abandon it as a race: an epoch spent, a back-off of 1-6
     * intervals, and a CLAIMING in its slot that a live peer would take for a race too. It reads the slot afresh
     * before it claims: no claim, no epoch, no back-off; and once the peer really falls silent, it takes over at
     * the next epoch. The clock is the test's, so the lease expires exactly when the test says.
     */
    @Test
    void aTakeoverDecidedOnAStaleReadOfThePeersSlotReadsItAfreshAndDoesNotClaim() throws Exception {
        ports = freePorts(4);
        ClusterSettings s = settings("b", "a", 1, "", ports);
        try (LeaseArea peer = LeaseArea.open(s.leaseDevice())) {
            peer.write(0, new LeaseSlot("a", Role.ACTIVE, 1, 5, LeaseSlot.PUBLIC_OK, 0));
        }
        AtomicLong now = new AtomicLong(1_000_000_000L);
        long expired = now.get() + s.timings().leaseNanos() + 1;
        ScriptedPeerLease lease = new ScriptedPeerLease(LeaseArea.open(s.leaseDevice()));
        FakeServices sb = new FakeServices("b");
        ClusterNode b = new ClusterNode(s, sb, lease, false, now::get, new SimpleMeterRegistry());
        nodes.add(b);
        await("b has watched a's slot", () -> lease.peerReads.get() > 3);
        assertThat(b.role()).isEqualTo(Role.STANDBY);

        // a's renewal lands right after the read on which b finds a's lease expired
        lease.peerWritesAfterRead = new LeaseSlot("a", Role.ACTIVE, 1, 6, LeaseSlot.PUBLIC_OK, 0);
        lease.when = () -> now.get() >= expired;
        now.set(expired);
        await("a's renewal written after b's read", () -> lease.peerWritesAfterRead == null);
        int readsThen = lease.peerReads.get();
        // well over the claim's wait and the re-read after it (two intervals): a claim would be written and abandoned by now
        await("b has read a's slot a dozen times more", () -> lease.peerReads.get() > readsThen + 12);
        assertThat(lease.ownWrites).as("b's slot never said CLAIMING").doesNotContain(Role.CLAIMING);
        assertThat(b.role()).isEqualTo(Role.STANDBY);
        assertThat(b.epoch()).as("no epoch spent").isZero();
        assertThat(b.events()).as("nothing abandoned").isEmpty();
        assertThat(b.status().peerAlive()).isTrue();

        // a is silent from now on: b takes over, at the epoch after a's
        now.addAndGet(s.timings().leaseNanos() + 1);
        await("b ACTIVE", () -> b.role() == Role.ACTIVE);
        assertThat(b.epoch()).isEqualTo(2);
        assertThat(b.events()).extracting(ClusterEvent::kind).containsExactly("takeover");
        assertThat(events).containsExactly("b start 2");
    }

    @Test
    void aChangeOfThePeersSlotUndoesADecisionOnSilenceButARenewalThatSaysTheSameDoesNotUndoOthers() {
        LeaseSlot standbyYield = new LeaseSlot("a", Role.STANDBY, 3, 10, LeaseSlot.PUBLIC_OK | LeaseSlot.YIELD, 0);
        LeaseSlot renewed = new LeaseSlot("a", Role.STANDBY, 3, 11, LeaseSlot.PUBLIC_OK | LeaseSlot.YIELD | LeaseSlot.VIP_HELD, 1);
        assertThat(ClusterNode.changedSince(standbyYield, renewed, false)).as("a renewal of a handed-over peer").isFalse();
        assertThat(ClusterNode.changedSince(standbyYield, renewed, true)).as("any write undoes silence").isTrue();
        assertThat(ClusterNode.changedSince(standbyYield, new LeaseSlot("a", Role.CLAIMING, 4, 11, LeaseSlot.PUBLIC_OK, 1), false)).isTrue();
        assertThat(ClusterNode.changedSince(standbyYield, new LeaseSlot("a", Role.STANDBY, 3, 11, LeaseSlot.PUBLIC_OK, 1), false))
                .as("no longer yielding").isTrue();
        assertThat(ClusterNode.changedSince(null, null, true)).isFalse();
        assertThat(ClusterNode.changedSince(null, standbyYield, true)).as("a slot written since the decision on an empty one").isTrue();
    }

    @Test
    void aStoreThatKnowsANewerEpochMakesTheTakeoverClaimAboveIt() throws Exception {
        storeEpoch.set(41); // the lease area was replaced; the store remembers
        Pair p = pair("");
        await("a ACTIVE", () -> p.a().role() == Role.ACTIVE);
        assertThat(p.a().epoch()).isEqualTo(42);
        assertThat(storeEpoch).hasValue(42);
    }

    @Test
    void aSlotWrittenByAnotherNodeNameStopsTheStart() throws Exception {
        ports = freePorts(4);
        try (LeaseArea area = LeaseArea.open(dir.resolve("lease"))) {
            area.write(0, new LeaseSlot("x", Role.STANDBY, 3, 1, 0, 0));
        }
        assertThatThrownBy(() -> start(settings("a", "b", 0, "", ports), new FakeServices("a")))
                .isInstanceOf(IOException.class).hasMessageContaining("belongs to node \"x\"");
    }

    @Test
    void theControlSocketAnswersStatusAndRefusesUnknownRequests() throws Exception {
        Pair p = pair("");
        try (ControlSocket c = ControlSocket.start(dir.resolve("state-b"), p.b())) {
            assertThat(ControlSocket.call(dir.resolve("state-b"), "status")).contains("node:", "b (slot 1)", "STANDBY");
            assertThat(ControlSocket.call(dir.resolve("state-b"), "reboot")).startsWith("ERR unknown request");
        }
        assertThatThrownBy(() -> ControlSocket.call(dir.resolve("state-b"), "status")).hasMessageContaining("no cluster node runs");
    }
}
