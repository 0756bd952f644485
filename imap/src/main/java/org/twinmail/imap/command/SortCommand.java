package org.twinmail.imap.command;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.twinmail.imap.mime.Envelope;
import org.twinmail.mail.header.MailDates;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.protocol.SearchReturn;

/**
 * SORT and UID SORT (RFC 5256 section 3): the messages a SEARCH would find, ordered by
 * ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT (base subject, section 2.1) or TO, each possibly
 * REVERSE; ties go by sequence number. Strings compare with the i;ascii-casemap collation.
 */
final class SortCommand {
    private SortCommand() {}

    static String sort(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        // RFC 5267 ESORT: SORT RETURN (...) answers with ESEARCH, ALL in sort order.
        SearchReturn returns = SearchReturn.read(a);
        Comparator<SearchCommand.Candidate> order = criteria(a);
        a.sp();
        String charset = a.astring();
        SearchCommand.Parse p = new SearchCommand.Parse(ctx.selected(), ctx.limits().maxNestingDepth);
        p.saved = ctx.savedUids();
        p.uidOnly = ctx.uidOnly();
        p.charset(charset);
        a.sp();
        List<SearchCommand.Key> keys = SearchCommand.keys(ctx, a, p);
        List<SearchCommand.Candidate> found = sorted(ctx, keys, order);
        if (p.modseq) ctx.enableCondstore();
        List<Long> numbers = found.stream().map(c -> r.uid() ? c.uid : c.msn).toList();
        if (returns == null) {
            StringBuilder b = new StringBuilder("SORT");
            for (long n : numbers) b.append(' ').append(n);
            ctx.untagged(b.toString());
            return r.display() + " completed";
        }
        List<Long> uids = found.stream().map(c -> c.uid).toList();
        long highest = found.stream().mapToLong(c -> c.entry().modSeq()).max().orElse(0);
        SearchCommand.answer(ctx, r, returns, numbers, uids, p.modseq && !found.isEmpty() ? highest : -1);
        if (returns.has(SearchReturn.Option.UPDATE)) ctx.searchUpdates().add(ctx, r.tag(), r.uid(), keys, order, uids);
        return r.display() + " completed";
    }

    /** The messages matching {@code keys}, in the order of {@code order}, ties by sequence number. */
    static List<SearchCommand.Candidate> sorted(Context ctx, List<SearchCommand.Key> keys, Comparator<SearchCommand.Candidate> order) {
        List<SearchCommand.Candidate> found = new ArrayList<>(SearchCommand.evaluate(ctx, keys));
        found.sort(order.thenComparingLong(x -> x.msn));
        return found;
    }

    /** The parenthesised sort criteria (RFC 5256 3, RFC 5957 DISPLAYFROM/DISPLAYTO) as one comparator. */
    private static Comparator<SearchCommand.Candidate> criteria(ArgReader a) throws ImapSyntaxException {
        a.open();
        Comparator<SearchCommand.Candidate> order = null;
        boolean reverse = false;
        do {
            String key = a.keyword();
            if (key.equals("REVERSE")) {
                if (reverse) throw ImapSyntaxException.syntax("REVERSE twice");
                reverse = true;
                a.sp();
                key = a.keyword();
            }
            Comparator<SearchCommand.Candidate> c = switch (key) {
                case "ARRIVAL" -> Comparator.comparing((SearchCommand.Candidate x) -> x.entry().internalDate());
                case "DATE" -> Comparator.comparing(SortCommand::sentOrArrival);
                case "SIZE" -> Comparator.comparingLong((SearchCommand.Candidate x) -> x.entry().size());
                // RFC 5256 2.1 base subject, compared with i;ascii-casemap (baseSubject folds it).
                case "SUBJECT" -> Comparator.comparing((SearchCommand.Candidate x) -> baseSubject(x.message().header("Subject")));
                // RFC 5957 SORT=DISPLAY: the display name of the first address, its addr-spec when it has none.
                case "DISPLAYFROM", "DISPLAYTO" -> {
                    String field = key.equals("DISPLAYFROM") ? "From" : "To";
                    yield Comparator.comparing((SearchCommand.Candidate x) -> displayName(x.message(), field));
                }
                case "FROM", "TO", "CC" -> {
                    String field = key.charAt(0) + key.substring(1).toLowerCase(Locale.ROOT);
                    yield Comparator.comparing((SearchCommand.Candidate x) -> firstMailbox(x.message(), field));
                }
                default -> throw ImapSyntaxException.syntax("unknown sort criterion " + key);
            };
            if (reverse) c = c.reversed();
            reverse = false;
            order = order == null ? c : order.thenComparing(c);
        } while (a.optionalSp());
        a.close();
        return order;
    }

