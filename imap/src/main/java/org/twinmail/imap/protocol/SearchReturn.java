package org.twinmail.imap.protocol;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The RETURN options of SEARCH and SORT: ESEARCH's MIN, MAX, COUNT, ALL (RFC 4731), SEARCHRES's
 * SAVE (RFC 5182), CONTEXT=SEARCH's UPDATE and CONTEXT (RFC 5267) and PARTIAL with the ranges
 * of RFC 9394. Pure: parsing and formatting only.
 *
 * @param options what was asked for ({@code RETURN ()} is ALL, RFC 4731 3.1)
 * @param partial the PARTIAL range, or null
 */
public record SearchReturn(Set<Option> options, Range partial) {
    public enum Option { MIN, MAX, COUNT, ALL, SAVE, UPDATE, CONTEXT, PARTIAL }

    /**
     * A PARTIAL range (RFC 9394 3): positions {@code from:to} counted from 1 at the start of the
     * result, or both negative, counted from -1 at its end; the two ends in either order.
     */
    public record Range(long first, long last) {
        /** The positions (0-based, inclusive start, exclusive end) this range picks out of {@code size} results. */
        public int[] slice(int size) {
            long a = Math.min(Math.abs(first), Math.abs(last));
            long b = Math.max(Math.abs(first), Math.abs(last));
            long from;
            long to;
            if (first > 0) {
                from = a - 1;
                to = b;
            } else {
                from = size - b;
                to = size - a + 1;
            }
            from = Math.max(0, Math.min(from, size));
            to = Math.max(from, Math.min(to, size));
            return new int[] {(int) from, (int) to};
        }

        @Override
        public String toString() {
            return first + ":" + last;
        }
    }

    /** RETURN (ALL): what IMAP4rev2 answers a SEARCH without RETURN with (RFC 9051 6.4.4). */
    public static final SearchReturn ALL = new SearchReturn(Set.of(Option.ALL), null);

    public boolean has(Option o) {
        return options.contains(o);
    }

    /** Reads "RETURN" SP "(" [option *(SP option)] ")" SP if it comes next; null when there is no RETURN. */
    public static SearchReturn read(ArgReader a) throws ImapSyntaxException {
        if (!a.peekWord("RETURN")) return null;
        a.atom();
        a.sp();
        a.open();
        EnumSet<Option> options = EnumSet.noneOf(Option.class);
        Range partial = null;
        while (!a.peekIs(')')) {
            String name = a.keyword();
            Option o;
            try {
                o = Option.valueOf(name);
            } catch (IllegalArgumentException e) {
                throw ImapSyntaxException.syntax("unknown SEARCH RETURN option " + name);
            }
            if (!options.add(o)) throw ImapSyntaxException.syntax("RETURN option " + name + " given twice");
            if (o == Option.PARTIAL) {
                a.sp();
                partial = range(a);
            }
            if (!a.optionalSp()) break;
        }
        a.close();
        a.sp();
        // RFC 4731 3.1: RETURN () is RETURN (ALL); so is a RETURN that asks only for updates or gives a hint.
        EnumSet<Option> results = EnumSet.of(Option.MIN, Option.MAX, Option.COUNT, Option.ALL, Option.SAVE, Option.PARTIAL);
        if (options.stream().noneMatch(results::contains)) options.add(Option.ALL);
        return new SearchReturn(Set.copyOf(options), partial);
    }

    /** partial-range-first / partial-range-last of RFC 9394: "n:m" or "-n:-m" (nz-numbers). */
    static Range range(ArgReader a) throws ImapSyntaxException {
        boolean negative = a.peekIs('-');
        if (negative) a.expect('-');
        long x = a.nzNumber();
        a.expect(':');
        if (negative) a.expect('-');
        else if (a.peekIs('-')) throw ImapSyntaxException.syntax("PARTIAL: both ends must count from the same side");
        long y = a.nzNumber();
        return negative ? new Range(-x, -y) : new Range(x, y);
    }

    /** Reads a PARTIAL range (FETCH's PARTIAL modifier, RFC 9394 3.1). */
    public static Range readRange(ArgReader a) throws ImapSyntaxException {
        return range(a);
    }

    /**
     * The ESEARCH response for {@code found} (message numbers or UIDs, in the result's order:
     * ascending for SEARCH, sorted for SORT), without MODSEQ, which the caller appends.
     */
    public String esearch(String tag, boolean uid, List<Long> found) {
        StringBuilder b = new StringBuilder("ESEARCH (TAG ").append(Strings.string(tag, false)).append(')');
        if (uid) b.append(" UID");
        if (!found.isEmpty()) {
            if (has(Option.MIN)) b.append(" MIN ").append(found.getFirst());
            if (has(Option.MAX)) b.append(" MAX ").append(found.getLast());
            if (has(Option.ALL)) b.append(" ALL ").append(ordered(found));
        }
        if (has(Option.COUNT)) b.append(" COUNT ").append(found.size());
        if (partial != null) {
            List<Long> part = partial(found);
            // RFC 9394 3: the range as asked, then the results in it, or NIL when there are none.
            b.append(" PARTIAL (").append(partial).append(' ').append(part.isEmpty() ? "NIL" : ordered(part)).append(')');
        }
        return b.toString();
    }

    /** The results at the PARTIAL range's positions, in order. */
    public List<Long> partial(List<Long> found) {
        int[] s = partial.slice(found.size());
        return new ArrayList<>(found.subList(s[0], s[1]));
    }

    /**
     * A sequence set that keeps the result's order (ESORT's ALL, RFC 5267 3.1): ascending runs
     * of consecutive numbers become "a:b", everything else is listed as it comes. For an
     * ascending result it is the usual compact set.
     */
    public static String ordered(List<Long> numbers) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < numbers.size()) {
            int j = i;
            while (j + 1 < numbers.size() && numbers.get(j + 1) == numbers.get(j) + 1) j++;
            if (b.length() > 0) b.append(',');
            b.append(numbers.get(i));
            if (j > i) b.append(':').append(numbers.get(j));
            i = j + 1;
        }
        return b.toString();
    }
}
