package org.twinmail.imap.command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.mail.header.MailDates;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.DateTimes;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.protocol.SearchReturn;
import org.twinmail.imap.protocol.SequenceSet;
import org.twinmail.imap.session.SelectedMailbox;
import org.twinmail.search.MessageText;
import org.twinmail.search.SearchIndex;
import org.twinmail.search.TextKey;
import org.twinmail.search.TextMatches;

/**
 * SEARCH and UID SEARCH (RFC 9051 6.4.4, RFC 3501 6.4.4) with every search key, CHARSET
 * for the search strings (UTF-8, US-ASCII, and whatever the JDK decodes: GB2312, GBK,
 * GB18030, ISO-8859-x ...), and CONDSTORE's MODSEQ key. Keys are parsed into a tree
 * first, then evaluated per message; message content is read only if a key needs it.
 */
final class SearchCommand {
    private SearchCommand() {}

    /**
     * One message as the keys see it; its entry and parsed content are loaded on first use (a
     * SEARCH the index answers over 100,000 messages reads neither).
     */
    static final class Candidate {
        final long msn;
        final long uid;
        final Context ctx;
        private MessageEntry entry;
        private MimePart message;
        private String bodyText;

        Candidate(long msn, long uid, Context ctx) {
            this.msn = msn;
            this.uid = uid;
            this.ctx = ctx;
        }

        MessageEntry entry() {
            if (entry == null) entry = ctx.selected().entry(uid);
            return entry;
        }

