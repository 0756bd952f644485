package org.twinmail.imap.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * An IMAP sequence set (RFC 9051 9, "sequence-set"): ranges of message sequence numbers
 * or UIDs, where "*" is the largest one in use. Numbers are 1..2^32-1; "0", "4294967296"
 * and "*:*:*" are refused at parse time. "$" (SEARCHRES, RFC 5182) is {@link #SAVED}: the
 * commands resolve it to the session's saved search result.
 */
public record SequenceSet(List<Range> ranges) {
    /** Stands for "*" until the set is resolved against a mailbox. */
    public static final long STAR = -1;
    private static final long MAX = 0xFFFF_FFFFL;

    /** {@code from..to} inclusive, in the order written (IMAP allows 5:2). */
    public record Range(long from, long to) {
        long low(long star) {
            return Math.min(value(from, star), value(to, star));
        }

        long high(long star) {
            return Math.max(value(from, star), value(to, star));
        }

        private static long value(long v, long star) {
            return v == STAR ? star : v;
        }
    }

    /** "$": the last search result saved with SEARCH RETURN (SAVE). Compared by identity. */
    public static final SequenceSet SAVED = new SequenceSet(List.of());

    public SequenceSet {
        ranges = List.copyOf(ranges);
    }

    public boolean isSaved() {
        return this == SAVED;
    }

    public static SequenceSet parse(String text) throws ImapSyntaxException {
        if (text.equals("$")) return SAVED;
        if (text.contains("$")) throw ImapSyntaxException.syntax("\"$\" stands alone, it cannot be part of a set");
        List<Range> ranges = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String[] ends = part.split(":", -1);
            if (ends.length > 2) throw ImapSyntaxException.syntax("bad sequence range: " + part);
            long from = number(ends[0]);
            long to = ends.length == 2 ? number(ends[1]) : from;
            ranges.add(new Range(from, to));
        }
        return new SequenceSet(ranges);
    }

    private static long number(String s) throws ImapSyntaxException {
        if (s.equals("*")) return STAR;
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw ImapSyntaxException.syntax("bad sequence number: \"" + s + "\"");
        }
        long v = Long.parseLong(s);
        if (v == 0 || v > MAX) throw ImapSyntaxException.syntax("sequence number out of range: " + s);
        return v;
    }

    /** True if {@code n} is in the set, with "*" meaning {@code star}. */
    public boolean contains(long n, long star) {
        for (Range r : ranges) {
            if (n >= r.low(star) && n <= r.high(star)) return true;
        }
        return false;
    }

    /** Members that are also in {@code present} (sorted ascending), in ascending order without duplicates. */
    public List<Long> select(List<Long> present) {
        List<Long> out = new ArrayList<>();
        if (present.isEmpty()) return out;
        long star = present.getLast();
        for (long n : present) if (contains(n, star)) out.add(n);
        return out;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Range r : ranges) {
            if (!b.isEmpty()) b.append(',');
            b.append(r.from() == STAR ? "*" : Long.toString(r.from()));
            if (r.to() != r.from()) b.append(':').append(r.to() == STAR ? "*" : Long.toString(r.to()));
        }
        return b.toString();
    }

    /** A compact set for response codes (COPYUID): ascending numbers joined into ranges. */
    public static String compact(List<Long> numbers) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < numbers.size()) {
            long start = numbers.get(i);
            long end = start;
            while (i + 1 < numbers.size() && numbers.get(i + 1) == end + 1) end = numbers.get(++i);
            if (!b.isEmpty()) b.append(',');
            b.append(start);
            if (end != start) b.append(':').append(end);
            i++;
        }
        return b.toString();
    }
}
