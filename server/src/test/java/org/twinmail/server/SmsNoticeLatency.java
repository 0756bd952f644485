package org.twinmail.server;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.sms.encoding.Gsm7;
import org.twinmail.sms.gateway.smpp.TestSmsc;

/**
 * A bounded measurement, not a test of the build (its name ends in neither Test nor Tests, so
 * the build skips it; run it with {@code -Dtest=SmsNoticeLatency}): mail sent over SMTP to a
 * user with notices on at {@code RATE} messages a second for {@code SECONDS} seconds, and for
 * each message the time from its SMTP 250 to the submit_sm of its notice at an SMSC in the
 * same process; prints the median, p90, p99 and max, and the machine's load.
 */
class SmsNoticeLatency {
    static final int RATE = Integer.getInteger("sms.rate", 100);
    static final int SECONDS = Integer.getInteger("sms.seconds", 10);
    static final int CONNECTIONS = 4;

    @TempDir
    Path data;

    @Test
    void noticeLatencyFromSmtp250ToSubmitSm() throws Exception {
        try (TestSmsc smsc = new TestSmsc(0, null)) {
            TwinmailConfig c = SmsEndToEndTest.config(data, smsc);
            c.sms.smpp.getFirst().window = 10;
            try (TwinmailServer server = TwinmailServer.start(c)) {
                SmsEndToEndTest.verifiedUser(data, smsc);
                CliRunner.Result cap = CliRunner.run("admin", "--data", data.toString(), "sms", "set", "li@sms.example", "--daily-cap", "0");
                if (cap.exit() != 0) throw new AssertionError(cap.err());
                Properties p = new Properties();
                p.put("mail.smtp.host", "127.0.0.1");
                p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
                Session session = Session.getInstance(p);
                int total = RATE * SECONDS;
                double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
                Map<String, Long> acked = new ConcurrentHashMap<>();
                long start = System.nanoTime() + Duration.ofMillis(500).toNanos();
                long interval = 1_000_000_000L / RATE;
                List<Thread> senders = new ArrayList<>();
                for (int t = 0; t < CONNECTIONS; t++) {
                    int first = t;
                    senders.add(Thread.ofPlatform().start(() -> {
                        try (Transport tr = session.getTransport("smtp")) {
                            tr.connect();
                            for (int n = first; n < total; n += CONNECTIONS) {
                                long due = start + n * interval;
                                long wait = due - System.nanoTime();
                                if (wait > 0) LockSupport.parkNanos(wait);
                                MimeMessage m = new MimeMessage(session);
                                m.setFrom(new InternetAddress("bob@remote.example", "Bob"));
                                m.addRecipient(Message.RecipientType.TO, new InternetAddress("li@sms.example"));
                                String subject = "lat-" + n;
                                m.setSubject(subject);
                                m.setText("Message number " + n + " of the latency run.");
                                m.saveChanges();
                                tr.sendMessage(m, m.getAllRecipients());
                                acked.put(subject, System.nanoTime());
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }));
                }
                for (Thread t : senders) t.join();
                long sendSeconds = System.nanoTime() - start;
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (smsc.submitted.size() < total + 1 && System.nanoTime() < deadline) Thread.sleep(50);
                List<Long> millis = new ArrayList<>();
                long first = Long.MAX_VALUE, last = Long.MIN_VALUE;
                for (TestSmsc.Submitted s : smsc.submitted) {
                    String text = Gsm7.decode(HexFormat.of().parseHex(s.hex()));
                    int i = text.indexOf("\nlat-");
                    if (i < 0) continue;
                    String subject = text.substring(i + 1, text.indexOf('\n', i + 1));
                    Long t = acked.get(subject);
                    if (t != null) {
                        millis.add((s.nanos() - t) / 1_000);
                        first = Math.min(first, s.nanos());
                        last = Math.max(last, s.nanos());
                    }
                }
                millis.sort(null);
                double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
                // the notices' own rate at the SMSC, first submit to last: it keeps up when this is the sending rate
                double noticeRate = millis.size() < 2 ? 0 : (millis.size() - 1) / ((last - first) / 1e9);
                System.out.printf("SMS notice latency, SMTP 250 to submit_sm: %d messages at %d/s (sent in %.1f s), %d notices received"
                                + " at %.1f/s; median %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; load average %.1f before, %.1f after,"
                                + " on %d cores%n",
                        total, RATE, sendSeconds / 1e9, millis.size(), noticeRate, pct(millis, 50), pct(millis, 90), pct(millis, 99),
                        millis.isEmpty() ? 0 : millis.getLast() / 1000.0, loadBefore, load, Runtime.getRuntime().availableProcessors());
            }
        }
    }

    private static double pct(List<Long> sorted, int p) {
        if (sorted.isEmpty()) return 0;
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1))) / 1000.0;
    }
}
