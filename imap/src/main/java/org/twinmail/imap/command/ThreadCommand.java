package org.twinmail.imap.command;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.mail.header.MailDates;
import org.twinmail.mail.header.MessageIds;

/**
 * THREAD and UID THREAD (RFC 5256) over the messages a SEARCH would find:
 * <ul>
 * <li>ORDEREDSUBJECT (section 3): grouped by base subject; in each group the earliest
 *     message is the parent and the others its children in date order; threads in the
 *     order of their parents' dates.</li>
 * <li>REFERENCES (section 4): the Message-ID / References / In-Reply-To tree (steps 1-3),
 *     threads sorted by date (4), threads whose roots share a base subject merged (5),
 *     siblings sorted by date (6).</li>
 * </ul>
 * Base subjects are SORT's ({@link SortCommand#subject}); dates are the sent date with
 * the sequence number breaking ties (section 2.2).
 */
final class ThreadCommand {
    private ThreadCommand() {}

    static String thread(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String algorithm = a.keyword();
        if (!algorithm.equals("ORDEREDSUBJECT") && !algorithm.equals("REFERENCES")) {
            throw new No("CANNOT", "unsupported threading algorithm " + algorithm);
        }
        a.sp();
        String charset = a.astring();
        SearchCommand.Parse p = new SearchCommand.Parse(ctx.selected(), ctx.limits().maxNestingDepth);
        p.charset(charset);
        a.sp();
        List<SearchCommand.Candidate> found = SearchCommand.matching(ctx, a, p);
        List<Node> threads = algorithm.equals("REFERENCES") ? references(found) : orderedSubject(found);
        StringBuilder b = new StringBuilder("THREAD");
        if (!threads.isEmpty()) b.append(' ');
        for (Node t : threads) b.append('(').append(render(t, r.uid())).append(')');
        ctx.untagged(b.toString());
        return r.display() + " completed";
    }

    /** A place in a thread tree: a message, or a dummy (message == null) standing for a referenced message not in the set. */
    static final class Node {
        final SearchCommand.Candidate message;
        Instant sent;
        Node parent;
        final List<Node> children = new ArrayList<>();

        Node(SearchCommand.Candidate message) {
            this.message = message;
            this.sent = message == null ? null : sent(message);
        }

        boolean dummy() {
            return message == null;
        }

        /** For sorting: a dummy sorts by its first child (steps 4 and 6). */
        Node sortKey() {
            return dummy() && !children.isEmpty() ? children.getFirst() : this;
        }

        void add(Node child) {
            child.parent = this;
            children.add(child);
        }

        void unlink() {
            if (parent != null) parent.children.remove(this);
            parent = null;
        }

        boolean isAncestorOf(Node n) {
            for (Node p = n; p != null; p = p.parent) if (p == this) return true;
            return false;
        }
    }

    private static final Comparator<Node> BY_DATE = Comparator.comparing((Node n) -> n.sortKey().sent)
            .thenComparingLong(n -> n.sortKey().message.msn);

    // ---- ORDEREDSUBJECT ----

    private static List<Node> orderedSubject(List<SearchCommand.Candidate> found) {
        List<Node> nodes = new ArrayList<>();
        for (SearchCommand.Candidate c : found) nodes.add(new Node(c));
        nodes.sort(BY_DATE);
        Map<String, Node> threads = new LinkedHashMap<>();
        for (Node n : nodes) {
            Node first = threads.putIfAbsent(SortCommand.baseSubject(n.message.message().header("Subject")), n);
            if (first != null) first.add(n); // by date, so the children are in date order too
        }
        return new ArrayList<>(threads.values()); // the parents' date order: they were met in it
    }

    // ---- REFERENCES ----

    /** The msg-ids of a field (the mail library's {@link MessageIds}), compared case-sensitively (RFC 5256 4, step 1.A). */
    private static List<String> ids(String header) {
        return MessageIds.parse(header);
    }

    private static List<Node> references(List<SearchCommand.Candidate> found) {
        // Step 1: a container per Message-ID, messages linked by their references.
        Map<String, Node> byId = new HashMap<>();
        List<Node> all = new ArrayList<>();
        int unique = 0;
        for (SearchCommand.Candidate c : found) { // in sequence order, so the lowest number keeps a duplicated ID
            List<String> own = ids(c.message().header("Message-ID"));
            String id = own.isEmpty() ? null : own.getFirst();
            Node node = id == null ? null : byId.get(id);
            if (node != null && node.dummy()) {
                // A dummy made for a reference to this ID by an earlier message: this message fills it.
                Node filled = new Node(c);
                byId.put(id, filled);
                replace(node, filled);
                node = filled;
            } else {
                // No usable ID, or one an earlier message has: a unique one, which nothing references.
                if (node != null || id == null) id = "\0" + unique++;
                node = new Node(c);
                byId.put(id, node);
            }
            all.add(node);

            List<String> refs = ids(c.message().header("References"));
            if (refs.isEmpty()) {
                List<String> inReplyTo = ids(c.message().header("In-Reply-To"));
                if (!inReplyTo.isEmpty()) refs = List.of(inReplyTo.getFirst());
            }
            // 1.A: each reference the parent of the next, never changing an existing link, never making a loop.
            Node previous = null;
            for (String ref : refs) {
                Node r = byId.computeIfAbsent(ref, k -> new Node(null));
                if (previous != null && r.parent == null && previous != r && !r.isAncestorOf(previous)) previous.add(r);
                previous = r;
            }
            // 1.B: the last reference is this message's parent (replacing a parent from a truncated References).
            if (previous != null && previous != node && node.isAncestorOf(previous)) previous = null; // would loop
            if (previous != node) {
                node.unlink();
                if (previous != null) previous.add(node);
            }
        }
        // Containers made for references only, and nodes whose ID an earlier message had, are in byId or all.
        Set<Node> containers = new HashSet<>(byId.values());
        containers.addAll(all);
        // Step 2: every parentless container is a child of the root.
        List<Node> root = new ArrayList<>();
        for (Node n : containers) if (n.parent == null) root.add(n);
        // Step 3: prune dummies.
        root = prune(root, true);
        // Step 4: sort the top level by date (a dummy by its first child, so its children first).
        for (Node n : root) if (n.dummy()) n.children.sort(BY_DATE);
        root.sort(BY_DATE);
        // Step 5: merge threads whose roots share a base subject.
        root = mergeBySubject(root);
        // Step 6: sort every set of siblings, deepest first, then the top level again.
        for (Node n : root) sortDeep(n);
        root.sort(BY_DATE);
        return root;
    }

