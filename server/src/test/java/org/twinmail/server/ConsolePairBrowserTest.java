package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.twinmail.admin.AdminClient;
import org.twinmail.admin.AdminOperations.AdminCreated;
import org.twinmail.admin.Totp;

/**
 * The planned switchover from the console in real headless Chromium, on a pair of two
 * {@code twinmail serve} processes on loopback (shared data directory and lease file, as in
 * {@link ClusterApiTest}): a global administrator opens the active node's pair page, presses
 * "Switch over…", confirms, and the active role moves to the other node, whose console (the same
 * session: sessions live in the store, and the cookie is the host's) shows it active with the
 * takeover in the failover history. Screenshots: pair-before, pair-after (web/target/screenshots).
 */
class ConsolePairBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    static final String ROOT_PASSWORD = "root password 1";

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private ConsoleBrowser console;

    @AfterEach
    void stop() {
        if (console != null) console.close();
        for (Process p : processes) p.destroyForcibly();
    }

    @Test
    void aSwitchoverFromTheConsoleMovesTheActiveRole() throws Exception {
        Path data = dir.resolve("data");
        assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "pair.example").exit()).isZero();
        int[] hbA = {LoopbackPair.freeUdpPort(), LoopbackPair.freeUdpPort()};
        int[] hbB = {LoopbackPair.freeUdpPort(), LoopbackPair.freeUdpPort()};
        Path stateA = node("a", "b", 0, data, hbA, hbB);
        Path stateB = node("b", "a", 1, data, hbB, hbA);
        ClusterStatusProbe.awaitRole("a", stateA, "ACTIVE", WAIT);
        ClusterStatusProbe.awaitRole("b", stateB, "STANDBY", WAIT);
        AdminCreated root;
        RunFile runA = RunFile.read(stateA).orElseThrow();
        RunFile runB = RunFile.read(stateB).orElseThrow();
        try (AdminClient a = new AdminClient(runA.uri(), runA.token())) {
            root = a.addAdmin("root", ROOT_PASSWORD.toCharArray(), "global", null);
            await("a's takeover in the history and the peer heard", () -> {
                var c = a.cluster();
                return !c.failovers().isEmpty() && "STANDBY".equals(c.peerRole()) && c.heartbeats().stream().allMatch(h -> h.up());
            });
        }

        console = new ConsoleBrowser(http(runA), WAIT);
        console.driver.get(console.base + "/console/");
        console.login("root", ROOT_PASSWORD, Totp.code(root.totpSecret(), Instant.now().getEpochSecond()));
        console.page("pair");
        assertThat(console.attribute(By.id("pair-nodes"), "data-role")).isEqualTo("ACTIVE");
        assertThat(console.text(By.id("pair-nodes"))).contains("a: ACTIVE at epoch 1", "b: STANDBY at epoch");
        console.shootBoth("pair-before");

        // the button asks first; nothing moves until the administrator confirms
        console.click("switchover");
        Alert confirm = console.wait.until(ExpectedConditions.alertIsPresent());
        assertThat(confirm.getText()).startsWith("Switch over: b becomes the active node and serves every client.");
        confirm.dismiss();
        assertThat(ClusterStatusProbe.role(stateA)).isEqualTo("ACTIVE");
        console.click("switchover");
        console.wait.until(ExpectedConditions.alertIsPresent()).accept();

        // the active role moves to b (the console's request answers once the service has moved)
        ClusterStatusProbe.awaitRole("b", stateB, "ACTIVE", WAIT);
        ClusterStatusProbe.awaitRole("a", stateA, "STANDBY", WAIT);

        // b's console, with the same session, shows it active and its takeover in the history
        console.base = http(runB);
        console.page("pair");
        console.wait.until(d -> {
            if (!d.findElements(By.cssSelector("#pair-failovers tr[data-epoch='2']")).isEmpty()) return true;
            d.navigate().refresh(); // b writes its takeover once it serves, maybe just after the switchover's answer
            console.waitFor(By.cssSelector("#page[data-ready='true']"));
            return false;
        });
        assertThat(console.attribute(By.id("pair-nodes"), "data-role")).isEqualTo("ACTIVE");
        assertThat(console.text(By.id("pair-nodes"))).contains("b: ACTIVE at epoch 2", "a: STANDBY at epoch");
        assertThat(console.text(By.cssSelector("#pair-failovers tr[data-epoch='2']"))).contains("b", "takeover", "the peer handed the service over");
        console.shootBoth("pair-after");
        console.page("audit");
        assertThat(console.text(By.id("audit"))).contains("POST /api/admin/cluster/switchover", "requested");
    }

    private static String http(RunFile run) {
        return run.uri().toString().replaceAll("/+$", "").replaceAll("/api/admin$", "");
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

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError(what + " within " + WAIT.toSeconds() + " s");
            Thread.sleep(100);
        }
    }
}
