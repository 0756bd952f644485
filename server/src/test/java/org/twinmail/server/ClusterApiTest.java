package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminClient;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations.AuditEntry;
import org.twinmail.admin.AdminOperations.ClusterInfo;
import org.twinmail.admin.AdminOperations.FailoverInfo;

/**
 * The admin API's view of the pair ({@code GET /api/admin/cluster}) and its switchover
 * ({@code POST /api/admin/cluster/switchover}): on a single node in process, and on a real pair of
 * two {@code twinmail serve} processes on loopback (shared data directory and lease file, as in
 * {@link PairFailoverTest}), where a switchover asked through the API moves the active role, the
 * new active writes the takeover into the failover history kept in the store, and the audit log
 * keeps the request.
 */
class ClusterApiTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private TwinmailServer single;

    @AfterEach
    void stop() {
        if (single != null) single.close();
        for (Process p : processes) p.destroyForcibly();
    }

    @Test
    void aSingleNodeSaysSoAndRefusesASwitchoverWithTheReason() throws Exception {
        single = TwinmailServer.start(TestConfigs.loopback(dir.resolve("data")));
        RunFile run = RunFile.read(single.runDir()).orElseThrow();
        try (AdminClient api = new AdminClient(run.uri(), run.token())) {
            ClusterInfo c = api.cluster();
            assertThat(c.mode()).isEqualTo("single");
            assertThat(c.node()).isEqualTo("mx.test.example");
            assertThat(c.role()).isEqualTo("ACTIVE");
            assertThat(c.epoch()).isEqualTo(single.store().epoch());
            assertThat(c.heartbeats()).isEmpty();
            assertThat(c.failovers()).isEmpty();
            assertThatThrownBy(api::switchover).isInstanceOf(AdminException.class)
                    .hasMessage("a single node has no standby to switch over to")
                    .extracting(e -> ((AdminException) e).kind()).isEqualTo(AdminException.Kind.CONFLICT);
            // the refusal is in the audit log, and only once (the handler's "requested" entry plus the refusal)
            List<AuditEntry> log = api.audit(10, null, null, null);
            assertThat(log).extracting(AuditEntry::action, AuditEntry::status, AuditEntry::outcome).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("POST /api/admin/cluster/switchover", 409, "a single node has no standby to switch over to"),
                    org.assertj.core.groups.Tuple.tuple("POST /api/admin/cluster/switchover", 202, "requested"));
        }
    }

    @Test
    void aSwitchoverThroughTheApiMovesTheActiveRoleAndIsInTheHistoryAndTheAuditLog() throws Exception {
        Path data = dir.resolve("data");
        assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "pair.example").exit()).isZero();
        int[] hbA = {LoopbackPair.freeUdpPort(), LoopbackPair.freeUdpPort()};
        int[] hbB = {LoopbackPair.freeUdpPort(), LoopbackPair.freeUdpPort()};
        Path stateA = node("a", "b", 0, data, hbA, hbB);
        Path stateB = node("b", "a", 1, data, hbB, hbA);
        ClusterStatusProbe.awaitRole("a", stateA, "ACTIVE", WAIT);
        ClusterStatusProbe.awaitRole("b", stateB, "STANDBY", WAIT);
        try (AdminClient a = client(stateA); AdminClient b = client(stateB)) {
            // both nodes answer, the standby too (it has no store: no history, its own events only)
            await("a's heartbeats heard and a probe round passed", () -> {
                ClusterInfo c = a.cluster();
                return c.heartbeats().stream().allMatch(h -> h.up() && h.lastHeard() != null) && c.probes().lastRun() != null && c.probes().ok()
                        && !c.failovers().isEmpty(); // the node that took over writes the record once it serves
            });
            ClusterInfo ca = a.cluster();
            assertThat(ca.mode()).isEqualTo("pair");
            assertThat(ca.role()).isEqualTo("ACTIVE");
            assertThat(ca.epoch()).isEqualTo(1);
            assertThat(ca.peer()).isEqualTo("b");
            assertThat(ca.peerRole()).isEqualTo("STANDBY");
            assertThat(ca.lease().peerAlive()).isTrue();
            assertThat(ca.heartbeats()).extracting(h -> h.channel()).containsExactly("private", "public");
            assertThat(ca.failovers()).extracting(FailoverInfo::node, FailoverInfo::kind, FailoverInfo::epoch)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("a", "takeover", 1L));
            ClusterInfo cb = b.cluster();
            assertThat(cb.role()).isEqualTo("STANDBY");
            assertThat(cb.peerRole()).isEqualTo("ACTIVE");
            assertThat(cb.failovers()).isEmpty();
            assertThat(cb.probes().lastRun()).isNull();

            // the switchover, asked through the API of the active node
            assertThat(a.switchover().result()).contains("b is ACTIVE at epoch 2");
            assertThat(ClusterStatusProbe.role(stateB)).isEqualTo("ACTIVE");
            assertThat(ClusterStatusProbe.role(stateA)).isEqualTo("STANDBY");

            // b writes its takeover into the history once it serves, which may be just after the answer
            await("b's takeover in the history", () -> b.cluster().failovers().size() >= 2);
            ClusterInfo after = b.cluster();
            assertThat(after.role()).isEqualTo("ACTIVE");
            assertThat(after.epoch()).isEqualTo(2);
            assertThat(after.failovers()).hasSize(2);
            FailoverInfo last = after.failovers().getFirst();
            assertThat(last.node()).isEqualTo("b");
            assertThat(last.epoch()).isEqualTo(2);
            assertThat(last.reason()).isEqualTo("the peer handed the service over");
            assertThat(last.millis()).isPositive();
            assertThat(a.cluster().events()).extracting(FailoverInfo::kind).startsWith("handover", "takeover");
            // the request went into the audit log while a still had the store
            assertThat(b.audit(10, null, null, null)).extracting(AuditEntry::action, AuditEntry::outcome)
                    .contains(org.assertj.core.groups.Tuple.tuple("POST /api/admin/cluster/switchover", "requested"));
        }
    }

    private Path node(String id, String peer, int slot, Path data, int[] hb, int[] peerHb) throws Exception {
        Path state = dir.resolve("state-" + id);
        Path config = dir.resolve(id + ".yaml");
        LoopbackPair.writeConfig(config, id, peer, slot, data, state, dir.resolve("lease"), LoopbackPair.freeTcpPort(), LoopbackPair.freeTcpPort(),
                hb, peerHb, null);
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = dir.resolve(id + ".log");
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "org.twinmail.server.cli.Main", "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!(Files.exists(log) && Files.readString(log).contains("TwinMail ready"))) {
            if (!p.isAlive()) throw new AssertionError("node " + id + " exited: " + Files.readString(log));
            if (System.nanoTime() > deadline) throw new AssertionError("node " + id + " did not start: " + Files.readString(log));
            Thread.sleep(50);
        }
        return state;
    }

    private static AdminClient client(Path stateDir) {
        RunFile run = RunFile.read(stateDir).orElseThrow();
        return new AdminClient(run.uri(), run.token());
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError(what + " within " + WAIT.toSeconds() + " s");
            Thread.sleep(100);
        }
    }
}
