package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.sms.encoding.Gsm7;
import org.twinmail.sms.gateway.smpp.TestSmsc;
import org.twinmail.sms.queue.SmsItem;
import org.twinmail.sms.queue.SmsQueue;
import org.twinmail.store.MailStore;
import org.twinmail.store.StoredRecord;

/**
 * Exactly once across a kill -9 (docs/sms.md, "The queue and exactly once"): a server in its own
 * JVM queues a notice while its SMSC is down, is killed with SIGKILL before it could send it
 * (the store on disk shows the notice queued, no part submitted), and after the restart, with
 * the SMSC back, the SMSC receives that notice exactly once: a later mail's notice arrives after
 * it, and nothing else.
 */
class SmsCrashTest {
    private static final Pattern SMTP_PORT = Pattern.compile("SMTP 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern HTTP_PORT = Pattern.compile("HTTP 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    private record Node(Process process, int smtpPort, int httpPort) { }

    private Node startNode(Path config, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "org.twinmail.server.cli.Main", "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            String out = Files.exists(log) ? Files.readString(log) : "";
            Matcher s = SMTP_PORT.matcher(out), h = HTTP_PORT.matcher(out);
            if (out.contains("TwinMail ready") && s.find() && h.find()) {
                return new Node(p, Integer.parseInt(s.group(1)), Integer.parseInt(h.group(1)));
            }
            if (!p.isAlive()) throw new AssertionError("server exited: " + out);
            Thread.sleep(50);
        }
        throw new AssertionError("server did not start: " + Files.readString(log));
    }

    private static double queued(Node node) {
        try {
            String metrics = new String(URI.create("http://127.0.0.1:" + node.httpPort() + "/metrics").toURL().openStream().readAllBytes(),
                    StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("(?m)^twinmail_sms_queued_total(?:\\{[^}]*\\})? ([0-9.E]+)$").matcher(metrics);
            return m.find() ? Double.parseDouble(m.group(1)) : 0;
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static void mail(Node node, String subject, String text) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(node.smtpPort()));
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress("bob@remote.example", "Bob"));
        m.addRecipient(Message.RecipientType.TO, new InternetAddress("li@sms.example"));
        m.setSubject(subject);
        m.setText(text);
        Transport.send(m);
    }

    private static String text(TestSmsc.Submitted s) {
        return Gsm7.decode(HexFormat.of().parseHex(s.hex()));
    }

    @Test
    void aNoticeQueuedBeforeAKillMinus9IsSentExactlyOnceAfterTheRestart() throws Exception {
        Path data = dir.resolve("data");
        Path config = dir.resolve("twinmail.yaml");
        int port;
        try (TestSmsc up = new TestSmsc(0, null)) {
            port = up.port();
            Files.writeString(config, TestConfigs.loopbackYaml(data) + """
                    sms:
                      enabled: true
                      retrySchedule: [200ms]
                      smpp:
                        - name: smsc1
                          host: 127.0.0.1
                          port: %d
                          systemId: twinmail
                          password: secret
                          sourceAddress: "10690000"
                          extensionDigits: 4
                          reconnectDelays: [100ms]
                    """.formatted(port));
            Node node = startNode(config, dir.resolve("first.log"));
            SmsEndToEndTest.verifiedUser(data, up);
            assertThat(up.submitted).hasSize(1); // the code
            up.close(); // the SMSC goes down: the notice waits in the queue

            mail(node, "Before the crash", "Queued, not yet sent.");
            SmsEndToEndTest.await(() -> queued(node) >= 2); // the code and the notice
            node.process().destroyForcibly(); // SIGKILL: no shutdown hook, no flush
            node.process().waitFor();
            assertThat(up.submitted).hasSize(1);
        }
        // on disk: the notice queued, none of its parts submitted
        try (MailStore store = StoreOpener.open(TestConfigs.loopback(data), data, new SimpleMeterRegistry())) {
            List<StoredRecord> out = store.records(SmsQueue.OUT).stream().filter(r -> r.name().startsWith("n.")).toList();
            assertThat(out).hasSize(1);
            SmsItem item = SmsItem.decode(out.getFirst().value());
            assertThat(item.state()).isEqualTo(SmsItem.State.QUEUED);
            assertThat(item.messageIds()).isEmpty();
            assertThat(store.records(SmsQueue.DONE).stream().filter(r -> r.name().startsWith("n."))).isEmpty();
        }

        try (TestSmsc back = new TestSmsc(port, null)) {
            Node node = startNode(config, dir.resolve("second.log"));
            SmsEndToEndTest.await(() -> back.submitted.size() == 1);
            assertThat(text(back.submitted.getFirst())).startsWith("Mail from Bob, ").contains("\nBefore the crash\nQueued, not yet sent.");
            // a later mail's notice comes after it, and the first is not repeated
            mail(node, "After the restart", "Sent at once.");
            SmsEndToEndTest.await(() -> back.submitted.size() >= 2);
            SmsEndToEndTest.await(() -> queued(node) >= 1);
            assertThat(back.submitted).hasSize(2);
            assertThat(text(back.submitted.get(1))).contains("\nAfter the restart\n");
            assertThat(back.submitted.stream().filter(s -> text(s).contains("Before the crash"))).hasSize(1);
            node.process().destroy();
            node.process().waitFor();
        }
    }
}