        MimePart message() {
            if (message == null) {
                try {
                    message = ctx.message(entry().blobId());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return message;
        }

        String bodyText() {
            if (bodyText == null) bodyText = MessageText.fold(MessageText.body(message()));
            return bodyText;
        }

        /** Every address of every occurrence of an address field, folded (see {@link MessageText#addresses}). */
        List<String> addresses(String name) {
            return MessageText.addresses(message(), name);
        }

        /** Every occurrence of a header field, encoded words decoded. */
        List<String> headers(String name) {
            return MessageText.fields(message(), name);
        }
    }

    @FunctionalInterface
    interface Key {
        boolean matches(Candidate c);
    }

    /** What parsing found besides the keys: whether MODSEQ was used (the response then carries the highest one). */
    static final class Parse {
        Charset charset = StandardCharsets.UTF_8;

        /**
         * The CHARSET of SEARCH, SORT and THREAD. GB2312 is read as GB18030, its superset:
         * clients say GB2312 for text that uses GBK's extra characters too.
         */
        void charset(String name) throws No {
            try {
                charset = Charset.forName(name.equalsIgnoreCase("GB2312") ? "GB18030" : name);
            } catch (RuntimeException e) {
                throw new No("BADCHARSET (UTF-8 US-ASCII GB2312 GBK GB18030)", "unsupported charset " + name);
            }
        }

        boolean modseq;
        /** RFC 9586: sequence-number keys are refused. */
        boolean uidOnly;
        final SelectedMailbox selected;
        final int maxDepth;
        /** The saved result "$" stands for. */
        List<Long> saved = List.of();
        int depth;
        /** The full-text index, or null. */
        SearchIndex index;

        Parse(SelectedMailbox selected, int maxDepth) {
            this.selected = selected;
            this.maxDepth = maxDepth;
        }
    }

    static String search(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        Parse p = new Parse(ctx.selected(), ctx.limits().maxNestingDepth);
        p.saved = ctx.savedUids();
        p.uidOnly = ctx.uidOnly();
        // RFC 4731 ESEARCH, RFC 5182 SAVE, RFC 5267 UPDATE/CONTEXT, RFC 9394 PARTIAL.
        SearchReturn returns = SearchReturn.read(a);
        if (a.peekWord("CHARSET")) {
            a.atom();
            a.sp();
            p.charset(a.astring());
            a.sp();
        }
        // RFC 9051 6.4.4: IMAP4rev2 answers every SEARCH with ESEARCH, ALL when no RETURN was given.
        if (returns == null && ctx.rev2()) returns = SearchReturn.ALL;
        List<Key> keys = keys(ctx, a, p);
        List<Candidate> matching = evaluate(ctx, keys);
        // RFC 7162 3.1: SEARCH with MODSEQ is a CONDSTORE-enabling command.
        if (p.modseq) ctx.enableCondstore();
        List<Long> found = new ArrayList<>();
        long highest = 0;
        for (Candidate c : matching) {
            found.add(r.uid() ? c.uid : c.msn);
            if (p.modseq) highest = Math.max(highest, c.entry().modSeq());
        }
        if (returns == null) {
            StringBuilder b = new StringBuilder("SEARCH");
            for (long n : found) b.append(' ').append(n);
            if (p.modseq && !found.isEmpty()) b.append(" (MODSEQ ").append(highest).append(')');
            ctx.untagged(b.toString());
            return r.display() + " completed";
        }
        List<Long> uidsFound = matching.stream().map(c -> c.uid).toList();
        answer(ctx, r, returns, found, uidsFound, p.modseq && !found.isEmpty() ? highest : -1);
        if (returns.has(SearchReturn.Option.UPDATE)) ctx.searchUpdates().add(ctx, r.tag(), r.uid(), keys, null, uidsFound);
        return r.display() + " completed";
    }

    /** CANCELUPDATE (RFC 5267 4.2): stops the updates of the searches with these tags. */
    static String cancelUpdate(Context ctx, Request r) throws ImapSyntaxException {
        ArgReader a = r.args();
        List<String> tags = new ArrayList<>();
        do {
            tags.add(new String(a.string(), StandardCharsets.UTF_8));
        } while (a.optionalSp());
        a.end();
        for (String tag : tags) {
            if (!ctx.searchUpdates().cancel(tag)) throw ImapSyntaxException.syntax("no search with tag " + tag + " is kept up to date");
        }
        return "CANCELUPDATE completed";
    }

    /**
     * The ESEARCH answer of SEARCH or SORT with RETURN options (RFC 4731, 5267, 9394) and the
     * SEARCHRES save (RFC 5182): {@code found} in the result's order, as the client numbers
     * them, {@code uidsFound} the same messages' UIDs; {@code modseq} the highest MODSEQ to
     * report, or -1.
     */
    static void answer(Context ctx, Request r, SearchReturn returns, List<Long> found, List<Long> uidsFound, long modseq) throws IOException {
        if (returns.has(SearchReturn.Option.SAVE)) {
            // RFC 5182 2.4: with MIN and/or MAX alone, only those are saved; RFC 9394 3.2: with PARTIAL alone, its results.
            boolean all = returns.has(SearchReturn.Option.ALL) || returns.has(SearchReturn.Option.COUNT);
            boolean ends = returns.has(SearchReturn.Option.MIN) || returns.has(SearchReturn.Option.MAX);
            List<Long> saved = uidsFound;
            if (!all && ends && !uidsFound.isEmpty()) {
                java.util.TreeSet<Long> kept = new java.util.TreeSet<>();
                if (returns.has(SearchReturn.Option.MIN)) kept.add(uidsFound.getFirst());
                if (returns.has(SearchReturn.Option.MAX)) kept.add(uidsFound.getLast());
                if (returns.partial() != null) kept.addAll(returns.partial(uidsFound));
                saved = List.copyOf(kept);
            } else if (!all && returns.partial() != null) {
                saved = returns.partial(uidsFound);
            }
            ctx.saveSearch(saved);
            // SAVE alone (with hints) asks for no ESEARCH response at all.
            if (returns.options().stream().allMatch(o -> o == SearchReturn.Option.SAVE || o == SearchReturn.Option.CONTEXT)) return;
        }
        String line = returns.esearch(r.tag(), r.uid(), found);
        if (modseq >= 0) line += " MODSEQ " + modseq;
        ctx.untagged(line);
    }

    /** Reads the search keys to the end of the command; text keys ask the full-text index first. */
    static List<Key> keys(Context ctx, ArgReader a, Parse p) throws ImapSyntaxException {
        p.index = ctx.services().search(); // SORT and THREAD come here too
        List<Key> keys = new ArrayList<>();
        keys.add(key(a, p));
        while (a.optionalSp()) keys.add(key(a, p));
        a.end();
        return keys;
    }

    /** The messages of the selected mailbox matching all {@code keys}, in sequence order. */
    static List<Candidate> evaluate(Context ctx, List<Key> keys) {
        SelectedMailbox s = ctx.selected();
        List<Candidate> found = new ArrayList<>();
        for (int msn = 1, n = s.size(); msn <= n; msn++) {
            Candidate c = new Candidate(msn, s.uidAt(msn), ctx);
            if (allMatch(keys, c)) found.add(c);
            ctx.progress(msn, n);
        }
        return found;
    }

    /** Reads the search keys to the end of the command and returns the messages matching all of them, in sequence order. */
    static List<Candidate> matching(Context ctx, ArgReader a, Parse p) throws ImapSyntaxException {
        return evaluate(ctx, keys(ctx, a, p));
    }

    private static boolean allMatch(List<Key> keys, Candidate c) {
        for (Key k : keys) if (!k.matches(c)) return false;
        return true;
    }

    private static String text(ArgReader a, Parse p) throws ImapSyntaxException {
        byte[] raw = a.peekIs('"') || a.literalNext() ? a.string() : a.astring().getBytes(StandardCharsets.UTF_8);
        return MessageText.fold(new String(raw, p.charset));
    }

    /**
     * A text key that asks the full-text index first: for the messages the index holds it
     * answers exactly (its gram fields hold the very strings {@code onMessage} compares, folded
     * alike); every other message (not indexed yet, or a needle the index cannot decide) is
     * searched on the message itself, as without an index.
     */
    private static Key indexed(Parse p, TextKey key, String needle, Key onMessage) {
        if (p.index == null) return onMessage;
        TextMatches answer;
        try {
            answer = p.index.matches(p.selected.id(), key, needle);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(SearchCommand.class).warn("search index failed; searching the messages themselves", e);
            return onMessage;
        }
        return c -> answer.decides(c.uid) ? answer.matches(c.uid) : onMessage.matches(c);
    }

    private static LocalDate date(ArgReader a) throws ImapSyntaxException {
        String s = a.peekIs('"') ? new String(a.string(), StandardCharsets.US_ASCII) : a.atom();
        return DateTimes.parseDate(s);
    }

    private static Key key(ArgReader a, Parse p) throws ImapSyntaxException {
        // NOT and OR nest without parentheses; both count against the nesting limit.
        if (++p.depth > p.maxDepth) throw new ImapSyntaxException(ImapSyntaxException.Kind.TOO_DEEP, "search keys nested too deeply");
        try {
            return parseKey(a, p);
        } finally {
            p.depth--;
        }
    }

    private static Key parseKey(ArgReader a, Parse p) throws ImapSyntaxException {
        if (a.peekIs('(')) {
            a.open();
            List<Key> keys = new ArrayList<>();
            keys.add(key(a, p));
            while (a.optionalSp()) keys.add(key(a, p));
            a.close();
            return c -> allMatch(keys, c);
        }
        if (a.sequenceSetNext()) {
            SequenceSet set = a.sequenceSet();
            if (!set.isSaved() && p.uidOnly) {
                throw new ImapSyntaxException(ImapSyntaxException.Kind.UID_REQUIRED, "message sequence numbers after ENABLE UIDONLY: use UID");
            }
            if (set.isSaved()) {
                java.util.Set<Long> saved = java.util.Set.copyOf(p.saved);
                return c -> saved.contains(c.uid);
            }
            long star = p.selected.size();
            return c -> set.contains(c.msn, star);
        }
        String name = a.keyword();
        switch (name) {
            case "ALL": return c -> true;
            // \Recent as this session has it (IMAP4rev1; an IMAP4rev2 session has none, so all are OLD).
            case "OLD": return c -> !c.ctx.selected().isRecent(c.uid);
            case "RECENT": return c -> c.ctx.selected().isRecent(c.uid);
            case "NEW": return c -> c.ctx.selected().isRecent(c.uid) && !c.entry().flags().contains("\\Seen");
            case "ANSWERED": return flag("\\Answered", true);
            case "DELETED": return flag("\\Deleted", true);
            case "DRAFT": return flag("\\Draft", true);
            case "FLAGGED": return flag("\\Flagged", true);
            case "SEEN": return flag("\\Seen", true);
            case "UNANSWERED": return flag("\\Answered", false);
            case "UNDELETED": return flag("\\Deleted", false);
            case "UNDRAFT": return flag("\\Draft", false);
            case "UNFLAGGED": return flag("\\Flagged", false);
            case "UNSEEN": return flag("\\Seen", false);
            case "KEYWORD", "UNKEYWORD": {
                a.sp();
                String kw = a.flag();
                boolean want = name.equals("KEYWORD");
                return c -> c.entry().flags().stream().anyMatch(f -> f.equalsIgnoreCase(kw)) == want;
            }
            case "SUBJECT": {
                a.sp();
                String needle = text(a, p);
                return indexed(p, TextKey.SUBJECT, needle, c -> c.headers("Subject").stream().anyMatch(v -> MessageText.fold(v).contains(needle)));
            }
            case "BCC", "CC", "FROM", "TO": {
                // RFC 9051 6.4.4: the string is looked for in the envelope structure's field, so the
                // addresses as the mail library parses them (comments are not part of an address).
                a.sp();
                String needle = text(a, p);
                String field = name.charAt(0) + name.substring(1).toLowerCase(Locale.ROOT);
                return indexed(p, TextKey.valueOf(name), needle, c -> c.addresses(field).stream().anyMatch(v -> v.contains(needle)));
            }
            case "HEADER": {
                a.sp();
                String field = a.astring();
                a.sp();
                String needle = text(a, p);
                return c -> c.headers(field).stream().anyMatch(v -> needle.isEmpty() || MessageText.fold(v).contains(needle));
            }
            case "BODY": {
                a.sp();
                String needle = text(a, p);
                return indexed(p, TextKey.BODY, needle, c -> c.bodyText().contains(needle));
            }
            case "TEXT": {
                a.sp();
                String needle = text(a, p);
                return indexed(p, TextKey.TEXT, needle,
                        c -> MessageText.fold(MessageText.headers(c.message())).contains(needle) || c.bodyText().contains(needle));
            }
            case "BEFORE", "ON", "SINCE": {
                a.sp();
                LocalDate d = date(a);
                return c -> compare(c.entry().internalDate().atZone(ZoneOffset.UTC).toLocalDate(), d, name);
            }
            case "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE": {
                // RFC 8514: the save date is the internal date here (the store keeps no other; docs/imap.md).
                a.sp();
                LocalDate d = date(a);
                String op = name.substring(5);
                return c -> compare(c.entry().internalDate().atZone(ZoneOffset.UTC).toLocalDate(), d, op);
            }
            // RFC 8514 4.2: every mailbox has save dates here.
            case "SAVEDATESUPPORTED": return c -> true;
            case "OLDER", "YOUNGER": {
                // RFC 5032 WITHIN: an interval in seconds back from now, against the internal date.
                a.sp();
                long seconds = a.nzNumber();
                java.time.Instant limit = java.time.Instant.now().minusSeconds(seconds);
                boolean older = name.equals("OLDER");
                return c -> older ? c.entry().internalDate().isBefore(limit) : !c.entry().internalDate().isBefore(limit);
            }
            case "SENTBEFORE", "SENTON", "SENTSINCE": {
                a.sp();
                LocalDate d = date(a);
                String op = name.substring(4);
                return c -> {
                    LocalDate sent = sentDate(c);
                    return sent != null && compare(sent, d, op);
                };
            }
            case "LARGER": {
                a.sp();
                long n = a.number(false);
                return c -> c.entry().size() > n;
            }
            case "SMALLER": {
                a.sp();
                long n = a.number(false);
                return c -> c.entry().size() < n;
            }
            case "UID": {
                a.sp();
                SequenceSet set = a.sequenceSet();
                if (set.isSaved()) {
                    java.util.Set<Long> saved = java.util.Set.copyOf(p.saved);
                    return c -> saved.contains(c.uid);
                }
                List<Long> uids = p.selected.uids();
                long star = uids.isEmpty() ? 0 : uids.getLast();
                return c -> set.contains(c.uid, star);
            }
            case "NOT": {
                a.sp();
                Key k = key(a, p);
                return c -> !k.matches(c);
            }
            case "OR": {
                a.sp();
                Key k1 = key(a, p);
                a.sp();
                Key k2 = key(a, p);
                return c -> k1.matches(c) || k2.matches(c);
            }
            case "MODSEQ": {
                a.sp();
                if (a.peekIs('"')) {
                    // entry-name entry-type-req: per-flag MODSEQs are not kept separately; the message's MODSEQ is used.
                    a.string();
                    a.sp();
                    a.atom();
                    a.sp();
                }
                long n = a.number(true);
                p.modseq = true;
                return c -> c.entry().modSeq() >= n;
            }
            default:
                throw ImapSyntaxException.syntax("unknown search key " + name);
        }
    }

    private static Key flag(String flag, boolean set) {
        return c -> c.entry().flags().contains(flag) == set;
    }

    private static boolean compare(LocalDate date, LocalDate d, String op) {
        return switch (op) {
            case "BEFORE" -> date.isBefore(d);
            case "ON" -> date.isEqual(d);
            default -> !date.isBefore(d); // SINCE: on or after
        };
    }

    /** The Date header's date in its own zone (RFC 9051: time and timezone disregarded), or null if unparseable. */
    static LocalDate sentDate(Candidate c) {
        String date = c.message().header("Date");
        if (date == null) return null;
        return MailDates.parse(date).map(java.time.OffsetDateTime::toLocalDate).orElse(null);
    }
}
