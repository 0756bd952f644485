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

    private final long[] decided;
    private final long[] matching;

    /** Both arrays sorted ascending; {@code matching} a subset of {@code decided}. */
    TextMatches(long[] decided, long[] matching) {
        this.decided = decided;
        this.matching = matching;
    }

    /** Whether the index holds the message with this UID and so answers for it. */
    public boolean decides(long uid) {
        return Arrays.binarySearch(decided, uid) >= 0;
    }

    /** Whether the message matches; meaningful only when {@link #decides}. */
    public boolean matches(long uid) {
        return Arrays.binarySearch(matching, uid) >= 0;
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