    /** Puts {@code filled} where the dummy {@code dummy} was, taking over its children. */
    private static void replace(Node dummy, Node filled) {
        Node parent = dummy.parent;
        if (parent != null) {
            int i = parent.children.indexOf(dummy);
            parent.children.set(i, filled);
            filled.parent = parent;
        }
        for (Node child : dummy.children) {
            child.parent = filled;
            filled.children.add(child);
        }
        dummy.children.clear();
        dummy.parent = null;
    }

    /**
     * Step 3: a dummy without children goes; a dummy with children goes and its children take
     * its place, except at the top level, where that happens only for a single child.
     */
    private static List<Node> prune(List<Node> siblings, boolean topLevel) {
        List<Node> out = new ArrayList<>();
        for (Node n : siblings) {
            List<Node> kids = prune(new ArrayList<>(n.children), false);
            n.children.clear();
            for (Node k : kids) n.add(k);
            if (!n.dummy()) {
                out.add(n);
            } else if (n.children.isEmpty()) {
                n.parent = null;
            } else if (!topLevel || n.children.size() == 1) {
                Node parent = n.parent;
                for (Node k : n.children) {
                    k.parent = parent;
                    out.add(k);
                }
                n.children.clear();
            } else {
                out.add(n);
            }
        }
        return out;
    }

    /** Step 5, on the top level sorted by date. */
    private static List<Node> mergeBySubject(List<Node> root) {
        Map<String, Node> table = new HashMap<>();
        for (Node n : root) {
            SortCommand.Subject s = subject(n);
            if (s.base().isEmpty()) continue;
            Node old = table.get(s.base());
            if (old == null || (!old.dummy() && n.dummy())
                    || (subject(old).replyOrForward() && !s.replyOrForward())) {
                table.put(s.base(), n);
            }
        }
        Set<Node> gone = new HashSet<>();              // moved under another top-level node
        Map<Node, Node> replacedBy = new HashMap<>();  // a table entry put under a new dummy, with the dummy
        for (Node n : root) {
            if (gone.contains(n) || n.parent != null) continue;
            SortCommand.Subject s = subject(n);
            if (s.base().isEmpty()) continue;
            Node t = table.get(s.base());
            if (t == n) continue;
            gone.add(n);
            if (t.dummy() || (s.replyOrForward() && !subject(t).replyOrForward())) {
                adopt(t, n); // both dummies: n's children join t's
            } else {
                Node dummy = new Node(null);
                replacedBy.put(t, dummy);
                dummy.add(t);
                adopt(dummy, n);
                table.put(s.base(), dummy);
            }
        }
        List<Node> out = new ArrayList<>();
        for (Node n : root) {
            if (replacedBy.containsKey(n)) out.add(replacedBy.get(n));
            else if (!gone.contains(n)) out.add(n);
        }
        return out;
    }

    /**
     * Makes {@code child} a child of {@code parent}; a dummy hands over its children instead,
     * so dummies stay at the top level, where the THREAD response can show them.
     */
    private static void adopt(Node parent, Node child) {
        if (!child.dummy()) {
            parent.add(child);
            return;
        }
        for (Node k : child.children) {
            k.parent = parent;
            parent.children.add(k);
        }
        child.children.clear();
    }

    /** The subject of a top-level node: a dummy's is its first child's (its children are sorted). */
    private static SortCommand.Subject subject(Node n) {
        Node m = n.sortKey();
        return SortCommand.subject(m.message.message().header("Subject"));
    }

    private static void sortDeep(Node n) {
        for (Node k : n.children) sortDeep(k);
        n.children.sort(BY_DATE);
    }

    // ---- output ----

    /**
     * RFC 5256 5: a message followed by its only child on the same level ("3 6"), several
     * children each in parentheses ("(4 23)(44 7 96)"); a dummy shows only its children.
     */
    private static String render(Node n, boolean uid) {
        StringBuilder b = new StringBuilder();
        Node at = n;
        if (!at.dummy()) {
            b.append(id(at, uid));
            while (at.children.size() == 1) {
                at = at.children.getFirst();
                b.append(' ').append(id(at, uid));
            }
            if (at.children.size() > 1) b.append(' ');
        }
        if (at.children.size() > 1 || at.dummy()) {
            for (Node k : at.children) b.append('(').append(render(k, uid)).append(')');
        }
        return b.toString();
    }

    private static long id(Node n, boolean uid) {
        return uid ? n.message.uid : n.message.msn;
    }

    // ---- dates ----

    /** RFC 5256 2.2: the Date header's date and time (the mail library's {@link MailDates}), or the internal date when it is missing or unreadable. */
    static Instant sent(SearchCommand.Candidate c) {
        String date = c.message().header("Date");
        if (date != null) {
            var sent = MailDates.parse(date);
            if (sent.isPresent()) return sent.get().toInstant();
        }
        return c.entry().internalDate();
    }
}
