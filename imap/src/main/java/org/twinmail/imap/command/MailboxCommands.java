package org.twinmail.imap.command;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.protocol.MailboxNames;
import org.twinmail.imap.protocol.Strings;
import org.twinmail.store.AccountMailboxes;
import org.twinmail.store.MailboxStatus;
import org.twinmail.store.SharedMailbox;
import org.twinmail.store.StoreException;

/** Mailbox management: CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST, LSUB, STATUS (RFC 9051 6.3). */
final class MailboxCommands {
    private MailboxCommands() {}

    /** A mailbox name argument: astring, modified UTF-7 decoded (UTF-8 as is after ENABLE UTF8=ACCEPT), INBOX case-insensitive. */
    static String mailboxName(Context ctx, ArgReader a) throws ImapSyntaxException, No {
        String name = wireName(ctx, a.astring());
        if (name.equalsIgnoreCase("INBOX")) return "INBOX";
        if (name.length() >= 6 && name.substring(0, 6).equalsIgnoreCase("INBOX/")) name = "INBOX" + name.substring(5);
        return name;
    }

    /** A name (or pattern) as the client wrote it → Unicode: RFC 6855 3 lets UTF8=ACCEPT clients send UTF-8 and no modified UTF-7. */
    static String wireName(Context ctx, String wire) throws No {
        if (ctx.utf8Names()) return wire;
        try {
            return MailboxNames.decode(wire);
        } catch (ImapSyntaxException e) {
            // Well-formed syntax (any astring), a name no mailbox can have under IMAP4rev1: NO, not BAD (RFC 3501 5.1.3).
            throw new No("CANNOT", "not a valid modified UTF-7 mailbox name (ENABLE UTF8=ACCEPT to send UTF-8)");
        }
    }

    /** A name as the client reads it: modified UTF-7, or UTF-8 in a quoted string after ENABLE UTF8=ACCEPT. */
    static String encoded(Context ctx, String name) {
        return ctx.utf8Names() ? Strings.astring(name, true) : Strings.astring(MailboxNames.encode(name), false);
    }

    /** RFC 8474 MAILBOXID: the store's id, which survives RENAME and is never reused. */
    static String mailboxId(Mailbox m) {
        return "M" + m.id();
    }

    /** The mailbox an IMAP name denotes (own, or another account's under {@link Namespaces}), or NO [NONEXISTENT]. */
    static Mailbox existing(Context ctx, String name) throws No {
        return Namespaces.find(ctx, name).orElseThrow(() -> new No("NONEXISTENT", "no mailbox named " + name));
    }

    /** Where a name is created or renamed to: its owner and its name in the owner's account. */
    private record Place(long owner, String name) { }

    /**
     * Another account's tree takes the right k on the nearest existing parent (RFC 4314 4), so the
     * owner is the parent's; with no parent the user may see, there is nowhere to create.
     */
    private static Place place(Context ctx, String name) throws No {
        if (!Namespaces.isOther(name)) return new Place(ctx.accountId(), name);
        Namespaces.Other o = Namespaces.other(name).filter(x -> !x.inner().isEmpty())
                .orElseThrow(() -> new No("CANNOT", name + " is a namespace, not a mailbox name"));
        String inner = o.inner();
        for (int i = inner.lastIndexOf('/'); i > 0; i = inner.lastIndexOf('/', i - 1)) {
            java.util.Optional<Mailbox> parent = Namespaces.find(ctx, o.prefix() + "/" + o.owner().key() + "/" + inner.substring(0, i));
            if (parent.isPresent()) return new Place(parent.get().accountId(), inner);
        }
        throw new No("NOPERM", "mailboxes can be created only below a mailbox you have the right k on");
    }

    static String create(Context ctx, Request r) throws ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = mailboxName(ctx, a);
        SpecialUse use = null;
        if (a.optionalSp()) {
            // RFC 6154 CREATE-SPECIAL-USE: CREATE name (USE (\Sent)).
            a.open();
            String param = a.keyword();
            if (!param.equals("USE")) throw ImapSyntaxException.syntax("unknown CREATE parameter " + param);
            a.sp();
            List<String> uses = a.flags(false);
            a.close();
            if (uses.size() != 1) throw new No("USEATTR", "one special use per mailbox");
            use = java.util.Arrays.stream(SpecialUse.values())
                    .filter(u -> u.attribute() != null && u.attribute().equalsIgnoreCase(uses.getFirst())).findFirst()
                    .orElseThrow(() -> new No("USEATTR", "special use " + uses.getFirst() + " is not supported"));
        }
        a.end();
        // A trailing delimiter says the client wants a name for children only; we create the name itself (RFC 9051 6.3.4).
        if (name.endsWith("/")) name = name.substring(0, name.length() - 1);
        if (Namespaces.find(ctx, name).isPresent()) throw new No("ALREADYEXISTS", "mailbox " + name + " already exists");
        Place place = place(ctx, name);
        Mailbox created;
        try {
            created = ctx.store().createMailbox(place.owner(), place.name(), use);
        } catch (StoreException.Conflict e) {
            throw new No(use != null ? "USEATTR" : "ALREADYEXISTS", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new No("CANNOT", e.getMessage());
        }
        return "[MAILBOXID (" + mailboxId(created) + ")] CREATE completed";
    }

