package org.twinmail.imap.command;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.imap.mime.BodyStructure;
import org.twinmail.imap.mime.Envelope;
import org.twinmail.imap.mime.TextualForm;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.mail.mime.Section;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.DateTimes;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.protocol.SearchReturn;
import org.twinmail.imap.protocol.SequenceSet;
import org.twinmail.imap.protocol.Strings;
import org.twinmail.mail.mime.TextPreview;
import org.twinmail.imap.session.SelectedMailbox;
import org.twinmail.store.FlagChange;
import org.twinmail.store.FlagsResult;

/** FETCH and UID FETCH (RFC 9051 6.4.5), with CONDSTORE's MODSEQ item and CHANGEDSINCE modifier (RFC 7162). */
final class FetchCommand {
    private FetchCommand() {}

    /** One requested item. {@code section} and {@code partial*} only for BODY[...]. */
    record Item(String name, Section section, boolean peek, long partialStart, long partialLength) {
        Item(String name) {
            this(name, null, false, -1, -1);
        }

        boolean needsMessage() {
            return switch (name) {
                case "FLAGS", "INTERNALDATE", "RFC822.SIZE", "UID", "MODSEQ", "EMAILID", "THREADID", "SAVEDATE" -> false;
                default -> true;
            };
        }

        /** BODY[] (any PEEK, any partial) or RFC822: the message's bytes as stored, no parsing needed. */
        boolean wholeMessage() {
            return (name.equals("BODY") && section != null && section.path().isEmpty() && section.text() == null)
                    || name.equals("RFC822");
        }

        boolean setsSeen() {
            return ((name.equals("BODY") || name.equals("BINARY")) && section != null && !peek)
                    || name.equals("RFC822") || name.equals("RFC822.TEXT");
        }
    }

