package org.twinmail.search;

import java.util.Arrays;

/**
 * The index's answer to one IMAP text key in one mailbox: for the messages it {@link #decides}
 * (indexed, and not cut short by {@code search.maxIndexedChars}), whether each {@link #matches};
 * every other message (not yet indexed, or a needle the index cannot decide) must be searched
 * the old way, on the message itself.
 */
public final class TextMatches {
    /** The index decides nothing: search every message on its own. */
    public static final TextMatches NONE = new TextMatches(new long[0], new long[0]);

    /** UIDs this far apart at most are kept as bitmaps (8 MiB each at most), else looked up by binary search. */
    private static final long MAX_BITMAP_SPAN = 1L << 26;

    private final long[] decided;
    private final long[] matching;
    private final long base;
    private final long[] decidedBits;
    private final long[] matchingBits;

    /** Both arrays sorted ascending; {@code matching} a subset of {@code decided}. */
    TextMatches(long[] decided, long[] matching) {
        this.decided = decided;
        this.matching = matching;
        long span = decided.length == 0 ? 0 : decided[decided.length - 1] - decided[0] + 1;
        if (decided.length > 64 && span <= MAX_BITMAP_SPAN) {
            base = decided[0];
            decidedBits = bits(decided, base, span);
            matchingBits = bits(matching, base, span);
        } else {
            base = 0;
            decidedBits = null;
            matchingBits = null;
        }
    }

    private static long[] bits(long[] uids, long base, long span) {
        long[] b = new long[(int) ((span + 63) >>> 6)];
        for (long u : uids) {
            long i = u - base;
            b[(int) (i >>> 6)] |= 1L << i;
        }
        return b;
    }

    private boolean in(long[] sorted, long[] bits, long uid) {
        if (bits == null) return Arrays.binarySearch(sorted, uid) >= 0;
        long i = uid - base;
        return i >= 0 && (i >>> 6) < bits.length && (bits[(int) (i >>> 6)] & (1L << i)) != 0;
    }

    /** Whether the index holds the message with this UID and so answers for it. */
    public boolean decides(long uid) {
        return in(decided, decidedBits, uid);
    }

    /** Whether the message matches; meaningful only when {@link #decides}. */
    public boolean matches(long uid) {
        return in(matching, matchingBits, uid);
    }

    /** How many messages the index answered for. */
    public int decidedCount() {
        return decided.length;
    }

    /** How many of them matched. */
    public int matchingCount() {
        return matching.length;
    }
}
