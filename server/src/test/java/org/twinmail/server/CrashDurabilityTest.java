package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability promise: a server process is killed with SIGKILL while clients stream
 * messages into it; after a restart every message that got "250" is there, intact.
 */
class CrashDurabilityTest {
    private static final Pattern SMTP_PORT = Pattern.compile("SMTP 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern POP3_PORT = Pattern.compile("POP3 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    /** A node in its own JVM; returns it once it printed its ports. */
    private record Node(Process process, int smtpPort, int pop3Port) { }

    private Node startNode(Path config, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "org.twinmail.server.cli.Main", "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            String out = Files.exists(log) ? Files.readString(log) : "";
            Matcher s = SMTP_PORT.matcher(out), q = POP3_PORT.matcher(out);
            if (out.contains("TwinMail ready") && s.find() && q.find()) {
                return new Node(p, Integer.parseInt(s.group(1)), Integer.parseInt(q.group(1)));
            }
            if (!p.isAlive()) throw new AssertionError("server exited: " + out);
            Thread.sleep(50);
        }
        throw new AssertionError("server did not start: " + Files.readString(log));
    }

    @Test
    void everyAcknowledgedMessageSurvivesKillMinus9() throws Exception {
        Path data = dir.resolve("data");
        Path config = dir.resolve("twinmail.yaml");
        Files.writeString(config, TestConfigs.loopbackYaml(data));
        assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "crash.example").exit()).isZero();
        assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "vic@crash.example", "--password", "pw-long-enough").exit()).isZero();

        Node node = startNode(config, dir.resolve("first.log"));
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int id = t;
            senders.add(Thread.ofVirtual().start(() -> send(node.smtpPort(), id, acknowledged)));
        }
        // let the stream run, then pull the plug while messages are in flight
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < until || acknowledged.size() < 20) Thread.sleep(50);
        node.process().destroyForcibly(); // SIGKILL: no shutdown hook, no flush
        node.process().waitFor();
        for (Thread t : senders) t.join(Duration.ofSeconds(30));
        assertThat(acknowledged).hasSizeGreaterThan(20);

        Node again = startNode(config, dir.resolve("second.log"));
        Properties props = new Properties();
        props.put("mail.pop3.host", "127.0.0.1");
        props.put("mail.pop3.port", String.valueOf(again.pop3Port()));
        Store store = Session.getInstance(props).getStore("pop3");
        store.connect("vic@crash.example", "pw-long-enough");
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        Set<String> found = new java.util.HashSet<>();
        for (Message m : inbox.getMessages()) {
            String subject = m.getSubject();
            String body = ((String) m.getContent()).strip();
            // every stored message, acknowledged or not, is whole: its body matches the digest in its subject
            assertThat(subject).startsWith("msg-");
            assertThat(digest(payload(subject))).as("body of %s", subject).isEqualTo(body.substring(body.lastIndexOf(' ') + 1));
            assertThat(body).startsWith(payload(subject));
            assertThat(found.add(subject)).as("duplicate %s", subject).isTrue();
        }
        inbox.close(false);
        store.close();
        assertThat(found).containsAll(acknowledged);
    }

    private static String payload(String subject) {
        return ("line of " + subject + " ").repeat(40);
    }

    private static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends numbered messages until the connection dies; records those answered 250 after DATA. */
    private static void send(int port, int id, Set<String> acknowledged) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(in);
            out.write("EHLO crash.test\r\n".getBytes(StandardCharsets.US_ASCII));
            reply(in);
            for (int n = 0; ; n++) {
                String subject = "msg-" + id + "-" + n;
                out.write("MAIL FROM:<x@remote.example>\r\nRCPT TO:<vic@crash.example>\r\nDATA\r\n".getBytes(StandardCharsets.US_ASCII));
                if (!reply(in).startsWith("250") || !reply(in).startsWith("250") || !reply(in).startsWith("354")) return;
                String msg = "Subject: " + subject + "\r\nFrom: x@remote.example\r\n\r\n" + payload(subject) + "\r\nsha256 " + digest(payload(subject)) + "\r\n.\r\n";
                out.write(msg.getBytes(StandardCharsets.US_ASCII));
                if (reply(in).startsWith("250")) acknowledged.add(subject);
                else return;
            }
        } catch (IOException e) {
            // the server was killed: expected
        }
    }

    private static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("closed");
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }
}
