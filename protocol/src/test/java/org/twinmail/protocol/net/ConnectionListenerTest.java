package org.twinmail.protocol.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.Listen;

class ConnectionListenerTest {

    private static ConnectionListener listener(int max, Duration writeTimeout, ConnectionHandler handler) throws Exception {
        ConnectionListener l = new ConnectionListener("test", List.of(Listen.parse("127.0.0.1:0")), max, writeTimeout, handler, new SimpleMeterRegistry());
        l.start();
        return l;
    }

    private static Socket connect(ConnectionListener l) throws Exception {
        InetSocketAddress a = l.boundAddresses().getFirst();
        Socket s = new Socket("127.0.0.1", a.getPort());
        s.setSoTimeout(10_000);
        return s;
    }

    @Test
    void aClientThatStopsReadingIsCutOffAfterTheWriteTimeout() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        try (ConnectionListener l = listener(10, Duration.ofMillis(500), c -> {
            byte[] chunk = new byte[64 * 1024];
            try {
                for (int i = 0; i < 100_000; i++) c.output().write(chunk); // far more than socket buffers hold
                c.flush();
            } catch (Exception e) {
                failure.set(e);
            } finally {
                ended.countDown();
            }
        }); Socket client = connect(l)) {
            client.setReceiveBufferSize(4096);
            // the client reads nothing
            assertThat(ended.await(10, TimeUnit.SECONDS)).as("session ended by the watchdog").isTrue();
            assertThat(failure.get()).isNotNull();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (l.activeConnections() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(l.activeConnections()).isZero();
        }
    }

