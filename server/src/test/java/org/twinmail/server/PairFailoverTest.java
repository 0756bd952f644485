package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real {@code twinmail serve} processes as a pair on one machine, without root: the
 * data directory and the lease file are shared (no hooks, no VIP; each node has its own
 * ports). The lab (ha/lab.sh) adds namespaces, loop devices, the VIP and the fault
 * injection; this test covers the wiring: standby start, admin refusal on the standby,
 * planned switchover, takeover after kill -9, and a SIGSTOPped active that resumes after
 * the takeover and must neither serve nor write.
 */
class PairFailoverTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws Exception {
        for (Process p : processes) {
            new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor();
            p.destroyForcibly();
        }
    }

    private record Node(String id, Path config, Path state, int smtpPort, int pop3Port, Process[] process) {}



    private Node node(String id, String peer, int slot, Path data, int[] hb, int[] peerHb) throws IOException {
        int smtp = LoopbackPair.freeTcpPort();
        int pop3 = LoopbackPair.freeTcpPort();
        Path state = dir.resolve("state-" + id);
        Path config = dir.resolve(id + ".yaml");
        LoopbackPair.writeConfig(config, id, peer, slot, data, state, dir.resolve("lease"), smtp, pop3, hb, peerHb, null);
        return new Node(id, config, state, smtp, pop3, new Process[1]);
    }

    private void start(Node n) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = dir.resolve(n.id() + "-" + processes.size() + ".log");
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "org.twinmail.server.cli.Main", "serve", "--config", n.config().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        n.process()[0] = p;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!(Files.exists(log) && Files.readString(log).contains("TwinMail ready"))) {
            if (!p.isAlive()) throw new AssertionError("node " + n.id() + " exited: " + Files.readString(log));
            if (System.nanoTime() > deadline) throw new AssertionError("node " + n.id() + " did not start: " + Files.readString(log));
            Thread.sleep(50);
        }
    }

    private static String status(Node n) {
        return ClusterStatusProbe.status(n.state());
    }

    private static String role(Node n) {
        return ClusterStatusProbe.role(n.state());
    }

    private static long epoch(Node n) {
        return ClusterStatusProbe.epoch(n.state());
    }

    private static void awaitRole(Node n, String role) throws InterruptedException {
        ClusterStatusProbe.awaitRole(n.id(), n.state(), role, WAIT);
    }

    /** One SMTP transaction; returns the reply to the end of DATA, or the failure. */
    private static String send(int port, String subject) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            String r = reply(in);
            if (!r.startsWith("220")) return r;
            for (String cmd : List.of("EHLO pair.test", "MAIL FROM:<x@remote.example>", "RCPT TO:<vic@pair.example>", "DATA")) {
                out.write((cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
                r = reply(in);
                if (r.charAt(0) != '2' && r.charAt(0) != '3') return r;
            }
            out.write(("Subject: " + subject + "\r\n\r\nbody\r\n.\r\n").getBytes(StandardCharsets.US_ASCII));
            r = reply(in);
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            return r;
        } catch (IOException e) {
            return "failed: " + e.getMessage();
        }
    }

    private static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("connection closed");
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    /** Message count in the mailbox, through POP3 STAT. */
    private static int count(int pop3Port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), pop3Port)) {
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            in.readLine();
            for (String cmd : List.of("USER vic@pair.example", "PASS pw-long-enough")) {
                out.write((cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
                String r = in.readLine();
                if (!r.startsWith("+OK")) throw new IOException(cmd.split(" ")[0] + ": " + r);
            }
            out.write("STAT\r\n".getBytes(StandardCharsets.US_ASCII));
            String stat = in.readLine();
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            return Integer.parseInt(stat.split(" ")[1]);
        }
    }

    @Test
    void switchoverKillAndPauseMoveTheServiceAndTheStaleNodeNeverServes() throws Exception {
        Path data = dir.resolve("data");
        assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "pair.example").exit()).isZero();
        assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "vic@pair.example", "--password", "pw-long-enough").exit()).isZero();
        // the pair's alerts ("the pair is unprotected" once b is killed) go to postmaster@, which without an account of
        // its own is the domain's first account: give it one, so vic's mailbox holds the test's messages only
        assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "postmaster@pair.example", "--password", "pw-long-enough").exit()).isZero();
        int[] hbA = {LoopbackPair.freeUdpPort(), LoopbackPair.freeUdpPort()};
        int[] hbB = {LoopbackPair.freeUdpPort(), LoopbackPair.freeUdpPort()};
        Node a = node("a", "b", 0, data, hbA, hbB);
        Node b = node("b", "a", 1, data, hbB, hbA);
        start(a);
        start(b);
        awaitRole(a, "ACTIVE");
        awaitRole(b, "STANDBY");
        assertThat(epoch(a)).isEqualTo(1);
        assertThat(send(a.smtpPort(), "one")).startsWith("250");

        // the standby names the active node instead of touching the shared store
        CliRunner.Result refused = CliRunner.run("admin", "--config", b.config().toString(), "domain", "list");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("STANDBY", "the active node is a");
        CliRunner.Result listed = CliRunner.run("admin", "--config", a.config().toString(), "domain", "list");
        assertThat(listed.out()).contains("pair.example");

        // planned switchover, asked on the active
        CliRunner.Result sw = CliRunner.run("cluster", "switchover", "--config", a.config().toString());
        assertThat(sw.exit()).as(sw.err()).isZero();
        assertThat(sw.out()).contains("b is ACTIVE at epoch 2");
        assertThat(send(b.smtpPort(), "two")).startsWith("250");
        assertThat(send(a.smtpPort(), "refused")).doesNotStartWith("250");

        // kill -9 of the active: a takes over by itself
        b.process()[0].destroyForcibly().waitFor();
        awaitRole(a, "ACTIVE");
        // The epoch is a fencing token: each takeover must raise it. A claim abandoned in a race (the peer's slot
        // written between the decision and the check) spends one too, so the token may rise by more than one.
        long afterKill = epoch(a);
        assertThat(afterKill).isGreaterThanOrEqualTo(3);
        assertThat(send(a.smtpPort(), "three")).startsWith("250");
        assertThat(count(a.pop3Port())).isEqualTo(3);

        // b returns as the standby (no failback); then a is paused, b takes over, a resumes
        start(b);
        awaitRole(b, "STANDBY");
        Thread.sleep(2000);
        assertThat(role(a)).isEqualTo("ACTIVE");
        long pid = a.process()[0].pid();
        new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
        awaitRole(b, "ACTIVE");
        assertThat(epoch(b)).isGreaterThan(afterKill);
        assertThat(send(b.smtpPort(), "four")).startsWith("250");
        new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
        awaitRole(a, "STANDBY");
        assertThat(status(a)).contains("self-fenced");
        assertThat(send(a.smtpPort(), "stale")).doesNotStartWith("250");
        assertThat(count(b.pop3Port())).isEqualTo(4);
        assertThat(CliRunner.run("cluster", "status", "--config", b.config().toString()).out())
                .contains("ACTIVE", "heartbeat private:", "heartbeat public:");
    }
}
