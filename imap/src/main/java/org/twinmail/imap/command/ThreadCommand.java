package org.twinmail.imap.command;

import java.io.IOException;
import java.nio.charset.Charset;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;

/**
 * THREAD=ORDEREDSUBJECT and UID THREAD (RFC 5256 section 3): the messages a SEARCH
 * would find, grouped by base subject. In each group the earliest message (by sent date,
 * then sequence number) is the parent and the others are its children in date order;
 * threads are ordered by the date of their parent. THREAD=REFERENCES is not offered.
 */
final class ThreadCommand {
    private ThreadCommand() {}

    static String thread(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String algorithm = a.keyword();
        if (!algorithm.equals("ORDEREDSUBJECT")) throw new No("CANNOT", "unsupported threading algorithm " + algorithm);
        a.sp();
        String charset = a.astring();
        SearchCommand.Parse p = new SearchCommand.Parse(ctx.selected(), ctx.limits().maxNestingDepth);
        try {
            p.charset = Charset.forName(charset.equalsIgnoreCase("GB2312") ? "GB18030" : charset);
        } catch (RuntimeException e) {
            throw new No("BADCHARSET (UTF-8 US-ASCII GB2312 GBK GB18030)", "unsupported charset " + charset);
        }
        a.sp();
        List<SearchCommand.Candidate> found = new ArrayList<>(SearchCommand.matching(ctx, a, p));
        Comparator<SearchCommand.Candidate> byDate = Comparator.comparing(ThreadCommand::sent).thenComparingLong(c -> c.msn);
        found.sort(byDate);
        Map<String, List<SearchCommand.Candidate>> threads = new LinkedHashMap<>();
        for (SearchCommand.Candidate c : found) {
            threads.computeIfAbsent(SortCommand.baseSubject(c.message().header("Subject")), k -> new ArrayList<>()).add(c);
        }
        // Insertion order is already the parents' date order, since messages were added by date.
        StringBuilder b = new StringBuilder("THREAD");
        if (!threads.isEmpty()) b.append(' ');
        for (List<SearchCommand.Candidate> t : threads.values()) {
            b.append('(').append(id(r, t.getFirst()));
            if (t.size() == 2) {
                b.append(' ').append(id(r, t.get(1)));
            } else if (t.size() > 2) {
                b.append(' ');
                for (int i = 1; i < t.size(); i++) b.append('(').append(id(r, t.get(i))).append(')');
            }
            b.append(')');
        }
        ctx.untagged(b.toString());
        return r.display() + " completed";
    }

    private static long id(Request r, SearchCommand.Candidate c) {
        return r.uid() ? c.entry.uid() : c.msn;
    }

    /** RFC 5256: the sent date, or the internal date when the Date header is missing or unreadable. */
    private static Instant sent(SearchCommand.Candidate c) {
        LocalDate d = SearchCommand.sentDate(c);
        return d == null ? c.entry.internalDate() : d.atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
    }
}
