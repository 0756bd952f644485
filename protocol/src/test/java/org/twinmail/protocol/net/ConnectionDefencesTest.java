package org.twinmail.protocol.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.core.attack.AttackFigures;

/** The listener's admission (per-client limits, bans), the whole-line read deadline and stress mode, over real sockets. */
class ConnectionDefencesTest {

    private static final ConnectionHandler HOLD = c -> {
        c.setReadTimeout(Duration.ofSeconds(30));
        c.writeLine("hello");
        c.flush();
        c.input().readLine(100); // until the client leaves
    };

    private static ConnectionListener listener(int max, TwinmailConfig.Limits limits, AuthGuard guard, ConnectionHandler handler)
            throws IOException {
        ConnectionListener l = new ConnectionListener("test", List.of(Listen.parse("127.0.0.1:0")), max, Duration.ofSeconds(30), null,
                Admission.of(limits, ClientLimits.from(limits), guard, text -> "421 4.7.0 " + text), handler, new SimpleMeterRegistry());
        l.start();
        return l;
    }

    /** A client connection from {@code from} (any 127.0.0.0/8 address is this machine). */
    static Socket connectFrom(String from, InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), to.getPort()), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    static String firstLine(Socket s) throws IOException {
        StringBuilder b = new StringBuilder();
        InputStream in = s.getInputStream();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) if (c != '\r') b.append((char) c);
        return b.toString();
    }

    static boolean closedByServer(Socket s) throws IOException {
        try {
            return s.getInputStream().read() == -1;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    static void await(BooleanSupplier condition, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(condition.getAsBoolean()).as("condition within %s", limit).isTrue();
    }

    @Test
    void oneAddressAtItsLimitIsRefusedWhileAnotherStillGetsIn() throws Exception {
        TwinmailConfig.Limits limits = new TwinmailConfig.Limits();
        limits.maxConnectionsPerIp = 3;
        List<Socket> held = new ArrayList<>();
        try (ConnectionListener l = listener(100, limits, AuthGuard.disabled(), HOLD)) {
            InetSocketAddress at = l.boundAddresses().getFirst();
            for (int i = 0; i < 3; i++) {
                Socket s = connectFrom("127.0.0.2", at);
                held.add(s);
                assertThat(firstLine(s)).isEqualTo("hello");
            }
            try (Socket fourth = connectFrom("127.0.0.2", at)) {
                assertThat(firstLine(fourth)).isEqualTo("421 4.7.0 too many connections from your address");
                assertThat(closedByServer(fourth)).isTrue();
            }
            long otherStart = System.nanoTime();
            try (Socket other = connectFrom("127.0.0.3", at)) {
                assertThat(firstLine(other)).isEqualTo("hello");
            }
            AttackFigures.report("ConnectionDefencesTest#perAddressLimit", "max_connections_per_ip", 3, "admitted_from_one_address", 3,
                    "fourth_refused", "421_4.7.0", "other_address_greeting_ms", (System.nanoTime() - otherStart) / 1_000_000);
            // a slot is given back when a connection ends
            held.removeFirst().close();
            await(() -> l.activeConnections() == 2, Duration.ofSeconds(5));
            try (Socket again = connectFrom("127.0.0.2", at)) {
                assertThat(firstLine(again)).isEqualTo("hello");
            }
        } finally {
            for (Socket s : held) s.close();
        }
    }

    @Test
    void aSlash24HasALimitOfItsOwnAndExemptNetworksAreNotCounted() throws Exception {
        TwinmailConfig.Limits limits = new TwinmailConfig.Limits();
        limits.maxConnectionsPerIp = 10;
        limits.maxConnectionsPerIpv4Net = 3;
        limits.exemptNetworks = List.of("127.0.0.9/32");
        List<Socket> held = new ArrayList<>();
        try (ConnectionListener l = listener(100, limits, AuthGuard.disabled(), HOLD)) {
            InetSocketAddress at = l.boundAddresses().getFirst();
            for (String from : List.of("127.0.0.2", "127.0.0.2", "127.0.0.3")) {
                Socket s = connectFrom(from, at);
                held.add(s);
                assertThat(firstLine(s)).isEqualTo("hello");
            }
            try (Socket s = connectFrom("127.0.0.4", at)) {
                assertThat(firstLine(s)).isEqualTo("421 4.7.0 too many connections from your network");
            }
            try (Socket s = connectFrom("127.0.1.4", at)) {
                assertThat(firstLine(s)).isEqualTo("hello");
            }
            for (int i = 0; i < 5; i++) {
                Socket s = connectFrom("127.0.0.9", at);
                held.add(s);
                assertThat(firstLine(s)).isEqualTo("hello");
            }
        } finally {
            for (Socket s : held) s.close();
        }
    }

    @Test
    void connectionRateIsLimitedPerAddress() throws Exception {
        TwinmailConfig.Limits limits = new TwinmailConfig.Limits();
        limits.connectionsPerMinute = 5;
        try (ConnectionListener l = listener(100, limits, AuthGuard.disabled(), c -> {
            c.writeLine("hello");
            c.flush();
        })) {
            InetSocketAddress at = l.boundAddresses().getFirst();
            for (int i = 0; i < 5; i++) {
                try (Socket s = connectFrom("127.0.0.2", at)) {
                    assertThat(firstLine(s)).isEqualTo("hello");
                }
            }
            try (Socket s = connectFrom("127.0.0.2", at)) {
                assertThat(firstLine(s)).isEqualTo("421 4.7.0 too many new connections from your address, slow down");
            }
            AttackFigures.report("ConnectionDefencesTest#connectionRate", "connections_per_minute", 5, "admitted_before_refusal", 5);
            try (Socket s = connectFrom("127.0.0.3", at)) {
                assertThat(firstLine(s)).isEqualTo("hello");
            }
        }
    }

    @Test
    void aBannedAddressIsRefusedAtConnect() throws Exception {
        TwinmailConfig.Auth auth = new TwinmailConfig.Auth();
        auth.failureDelay = Duration.ZERO;
        auth.maxFailureDelay = Duration.ZERO;
        auth.banAfterFailures = 2;
        AuthGuard guard = AuthGuard.create(auth, null);
        InetAddress attacker = InetAddress.getByName("127.0.0.2");
        guard.failed(attacker, "a@example.org", "test");
        guard.failed(attacker, "a@example.org", "test");
        try (ConnectionListener l = listener(100, new TwinmailConfig.Limits(), guard, HOLD)) {
            InetSocketAddress at = l.boundAddresses().getFirst();
            try (Socket s = connectFrom("127.0.0.2", at)) {
                assertThat(firstLine(s)).isEqualTo("421 4.7.0 your address is temporarily blocked after failed logins");
                assertThat(closedByServer(s)).isTrue();
            }
            try (Socket s = connectFrom("127.0.0.3", at)) {
                assertThat(firstLine(s)).isEqualTo("hello");
            }
            assertThat(guard.unban("127.0.0.2")).isTrue();
            try (Socket s = connectFrom("127.0.0.2", at)) {
                assertThat(firstLine(s)).isEqualTo("hello");
            }
        }
    }

    /** Before: every byte restarted the timeout, so one byte per 100 ms held the session forever. */
    @Test
    void aLineThatTricklesInIsCutAtTheTimeoutAsAWhole() throws Exception {
        CountDownLatch timedOut = new CountDownLatch(1);
        long[] cutAfter = {0};
        try (ConnectionListener l = listener(100, new TwinmailConfig.Limits(), AuthGuard.disabled(), c -> {
            c.setReadTimeout(Duration.ofSeconds(1));
            c.writeLine("ready");
            c.flush();
            long start = System.nanoTime();
            try {
                c.input().readLine(1000);
            } catch (SocketTimeoutException e) {
                cutAfter[0] = System.nanoTime() - start;
                c.writeLine("timeout");
                c.flush();
                timedOut.countDown();
            }
        }); Socket s = connectFrom("127.0.0.2", l.boundAddresses().getFirst())) {
            assertThat(firstLine(s)).isEqualTo("ready");
            OutputStream out = s.getOutputStream();
            Thread drip = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 100; i++) { // 10 s of one byte per 100 ms
                        out.write('a');
                        out.flush();
                        Thread.sleep(100);
                    }
                } catch (IOException | InterruptedException e) {
                    // cut off: expected
                }
            });
            assertThat(timedOut.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(firstLine(s)).isEqualTo("timeout");
            drip.interrupt();
            AttackFigures.report("ConnectionDefencesTest#tricklingLine", "read_timeout_ms", 1000, "cut_after_ms", cutAfter[0] / 1_000_000);
            assertThat(Duration.ofNanos(cutAfter[0])).isBetween(Duration.ofMillis(900), Duration.ofMillis(2000));
        }
    }

    @Test
    void underStressAClientNotLoggedInGetsTheStressTimeoutAndStressEndsWhenSlotsFree() throws Exception {
        TwinmailConfig.Limits limits = new TwinmailConfig.Limits();
        limits.stressFreePercent = 20;              // 10 slots: stress below 2 free, over again at 4
        limits.stressTimeout = Duration.ofMillis(500);
        List<Socket> held = new ArrayList<>();
        try (ConnectionListener l = listener(10, limits, AuthGuard.disabled(), c -> {
            c.setReadTimeout(Duration.ofSeconds(30));
            c.writeLine("hello");
            c.flush();
            try {
                c.input().readLine(100);
            } catch (SocketTimeoutException e) {
                c.writeLine("timeout");
                c.flush();
            }
        })) {
            InetSocketAddress at = l.boundAddresses().getFirst();
            // Nine clients that send nothing would each hold a slot for 30 s without stress mode.
            for (int i = 0; i < 9; i++) {
                Socket s = connectFrom("127.0.0." + (2 + i), at);
                held.add(s);
                assertThat(firstLine(s)).isEqualTo("hello");
            }
            await(l::isStressed, Duration.ofSeconds(5));
            long start = System.nanoTime();
            try (Socket late = connectFrom("127.0.0.20", at)) {
                assertThat(firstLine(late)).isEqualTo("hello");
                assertThat(firstLine(late)).isEqualTo("timeout");
            }
            long lateMillis = (System.nanoTime() - start) / 1_000_000;
            AttackFigures.report("ConnectionDefencesTest#stressMode", "slots", 10, "idle_clients", 9, "stress_timeout_ms", 500,
                    "normal_timeout_ms", 30_000, "late_idle_client_cut_after_ms", lateMillis);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            // The nine, whose reads began before stress with 30 s to go, are cut by the watchdog until
            // enough slots are free (4 of 10: twice the threshold) for stress to end; the rest then keep
            // their slots, as they would with no stress at all. Which ones go first is up to the watchdog.
            await(() -> !l.isStressed(), Duration.ofSeconds(10));
            int cut = 0;
            for (Socket s : held) {
                s.setSoTimeout(300);
                try {
                    if (closedByServer(s)) cut++;
                } catch (SocketTimeoutException stillOpen) {
                    // not cut: stress had ended before the watchdog came to it
                }
            }
            assertThat(cut).as("held connections cut under stress").isBetween(3, 9);
        } finally {
            for (Socket s : held) s.close();
        }
    }

    /** Each line in time, but the phase as a whole (an SMTP DATA, say) must still end by its overall deadline. */
    @Test
    void anOverallDeadlineBoundsManyTimelyLines() throws Exception {
        CountDownLatch timedOut = new CountDownLatch(1);
        int[] lines = {0};
        long[] cutAfter = {0};
        try (ConnectionListener l = listener(100, new TwinmailConfig.Limits(), AuthGuard.disabled(), c -> {
            c.setReadTimeout(Duration.ofSeconds(1));
            c.writeLine("ready");
            c.flush();
            long start = System.nanoTime();
            c.overallDeadline(Duration.ofMillis(1500));
            try {
                while (c.input().readLine(1000) != null) lines[0]++;
            } catch (SocketTimeoutException e) {
                cutAfter[0] = System.nanoTime() - start;
                c.clearOverallDeadline();
                timedOut.countDown();
            }
        }); Socket s = connectFrom("127.0.0.2", l.boundAddresses().getFirst())) {
            assertThat(firstLine(s)).isEqualTo("ready");
            OutputStream out = s.getOutputStream();
            Thread drip = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 40; i++) { // a whole line every 200 ms: each well within its 1 s
                        out.write("line\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        Thread.sleep(200);
                    }
                } catch (IOException | InterruptedException e) {
                    // cut off: expected
                }
            });
            assertThat(timedOut.await(5, TimeUnit.SECONDS)).isTrue();
            drip.interrupt();
            AttackFigures.report("ConnectionDefencesTest#overallDeadline", "overall_deadline_ms", 1500, "timely_lines_read", lines[0],
                    "cut_after_ms", cutAfter[0] / 1_000_000);
            assertThat(lines[0]).isBetween(4, 9);
            assertThat(Duration.ofNanos(cutAfter[0])).isBetween(Duration.ofMillis(1400), Duration.ofMillis(2500));
        }
    }
}