    static String fetch(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        SequenceSet set = a.sequenceSet();
        a.sp();
        List<Item> items = new ArrayList<>();
        if (a.peekIs('(')) {
            a.open();
            items.add(item(a));
            while (a.optionalSp()) items.add(item(a));
            a.close();
        } else {
            String first = a.dottedName();
            switch (first) {
                case "ALL" -> items.addAll(List.of(new Item("FLAGS"), new Item("INTERNALDATE"), new Item("RFC822.SIZE"), new Item("ENVELOPE")));
                case "FAST" -> items.addAll(List.of(new Item("FLAGS"), new Item("INTERNALDATE"), new Item("RFC822.SIZE")));
                case "FULL" -> items.addAll(List.of(new Item("FLAGS"), new Item("INTERNALDATE"), new Item("RFC822.SIZE"),
                        new Item("ENVELOPE"), new Item("BODY")));
                default -> items.add(itemNamed(first, a));
            }
        }
        long changedSince = -1;
        boolean vanished = false;
        SearchReturn.Range partial = null;
        if (a.optionalSp()) {
            a.open();
            do {
                String modifier = a.keyword();
                switch (modifier) {
                    case "CHANGEDSINCE" -> {
                        a.sp();
                        changedSince = a.number(true);
                    }
                    case "VANISHED" -> vanished = true;
                    case "PARTIAL" -> {
                        // RFC 9394 3.1: only the messages at these positions of the set (ascending UIDs).
                        a.sp();
                        partial = SearchReturn.readRange(a);
                    }
                    default -> throw ImapSyntaxException.syntax("unknown FETCH modifier " + modifier);
                }
            } while (a.optionalSp());
            a.close();
        }
        a.end();
        // RFC 7162 3.2.6: VANISHED only in UID FETCH with CHANGEDSINCE, after ENABLE QRESYNC.
        if (vanished && (!r.uid() || changedSince < 0 || !ctx.qresync())) {
            throw ImapSyntaxException.syntax("VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC");
        }
        SelectedMailbox s = ctx.selected();
        List<Long> asked = CommandSupport.uids(ctx, set, r.uid());
        List<Long> uids = CommandSupport.withinLimit(ctx, r, asked);
        if (vanished) {
            List<Long> gone = new ArrayList<>();
            List<Long> expunged = ctx.store().mailboxChanges(s.id(), changedSince).expunged();
            long star = Math.max(s.uids().isEmpty() ? 0 : s.uids().getLast(), expunged.isEmpty() ? 0 : expunged.getLast());
            for (long u : expunged) if (s.msn(u) == 0 && set.contains(u, star)) gone.add(u);
            if (!gone.isEmpty()) ctx.untagged("VANISHED (EARLIER) " + SequenceSet.compact(gone));
        }
        // After ENABLE UIDONLY the response is "uid UIDFETCH": the UID item only when asked for (RFC 9586 3.3).
        boolean withUid = (r.uid() && !ctx.uidOnly()) || items.stream().anyMatch(i -> i.name().equals("UID"));
        boolean withModSeq = changedSince >= 0 || items.stream().anyMatch(i -> i.name().equals("MODSEQ"));
        // RFC 7162 3.1: FETCH with MODSEQ or CHANGEDSINCE is a CONDSTORE-enabling command.
        if (withModSeq) ctx.enableCondstore();
        long since = changedSince;
        if (since >= 0) uids = uids.stream().filter(u -> s.entry(u).modSeq() > since).toList();
        if (partial != null) {
            int[] slice = partial.slice(uids.size());
            uids = List.copyOf(uids.subList(slice[0], slice[1]));
        }

        // Fetching a body without PEEK marks the message \Seen (RFC 9051 6.4.5); done first so FLAGS show it.
        Set<Long> seenNow = Set.of();
        // RFC 4314 4: not without the right s (on another account's mailbox).
        if (!s.readOnly() && items.stream().anyMatch(Item::setsSeen) && ctx.store().rights(s.id()).has('s')) {
            List<Long> unseen = uids.stream().filter(u -> !s.entry(u).flags().contains("\\Seen")).toList();
            if (!unseen.isEmpty()) {
                FlagsResult res = ctx.store().storeFlags(s.id(), unseen, FlagChange.ADD, Set.of("\\Seen"), -1);
                for (MessageEntry e : res.updated()) s.updated(e);
                seenNow = Set.copyOf(res.updated().stream().map(MessageEntry::uid).toList());
            }
        }
        boolean gone = false;
        for (long uid : uids) {
            MessageEntry e = s.entry(uid);
            MimePart message = null;
            if (items.stream().anyMatch(Item::needsMessage)) {
                message = ctx.services().cache().get(e.blobId());
                // A large message asked for only as a whole is copied from the store as it is read,
                // never held in memory (or parsed); anything else parses it, through the cache.
                boolean stream = message == null && e.size() > ctx.services().spoolMemoryLimit()
                        && items.stream().allMatch(i -> !i.needsMessage() || i.wholeMessage());
                try {
                    if (message == null && !stream) message = ctx.message(e.blobId());
                    if (stream) ctx.store().openBlob(e.blobId()).close(); // before the response starts
                } catch (MessageGone | org.twinmail.store.StoreException.NotFound x) {
                    // Expunged by another session and not kept: the others are still answered (RFC 9051 7.1 EXPUNGEISSUED).
                    gone = true;
                    continue;
                }
            }
            for (Item item : items) {
                // Checked before the response starts, so no half-written FETCH is left behind.
                if (item.name().startsWith("BINARY") && binary(item.section(), message) == null) {
                    throw new No("UNKNOWN-CTE", "message " + s.msn(uid) + " has a part in an unknown transfer encoding");
                }
            }
            ctx.write(ctx.fetchStart(uid));
            boolean first = true;
            if (withUid) {
                ctx.write("UID " + uid);
                first = false;
            }
            boolean flagsDone = false;
            for (Item item : items) {
                if (item.name().equals("UID")) continue;
                if (item.name().equals("MODSEQ") && withModSeq) continue;
                if (item.name().equals("FLAGS")) flagsDone = true;
                if (!first) ctx.write(" ");
                first = false;
                writeItem(ctx, item, e, message);
            }
            if (!flagsDone && seenNow.contains(uid)) {
                ctx.write((first ? "" : " ") + "FLAGS " + ctx.selected().flags(e));
                first = false;
            }
            if (withModSeq) ctx.write((first ? "" : " ") + "MODSEQ (" + e.modSeq() + ")");
            ctx.write(")\r\n");
        }
        if (gone) throw new MessageGone();
        return CommandSupport.completed(ctx, r, asked.size(), Math.min(asked.size(), ctx.limits().messageLimit));
    }

