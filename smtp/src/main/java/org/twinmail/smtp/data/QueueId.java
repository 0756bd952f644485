package org.twinmail.smtp.data;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Queue ids as they appear in "250 2.0.0 Ok: queued as ..." and in the Received header:
 * 14 characters of Crockford base32, the first nine from the clock in milliseconds (so ids
 * sort by time in logs), the last five from a counter started at a random value (so ids
 * made in the same millisecond, or by the other node of a pair, do not collide in practice).
 */
public final class QueueId {
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final AtomicLong COUNTER = new AtomicLong(new SecureRandom().nextLong());

    private QueueId() {
    }

    public static String next() {
        char[] id = new char[14];
        encode(System.currentTimeMillis(), id, 0, 9);
        encode(COUNTER.incrementAndGet(), id, 9, 5);
        return new String(id);
    }

    private static void encode(long value, char[] out, int off, int digits) {
        for (int i = off + digits - 1; i >= off; i--) {
            out[i] = ALPHABET[(int) (value & 31)];
            value >>>= 5;
        }
    }
}
