package org.twinmail.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
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
 * <p>With a shared secret ({@code cluster.heartbeatSecretFile}) every datagram carries an
 * HMAC-SHA256 over all its other bytes, and the sender's lease sequence number, which
 * grows with every lease write and survives restarts (it lives in the sender's slot on
 * the shared disk). A receiver accepts a datagram only if the MAC is right and the
 * sequence number is above the last one it accepted on that channel and not far below
 * what the peer's slot on the disk says now (so a datagram recorded earlier and sent
 * again is refused even by a receiver that has just restarted). Wall clocks of the two
 * machines are never compared. Refused datagrams are counted per channel and reason
 * ({@code unauthenticated}, {@code replayed}) and logged once per channel. Without a
 * secret the datagrams are checked for the magic, the version and the peer's name only,
 * and the node says so in its log at start: then the channels belong on networks only
 * the two nodes (and the operator) use.
 */
final class Heartbeats implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Heartbeats.class);
    private static final int MAGIC = 0x54574842; // "TWHB"
    private static final int VERSION = 2;
    static final int MAC_LENGTH = 32;
    private static final String MAC_ALGORITHM = "HmacSHA256";
    /** Shortest secret accepted: 128 bits, as corosync's authkey minimum. */
    static final int MIN_SECRET = 16;

    /** One channel's socket and what was heard on it. */
    static final class Channel {
        final HeartbeatChannel config;
        final DatagramChannel socket;
        final AtomicLong sent = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        final AtomicLong sendErrors = new AtomicLong();
        final AtomicLong unauthenticated = new AtomicLong();
        final AtomicLong replayed = new AtomicLong();
        /** The highest sequence number accepted on this channel (receiver thread only). */
        long lastSeq = Long.MIN_VALUE;
        volatile long lastHeard = Long.MIN_VALUE;
        volatile Role peerRole;
        volatile long peerEpoch;
        volatile boolean up;
        /**
         * A socket connected to the peer's heartbeat port (non-blocking), whose only job is to hear the peer's kernel
         * answer a probe with ICMP port unreachable: no process holds that port any more (null: could not be opened).
         */
        DatagramChannel probe;
        /** When (this node's clock) the peer's kernel last said the heartbeat port is closed; {@code Long.MIN_VALUE}: never. */
        volatile long closedAt = Long.MIN_VALUE;

        Channel(HeartbeatChannel config, DatagramChannel socket) {
            this.config = config;
            this.socket = socket;
        }
    }

    private final String nodeId;
    private final String peerId;
    private final LongSupplier clock;
    private final byte[] secret;
    /** The sequence numbers a datagram may lag behind the peer's slot on the disk and still count as fresh. */
    private final long replayWindow;
    /** The peer's sequence number as last read from its lease slot ({@code Long.MIN_VALUE}: not yet read). */
    private volatile long peerSeqOnDisk = Long.MIN_VALUE;
    private final Mac sendMac;
    private final List<Channel> channels = new ArrayList<>();
    private final List<Thread> receivers = new ArrayList<>();
    private volatile boolean closed;
    /** Called (on a receiver thread) when an accepted datagram names another role than the one before it: read the slot now. */
    private final Runnable onPeerRoleChange;
    /** What a probe carries: too short to be a heartbeat, so the peer drops it without a word. */
    private static final byte[] PROBE = {'T', 'W', 'P', 'R'};

    Heartbeats(String nodeId, String peerId, List<HeartbeatChannel> configs, LongSupplier clock, byte[] secret, long replayWindow)
            throws IOException {
        this(nodeId, peerId, configs, clock, secret, replayWindow, () -> { });
    }

    /**
     * @param secret       the shared secret ({@code null}: datagrams are not authenticated)
     * @param replayWindow how many lease writes a datagram may be behind the peer's slot on disk (a few leases' worth:
     *                     the disk is read once per interval, so an honest datagram is at most a write or two ahead or behind)
     */
    Heartbeats(String nodeId, String peerId, List<HeartbeatChannel> configs, LongSupplier clock, byte[] secret, long replayWindow,
               Runnable onPeerRoleChange) throws IOException {
        this.onPeerRoleChange = onPeerRoleChange;
        this.nodeId = nodeId;
        this.peerId = peerId;
        this.clock = clock;
        this.secret = secret == null ? null : secret.clone();
        this.replayWindow = replayWindow;
        this.sendMac = secret == null ? null : mac(secret);
        try {
            for (HeartbeatChannel c : configs) {
                DatagramChannel s = DatagramChannel.open();
                channels.add(new Channel(c, s));
                s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                // The bind address may be the VIP's subnet or a link that comes up later: IP_FREEBIND is not
                // exposed by Java, so the address must exist when the node starts (as the lab's do).
                s.bind(c.bind());
                channels.getLast().probe = openProbe(c);
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

    /** The probe socket of a channel: from the channel's address (any port), connected to the peer's heartbeat port. */
    private static DatagramChannel openProbe(HeartbeatChannel c) {
        try {
            DatagramChannel p = DatagramChannel.open();
            p.bind(new InetSocketAddress(c.bind().getAddress(), 0));
            p.connect(c.peer());
            p.configureBlocking(false);
            return p;
        } catch (IOException e) {
            log.warn("heartbeat channel {}: no port probe to {} ({}); a peer whose process is gone is taken over when its lease expires",
                    c.name(), c.peer(), e.getMessage());
            return null;
        }
    }

    /**
     * Asks each channel's peer kernel whether a process still holds the heartbeat port: the
     * answer to the previous probe is read (a pending ICMP port unreachable shows as {@link
     * PortUnreachableException}), and a new probe is sent. A datagram is dropped silently where
     * the port is open; a closed port is answered by the peer's kernel at once, and a silent
     * network (or a host that is down) answers nothing, which proves nothing.
     */
    void probePorts() {
        ByteBuffer in = ByteBuffer.allocate(64);
        for (Channel c : channels) {
            DatagramChannel p = c.probe;
            if (p == null) continue;
            try {
                while (p.read(in.clear()) > 0) {
                    // nobody writes to this port; whatever came is not an answer
                }
            } catch (PortUnreachableException e) {
                c.closedAt = clock.getAsLong();
            } catch (IOException e) {
                log.debug("heartbeat channel {}: probe read: {}", c.config.name(), e.getMessage());
            }
            try {
                p.write(ByteBuffer.wrap(PROBE));
            } catch (PortUnreachableException e) {
                c.closedAt = clock.getAsLong();
            } catch (IOException e) {
                log.debug("heartbeat channel {}: probe write: {}", c.config.name(), e.getMessage());
            }
        }
    }

    /** When this node last heard the peer on any channel (this node's clock), or {@code Long.MIN_VALUE}. */
    long lastHeard() {
        return channels.stream().mapToLong(c -> c.lastHeard).max().orElse(Long.MIN_VALUE);
    }

    /**
     * The channel on which the peer's kernel said, after {@code since} (this node's clock), that no
     * process holds the peer's heartbeat port, with nothing heard from the peer on any channel since
     * then; empty otherwise.
     */
    java.util.Optional<String> portClosedSince(long since) {
        long lastHeard = channels.stream().mapToLong(c -> c.lastHeard).max().orElse(Long.MIN_VALUE);
        for (Channel c : channels) {
            long at = c.closedAt;
            if (at != Long.MIN_VALUE && at > since && at > lastHeard) return java.util.Optional.of(c.config.name());
        }
        return java.util.Optional.empty();
    }

    /**
     * Reads the shared secret: at least {@link #MIN_SECRET} bytes, used as they are (binary or
     * text; the same file on both nodes). A file others may read is named in the log: anyone who
     * has the secret can forge heartbeats.
     */
    static byte[] readSecret(Path file) throws IOException {
        byte[] secret;
        try {
            secret = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException("cluster.heartbeatSecretFile " + file + ": " + e.getMessage(), e);
        }
        if (secret.length < MIN_SECRET) {
            throw new IOException("cluster.heartbeatSecretFile " + file + " holds " + secret.length + " bytes; at least " + MIN_SECRET
                    + " are needed (for example: head -c 32 /dev/urandom > " + file + ")");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                log.warn("cluster.heartbeatSecretFile {} can be read by group or others ({}): chmod 600 it",
                        file, PosixFilePermissions.toString(perms));
            }
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX filesystem: nothing to check
        }
        return secret;
    }

    boolean authenticated() {
        return secret != null;
    }

    /** The peer's sequence number as the lease area shows it now; the reference for what counts as a replay. */
    void peerSeqOnDisk(long seq) {
        peerSeqOnDisk = seq;
    }

    static Mac mac(byte[] secret) {
        try {
            Mac m = Mac.getInstance(MAC_ALGORITHM);
            m.init(new SecretKeySpec(secret, MAC_ALGORITHM));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(MAC_ALGORITHM + " is part of every JDK: " + e, e);
        }
    }

    /** One datagram: magic, version, sender, role, epoch, sequence number, and the MAC over all of that (when there is a secret). */
    static ByteBuffer encode(String sender, Role role, long epoch, long seq, Mac mac) {
        byte[] id = sender.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 2 + id.length + 4 + 8 + 8 + (mac == null ? 0 : MAC_LENGTH));
        b.putInt(MAGIC).putInt(VERSION).putShort((short) id.length).put(id).putInt(role.ordinal()).putLong(epoch).putLong(seq);
        if (mac != null) {
            mac.update(b.array(), 0, b.position());
            b.put(mac.doFinal());
        }
        return b.flip();
    }

    /** Sends one heartbeat on every channel; a channel that cannot send is counted, not fatal. (Lease and transition threads.) */
    synchronized void send(Role role, long epoch, long seq) {
        ByteBuffer b = encode(nodeId, role, epoch, seq, sendMac);
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
        Mac mac = secret == null ? null : mac(secret);
        while (!closed) {
            try {
                b.clear();
                if (!(c.socket.receive(b) instanceof InetSocketAddress from)) continue;
                b.flip();
                accept(c, b, mac, from);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) log.debug("heartbeat channel {}: {}", c.config.name(), e.getMessage());
            }
        }
    }

    /** What one datagram means: accepted (and recorded on the channel), or why not. */
    enum Verdict { ACCEPTED, MALFORMED, UNAUTHENTICATED, REPLAYED }

    /** Checks one datagram (receiver thread of {@code c}) and records it if it is accepted. */
    Verdict accept(Channel c, ByteBuffer b, Mac mac, InetSocketAddress from) {
        int start = b.position();
        if (b.remaining() < 10 || b.getInt() != MAGIC) return Verdict.MALFORMED;
        int version = b.getInt();
        if (version != VERSION) {
            if (mac != null) return refuse(c, Verdict.UNAUTHENTICATED, from, "protocol version " + version + " (no MAC)");
            return Verdict.MALFORMED;
        }
        int len = b.getShort();
        int tail = mac == null ? 0 : MAC_LENGTH;
        if (len < 0 || len > LeaseSlot.MAX_ID || b.remaining() != len + 20 + tail) {
            return mac != null ? refuse(c, Verdict.UNAUTHENTICATED, from, "wrong length (no MAC, or another secret's format)") : Verdict.MALFORMED;
        }
        if (mac != null) {
            int signed = b.limit() - MAC_LENGTH - start;
            mac.update(b.array(), start, signed);
            byte[] expected = mac.doFinal();
            byte[] got = Arrays.copyOfRange(b.array(), start + signed, start + signed + MAC_LENGTH);
            // constant time: how much of a forged MAC was right must not show in the timing
            if (!MessageDigest.isEqual(expected, got)) return refuse(c, Verdict.UNAUTHENTICATED, from, "wrong MAC (another secret?)");
        }
        byte[] id = new byte[len];
        b.get(id);
        if (!peerId.equals(new String(id, StandardCharsets.UTF_8))) {
            return mac != null ? refuse(c, Verdict.UNAUTHENTICATED, from, "sender \"" + new String(id, StandardCharsets.UTF_8) + "\" is not the peer")
                    : Verdict.MALFORMED;
        }
        int role = b.getInt();
        long epoch = b.getLong();
        long seq = b.getLong();
        if (role < 0 || role >= Role.values().length) return Verdict.MALFORMED;
        if (mac != null) {
            long onDisk = peerSeqOnDisk;
            // The lease area was replaced or wiped: the peer's numbers started again, and so does the channel.
            if (onDisk != Long.MIN_VALUE && c.lastSeq != Long.MIN_VALUE && onDisk + replayWindow < c.lastSeq) c.lastSeq = onDisk - replayWindow;
            if (seq <= c.lastSeq) return refuse(c, Verdict.REPLAYED, from, "sequence number " + seq + " not above " + c.lastSeq);
            if (onDisk != Long.MIN_VALUE && seq < onDisk - replayWindow) {
                return refuse(c, Verdict.REPLAYED, from, "sequence number " + seq + " far behind the peer's lease slot (" + onDisk + ")");
            }
            c.lastSeq = seq;
        }
        Role before = c.peerRole;
        c.peerRole = Role.of(role);
        c.peerEpoch = epoch;
        c.lastHeard = clock.getAsLong();
        c.received.incrementAndGet();
        if (before != null && before != c.peerRole) onPeerRoleChange.run();
        return Verdict.ACCEPTED;
    }

    private Verdict refuse(Channel c, Verdict v, InetSocketAddress from, String why) {
        AtomicLong counter = v == Verdict.REPLAYED ? c.replayed : c.unauthenticated;
        // the first of each kind per channel is logged; the rest are counted (a flood must not flood the log)
        if (counter.getAndIncrement() == 0) {
            log.warn("heartbeat channel {}: dropped a datagram from {}: {} ({}; further ones are only counted)",
                    c.config.name(), from, v.name().toLowerCase(java.util.Locale.ROOT), why);
        }
        return v;
    }

    @Override
    public void close() {
        closed = true;
        for (Channel c : channels) {
            try {
                c.socket.close();
                if (c.probe != null) c.probe.close();
            } catch (IOException ignored) {
                // closing a datagram socket cannot lose anything
            }
        }
    }
}