    /** "(" fetch-att *(SP fetch-att) ")": NOTIFY's MessageNew attributes (RFC 5465 8). */
    static List<Item> attributes(ArgReader a) throws ImapSyntaxException {
        List<Item> items = new ArrayList<>();
        a.open();
        items.add(item(a));
        while (a.optionalSp()) items.add(item(a));
        a.close();
        return items;
    }

    /**
     * The FETCH responses NOTIFY's MessageNew asks for, after the EXISTS of new messages in the
     * selected mailbox (RFC 5465 5.2): UID first, MODSEQ with CONDSTORE; nothing sets \Seen (a
     * notification is not a read). A message already gone (expunged meanwhile) is left out.
     */
    static void notifyNew(Context ctx, List<Long> uids, List<Item> items) throws IOException {
        SelectedMailbox s = ctx.selected();
        boolean withModSeq = ctx.condstore();
        for (long uid : uids) {
            if (s.msn(uid) == 0) continue;
            MessageEntry e = s.entry(uid);
            MimePart message = null;
            if (items.stream().anyMatch(Item::needsMessage)) {
                try {
                    message = ctx.message(e.blobId());
                } catch (MessageGone | org.twinmail.store.StoreException.NotFound x) {
                    continue;
                }
                boolean unknownCte = false;
                for (Item item : items) {
                    if (item.name().startsWith("BINARY") && binary(item.section(), message) == null) unknownCte = true;
                }
                if (unknownCte) continue;
            }
            ctx.write(ctx.fetchStart(uid));
            boolean first = true;
            if (!ctx.uidOnly()) {
                ctx.write("UID " + uid);
                first = false;
            }
            for (Item item : items) {
                if (item.name().equals("UID")) continue;
                if (item.name().equals("MODSEQ") && withModSeq) continue;
                if (!first) ctx.write(" ");
                first = false;
                writeItem(ctx, item, e, message);
            }
            if (withModSeq) ctx.write((first ? "" : " ") + "MODSEQ (" + e.modSeq() + ")");
            ctx.write(")\r\n");
        }
    }

    private static Item item(ArgReader a) throws ImapSyntaxException {
        return itemNamed(a.dottedName(), a);
    }

    private static Item itemNamed(String name, ArgReader a) throws ImapSyntaxException {
        switch (name) {
            case "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE", "UID", "MODSEQ",
                 "RFC822", "RFC822.HEADER", "RFC822.TEXT", "EMAILID", "THREADID", "SAVEDATE" -> {
                return new Item(name);
            }
            case "PREVIEW" -> {
                // RFC 8970: PREVIEW [SP "(" preview-mod *(SP preview-mod) ")"], the only modifier LAZY. We always
                // have a preview at hand, so LAZY changes nothing. "PREVIEW (CHANGEDSINCE 1)" is a FETCH modifier.
                if (a.lookingAt(" (") && !a.lookingAt(" (CHANGEDSINCE") && !a.lookingAt(" (VANISHED")) {
                    a.sp();
                    a.open();
                    do {
                        String mod = a.keyword();
                        if (!mod.equals("LAZY")) throw ImapSyntaxException.syntax("unknown PREVIEW modifier " + mod);
                    } while (a.optionalSp());
                    a.close();
                }
                return new Item(name);
            }
            case "BODY", "BODY.PEEK" -> {
                if (!a.peekIs('[')) {
                    if (name.equals("BODY.PEEK")) throw ImapSyntaxException.syntax("BODY.PEEK needs a section");
                    return new Item("BODY");
                }
                a.expect('[');
                Section section = section(a);
                a.expect(']');
                long start = -1;
                long length = -1;
                if (a.peekIs('<')) {
                    a.expect('<');
                    start = a.number(false);
                    a.expect('.');
                    length = a.nzNumber();
                    a.expect('>');
                }
                return new Item("BODY", section, name.equals("BODY.PEEK"), start, length);
            }
            case "BINARY", "BINARY.PEEK", "BINARY.SIZE" -> {
                // RFC 3516: only part numbers; the content with its transfer encoding undone.
                a.expect('[');
                Section section = section(a);
                a.expect(']');
                if (section.text() != null) throw ImapSyntaxException.syntax(name + " takes part numbers only");
                long start = -1;
                long length = -1;
                if (!name.equals("BINARY.SIZE") && a.peekIs('<')) {
                    a.expect('<');
                    start = a.number(false);
                    a.expect('.');
                    length = a.nzNumber();
                    a.expect('>');
                }
                return new Item(name.equals("BINARY.SIZE") ? "BINARY.SIZE" : "BINARY", section, name.equals("BINARY.PEEK"), start, length);
            }
            default -> throw ImapSyntaxException.syntax("unknown FETCH item \"" + name + "\"");
        }
    }

