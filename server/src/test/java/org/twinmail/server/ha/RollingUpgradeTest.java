package org.twinmail.server.ha;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.cluster.ControlSocket;
import org.twinmail.server.ClusterStatusProbe;
import org.twinmail.server.LoopbackPair;

/**
 * A rolling upgrade: the previous release (a jar built from the git history, named by
 * {@code -Dtwinmail.previous.jar}; {@code ha/previous-release.sh} builds one) as one node of a
 * pair and this build as the other, on one shared data directory and lease file, while a client
 * keeps sending mail to whichever node serves: a switchover from the previous release to this one
 * (which opens, and may extend, the store the previous one wrote), then back (the previous release
 * opens the store this one has used). Every acknowledged message is in the mailbox at the end,
 * read over POP3 from the previous release, and the store's schema_version is still one the
 * previous release accepts. Skipped without the property.
 *
 * <p>With {@code -Dtwinmail.upgrade.seed=DIR} the pair starts on a copy of the data directory DIR (a
 * large store, such as the one StoreOpenTimingTest builds) instead of an empty one, and each
 * switchover is timed: from the command to its answer, and to the first message the new node
 * accepted (target/upgrade-report.txt), the figures docs/cluster.md gives for a 100,000-message store.
 */
@EnabledIfSystemProperty(named = "twinmail.previous.jar", matches = ".+")
class RollingUpgradeTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) p.destroy();
        for (Process p : processes) if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void mailFlowsThroughASwitchoverFromThePreviousReleaseToThisOneAndBack() throws Exception {
        Path previous = Path.of(System.getProperty("twinmail.previous.jar"));
        assertThat(previous).isRegularFile();
        String java = ProcessHandle.current().info().command().orElse("java");
        int[] hbA = {LoopbackPair.freeUdpPort(), LoopbackPair.freeUdpPort()};
        int[] hbB = {LoopbackPair.freeUdpPort(), LoopbackPair.freeUdpPort()};
        int smtpA = LoopbackPair.freeTcpPort(), pop3A = LoopbackPair.freeTcpPort();
        int smtpB = LoopbackPair.freeTcpPort(), pop3B = LoopbackPair.freeTcpPort();
        Files.write(dir.resolve("hb.key"), "the test pair's heartbeat secret!".getBytes(StandardCharsets.US_ASCII));
        Path data = dir.resolve("data");
        Path configA = dir.resolve("a.yaml"), configB = dir.resolve("b.yaml");
        Path stateA = dir.resolve("state-a"), stateB = dir.resolve("state-b");
        LoopbackPair.writeConfig(configA, "a", "b", 0, data, stateA, dir.resolve("lease"), smtpA, pop3A, hbA, hbB, dir.resolve("hb.key"));
        LoopbackPair.writeConfig(configB, "b", "a", 1, data, stateB, dir.resolve("lease"), smtpB, pop3B, hbB, hbA, dir.resolve("hb.key"));
        // the configuration both releases read: this build's YAML must stay within what the previous one accepts
        Files.writeString(configA, Files.readString(configA).replace("auth: { argon2MemoryKiB: 1024, argon2Iterations: 1 }",
                "auth: { argon2MemoryKiB: 1024, argon2Iterations: 1, plaintextAuth: always }"));
        Files.writeString(configB, Files.readString(configB).replace("auth: { argon2MemoryKiB: 1024, argon2Iterations: 1 }",
                "auth: { argon2MemoryKiB: 1024, argon2Iterations: 1, plaintextAuth: always }"));
        // ManageSieve came after the previous release, which refuses a configuration that names it: node a's goes without
        // (a site upgrading adds such settings once both nodes run the new release)
        Files.writeString(configA, Files.readString(configA).replaceAll("(?m)^managesieve:.*\n", ""));

        String seed = System.getProperty("twinmail.upgrade.seed", "");
        List<String> report = new ArrayList<>();
        if (!seed.isEmpty()) {
            long c0 = System.nanoTime();
            ProcessBuilder copy = new ProcessBuilder("cp", "-a", Path.of(seed).resolve("store").toString(), data.resolve("store").toString());
            Files.createDirectories(data);
            assertThat(copy.inheritIO().start().waitFor()).isZero();
            report.add(String.format("seeded from %s in %.1f s", seed, (System.nanoTime() - c0) / 1e9));
        }
        // node a: the previous release, alone, takes the service (the lower slot)
        start(List.of(java, "-Xmx256m", "-cp", previous.toString(), "org.twinmail.server.cli.Main", "serve", "--config", configA.toString()), "a");
        ClusterStatusProbe.awaitRole("a", stateA, "ACTIVE", WAIT);
        for (List<String> cmd : List.of(List.of("domain", "add", "upgrade.example"), List.of("user", "add", "vic@upgrade.example", "--password", "pw-long-enough"))) {
            List<String> args = new ArrayList<>(List.of(java, "-cp", previous.toString(), "org.twinmail.server.cli.Main", "admin", "--config", configA.toString()));
            args.addAll(cmd);
            Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
        }
        // node b: this build, joins as the standby
        start(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), "org.twinmail.server.cli.Main", "serve", "--config",
                configB.toString()), "b");
        ClusterStatusProbe.awaitRole("b", stateB, "STANDBY", WAIT);

        // a client sends one message after the other to whichever node answers
        List<String> acked = Collections.synchronizedList(new ArrayList<>());
        List<String> servedBy = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        Thread client = Thread.ofPlatform().start(() -> {
            int n = 0;
            while (!stop.get()) {
                String subject = "upgrade-" + (n + 1);
                for (int port : new int[] {smtpA, smtpB}) {
                    String host = send(port, subject);
                    if (host != null) {
                        acked.add(subject);
                        servedBy.add(host);
                        n++;
                        break;
                    }
                }
            }
        });
        awaitSent(acked, 10);

        // previous -> this build
        long s0 = System.nanoTime();
        int atSwitch = acked.size();
        String answer = ControlSocket.call(stateA, "switchover", WAIT);
        long answered = System.nanoTime();
        assertThat(answer).as(answer).startsWith("switched over");
        ClusterStatusProbe.awaitRole("b", stateB, "ACTIVE", WAIT);
        awaitServedBy(servedBy, atSwitch, "b.test.example");
        report.add(String.format("switchover previous release -> this build: %d ms to the command's answer, %d ms to the first message"
                + " the new node accepted", (answered - s0) / 1_000_000, (System.nanoTime() - s0) / 1_000_000));
        int before = acked.size();
        awaitSent(acked, before + 10);
        assertThat(snapshot(servedBy).subList(before, before + 10)).as("served by this build after the first switchover").contains("b.test.example");

        // this build -> previous: the previous release opens the store this one has used
        s0 = System.nanoTime();
        atSwitch = acked.size();
        answer = ControlSocket.call(stateB, "switchover", WAIT);
        answered = System.nanoTime();
        assertThat(answer).as(answer).startsWith("switched over");
        ClusterStatusProbe.awaitRole("a", stateA, "ACTIVE", WAIT);
        awaitServedBy(servedBy, atSwitch, "a.test.example");
        report.add(String.format("switchover this build -> previous release: %d ms to the command's answer, %d ms to the first message"
                + " the new node accepted", (answered - s0) / 1_000_000, (System.nanoTime() - s0) / 1_000_000));
        before = acked.size();
        awaitSent(acked, before + 10);
        assertThat(snapshot(servedBy).subList(before, before + 10)).as("served by the previous release again").contains("a.test.example");
        stop.set(true);
        client.join();

        // every acknowledged message, read over POP3 from the previous release
        Set<String> inMailbox = pop3Subjects(pop3A, "vic@upgrade.example", "pw-long-enough");
        assertThat(inMailbox).containsAll(acked);
        assertThat(servedBy).contains("a.test.example", "b.test.example");
        report.add(acked.size() + " messages acknowledged during the upgrade, every one in the mailbox");
        report.forEach(System.out::println);
        Files.write(Path.of("target", "upgrade-report.txt"), report, StandardCharsets.UTF_8);
    }

    /** Waits until a message after the first {@code from} was accepted by {@code host}. */
    private static void awaitServedBy(List<String> servedBy, int from, String host) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!snapshot(servedBy).subList(Math.min(from, servedBy.size()), servedBy.size()).contains(host)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no message accepted by " + host + " within " + WAIT.toSeconds() + " s");
            Thread.sleep(5);
        }
    }

    private static List<String> snapshot(List<String> list) {
        synchronized (list) {
            return List.copyOf(list);
        }
    }

    private void start(List<String> cmd, String name) throws IOException {
        processes.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start());
    }

    private static void awaitSent(List<String> acked, int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (acked.size() < count) {
            if (System.nanoTime() > deadline) throw new AssertionError("only " + acked.size() + " messages acknowledged, waited for " + count);
            Thread.sleep(20);
        }
    }

    /** One SMTP transaction; the server's name from its banner, or null if it did not accept the message. */
    private static String send(int port, String subject) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            String banner = reply(in);
            if (!banner.startsWith("220")) return null;
            String host = banner.split(" ")[1];
            for (String[] step : new String[][] {{"EHLO client.test.example", "250"}, {"MAIL FROM:<s@client.test.example>", "250"},
                    {"RCPT TO:<vic@upgrade.example>", "250"}, {"DATA", "354"},
                    {"Subject: " + subject + "\r\nFrom: <s@client.test.example>\r\n\r\nbody\r\n.", "250"}}) {
                out.write((step[0] + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (!reply(in).startsWith(step[1])) return null;
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return host;
        } catch (IOException e) {
            return null;
        }
    }

    private static String reply(BufferedReader in) throws IOException {
        String l;
        do {
            l = in.readLine();
            if (l == null) throw new IOException("closed");
        } while (l.length() > 3 && l.charAt(3) == '-');
        return l;
    }

    private static Set<String> pop3Subjects(int port, String user, String password) throws IOException {
        Set<String> subjects = new TreeSet<>();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            in.readLine();
            for (String c : List.of("USER " + user, "PASS " + password)) {
                out.write((c + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(in.readLine()).startsWith("+OK");
            }
            out.write("STAT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int count = Integer.parseInt(in.readLine().split(" ")[1]);
            for (int i = 1; i <= count; i++) {
                out.write(("TOP " + i + " 0\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                for (String l = in.readLine(); !l.equals("."); l = in.readLine()) {
                    if (l.startsWith("Subject: ")) subjects.add(l.substring("Subject: ".length()).strip());
                }
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        return subjects;
    }
}