    static String delete(Context ctx, Request r) throws ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = mailboxName(ctx, a);
        a.end();
        Mailbox m = Namespaces.find(ctx, name).orElseThrow(() -> new No("NONEXISTENT", "mailbox " + name + " does not exist"));
        if (ctx.selected() != null && ctx.selected().id() == m.id()) {
            // Not deselected by a DELETE that will be refused (the store checks x again when it deletes).
            if (!ctx.store().rights(m.id()).has('x')) throw new No("NOPERM", "the right x on this mailbox is needed");
            ctx.deselect();
        }
        try {
            ctx.store().deleteMailbox(m.accountId(), m.name());
        } catch (StoreException.NotFound e) {
            throw new No("NONEXISTENT", e.getMessage());
        } catch (StoreException.Conflict e) {
            throw new No(name.equals("INBOX") ? "CANNOT" : "INUSE", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new No("CANNOT", e.getMessage());
        }
        // RFC 5464 3.2: a mailbox's metadata goes with it.
        MetadataCommand.mailboxDeleted(ctx, m.id());
        return "DELETE completed";
    }

    static String rename(Context ctx, Request r) throws ImapSyntaxException, No {
        ArgReader a = r.args();
        String from = mailboxName(ctx, a);
        a.sp();
        String to = mailboxName(ctx, a);
        a.end();
        Mailbox m = Namespaces.find(ctx, from).orElseThrow(() -> new No("NONEXISTENT", "mailbox " + from + " does not exist"));
        Place target = place(ctx, to);
        if (target.owner() != m.accountId()) throw new No("CANNOT", "a mailbox cannot move to another account");
        try {
            ctx.store().renameMailbox(m.accountId(), m.name(), target.name());
        } catch (StoreException.NotFound e) {
            throw new No("NONEXISTENT", e.getMessage());
        } catch (StoreException.Conflict e) {
            throw new No(target.name().equals("INBOX") || ctx.store().mailbox(target.owner(), target.name()).isPresent()
                    ? "ALREADYEXISTS" : "CANNOT", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new No("CANNOT", e.getMessage());
        }
        return "RENAME completed";
    }

    static String subscribe(Context ctx, Request r) throws ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = mailboxName(ctx, a);
        a.end();
        boolean on = r.name().equals("SUBSCRIBE");
        // RFC 9051 6.3.9: subscribing to a mailbox that does not exist may fail; we allow it only to unsubscribe.
        if (on && Namespaces.find(ctx, name).isEmpty()) throw new No("NONEXISTENT", "no mailbox named " + name);
        try {
            ctx.store().setSubscribed(ctx.accountId(), name, on);
        } catch (IllegalArgumentException e) {
            throw new No("CANNOT", e.getMessage());
        }
        return r.display() + " completed";
    }

