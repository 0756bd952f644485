package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.policy.OutboundHoldRecord;
import org.twinmail.store.Records;

/**
 * The outbound anomaly hold's per-account rates outlive a restart of the server: messages sent
 * before the restart still count in the same window after it, so an account that would have been
 * held without the restart is held after it. The rates are written in batches (every
 * {@code filter.outboundHold.saveInterval} and at the clean stop), not one store write per message.
 */
class OutboundRatesRestartTest {
    @TempDir
    Path data;

    private TwinmailConfig config(int closedPort) {
        TwinmailConfig c = TestConfigs.loopback(data);
        c.filter.outboundHold.minMessages = 4;
        c.filter.outboundHold.rateFactor = 2;
        c.filter.outboundHold.saveInterval = Duration.ofHours(1); // only the stop saves within the test
        // remote mail goes to a smarthost that is not there: queued and retried, never bounced within the test
        c.relay.smarthost.host = "127.0.0.1";
        c.relay.smarthost.port = closedPort;
        return c;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) if (c != '\r') b.append((char) c);
        return b.toString();
    }

    private static String reply(InputStream in) throws IOException {
        String l = line(in);
        while (l.length() > 3 && l.charAt(3) == '-') l = line(in);
        return l;
    }

    /** One message from sam@ to a remote address over submission, AUTH PLAIN on loopback. */
    private static void submit(InetSocketAddress submission, int n) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(submission, 5000);
            s.setSoTimeout(30_000);
            InputStream in = s.getInputStream();
            var out = s.getOutputStream();
            assertThat(reply(in)).startsWith("220");
            String auth = Base64.getEncoder().encodeToString("\0sam@rates.example\0password-sam".getBytes(StandardCharsets.UTF_8));
            String[][] steps = {{"EHLO laptop.example", "250"}, {"AUTH PLAIN " + auth, "235"}, {"MAIL FROM:<sam@rates.example>", "250"},
                    {"RCPT TO:<friend@far.example>", "250"}, {"DATA", "354"}};
            for (String[] step : steps) {
                out.write((step[0] + "\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(reply(in)).as(step[0]).startsWith(step[1]);
            }
            out.write(("From: Sam <sam@rates.example>\r\nTo: friend@far.example\r\nSubject: note " + n
                    + "\r\nDate: Mon, 07 Dec 2026 12:00:00 +0000\r\nMessage-ID: <n" + n + "@rates.example>\r\n\r\nHello.\r\n.\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(reply(in)).startsWith("250");
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void messagesSentBeforeARestartStillCountAfterIt() throws Exception {
        int closedPort;
        try (ServerSocket ss = new ServerSocket(0)) {
            closedPort = ss.getLocalPort();
        }
        long sam;
        try (TwinmailServer server = TwinmailServer.start(config(closedPort))) {
            assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "rates.example").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "sam@rates.example", "--password", "password-sam").exit()).isZero();
            sam = server.store().findAccount(EmailAddress.parse("sam@rates.example")).orElseThrow().id();
            for (int i = 1; i <= 3; i++) submit(server.submissionAddresses().getFirst(), i);
            assertThat(server.store().records("outbound.rate", "")).as("no write per message").isEmpty();
        }
        try (TwinmailServer server = TwinmailServer.start(config(closedPort))) {
            assertThat(server.store().records("outbound.rate", "")).as("one shard written at the stop").hasSize(1);
            // 3 before the restart and 2 after: 5, over minMessages (4) in the same hour, and no usual rate yet
            submit(server.submissionAddresses().getFirst(), 4);
            assertThat(server.store().record(OutboundHoldRecord.KIND, Records.accountScope(sam), OutboundHoldRecord.NAME)).isEmpty();
            submit(server.submissionAddresses().getFirst(), 5);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (server.store().record(OutboundHoldRecord.KIND, Records.accountScope(sam), OutboundHoldRecord.NAME).isEmpty()) {
                if (System.nanoTime() > deadline) throw new AssertionError("sam was not held");
                Thread.sleep(50);
            }
            OutboundHoldRecord hold = OutboundHoldRecord.decode(server.store().record(OutboundHoldRecord.KIND, Records.accountScope(sam),
                    OutboundHoldRecord.NAME).orElseThrow().value());
            assertThat(hold.reason()).isEqualTo("rate");
            assertThat(hold.detail()).startsWith("5 messages with remote recipients in the last hour");
        }
    }
}
