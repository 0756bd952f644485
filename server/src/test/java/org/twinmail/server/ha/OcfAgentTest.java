package org.twinmail.server.ha;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.server.ClusterStatusProbe;
import org.twinmail.server.LoopbackPair;

/**
 * The OCF resource agent (ha/ocf/twinmail) driven against a real pair on loopback: node b
 * runs on its own (the peer), node a is started, promoted, demoted and stopped through the
 * agent, and every action's OCF exit code is checked; then Debian's ocf-tester (from
 * resource-agents) runs its own sequence against the agent, where it is installed. No
 * network namespace, no VIP: nothing here touches the HA lab.
 */
class OcfAgentTest {
    private static final Path AGENT = Path.of("..", "ha", "ocf", "twinmail").toAbsolutePath().normalize();
    private static final Path OCF_TESTER = Path.of("/usr/sbin/ocf-tester");
    private static final Duration WAIT = Duration.ofSeconds(60);
    static final int OCF_SUCCESS = 0, OCF_ERR_CONFIGURED = 6, OCF_NOT_RUNNING = 7, OCF_RUNNING_MASTER = 8;

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private String java;
    private Path configA, stateA, stateB;

    @BeforeEach
    void pair() throws Exception {
        java = ProcessHandle.current().info().command().orElse("java");
        int[] hbA = {LoopbackPair.freeUdpPort(), LoopbackPair.freeUdpPort()};
        int[] hbB = {LoopbackPair.freeUdpPort(), LoopbackPair.freeUdpPort()};
        Files.write(dir.resolve("hb.key"), "the test pair's heartbeat secret!".getBytes());
        configA = node("a", "b", 0, hbA, hbB);
        Path configB = node("b", "a", 1, hbB, hbA);
        stateA = dir.resolve("state-a");
        stateB = dir.resolve("state-b");
        // the peer, started outside the agent as on the other machine; alone, it takes the service
        Process b = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "org.twinmail.server.cli.Main", "serve", "--config", configB.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("b.log").toFile()).start();
        processes.add(b);
        ClusterStatusProbe.awaitRole("b", stateB, "ACTIVE", WAIT);
    }

    @AfterEach
    void stop() throws Exception {
        agent("stop"); // idempotent: the node the agent started, if it still runs
        for (Process p : processes) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void eachActionReturnsItsOcfCode() throws Exception {
        assertThat(agent("meta-data").exit()).isEqualTo(OCF_SUCCESS);
        assertThat(agent("meta-data").output()).contains("<resource-agent name=\"twinmail\"", "name=\"promote\"");
        assertThat(agent("validate-all").exit()).isEqualTo(OCF_SUCCESS);
        assertThat(agent("monitor").exit()).as("before start").isEqualTo(OCF_NOT_RUNNING);

        assertThat(agent("start").exit()).isEqualTo(OCF_SUCCESS);
        assertThat(agent("monitor").exit()).as("started beside an active peer: unpromoted").isEqualTo(OCF_SUCCESS);
        assertThat(agent("demote").exit()).as("demoting an unpromoted node").isEqualTo(OCF_SUCCESS);

        assertThat(agent("promote").exit()).isEqualTo(OCF_SUCCESS);
        assertThat(ClusterStatusProbe.role(stateA)).isEqualTo("ACTIVE");
        assertThat(ClusterStatusProbe.role(stateB)).isEqualTo("STANDBY");
        assertThat(agent("monitor").exit()).as("promoted").isEqualTo(OCF_RUNNING_MASTER);
        assertThat(agent("promote").exit()).as("promoting a promoted node").isEqualTo(OCF_SUCCESS);

        assertThat(agent("demote").exit()).isEqualTo(OCF_SUCCESS);
        assertThat(ClusterStatusProbe.role(stateB)).isEqualTo("ACTIVE");
        assertThat(agent("monitor").exit()).as("demoted").isEqualTo(OCF_SUCCESS);

        assertThat(agent("stop").exit()).isEqualTo(OCF_SUCCESS);
        assertThat(agent("monitor").exit()).as("stopped").isEqualTo(OCF_NOT_RUNNING);
        assertThat(agent("stop").exit()).as("stopping a stopped node").isEqualTo(OCF_SUCCESS);
        assertThat(ClusterStatusProbe.role(stateB)).as("the peer serves throughout").isEqualTo("ACTIVE");

        // a configuration without a cluster section is a single node: not something this agent manages
        Path single = dir.resolve("single.yaml");
        Files.writeString(single, "hostname: single.test.example\ndataDir: " + dir.resolve("single-data") + "\n");
        assertThat(agent(Map.of("OCF_RESKEY_config", single.toString()), "validate-all").exit()).isEqualTo(OCF_ERR_CONFIGURED);
        assertThat(agent(Map.of("OCF_RESKEY_config", single.toString()), "start").exit()).isEqualTo(OCF_ERR_CONFIGURED);
    }

    @Test
    void debiansOcfTesterPassesThePromotableAgent() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(OCF_TESTER), "ocf-tester (Debian resource-agents) is not installed");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/xmllint")), "xmllint (libxml2-utils), which ocf-tester needs, is not installed");
        List<String> cmd = new ArrayList<>(List.of(OCF_TESTER.toString(), "-n", "twinmail-a"));
        for (Map.Entry<String, String> e : params().entrySet()) {
            cmd.add("-o");
            cmd.add(e.getKey().substring("OCF_RESKEY_".length()) + "=" + e.getValue());
        }
        cmd.add(AGENT.toString());
        Result r = run(cmd, Map.of(), Duration.ofMinutes(5));
        assertThat(r.output()).as(r.output()).contains("passed all tests");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(ClusterStatusProbe.role(stateB)).as("the peer serves at the end").isEqualTo("ACTIVE");
    }

    // ---- harness ----

    private Path node(String id, String peer, int slot, int[] hb, int[] peerHb) throws IOException {
        Path config = dir.resolve(id + ".yaml");
        LoopbackPair.writeConfig(config, id, peer, slot, dir.resolve("data"), dir.resolve("state-" + id), dir.resolve("lease"),
                LoopbackPair.freeTcpPort(), LoopbackPair.freeTcpPort(), hb, peerHb, dir.resolve("hb.key"));
        return config;
    }

    /** The agent's parameters for node a, as Pacemaker passes them. */
    private Map<String, String> params() {
        return Map.of(
                "OCF_RESKEY_config", configA.toString(),
                "OCF_RESKEY_twinmail", java + " -Xmx256m -cp " + System.getProperty("java.class.path") + " org.twinmail.server.cli.Main",
                "OCF_RESKEY_pidfile", dir.resolve("a.pid").toString(),
                "OCF_RESKEY_logfile", dir.resolve("a.log").toString());
    }

    private Result agent(String action) throws Exception {
        return agent(Map.of(), action);
    }

    private Result agent(Map<String, String> overrides, String action) throws Exception {
        Result r = run(List.of(AGENT.toString(), action), overrides, Duration.ofMinutes(2));
        // the agent's messages (ocf_exit_reason) say why an exit code was what it was
        System.out.println("agent " + action + " -> " + r.exit() + (r.output().isBlank() || action.equals("meta-data") ? "" : ": " + r.output().strip()));
        return r;
    }

    private record Result(int exit, String output) {}

    private Result run(List<String> cmd, Map<String, String> overrides, Duration timeout) throws Exception {
        Path out = Files.createTempFile(dir, "agent", ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(params());
        pb.environment().putAll(overrides);
        pb.environment().put("OCF_RESOURCE_INSTANCE", "twinmail-a");
        pb.environment().put("HA_RSCTMP", dir.toString());
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish within " + timeout.toSeconds() + " s: " + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
    }


}