    /**
     * LIST and LSUB (RFC 9051 6.3.9), with LIST-EXTENDED (RFC 5258) selection options
     * SUBSCRIBED, REMOTE, RECURSIVEMATCH and SPECIAL-USE (RFC 6154), return options
     * SUBSCRIBED, CHILDREN, SPECIAL-USE and STATUS (LIST-STATUS, RFC 5819), and several
     * patterns. The reference is prefixed to each pattern.
     */
    static String list(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        boolean lsub = r.name().equals("LSUB");
        boolean selectSubscribed = lsub;
        boolean selectSpecialUse = false;
        boolean recursive = false;
        if (!lsub && a.peekIs('(')) {
            a.open();
            while (!a.peekIs(')')) {
                String opt = a.keyword();
                switch (opt) {
                    case "SUBSCRIBED" -> selectSubscribed = true;
                    case "SPECIAL-USE" -> selectSpecialUse = true;
                    case "RECURSIVEMATCH" -> recursive = true;
                    case "REMOTE" -> { }
                    default -> throw ImapSyntaxException.syntax("unknown LIST selection option " + opt);
                }
                a.optionalSp();
            }
            a.close();
            a.sp();
            // RFC 5258 3: RECURSIVEMATCH alone means nothing and is an error.
            if (recursive && !selectSubscribed && !selectSpecialUse) throw ImapSyntaxException.syntax("RECURSIVEMATCH needs another selection option");
        }
        String reference = wireName(ctx, a.astring());
        a.sp();
        List<String> patterns = new ArrayList<>();
        if (!lsub && a.peekIs('(')) {
            a.open();
            patterns.add(wireName(ctx, a.listMailbox()));
            while (a.optionalSp()) patterns.add(wireName(ctx, a.listMailbox()));
            a.close();
        } else {
            patterns.add(wireName(ctx, a.listMailbox()));
        }
        boolean returnSubscribed = selectSubscribed && !lsub;
        List<String> statusItems = null;
        if (!lsub && a.optionalSp()) {
            if (!a.peekWord("RETURN")) throw ImapSyntaxException.syntax("expected RETURN");
            a.atom();
            a.sp();
            a.open();
            while (!a.peekIs(')')) {
                String opt = a.keyword();
                switch (opt) {
                    case "SUBSCRIBED" -> returnSubscribed = true;
                    case "CHILDREN", "SPECIAL-USE" -> { } // always returned
                    case "STATUS" -> {
                        a.sp();
                        statusItems = statusItems(a);
                    }
                    default -> throw ImapSyntaxException.syntax("unknown LIST return option " + opt);
                }
                a.optionalSp();
            }
            a.close();
        }
        a.end();
        String verb = lsub ? "LSUB" : "LIST";
        if (patterns.size() == 1 && patterns.getFirst().isEmpty()) {
            // RFC 9051 6.3.9: an empty pattern asks for the delimiter and the root of the reference.
            // RFC 2342 3: the root of a reference in another namespace is that namespace's prefix.
            String root = reference.regionMatches(true, 0, Namespaces.USER + "/", 0, Namespaces.USER.length() + 1) ? Namespaces.USER + "/"
                    : reference.regionMatches(true, 0, Namespaces.SHARED + "/", 0, Namespaces.SHARED.length() + 1) ? Namespaces.SHARED + "/" : "";
            ctx.untagged(verb + " (\\Noselect) \"/\" " + encoded(ctx, root));
            return verb + " completed";
        }
        AccountMailboxes store = ctx.store();
        TreeMap<String, Mailbox> boxes = new TreeMap<>();
        for (Mailbox m : store.mailboxes(ctx.accountId())) boxes.put(m.name(), m);
        // Other accounts' mailboxes the user may look up (RFC 4314 "l"), under #user/ and #shared/ (RFC 2342).
        for (SharedMailbox s : store.sharedMailboxes()) {
            boxes.put((s.sharedAccount() ? Namespaces.SHARED : Namespaces.USER) + "/" + s.owner().key() + "/" + s.mailbox().name(), s.mailbox());
        }
        TreeSet<String> subscribed = new TreeSet<>(store.subscriptions(ctx.accountId()));
        TreeSet<String> parents = ancestors(boxes.keySet());
        TreeSet<String> subscribedParents = ancestors(subscribed);
        TreeSet<String> candidates = new TreeSet<>();
        if (selectSubscribed) {
            candidates.addAll(subscribed);
            if (recursive) candidates.addAll(subscribedParents);
        } else {
            candidates.addAll(boxes.keySet());
            candidates.addAll(parents);
        }
        TreeSet<String> listed = new TreeSet<>();
        for (String pattern : patterns) {
            Pattern re = compile(reference + pattern);
            for (String name : candidates) {
                if (re.matcher(name).matches()) listed.add(name);
            }
            if (lsub) {
                // RFC 3501 6.3.9: "%" stopping at an unsubscribed parent of a subscribed name lists the parent, \Noselect.
                for (String parent : subscribedParents) {
                    if (subscribed.contains(parent) || !re.matcher(parent).matches()) continue;
                    String below = parent + "/";
                    boolean childListed = false;
                    for (String child : subscribed.tailSet(below)) {
                        if (!child.startsWith(below)) break;
                        if (re.matcher(child).matches()) {
                            childListed = true;
                            break;
                        }
                    }
                    if (!childListed) listed.add(parent);
                }
            }
        }
        for (String name : listed) {
            Mailbox m = boxes.get(name);
            // Another account's special uses are not the user's: its Sent is not where the user's client saves.
            SpecialUse use = m == null || m.accountId() != ctx.accountId() || m.specialUse() == SpecialUse.INBOX ? null : m.specialUse();
            if (selectSpecialUse && use == null) continue;
            boolean isSubscribed = subscribed.contains(name);
            List<String> attrs = new ArrayList<>();
            String extended = "";
            if (lsub) {
                if (m == null || !isSubscribed) attrs.add("\\Noselect");
            } else {
                if (m == null) attrs.add(selectSubscribed ? "\\NonExistent" : "\\Noselect");
                attrs.add(parents.contains(name) ? "\\HasChildren" : "\\HasNoChildren");
                if (returnSubscribed && isSubscribed) attrs.add("\\Subscribed");
                if (use != null) attrs.add(use.attribute());
                if (recursive && selectSubscribed && subscribedParents.contains(name)) extended = " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
                if (selectSubscribed && !isSubscribed && extended.isEmpty()) continue;
            }
            ctx.untagged(verb + " (" + String.join(" ", attrs) + ") \"/\" " + encoded(ctx, name) + extended);
            if (statusItems != null && m != null) status(ctx, m, name, statusItems);
        }
        return verb + " completed";
    }

