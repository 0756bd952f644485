package org.twinmail.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heartbeat datagrams with a shared secret: the genuine one is heard; a forged one (another
 * secret, no MAC, a changed byte) and a replayed one (the same datagram again, or an old one
 * sent to a receiver that has just started) are dropped and counted by reason.
 */
class HeartbeatsTest {
    private static final byte[] SECRET = "the pair's shared heartbeat secret".getBytes(StandardCharsets.US_ASCII);
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private Heartbeats receiver;
    private Heartbeats.Channel channel;
    private DatagramSocket attacker;
    private InetSocketAddress target;

    @BeforeEach
    void start() throws IOException {
        attacker = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        target = new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort());
        // node "b" hears node "a" on one channel; the replay window is 40 lease writes
        receiver = new Heartbeats("b", "a", List.of(new HeartbeatChannel("private", target,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), attacker.getLocalPort()))), System::nanoTime, SECRET, 40);
        channel = receiver.channels().getFirst();
    }

    @AfterEach
    void stop() {
        receiver.close();
        attacker.close();
    }

    @Test
    void aGenuineHeartbeatIsHeard() throws Exception {
        send(Heartbeats.encode("a", Role.ACTIVE, 7, 100, Heartbeats.mac(SECRET)));
        await("heard", () -> channel.received.get() == 1);
        assertThat(channel.peerRole).isEqualTo(Role.ACTIVE);
        assertThat(channel.peerEpoch).isEqualTo(7);
    }

    @Test
    void forgedHeartbeatsAreDroppedAndCounted() throws Exception {
        byte[] other = "a different secret, not the pair's".getBytes(StandardCharsets.US_ASCII);
        send(Heartbeats.encode("a", Role.ACTIVE, 99, 100, Heartbeats.mac(other)));
        send(Heartbeats.encode("a", Role.ACTIVE, 99, 101, null)); // no MAC at all
        ByteBuffer tampered = Heartbeats.encode("a", Role.STANDBY, 7, 102, Heartbeats.mac(SECRET));
        tampered.put(tampered.limit() - Heartbeats.MAC_LENGTH - 9, (byte) 99); // the epoch's low byte changed after signing
        send(tampered);
        await("three dropped", () -> channel.unauthenticated.get() == 3);
        // a genuine one afterwards proves the receiver was listening all along
        send(Heartbeats.encode("a", Role.STANDBY, 7, 103, Heartbeats.mac(SECRET)));
        await("genuine heard", () -> channel.received.get() == 1);
        assertThat(channel.peerEpoch).isEqualTo(7);
        assertThat(channel.unauthenticated.get()).isEqualTo(3);
        assertThat(channel.replayed.get()).isZero();
    }

    @Test
    void aReplayedHeartbeatIsDroppedAndCounted() throws Exception {
        ByteBuffer genuine = Heartbeats.encode("a", Role.ACTIVE, 7, 100, Heartbeats.mac(SECRET));
        send(genuine.duplicate());
        await("heard", () -> channel.received.get() == 1);
        send(genuine.duplicate()); // recorded and sent again
        send(Heartbeats.encode("a", Role.ACTIVE, 7, 99, Heartbeats.mac(SECRET))); // an older one
        await("two replays dropped", () -> channel.replayed.get() == 2);
        assertThat(channel.received.get()).isEqualTo(1);
        assertThat(channel.unauthenticated.get()).isZero();
    }

    @Test
    void anOldHeartbeatIsReplayedToAFreshReceiverInVainTheDiskSaysWhatIsCurrent() throws Exception {
        // the receiver has heard nothing yet, but the peer's slot on the shared disk is at 5000
        receiver.peerSeqOnDisk(5000);
        send(Heartbeats.encode("a", Role.ACTIVE, 7, 100, Heartbeats.mac(SECRET)));
        await("dropped", () -> channel.replayed.get() == 1);
        send(Heartbeats.encode("a", Role.ACTIVE, 7, 5001, Heartbeats.mac(SECRET)));
        await("current one heard", () -> channel.received.get() == 1);
    }

    @Test
    void aLeaseAreaThatStartedAgainRestartsTheSequenceInsteadOfDroppingEverything() throws Exception {
        receiver.peerSeqOnDisk(5000);
        send(Heartbeats.encode("a", Role.ACTIVE, 7, 5001, Heartbeats.mac(SECRET)));
        await("heard", () -> channel.received.get() == 1);
        // the lease area was replaced: the peer's slot, and its heartbeats, count from 1 again
        receiver.peerSeqOnDisk(3);
        send(Heartbeats.encode("a", Role.ACTIVE, 8, 4, Heartbeats.mac(SECRET)));
        await("heard again", () -> channel.received.get() == 2);
        assertThat(channel.replayed.get()).isZero();
    }

    @Test
    void aShortOrMissingSecretFileIsRefusedAtStart() throws Exception {
        Path shortKey = dir.resolve("short.key");
        Files.writeString(shortKey, "too short");
        assertThatThrownBy(() -> Heartbeats.readSecret(shortKey)).hasMessageContaining("at least 16");
        assertThatThrownBy(() -> Heartbeats.readSecret(dir.resolve("missing.key"))).hasMessageContaining("missing.key");
        Path good = dir.resolve("good.key");
        Files.write(good, SECRET);
        assertThat(Heartbeats.readSecret(good)).isEqualTo(SECRET);
    }

    private void send(ByteBuffer datagram) throws IOException {
        byte[] bytes = new byte[datagram.remaining()];
        datagram.get(bytes);
        attacker.send(new DatagramPacket(bytes, bytes.length, target));
    }

    private static int freePort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
            Thread.sleep(10);
        }
    }
}