    /**
     * RFC 5256 3 DATE: the sent date and time (the Date header, its zone applied, so compared in
     * UTC), or the INTERNALDATE when there is no Date header or it cannot be parsed.
     */
    private static Instant sentOrArrival(SearchCommand.Candidate c) {
        String date = c.message().header("Date");
        return MailDates.parse(date).map(java.time.OffsetDateTime::toInstant).orElse(c.entry().internalDate());
    }

    /**
     * RFC 5256 3 FROM/TO/CC: the addr-mailbox of the field's first address as ENVELOPE gives it
     * (so a group's first entry, its start marker, contributes the group's name), in
     * i;ascii-casemap; empty if there is none (it sorts first).
     */
    private static String firstMailbox(MimePart m, String field) {
        String header = m.header(field);
        if (header == null) return "";
        List<Envelope.Address> all = Envelope.parse(header);
        if (all.isEmpty() || all.getFirst().mailbox() == null) return "";
        return asciiCasemap(all.getFirst().mailbox());
    }

    /**
     * RFC 5957 2: the decoded display name of the field's first address, or its addr-spec
     * ({@code local@domain}) when it has none; a group's display name for a group (the RFC
     * speaks only of mailboxes; a group's name is what a client displays for it). Compared
     * with i;ascii-casemap, as the other SORT keys; empty, sorting first, when there is no address.
     */
    private static String displayName(MimePart m, String field) {
        String header = m.header(field);
        if (header == null) return "";
        var all = org.twinmail.mail.address.AddressParser.parse(header).addresses();
        if (all.isEmpty()) return "";
        String shown = switch (all.getFirst()) {
            case org.twinmail.mail.address.Mailbox mb -> mb.name() == null || mb.name().isBlank() ? mb.address() : mb.name();
            case org.twinmail.mail.address.Group g -> g.name() == null ? "" : g.name();
        };
        return asciiCasemap(shown.strip());
    }

    /** RFC 4790 9.2 i;ascii-casemap: a-z folded to A-Z, nothing else touched; compared octet by octet after. */
    static String asciiCasemap(String s) {
        char[] out = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch >= 'a' && ch <= 'z') {
                if (out == null) out = s.toCharArray();
                out[i] = (char) (ch - 32);
            }
        }
        return out == null ? s : new String(out);
    }

    /**
     * subj-refwd (group 1: "Re:", "Fw:", "Fwd:" with an optional [blob]) or a subj-blob before more
     * text; a blob holds no "[" or "]" (RFC 5256 5, BLOBCHAR).
     */
    private static final Pattern LEADER = Pattern.compile("^(?:(\\s*(?:re|fwd?)\\s*(?:\\[[^\\[\\]]*\\])?\\s*:)|\\s*\\[[^\\[\\]]*\\]\\s*(?=\\S))", Pattern.CASE_INSENSITIVE);
    private static final Pattern TRAILER = Pattern.compile("(?:\\s*\\(fwd\\))+\\s*$", Pattern.CASE_INSENSITIVE);

    /**
     * A subject as RFC 5256 2.1 reduces it. {@code replyOrForward}: a "Re:"/"Fwd:" leader, a
     * "(fwd)" trailer or a "[Fwd: ...]" wrapper was removed (THREAD=REFERENCES step 5 prefers
     * an original over a reply); a "[list]" tag alone does not count.
     */
    record Subject(String base, boolean replyOrForward) { }

    /** RFC 5256 2.1 base subject: encoded words decoded, "Re:", "Fwd:", "[list]" prefixes, "(fwd)" and "[Fwd: ...]" removed. */
    static String baseSubject(String subject) {
        return subject(subject).base();
    }

    static Subject subject(String subject) {
        if (subject == null) return new Subject("", false);
        String s = MimePart.decodeWords(subject).replaceAll("\\s+", " ").strip();
        boolean reply = false;
        while (true) {
            String before = s;
            java.util.regex.Matcher trailer = TRAILER.matcher(s);
            if (trailer.find()) {
                reply = true;
                s = s.substring(0, trailer.start()).strip();
            }
            while (true) {
                java.util.regex.Matcher m = LEADER.matcher(s);
                if (!m.find()) break;
                String stripped = s.substring(m.end()).strip();
                // Step 3 removes every subj-leader; step 4 removes a subj-blob only if text remains.
                if (m.group(1) == null && stripped.isEmpty()) break;
                reply |= m.group(1) != null;
                s = stripped;
            }
            if (s.regionMatches(true, 0, "[fwd:", 0, 5) && s.endsWith("]")) {
                reply = true;
                s = s.substring(5, s.length() - 1).strip();
            }
            if (s.equals(before)) return new Subject(asciiCasemap(s), reply);
        }
    }
}