    /** Every proper prefix ("a", "a/b" for "a/b/c") of the names. */
    private static TreeSet<String> ancestors(java.util.Collection<String> names) {
        TreeSet<String> out = new TreeSet<>();
        for (String n : names) {
            int i = n.indexOf('/');
            while (i > 0) {
                out.add(n.substring(0, i));
                i = n.indexOf('/', i + 1);
            }
        }
        return out;
    }

    /** "*" matches anything, "%" anything but the delimiter; INBOX matches case-insensitively. */
    static Pattern compile(String pattern) {
        StringBuilder re = new StringBuilder();
        String p = pattern;
        if (p.length() >= 5 && p.substring(0, 5).equalsIgnoreCase("INBOX") && (p.length() == 5 || p.charAt(5) == '/')) {
            p = "INBOX" + p.substring(5);
        }
        for (char c : p.toCharArray()) {
            if (c == '*') re.append(".*");
            else if (c == '%') re.append("[^/]*");
            else re.append(Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    private static final List<String> STATUS_ITEMS =
            List.of("MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "RECENT", "SIZE", "DELETED", "DELETED-STORAGE",
                    "HIGHESTMODSEQ", "MAILBOXID");

    private static List<String> statusItems(ArgReader a) throws ImapSyntaxException {
        a.open();
        List<String> items = new ArrayList<>();
        do {
            String item = a.keyword();
            if (!STATUS_ITEMS.contains(item)) throw ImapSyntaxException.syntax("unknown STATUS item " + item);
            items.add(item);
        } while (a.optionalSp());
        a.close();
        return items;
    }

    static String status(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = mailboxName(ctx, a);
        a.sp();
        List<String> items = statusItems(a);
        a.end();
        // RFC 7162 3.1: STATUS HIGHESTMODSEQ is a CONDSTORE-enabling command.
        if (items.contains("HIGHESTMODSEQ")) ctx.enableCondstore();
        Mailbox m = existing(ctx, name);
        status(ctx, m, Namespaces.imapName(ctx, m), items);
        return "STATUS completed";
    }

    /**
     * STATUS RECENT: the messages no read-write session has been told about yet (STATUS
     * itself takes none); 0 for IMAP4rev2 sessions, which have no \Recent.
     */
    private static long recentCount(Context ctx, Mailbox m) {
        if (ctx.rev2()) return 0;
        List<org.twinmail.core.model.MessageEntry> entries = ctx.store().messages(m.id());
        long first = ctx.services().recent().firstRecent(m.id(), entries, m.uidNext());
        return entries.stream().filter(e -> e.uid() >= first).count();
    }

    static void status(Context ctx, Mailbox m, String imapName, List<String> items) throws IOException {
        MailboxStatus s = ctx.store().status(m.id());
        List<String> out = new ArrayList<>();
        for (String item : items) {
            if (item.equals("MAILBOXID")) {
                out.add("MAILBOXID (" + mailboxId(s.mailbox()) + ")");
                continue;
            }
            long v = switch (item) {
                case "MESSAGES" -> s.mailbox().messageCount();
                case "UIDNEXT" -> s.mailbox().uidNext();
                case "UIDVALIDITY" -> s.mailbox().uidValidity();
                case "UNSEEN" -> s.unseen();
                case "RECENT" -> recentCount(ctx, s.mailbox());
                case "SIZE" -> s.mailbox().sizeBytes();
                case "DELETED" -> s.deleted();
                // RFC 9208 4.2.4: in the STORAGE resource's units (1024 octets), rounded up so a
                // mailbox with something to expunge never reports 0
                case "DELETED-STORAGE" -> (s.deletedBytes() + 1023) / 1024;
                case "HIGHESTMODSEQ" -> s.mailbox().highestModSeq();
                default -> throw new IllegalStateException(item);
            };
            out.add(item + " " + v);
        }
        ctx.untagged("STATUS " + encoded(ctx, imapName) + " (" + String.join(" ", out) + ")");
    }
}