    @Test
    void beyondMaxConnectionsClientsWaitForAPermit() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ConnectionListener l = listener(1, Duration.ofSeconds(30), c -> {
            c.writeLine("hello");
            c.flush();
            release.await();
        })) {
            try (Socket first = connect(l); Socket second = connect(l)) {
                InputStream in1 = first.getInputStream();
                assertThat(new String(in1.readNBytes(5))).isEqualTo("hello");
                second.setSoTimeout(500);
                // the second connection is accepted by the kernel but not served while the first holds the permit
                assertThat(readsNothing(second)).isTrue();
                release.countDown();
                second.setSoTimeout(10_000);
                assertThat(new String(second.getInputStream().readNBytes(5))).isEqualTo("hello");
            }
        }
    }

    private static java.io.BufferedReader reader(Socket client) throws Exception {
        return new java.io.BufferedReader(new java.io.InputStreamReader(client.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static void send(Socket client, String line) throws Exception {
        client.getOutputStream().write((line + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void aHibernatedPlainConnectionHasNoThreadUntilItsClientSends() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean sent = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicReference<String> seen = new AtomicReference<>();
        try (ConnectionListener l = listener(1, Duration.ofSeconds(30), c -> {
            c.writeLine("+ idling");
            c.flush();
            c.hibernate(next -> {
                // started by the client's line, not parked in a read before it
                seen.set(sent.get() + " " + next.wokenBy() + " " + next.inputReady());
                next.writeLine("got " + next.input().readLine(100).ascii());
                next.flush();
            });
        }); Socket client = connect(l)) {
            var in = reader(client);
            assertThat(in.readLine()).isEqualTo("+ idling");
            sent.set(true);
            send(client, "DONE");
            assertThat(in.readLine()).isEqualTo("got DONE");
            assertThat(seen.get()).isEqualTo("true INPUT true");
            assertThat(in.readLine()).as("the connection closes when the continuation returns").isNull();
        }
    }

    @Test
    void aSleepingConnectionWokenByACallGoesOnAndCanSleepAgain() throws Exception {
        AtomicReference<Connection> conn = new AtomicReference<>();
        CountDownLatch asleep = new CountDownLatch(1);
        AtomicReference<String> seen = new AtomicReference<>("");
        try (ConnectionListener l = listener(1, Duration.ofSeconds(30), c -> {
            conn.set(c);
            c.writeLine("+ idling");
            c.flush();
            c.hibernate(new ConnectionHandler() {
                @Override
                public void handle(Connection next) throws Exception {
                    seen.set(seen.get() + next.wokenBy() + " ");
                    if (next.wokenBy() == Connection.Wake.CALL && !next.inputReady()) {
                        next.writeLine("* pushed");
                        next.flush();
                        next.hibernateAgain(this);
                        return;
                    }
                    next.writeLine("got " + next.input().readLine(100).ascii());
                    next.flush();
                }
            });
        }); Socket client = connect(l)) {
            var in = reader(client);
            assertThat(in.readLine()).isEqualTo("+ idling");
            // the first thread returns right after "+ idling"; wake() answers true once the connection hibernates
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!conn.get().wake() && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(in.readLine()).isEqualTo("* pushed");
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!conn.get().wake() && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(in.readLine()).isEqualTo("* pushed");
            send(client, "DONE");
            assertThat(in.readLine()).isEqualTo("got DONE");
            assertThat(seen.get()).isEqualTo("CALL CALL INPUT ");
            assertThat(conn.get().wake()).as("awake: the caller acts itself").isFalse();
        }
    }

    @Test
    void aConnectionAsleepPastItsReadBudgetIsWokenByTimeout() throws Exception {
        try (ConnectionListener l = listener(1, Duration.ofSeconds(30), c -> {
            c.setReadTimeout(Duration.ofMillis(300));
            c.writeLine("+ idling");
            c.flush();
            c.hibernate(next -> {
                next.writeLine("woken by " + next.wokenBy());
                next.flush();
            });
        }); Socket client = connect(l)) {
            var in = reader(client);
            assertThat(in.readLine()).isEqualTo("+ idling");
            long start = System.nanoTime();
            assertThat(in.readLine()).isEqualTo("woken by TIMEOUT");
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
        }
    }

    @Test
    void closingTheListenerEndsTheSessionsAsleepInIt() throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        ConnectionListener l = listener(1, Duration.ofSeconds(30), c -> {
            c.writeLine("+ idling");
            c.flush();
            c.hibernate(next -> {
                try {
                    next.input().readLine(100); // fails or ends: the socket is closed
                } finally {
                    ended.countDown();
                }
            });
        });
        try (Socket client = connect(l)) {
            assertThat(reader(client).readLine()).isEqualTo("+ idling");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (l.activeConnections() != 1 && System.nanoTime() < deadline) Thread.sleep(5);
            l.close();
            assertThat(ended.await(10, TimeUnit.SECONDS)).as("the sleeping session went on").isTrue();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (l.activeConnections() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(l.activeConnections()).isZero();
        }
    }

    @Test
    void aHibernatedSessionGoesOnOnAFreshThreadWithTheSameConnectionAndItsSlot() throws Exception {
        AtomicReference<Thread> first = new AtomicReference<>();
        AtomicReference<Thread> second = new AtomicReference<>();
        AtomicReference<Connection> firstConnection = new AtomicReference<>();
        AtomicReference<Connection> secondConnection = new AtomicReference<>();
        try (ConnectionListener l = listener(1, Duration.ofSeconds(30), c -> {
            first.set(Thread.currentThread());
            firstConnection.set(c);
            c.writeLine("+ idling");
            c.flush();
            c.hibernate(next -> {
                second.set(Thread.currentThread());
                secondConnection.set(next);
                var line = next.input().readLine(100);
                next.writeLine("got " + line.ascii());
                next.flush();
            });
        }); Socket client = connect(l)) {
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(client.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("+ idling");
            // the first thread has returned; the connection is open and still holds the one permit
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (first.get().isAlive() && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(first.get().isAlive()).as("the hibernating thread ended").isFalse();
            assertThat(l.activeConnections()).isEqualTo(1);
            client.getOutputStream().write("DONE\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("got DONE");
            assertThat(in.readLine()).as("the connection closes when the continuation returns").isNull();
            assertThat(second.get()).isNotSameAs(first.get());
            assertThat(second.get().isVirtual()).isTrue();
            assertThat(secondConnection.get()).isSameAs(firstConnection.get());
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (l.activeConnections() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(l.activeConnections()).isZero();
        }
    }

    @Test
    void closeEndsLiveSessions() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        ConnectionListener l = listener(10, Duration.ofSeconds(30), c -> {
            started.countDown();
            c.input().readLine(100); // blocks until the listener closes the socket
        });
        try (Socket client = connect(l)) {
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            l.close();
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void aGroupIsEitherWhollyBoundOrNotAtAll() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            ConnectionListener first = new ConnectionListener("a", List.of(Listen.parse("127.0.0.1:0")), 1, Duration.ofSeconds(5), c -> { }, new SimpleMeterRegistry());
            ConnectionListener second = new ConnectionListener("b", List.of(Listen.parse("127.0.0.1:" + taken.getLocalPort())), 1, Duration.ofSeconds(5), c -> { }, new SimpleMeterRegistry());
            ListenerGroup group = new ListenerGroup(first, null, second);
            org.assertj.core.api.Assertions.assertThatThrownBy(group::start).isInstanceOf(java.io.IOException.class).hasMessageContaining("b: cannot listen");
            // the first listener was bound, then released again (the kernel frees the port once
            // the accept thread has left accept(), so allow it a moment)
            int port = first.boundAddresses().getFirst().getPort();
            assertThat(port).isPositive();
            boolean rebound = false;
            for (int i = 0; i < 100 && !rebound; i++) {
                try (java.net.ServerSocket again = new java.net.ServerSocket(port, 50, java.net.InetAddress.getLoopbackAddress())) {
                    rebound = true;
                } catch (java.net.BindException e) {
                    Thread.sleep(50);
                }
            }
            assertThat(rebound).as("port %d released", port).isTrue();
            assertThat(ListenerGroup.addresses(null)).isEmpty();
        }
    }

    private static boolean readsNothing(Socket s) throws Exception {
        try {
            return s.getInputStream().read() == -2;
        } catch (java.net.SocketTimeoutException e) {
            return true;
        }
    }
}
