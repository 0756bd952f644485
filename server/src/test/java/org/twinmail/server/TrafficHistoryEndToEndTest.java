package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminClient;
import org.twinmail.admin.AdminOperations.TrafficPoint;
import org.twinmail.core.config.TwinmailConfig;

/** Mail over SMTP shows in the history the admin API serves, and the history survives a restart. */
class TrafficHistoryEndToEndTest {
    @TempDir
    Path data;

    @Test
    void mailThatFlowsIsCountedAndKept() throws Exception {
        TwinmailConfig config = TestConfigs.loopback(data);
        config.console.sampleInterval = Duration.ofMillis(200);
        try (TwinmailServer server = TwinmailServer.start(config)) {
            RunFile run = RunFile.read(server.runDir()).orElseThrow();
            try (AdminClient admin = new AdminClient(run.uri(), run.token())) {
                admin.addDomain("example.org");
                admin.addUser("alice@example.org", "pw-long-enough".toCharArray(), 0, 0);
                Properties p = new Properties();
                p.put("mail.smtp.host", "127.0.0.1");
                p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
                Session s = Session.getInstance(p);
                for (int i = 0; i < 3; i++) {
                    MimeMessage m = new MimeMessage(s);
                    m.setFrom(new InternetAddress("someone@remote.example"));
                    m.addRecipient(Message.RecipientType.TO, new InternetAddress("alice@example.org"));
                    m.setSubject("hello " + i);
                    m.setText("hi");
                    Transport.send(m);
                }
                Supplier<Double> received = () -> sum(admin.traffic("minute", null, List.of("received")), "received");
                waitFor(() -> received.get() >= 3);
                assertThat(received.get()).isEqualTo(3.0);
                assertThat(sum(admin.traffic("hour", null, List.of("received")), "received")).isEqualTo(3.0);
                List<TrafficPoint> runtime = admin.traffic("minute", null, List.of("jvm", "disk"));
                assertThat(runtime.getLast().gauges()).containsKeys("jvm.heap", "jvm.threads", "disk.used", "disk.total");
                assertThat(runtime.getLast().counters()).doesNotContainKey("received");
            }
        }
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            RunFile run = RunFile.read(server.runDir()).orElseThrow();
            try (AdminClient admin = new AdminClient(run.uri(), run.token())) {
                assertThat(sum(admin.traffic("minute", null, List.of("received")), "received")).isEqualTo(3.0);
            }
        }
    }

    static double sum(List<TrafficPoint> points, String series) {
        return points.stream().mapToDouble(p -> p.counters().getOrDefault(series, 0.0)).sum();
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 20 s");
            Thread.onSpinWait();
            Thread.sleep(50); // polling interval of a bounded wait, not a fixed delay
        }
    }
}