    /** BINARY content of a section, or null for an unknown transfer encoding. */
    static byte[] binary(Section section, MimePart m) {
        if (section.path().isEmpty()) return m.data();
        MimePart part = section.part(m);
        if (part == null) return new byte[0];
        if (part.isMultipart() || part.message() != null) return java.util.Arrays.copyOfRange(m.data(), part.bodyStart(), part.end());
        var decoded = part.decodedBody();
        if (decoded.isEmpty()) return null;
        try (var in = decoded.get()) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static Section section(ArgReader a) throws ImapSyntaxException {
        String spec = a.dottedName();
        List<Integer> path = new ArrayList<>();
        String text = null;
        if (!spec.isEmpty()) {
            String[] parts = spec.split("\\.", -1);
            int i = 0;
            while (i < parts.length && !parts[i].isEmpty() && parts[i].chars().allMatch(Character::isDigit)) {
                if (parts[i].length() > 5) throw ImapSyntaxException.syntax("section part number too large");
                int n = Integer.parseInt(parts[i]);
                if (n == 0) throw ImapSyntaxException.syntax("section part numbers start at 1");
                path.add(n);
                i++;
            }
            if (i < parts.length) {
                text = String.join(".", java.util.Arrays.copyOfRange(parts, i, parts.length));
                if (!List.of("HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME").contains(text)) {
                    throw ImapSyntaxException.syntax("bad section \"" + spec + "\"");
                }
                if (text.equals("MIME") && path.isEmpty()) throw ImapSyntaxException.syntax("MIME needs a part number");
            }
        }
        List<String> fields = new ArrayList<>();
        if (text != null && text.startsWith("HEADER.FIELDS")) {
            a.sp();
            a.open();
            fields.add(a.astring().toUpperCase(java.util.Locale.ROOT));
            while (a.optionalSp()) fields.add(a.astring().toUpperCase(java.util.Locale.ROOT));
            a.close();
        }
        return new Section(path, text, fields);
    }

    /** {@code m} is null only for items that take the whole message, which then comes straight from the store. */
    private static void writeItem(Context ctx, Item item, MessageEntry e, MimePart m) throws IOException {
        if (m == null && item.wholeMessage()) {
            streamed(ctx, item, e);
            return;
        }
        switch (item.name()) {
            case "FLAGS" -> ctx.write("FLAGS " + ctx.selected().flags(e));
            case "INTERNALDATE" -> ctx.write("INTERNALDATE \"" + DateTimes.format(e.internalDate()) + "\"");
            case "RFC822.SIZE" -> ctx.write("RFC822.SIZE " + e.size());
            // RFC 8474: the content address names the immutable message, so copies share it. No threads are kept.
            case "EMAILID" -> ctx.write("EMAILID (E" + e.blobId().substring(0, 24) + ")");
            case "THREADID" -> ctx.write("THREADID NIL");
            // RFC 8514: the store keeps no separate save date; the internal date is when the message entered
            // the mailbox for deliveries, and what APPEND/COPY set otherwise (docs/imap.md).
            case "SAVEDATE" -> ctx.write("SAVEDATE \"" + DateTimes.format(e.internalDate()) + "\"");
            // RFC 8970: text/plain first, else HTML as text; "" when the message has neither.
            case "PREVIEW" -> ctx.write("PREVIEW " + Strings.string(TextPreview.of(m), ctx.utf8()));
            case "ENVELOPE" -> ctx.write("ENVELOPE " + Envelope.of(m));
            case "BODYSTRUCTURE" -> ctx.write("BODYSTRUCTURE " + BodyStructure.of(m, true));
            case "BODY" -> {
                if (item.section() == null) {
                    ctx.write("BODY " + BodyStructure.of(m, false));
                    return;
                }
                byte[] content = item.section().extract(m);
                // No NUL in a plain literal: parts holding NULs go base64-encoded (RFC 9051 6.4.5, TextualForm).
                if (TextualForm.hasNul(content)) content = textual(item.section(), m, content);
                String label = "BODY[" + item.section().spec() + "]";
                if (item.partialStart() >= 0) {
                    long from = Math.min(item.partialStart(), content.length);
                    long to = Math.min(content.length, from + item.partialLength());
                    content = java.util.Arrays.copyOfRange(content, (int) from, (int) to);
                    label += "<" + item.partialStart() + ">";
                }
                literal(ctx, label, content);
            }
            case "BINARY", "BINARY.SIZE" -> {
                byte[] content = binary(item.section(), m);
                String label = item.name() + "[" + item.section().spec() + "]";
                if (item.name().equals("BINARY.SIZE")) {
                    ctx.write(label + " " + content.length);
                    return;
                }
                if (item.partialStart() >= 0) {
                    long from = Math.min(item.partialStart(), content.length);
                    long to = Math.min(content.length, from + item.partialLength());
                    content = java.util.Arrays.copyOfRange(content, (int) from, (int) to);
                    label += "<" + item.partialStart() + ">";
                }
                boolean nul = false;
                for (byte x : content) if (x == 0) nul = true;
                // literal8 (~{n}) only where it is needed: NUL octets (RFC 3516 4.2).
                ctx.write(label + " " + (nul ? "~" : "") + "{" + content.length + "}\r\n");
                ctx.output().write(content);
                ctx.services().metrics().fetched(content.length);
            }
            case "RFC822" -> literal(ctx, "RFC822", TextualForm.of(m, 0, m.end()));
            case "RFC822.HEADER" -> literal(ctx, "RFC822.HEADER", java.util.Arrays.copyOfRange(m.data(), 0, m.bodyStart()));
            case "RFC822.TEXT" -> literal(ctx, "RFC822.TEXT", TextualForm.of(m, m.bodyStart(), m.end()));
            default -> throw new IllegalStateException(item.name());
        }
    }

    /**
     * A section with NUL octets in its textual form: the whole message, a part's body or TEXT
     * with their binary leaves base64-encoded. Header sections are sent as they are.
     */
    private static byte[] textual(Section section, MimePart m, byte[] content) {
        MimePart part = section.part(m);
        if (part == null) return content;
        if (section.text() == null) {
            return section.path().isEmpty() ? TextualForm.of(m, part.headerStart(), part.end()) : TextualForm.of(m, part.bodyStart(), part.end());
        }
        if (section.text().equals("TEXT")) {
            MimePart msg = !section.path().isEmpty() && part.message() != null ? part.message() : part;
            return TextualForm.of(m, msg.bodyStart(), msg.end());
        }
        return content;
    }

    /**
     * BODY[]&lt;partial&gt; or RFC822 copied from the blob: the literal's length is the entry's
     * size (the blob's, by construction), and at most a buffer of it is in memory at a time.
     */
    private static void streamed(Context ctx, Item item, MessageEntry e) throws IOException {
        String label = item.name().equals("RFC822") ? "RFC822" : "BODY[]";
        long from = 0;
        long to = e.size();
        if (item.partialStart() >= 0) {
            from = Math.min(item.partialStart(), e.size());
            to = Math.min(e.size(), from + item.partialLength());
            label += "<" + item.partialStart() + ">";
        }
        long length = to - from;
        ctx.write(label + " {" + length + "}\r\n");
        try (java.io.InputStream in = ctx.store().openBlob(e.blobId())) {
            in.skipNBytes(from);
            byte[] buf = new byte[64 * 1024];
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                // The length is on the wire already: a short blob cannot be answered correctly, so the session ends.
                if (n < 0) throw new java.io.EOFException("message " + e.blobId() + " is shorter than its recorded size " + e.size());
                ctx.output().write(buf, 0, n);
                left -= n;
            }
        }
        ctx.services().metrics().fetched(length);
    }

    private static void literal(Context ctx, String label, byte[] content) throws IOException {
        ctx.write(label + " {" + content.length + "}\r\n");
        ctx.output().write(content);
        ctx.services().metrics().fetched(content.length);
    }
}
