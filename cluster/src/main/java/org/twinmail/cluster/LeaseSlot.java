package org.twinmail.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * One node's record in the lease area, rewritten by that node (and only by it) on every
 * heartbeat. {@code seq} grows with every write: a reader decides that the writer is
 * alive by seeing it change, measured on the reader's own monotonic clock, never by
 * comparing wall clocks of two machines ({@code wallMillis} is for humans only).
 *
 * @param nodeId  the writer's name
 * @param role    what the writer is doing
 * @param epoch   the epoch the writer serves (or last served, or claims)
 * @param seq     write counter
 * @param flags   {@link #PUBLIC_OK}, {@link #YIELD}, {@link #REQUEST}, {@link #CRASHED}, {@link #VIP_HELD}, {@link #VIP_WANTED}
 * @param wallMillis the writer's wall clock at the write, shown in status only
 */
public record LeaseSlot(String nodeId, Role role, long epoch, long seq, int flags, long wallMillis) {
    /** The writer reaches a public ping target (or none is configured): it can serve clients. */
    public static final int PUBLIC_OK = 1;
    /** The writer has just handed the service over and does not want it back now. */
    public static final int YIELD = 2;
    /** The writer, a standby, asks the active to hand over (switchover from the standby side, or failback). */
    public static final int REQUEST = 4;
    /**
     * Written by the node's supervisor, never by the node: its JVM died while serving and the
     * supervisor handed over for it (with YIELD after a successful release, with FENCED otherwise).
     */
    public static final int CRASHED = 8;
    /** The writer still holds the VIP (its services are stopped): the taker asks for it with VIP_WANTED ({@link VipHandoff}). */
    public static final int VIP_HELD = 16;
    /** The writer, taking over, is ready to add the VIP and asks the holder to remove it ({@link VipHandoff}). */
    public static final int VIP_WANTED = 32;

    static final long MAGIC = 0x54574D4C45415345L; // "TWMLEASE"
    static final int VERSION = 1;
    static final int MAX_ID = 64;
    /** Encoded size: everything up to and including the CRC. */
    static final int SIZE = 8 + 4 + 8 + 8 + 8 + 4 + 4 + 2 + MAX_ID + 4;

    public LeaseSlot {
        if (nodeId.getBytes(StandardCharsets.UTF_8).length > MAX_ID) throw new IllegalArgumentException("node id longer than " + MAX_ID + " bytes");
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    void encode(ByteBuffer b) {
        int start = b.position();
        byte[] id = nodeId.getBytes(StandardCharsets.UTF_8);
        b.putLong(MAGIC).putInt(VERSION).putLong(epoch).putLong(seq).putLong(wallMillis)
                .putInt(role.ordinal()).putInt(flags).putShort((short) id.length).put(id).put(new byte[MAX_ID - id.length]);
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().position(start).limit(b.position()));
        b.putInt((int) crc.getValue());
    }

    /** Result of reading a slot: never written (all zero), torn or foreign (bad magic or CRC), or a record. */
    sealed interface Read permits Empty, Unreadable, Valid {}
    record Empty() implements Read {}
    record Unreadable(String why) implements Read {}
    record Valid(LeaseSlot slot) implements Read {}

    static Read decode(ByteBuffer b) {
        int start = b.position();
        boolean zero = true;
        for (int i = start; i < start + SIZE; i++) if (b.get(i) != 0) { zero = false; break; }
        if (zero) return new Empty();
        if (b.getLong(start) != MAGIC) return new Unreadable("not a TwinMail lease slot (bad magic)");
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().position(start).limit(start + SIZE - 4));
        if ((int) crc.getValue() != b.getInt(start + SIZE - 4)) return new Unreadable("checksum mismatch (torn or damaged write)");
        b.position(start + 8);
        int version = b.getInt();
        if (version != VERSION) return new Unreadable("lease slot version " + version + ", this node reads " + VERSION);
        long epoch = b.getLong();
        long seq = b.getLong();
        long wall = b.getLong();
        int role = b.getInt();
        int flags = b.getInt();
        int len = b.getShort();
        if (len < 0 || len > MAX_ID) return new Unreadable("bad node id length " + len);
        byte[] id = new byte[len];
        b.get(id);
        try {
            return new Valid(new LeaseSlot(new String(id, StandardCharsets.UTF_8), Role.of(role), epoch, seq, flags, wall));
        } catch (IllegalArgumentException e) {
            return new Unreadable(e.getMessage());
        }
    }
}
