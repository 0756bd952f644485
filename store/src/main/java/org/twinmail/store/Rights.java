package org.twinmail.store;

/**
 * A set of RFC 4314 access rights on a mailbox, immutable. The letters, in the order
 * {@link #toString} writes them:
 * <ul>
 *   <li>{@code l} lookup: the mailbox is visible in listings (IMAP LIST/LSUB, SUBSCRIBE)</li>
 *   <li>{@code r} read: open the mailbox, read its messages and counters</li>
 *   <li>{@code s} keep seen/unseen: set or clear {@code \Seen}</li>
 *   <li>{@code w} write: set or clear flags other than {@code \Seen} and {@code \Deleted}</li>
 *   <li>{@code i} insert: append or copy messages into it</li>
 *   <li>{@code p} post: send mail to the mailbox's submission address (kept, not enforced: there is none)</li>
 *   <li>{@code k} create mailboxes below it</li>
 *   <li>{@code x} delete or rename it</li>
 *   <li>{@code t} delete messages: set or clear {@code \Deleted}</li>
 *   <li>{@code e} expunge</li>
 *   <li>{@code a} administer: read and change its access control list</li>
 * </ul>
 * The obsolete RFC 2086 rights are read as the union of their members (RFC 4314 2.1.1):
 * {@code c} as {@code kx}, {@code d} as {@code te}.
 */
public final class Rights {
    /** Every right, in canonical order. */
    public static final String LETTERS = "lrswipkxtea";

    public static final Rights NONE = new Rights(0);
    public static final Rights ALL = new Rights((1 << LETTERS.length()) - 1);

    private final int bits;

    private Rights(int bits) {
        this.bits = bits;
    }

    /**
     * Rights from their letters (any order, repeats allowed, {@code c} and {@code d} expanded).
     *
     * @throws IllegalArgumentException on any other character, upper case included (RFC 4314 3.1)
     */
    public static Rights parse(String letters) {
        int bits = 0;
        for (int i = 0; i < letters.length(); i++) {
            char c = letters.charAt(i);
            switch (c) {
                case 'c' -> bits |= bit('k') | bit('x');
                case 'd' -> bits |= bit('t') | bit('e');
                default -> {
                    int at = LETTERS.indexOf(c);
                    if (at < 0) throw new IllegalArgumentException("unknown right '" + c + "'");
                    bits |= 1 << at;
                }
            }
        }
        return new Rights(bits);
    }

    private static int bit(char right) {
        int at = LETTERS.indexOf(right);
        if (at < 0) throw new IllegalArgumentException("unknown right '" + right + "'");
        return 1 << at;
    }

    /** The right that changing {@code flag} takes (RFC 4314 4): {@code s} for \Seen, {@code t} for \Deleted, {@code w} for any other. */
    public static char flagRight(String flag) {
        if (flag.equalsIgnoreCase("\\Seen")) return 's';
        if (flag.equalsIgnoreCase("\\Deleted")) return 't';
        return 'w';
    }

    public boolean has(char right) {
        return (bits & bit(right)) != 0;
    }

    /** Whether every right of {@code letters} is here. */
    public boolean hasAll(String letters) {
        int want = parse(letters).bits;
        return (bits & want) == want;
    }

    /** Whether at least one right of {@code letters} is here. */
    public boolean hasAny(String letters) {
        return (bits & parse(letters).bits) != 0;
    }

    public boolean isEmpty() {
        return bits == 0;
    }

    public Rights plus(Rights other) {
        return new Rights(bits | other.bits);
    }

    public Rights minus(Rights other) {
        return new Rights(bits & ~other.bits);
    }

    /** The letters of {@code letters} that are not here, in canonical order ("" if none). */
    public String missing(String letters) {
        return parse(letters).minus(this).toString();
    }

    /** The letters in canonical order ({@link #LETTERS}), without the virtual c and d. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < LETTERS.length(); i++) if ((bits & (1 << i)) != 0) b.append(LETTERS.charAt(i));
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rights r && r.bits == bits;
    }

    @Override
    public int hashCode() {
        return bits;
    }
}
