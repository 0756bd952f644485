package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.policy.PolicyRecords;

/**
 * Bans outlive the node that issued them: an address banned for guessing passwords is still
 * refused after a restart (the ban is a record of the store, which a standby takes over with
 * the rest of the data), the administrator lists and lifts it with {@code twinmail admin ban}
 * while the server runs, and bans added by hand are in force at once.
 */
class PersistentBansEndToEndTest {
    @TempDir
    Path data;

    private static Socket connect(String from, InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(to, 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static String line(Socket s) throws IOException {
        StringBuilder b = new StringBuilder();
        InputStream in = s.getInputStream();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) if (c != '\r') b.append((char) c);
        return b.toString();
    }

    private static String greeting(String from, InetSocketAddress to) {
        try (Socket s = connect(from, to)) {
            return line(s);
        } catch (IOException e) {
            return "";
        }
    }

    private CliRunner.Result admin(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "admin";
        all[1] = "--data";
        all[2] = data.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        return CliRunner.run(all);
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    private TwinmailConfig config() {
        TwinmailConfig config = TestConfigs.loopback(data);
        config.auth.failureDelay = Duration.ZERO;
        config.auth.maxFailureDelay = Duration.ZERO;
        config.auth.banAfterFailures = 3;
        return config;
    }

    @Test
    void aBanSurvivesARestartAndTheAdministratorListsAddsAndLiftsBansWhileTheServerRuns() throws Exception {
        String blocked = "421 4.7.0 mx.test.example Error: your address is temporarily blocked after failed logins";
        try (TwinmailServer server = TwinmailServer.start(config())) {
            assertThat(admin("domain", "add", "guard.example").exit()).isZero();
            assertThat(admin("user", "add", "gus@guard.example", "--password", "password-gus").exit()).isZero();
            try (Socket s = connect("127.0.0.2", server.imapAddresses().getFirst())) {
                assertThat(line(s)).startsWith("* OK");
                for (int i = 0; i < 3; i++) {
                    s.getOutputStream().write(("g" + i + " LOGIN gus@guard.example guess" + i + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    assertThat(line(s)).startsWith("g" + i + " NO");
                }
            }
            assertThat(server.store().record(PolicyRecords.BAN, "", "127.0.0.2")).as("the ban is kept in the store").isPresent();
        }

        try (TwinmailServer server = TwinmailServer.start(config())) {
            InetSocketAddress smtp = server.smtpAddresses().getFirst();
            assertThat(greeting("127.0.0.2", smtp)).as("banned after the restart").isEqualTo(blocked);
            assertThat(greeting("127.0.0.3", smtp)).startsWith("220 ");
            CliRunner.Result list = admin("ban", "list");
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out()).contains("127.0.0.2", "failed logins");

            assertThat(admin("ban", "remove", "127.0.0.2").exit()).isZero();
            await("the ban lifted", () -> greeting("127.0.0.2", smtp).startsWith("220 "));
            assertThat(server.store().record(PolicyRecords.BAN, "", "127.0.0.2")).isEmpty();
            assertThat(admin("ban", "remove", "127.0.0.2").exit()).isEqualTo(3);

            CliRunner.Result add = admin("ban", "add", "127.0.0.4", "--for", "1h", "--reason", "abuse report");
            assertThat(add.exit()).as(add.err()).isZero();
            assertThat(add.out()).startsWith("banned 127.0.0.4 until ");
            await("the ban added by hand", () -> greeting("127.0.0.4", smtp).equals(blocked));
            assertThat(greeting("127.0.0.4", server.pop3Addresses().getFirst())).startsWith("-ERR [SYS/TEMP]");
            assertThat(admin("ban", "add", "mx.example.org").exit()).isEqualTo(2);
        }
    }
}
