package org.twinmail.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UDP heartbeats on every configured channel: each interval one datagram to the peer
 * naming this node, its role and epoch; a receiver per channel records when the peer
 * was last heard there. They tell the operator which paths work (a channel that falls
 * silent is logged and shown in status), and they never decide a takeover on their
 * own: the lease on the shared disk does, because a silent network cannot tell a dead
 * peer from a cut cable.
 *
 * <p>Datagrams are checked for the magic, the version and the peer's name; they are not
 * authenticated, so the channels belong on networks only the two nodes (and the
 * operator) use, as they do in the lab.
 */
final class Heartbeats implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Heartbeats.class);
    private static final int MAGIC = 0x54574842; // "TWHB"
    private static final int VERSION = 1;

    /** One channel's socket and what was heard on it. */
    static final class Channel {
        final HeartbeatChannel config;
        final DatagramChannel socket;
        final AtomicLong sent = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        final AtomicLong sendErrors = new AtomicLong();
        volatile long lastHeard = Long.MIN_VALUE;
        volatile Role peerRole;
        volatile long peerEpoch;
        volatile boolean up;

        Channel(HeartbeatChannel config, DatagramChannel socket) {
            this.config = config;
            this.socket = socket;
        }
    }

    private final String nodeId;
    private final String peerId;
    private final LongSupplier clock;
    private final List<Channel> channels = new ArrayList<>();
    private final List<Thread> receivers = new ArrayList<>();
    private volatile boolean closed;

    Heartbeats(String nodeId, String peerId, List<HeartbeatChannel> configs, LongSupplier clock) throws IOException {
        this.nodeId = nodeId;
        this.peerId = peerId;
        this.clock = clock;
        try {
            for (HeartbeatChannel c : configs) {
                DatagramChannel s = DatagramChannel.open();
                channels.add(new Channel(c, s));
                s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                // The bind address may be the VIP's subnet or a link that comes up later: IP_FREEBIND is not
                // exposed by Java, so the address must exist when the node starts (as the lab's do).
                s.bind(c.bind());
            }
        } catch (IOException e) {
            close();
            throw new IOException("cluster heartbeat: cannot bind " + configs + ": " + e.getMessage(), e);
        }
        for (Channel c : channels) {
            Thread t = Thread.ofVirtual().name("cluster-hb-" + c.config.name()).start(() -> receive(c));
            receivers.add(t);
        }
    }

    List<Channel> channels() {
        return channels;
    }

    /** Sends one heartbeat on every channel; a channel that cannot send is counted, not fatal. */
    void send(Role role, long epoch, long seq) {
        byte[] id = nodeId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 2 + id.length + 4 + 8 + 8);
        b.putInt(MAGIC).putInt(VERSION).putShort((short) id.length).put(id).putInt(role.ordinal()).putLong(epoch).putLong(seq).flip();
        for (Channel c : channels) {
            try {
                c.socket.send(b.duplicate(), c.config.peer());
                c.sent.incrementAndGet();
            } catch (IOException e) {
                if (c.sendErrors.getAndIncrement() == 0) log.warn("heartbeat channel {}: cannot send to {}: {}", c.config.name(), c.config.peer(), e.getMessage());
            }
        }
    }

    /** Marks channels silent for longer than {@code silentNanos} as down (and logs each change). */
    void updateLiveness(long silentNanos) {
        long now = clock.getAsLong();
        for (Channel c : channels) {
            boolean up = c.lastHeard != Long.MIN_VALUE && now - c.lastHeard < silentNanos;
            if (up != c.up) {
                c.up = up;
                if (up) log.info("heartbeat channel {}: peer {} heard", c.config.name(), peerId);
                else log.warn("heartbeat channel {}: peer {} silent for more than {} ms", c.config.name(), peerId, silentNanos / 1_000_000);
            }
        }
    }

    private void receive(Channel c) {
        ByteBuffer b = ByteBuffer.allocate(512);
        while (!closed) {
            try {
                b.clear();
                if (!(c.socket.receive(b) instanceof InetSocketAddress)) continue;
                b.flip();
                if (b.remaining() < 10 || b.getInt() != MAGIC || b.getInt() != VERSION) continue;
                int len = b.getShort();
                if (len < 0 || len > LeaseSlot.MAX_ID || b.remaining() < len + 20) continue;
                byte[] id = new byte[len];
                b.get(id);
                if (!peerId.equals(new String(id, StandardCharsets.UTF_8))) continue;
                int role = b.getInt();
                long epoch = b.getLong();
                if (role < 0 || role >= Role.values().length) continue;
                c.peerRole = Role.of(role);
                c.peerEpoch = epoch;
                c.lastHeard = clock.getAsLong();
                c.received.incrementAndGet();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) log.debug("heartbeat channel {}: {}", c.config.name(), e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Channel c : channels) {
            try {
                c.socket.close();
            } catch (IOException ignored) {
                // closing a datagram socket cannot lose anything
            }
        }
    }
}
