package org.twinmail.imap.command;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.twinmail.core.model.Mailbox;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;

/**
 * NOTIFY (RFC 5465): {@code NOTIFY NONE} and {@code NOTIFY SET [STATUS] (filter events) ...}.
 * This class reads the command into a {@link NotifyState.Spec} and checks the rules of
 * sections 3.1, 5 and 6.1 (BAD for a malformed or contradictory request, NO [BADEVENT] for an
 * event this server does not report, NO [NOTIFICATIONOVERFLOW] for too many names); the
 * session's {@link NotifyState} then does the watching and the reporting.
 */
final class NotifyCommand {
    private NotifyCommand() {}

    /** What BADEVENT lists: every event this server reports (RFC 5465 3.1: all supported, not the refused ones). */
    static final String SUPPORTED = "(MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange)";

    static String notify(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        NotifyState.Spec spec = parse(ctx, r.args());
        if (spec == null) {
            ctx.setNotify(NotifyState.none(ctx));
            return "NOTIFY completed";
        }
        int names = spec.groups().stream().mapToInt(g -> g.names().size()).sum();
        if (names > ctx.limits().notifyMaxMailboxes) {
            throw new No("NOTIFICATIONOVERFLOW", "at most " + ctx.limits().notifyMaxMailboxes + " mailbox names in one NOTIFY");
        }
        NotifyState state = NotifyState.start(ctx, spec);
        ctx.setNotify(state);
        if (spec.status()) state.sendStatus(ctx);
        // A successful NOTIFY SET implies a NOOP (3.1): the selected mailbox's changes follow at completion.
        return "NOTIFY completed";
    }

    /** The request; null for NOTIFY NONE. */
    static NotifyState.Spec parse(Context ctx, ArgReader a) throws ImapSyntaxException, No {
        String verb = a.keyword();
        if (verb.equals("NONE")) {
            a.end();
            return null;
        }
        if (!verb.equals("SET")) throw ImapSyntaxException.syntax("NOTIFY SET or NOTIFY NONE");
        a.sp();
        boolean status = false;
        if (!a.peekIs('(')) {
            String indicator = a.keyword();
            if (!indicator.equals("STATUS")) throw ImapSyntaxException.syntax("expected STATUS or an event group");
            status = true;
            a.sp();
        }
        List<NotifyState.Group> groups = new ArrayList<>();
        List<String> unsupported = new ArrayList<>();
        boolean selectedSeen = false;
        do {
            a.open();
            NotifyState.Filter filter = filter(a.keyword());
            List<String> names = List.of();
            if (filter == NotifyState.Filter.SUBTREE || filter == NotifyState.Filter.MAILBOXES) {
                a.sp();
                names = mailboxes(ctx, a);
            }
            a.sp();
            Set<NotifyState.Event> events = EnumSet.noneOf(NotifyState.Event.class);
            List<FetchCommand.Item> fetch = null;
            if (a.peekIs('(')) {
                a.open();
                do {
                    String name = a.atom();
                    NotifyState.Event e = event(name);
                    if (e == null) {
                        unsupported.add(name);
                    } else {
                        events.add(e);
                    }
                    if (e == NotifyState.Event.MESSAGE_NEW && a.lookingAt(" (")) {
                        a.sp();
                        fetch = FetchCommand.attributes(a);
                    }
                } while (a.optionalSp());
                a.close();
            } else {
                String none = a.keyword();
                if (!none.equals("NONE")) throw ImapSyntaxException.syntax("expected an event list or NONE");
            }
            a.close();
            boolean selected = filter == NotifyState.Filter.SELECTED || filter == NotifyState.Filter.SELECTED_DELAYED;
            if (selected) {
                // 6.1: one of the two, and only message events with it.
                if (selectedSeen) throw ImapSyntaxException.syntax("SELECTED and SELECTED-DELAYED may be given once");
                selectedSeen = true;
                if (events.stream().anyMatch(e -> !e.messageEvent())) {
                    throw ImapSyntaxException.syntax("only message events go with SELECTED and SELECTED-DELAYED");
                }
            }
            // 5: MessageNew and MessageExpunge together; FlagChange (and AnnotationChange) only with both.
            boolean isNew = events.contains(NotifyState.Event.MESSAGE_NEW);
            boolean isExpunge = events.contains(NotifyState.Event.MESSAGE_EXPUNGE);
            if (isNew != isExpunge) throw ImapSyntaxException.syntax("MessageNew and MessageExpunge must be given together");
            if (events.contains(NotifyState.Event.FLAG_CHANGE) && !isNew) {
                throw ImapSyntaxException.syntax("FlagChange needs MessageNew and MessageExpunge");
            }
            groups.add(new NotifyState.Group(filter, names, events, fetch));
        } while (a.optionalSp());
        a.end();
        if (!unsupported.isEmpty()) {
            // 3.1: NO, not BAD, with every event the server supports.
            throw new No("BADEVENT " + SUPPORTED, "events not supported: " + String.join(" ", unsupported));
        }
        return new NotifyState.Spec(status, groups);
    }

    private static NotifyState.Filter filter(String keyword) throws ImapSyntaxException {
        return switch (keyword) {
            case "SELECTED" -> NotifyState.Filter.SELECTED;
            case "SELECTED-DELAYED" -> NotifyState.Filter.SELECTED_DELAYED;
            case "INBOXES" -> NotifyState.Filter.INBOXES;
            case "PERSONAL" -> NotifyState.Filter.PERSONAL;
            case "SUBSCRIBED" -> NotifyState.Filter.SUBSCRIBED;
            case "SUBTREE" -> NotifyState.Filter.SUBTREE;
            case "MAILBOXES" -> NotifyState.Filter.MAILBOXES;
            default -> throw ImapSyntaxException.syntax("unknown NOTIFY mailbox filter " + keyword);
        };
    }

    /** An event name (case-insensitive, 8: strings are compared without case); null for one this server does not report. */
    private static NotifyState.Event event(String name) {
        for (NotifyState.Event e : NotifyState.Event.values()) if (e.wire().equalsIgnoreCase(name)) return e;
        return null;
    }

    /** one-or-more-mailbox = mailbox / "(" mailbox *(SP mailbox) ")"; names as the store has them (no wildcard expansion, 6.6). */
    private static List<String> mailboxes(Context ctx, ArgReader a) throws ImapSyntaxException, No {
        List<String> names = new ArrayList<>();
        if (a.peekIs('(')) {
            a.open();
            names.add(MailboxCommands.mailboxName(ctx, a));
            while (a.optionalSp()) names.add(MailboxCommands.mailboxName(ctx, a));
            a.close();
        } else {
            names.add(MailboxCommands.mailboxName(ctx, a));
        }
        return names;
    }

    /** The account's own mailboxes by name, and which of them have children (for LIST attributes). */
    static TreeSet<String> parents(List<Mailbox> boxes) {
        TreeSet<String> out = new TreeSet<>();
        for (Mailbox m : boxes) {
            String n = m.name();
            for (int i = n.indexOf('/'); i > 0; i = n.indexOf('/', i + 1)) out.add(n.substring(0, i));
        }
        return out;
    }

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }
}
