package org.twinmail.imap.command;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.imap.session.Notifier;
import org.twinmail.store.Change;

/**
 * A session's NOTIFY (RFC 5465) after NOTIFY SET or NONE; a session that never sends NOTIFY has
 * none (and behaves as before: IDLE pushes the selected mailbox's changes). What it keeps is
 * small: the request, and the events not yet sent, message events folded to one entry per
 * mailbox and the rest bounded by {@code imap.notifyMaxPending} (beyond it the session is told
 * {@code * OK [NOTIFICATIONOVERFLOW]} and notifications stop, 5.8).
 *
 * <ul>
 *   <li>The selected mailbox (SELECTED, SELECTED-DELAYED) goes the way it always went,
 *       through {@code SelectedMailbox}'s refresh; NOTIFY decides whether IDLE pushes it
 *       (section 4: exactly the events asked for), whether expunges may be sent at the end of
 *       any command (SELECTED: immediately, 5.3; SELECTED-DELAYED: only where RFC 9051 7.5.1
 *       allows), and which FETCH follows a new message's EXISTS (MessageNew's attributes).</li>
 *   <li>Every other filter watches the account through the server's {@link Notifier} (which
 *       follows the change log): message events of other mailboxes become one STATUS per
 *       mailbox (5.1-5.3), MailboxName becomes LIST (with \NonExistent for a deleted name and
 *       OLDNAME for a renamed one, 5.4), SubscriptionChange LIST with or without \Subscribed
 *       (5.5), MailboxMetadataChange and ServerMetadataChange an unsolicited METADATA naming
 *       the entry (5.6, 5.7; RFC 5464 4.4.2).</li>
 * </ul>
 * Events are sent while the session is in IDLE and at the end of each command, never in the
 * middle of one (nor between commands outside IDLE: the session then waits in a read).
 */
final class NotifyState implements Notifier.AccountWatch {
    enum Filter { SELECTED, SELECTED_DELAYED, INBOXES, PERSONAL, SUBSCRIBED, SUBTREE, MAILBOXES }

    enum Event {
        MESSAGE_NEW("MessageNew", true), MESSAGE_EXPUNGE("MessageExpunge", true), FLAG_CHANGE("FlagChange", true),
        MAILBOX_NAME("MailboxName", false), SUBSCRIPTION_CHANGE("SubscriptionChange", false),
        MAILBOX_METADATA_CHANGE("MailboxMetadataChange", false), SERVER_METADATA_CHANGE("ServerMetadataChange", false);

        private final String wire;
        private final boolean messageEvent;

        Event(String wire, boolean messageEvent) {
            this.wire = wire;
            this.messageEvent = messageEvent;
        }

        String wire() {
            return wire;
        }

        boolean messageEvent() {
            return messageEvent;
        }
    }

    /** One event group: the mailboxes (names only for SUBTREE and MAILBOXES) and their events; {@code fetch} only with MessageNew. */
    record Group(Filter filter, List<String> names, Set<Event> events, List<FetchCommand.Item> fetch) {
        boolean selected() {
            return filter == Filter.SELECTED || filter == Filter.SELECTED_DELAYED;
        }

        /** Whether a mailbox of the account matches (the selected one is never asked here). */
        boolean matches(String name, Set<String> subscribed) {
            return switch (filter) {
                case SELECTED, SELECTED_DELAYED -> false;
                // 6.3: we cannot tell where mail is delivered (Sieve may file anywhere), so "inboxes" is "personal".
                case INBOXES, PERSONAL -> true;
                case SUBSCRIBED -> subscribed.contains(name);
                case SUBTREE -> names.stream().anyMatch(n -> name.equals(n) || name.startsWith(n + "/"));
                case MAILBOXES -> names.contains(name);
            };
        }
    }

    /** A NOTIFY SET request. */
    record Spec(boolean status, List<Group> groups) { }

    private static final int NEW = 1;
    private static final int EXPUNGE = 2;
    private static final int FLAGS = 4;

    private final Spec spec;
    private final Group selected;
    private final Notifier notifier;
    private final long accountId;
    /** Changes at or before this position were there before NOTIFY SET. */
    private long from;
    /** Guarded by this: mailbox id → NEW/EXPUNGE/FLAGS bits, and the other events in log order. */
    private Map<Long, Integer> messageEvents = new LinkedHashMap<>();
    private List<Change> otherEvents = new ArrayList<>();
    private boolean overflow;
    private final int maxPending;
    /** The IDLE push to wake when an event comes in, or null outside IDLE. */
    private volatile Runnable wakeUp;

    private NotifyState(Spec spec, Notifier notifier, long accountId, int maxPending) {
        this.spec = spec;
        this.selected = spec.groups().stream().filter(Group::selected).findFirst().orElse(null);
        this.notifier = notifier;
        this.accountId = accountId;
        this.maxPending = maxPending;
    }

    /** NOTIFY NONE (and the state after an overflow): no events at all, IDLE pushes nothing. */
    static NotifyState none(Context ctx) {
        return new NotifyState(new Spec(false, List.of()), ctx.services().notifier(), ctx.accountId(), 0);
    }

    static NotifyState start(Context ctx, Spec spec) {
        return new NotifyState(spec, ctx.services().notifier(), ctx.accountId(), ctx.limits().notifyMaxPending);
    }

    /** Whether the account is watched beyond the selected mailbox (some other group asks for an event). */
    boolean watchesAccount() {
        return spec.groups().stream().anyMatch(g -> !g.selected() && !g.events().isEmpty());
    }

    void register() {
        if (watchesAccount()) from = notifier.watch(this);
    }

    void unregister() {
        if (watchesAccount()) notifier.unwatch(this);
        wakeUp = null;
    }

    /** Hands over what was committed up to now (at the end of a command, before its updates go out). */
    void catchUp() {
        if (watchesAccount()) notifier.catchUp();
    }

    /** Whether IDLE pushes the selected mailbox's changes: only with SELECTED or SELECTED-DELAYED and its events (section 4). */
    boolean pushesSelected() {
        return selected != null && !selected.events().isEmpty();
    }

    /** SELECTED with MessageExpunge: expunges go out at the end of any command (5.3: the client uses no sequence numbers then). */
    boolean immediateExpunges() {
        return selected != null && selected.filter() == Filter.SELECTED && selected.events().contains(Event.MESSAGE_EXPUNGE);
    }

    /** The FETCH attributes MessageNew asks for on the selected mailbox, or null. */
    List<FetchCommand.Item> newMessageFetch() {
        return selected == null ? null : selected.fetch();
    }

    void wakeUp(Runnable r) {
        wakeUp = r;
    }

    @Override
    public long accountId() {
        return accountId;
    }

    @Override
    public void changed(Change c) {
        if (c.position() <= from) return;
        boolean wake;
        synchronized (this) {
            if (overflow) return;
            int bit = switch (c.kind()) {
                case MESSAGE_ADDED -> NEW;
                case MESSAGE_EXPUNGED -> EXPUNGE;
                case FLAGS_CHANGED -> FLAGS;
                default -> 0;
            };
            if (bit != 0) {
                messageEvents.merge(c.mailboxId(), bit, (x, y) -> x | y);
            } else if (c.kind() == Change.Kind.MAILBOX_CREATED || c.kind() == Change.Kind.MAILBOX_DELETED
                    || c.kind() == Change.Kind.MAILBOX_RENAMED || c.kind() == Change.Kind.SUBSCRIPTION_CHANGED
                    || (c.kind() == Change.Kind.RECORD_CHANGED && c.detail().startsWith(MetadataCommand.KIND + "\t"))) {
                otherEvents.add(c);
            } else {
                return;
            }
            if (messageEvents.size() + otherEvents.size() > maxPending) {
                overflow = true;
                messageEvents = new LinkedHashMap<>();
                otherEvents = new ArrayList<>();
            }
            wake = true;
        }
        Runnable w = wakeUp;
        if (wake && w != null) w.run();
    }

    /** The STATUS indicator of NOTIFY SET (3.1): a STATUS for every watched mailbox with message events, but the selected one. */
    void sendStatus(Context ctx) throws IOException {
        List<Mailbox> boxes = ctx.store().mailboxes(ctx.accountId());
        Set<String> subscribed = subscribedIfNeeded(ctx);
        for (Mailbox m : boxes) {
            if (ctx.selected() != null && ctx.selected().id() == m.id()) continue;
            boolean wanted = spec.groups().stream().anyMatch(g -> !g.selected() && g.matches(m.name(), subscribed)
                    && (g.events().contains(Event.MESSAGE_NEW) || g.events().contains(Event.FLAG_CHANGE)));
            if (!wanted) continue;
            List<String> items = new ArrayList<>(List.of("MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN"));
            if (ctx.condstore()) items.add("HIGHESTMODSEQ");
            MailboxCommands.status(ctx, m, m.name(), items);
        }
    }

    private Set<String> subscribedIfNeeded(Context ctx) {
        boolean needed = spec.groups().stream().anyMatch(g -> g.filter() == Filter.SUBSCRIBED);
        return needed ? new TreeSet<>(ctx.store().subscriptions(ctx.accountId())) : Set.of();
    }

    /** Sends the events held so far (on the session's thread, or IDLE's push under its lock). */
    void report(Context ctx) throws IOException {
        Map<Long, Integer> messages;
        List<Change> others;
        boolean overflowed;
        synchronized (this) {
            if (messageEvents.isEmpty() && otherEvents.isEmpty() && !overflow) return;
            messages = messageEvents;
            others = otherEvents;
            overflowed = overflow;
            messageEvents = new LinkedHashMap<>();
            otherEvents = new ArrayList<>();
        }
        if (overflowed) {
            ctx.untagged("OK [NOTIFICATIONOVERFLOW] too many events: notifications are off, as after NOTIFY NONE");
            ctx.setNotify(none(ctx));
            return;
        }
        List<Mailbox> boxes = ctx.store().mailboxes(ctx.accountId());
        Map<Long, Mailbox> byId = new HashMap<>();
        Map<String, Mailbox> byName = new HashMap<>();
        for (Mailbox m : boxes) {
            byId.put(m.id(), m);
            byName.put(m.name(), m);
        }
        Set<String> subscribed = new TreeSet<>(ctx.store().subscriptions(ctx.accountId()));
        TreeSet<String> parents = NotifyCommand.parents(boxes);
        for (Change c : others) {
            switch (c.kind()) {
                case MAILBOX_CREATED -> {
                    if (wants(Event.MAILBOX_NAME, c.detail(), subscribed)) list(ctx, c.detail(), byName, parents, subscribed, null);
                }
                case MAILBOX_DELETED -> {
                    if (wants(Event.MAILBOX_NAME, c.detail(), subscribed)) list(ctx, c.detail(), byName, parents, subscribed, null);
                }
                case MAILBOX_RENAMED -> {
                    int arrow = c.detail().indexOf(" -> ");
                    if (arrow < 0) continue;
                    String old = c.detail().substring(0, arrow);
                    String renamed = c.detail().substring(arrow + 4);
                    if (wants(Event.MAILBOX_NAME, old, subscribed) || wants(Event.MAILBOX_NAME, renamed, subscribed)) {
                        list(ctx, renamed, byName, parents, subscribed, old);
                    }
                }
                case SUBSCRIPTION_CHANGED -> {
                    // The name is watched whether it was subscribed before or is now.
                    boolean w = spec.groups().stream().anyMatch(g -> !g.selected() && g.events().contains(Event.SUBSCRIPTION_CHANGE)
                            && (g.filter() == Filter.SUBSCRIBED || g.matches(c.detail(), subscribed)));
                    if (w) list(ctx, c.detail(), byName, parents, subscribed, null);
                }
                case RECORD_CHANGED -> metadata(ctx, c, byId, subscribed);
                default -> { }
            }
        }
        for (Map.Entry<Long, Integer> e : messages.entrySet()) {
            if (ctx.selected() != null && ctx.selected().id() == e.getKey()) continue;
            Mailbox m = byId.get(e.getKey());
            if (m == null) continue; // deleted since, or another account's
            int bits = e.getValue();
            boolean counts = (bits & (NEW | EXPUNGE)) != 0 && wants(Event.MESSAGE_NEW, m.name(), subscribed);
            boolean flags = (bits & FLAGS) != 0 && wants(Event.FLAG_CHANGE, m.name(), subscribed);
            if (!counts && !flags) continue;
            // 5.2, 5.3: MESSAGES and UIDNEXT for new and expunged messages; 5.1: UIDVALIDITY (and UNSEEN) for flags;
            // HIGHESTMODSEQ whenever CONDSTORE is on.
            List<String> items = new ArrayList<>();
            if (counts) items.addAll(List.of("MESSAGES", "UIDNEXT"));
            if (flags) items.addAll(List.of("UIDVALIDITY", "UNSEEN"));
            if (ctx.condstore()) items.add("HIGHESTMODSEQ");
            MailboxCommands.status(ctx, m, m.name(), items);
        }
    }

    private boolean wants(Event event, String name, Set<String> subscribed) {
        return spec.groups().stream().anyMatch(g -> !g.selected() && g.events().contains(event) && g.matches(name, subscribed));
    }

    /** An unsolicited LIST (5.4, 5.5): the name's attributes now, \NonExistent when it is gone, OLDNAME after a rename. */
    private static void list(Context ctx, String name, Map<String, Mailbox> byName, TreeSet<String> parents, Set<String> subscribed,
                             String oldName) throws IOException {
        Mailbox m = byName.get(name);
        List<String> attrs = new ArrayList<>();
        if (m == null) {
            attrs.add(parents.contains(name) ? "\\Noselect" : "\\NonExistent");
        }
        if (m != null || parents.contains(name)) attrs.add(parents.contains(name) ? "\\HasChildren" : "\\HasNoChildren");
        if (subscribed.contains(name)) attrs.add("\\Subscribed");
        if (m != null && m.specialUse() != null && m.specialUse() != SpecialUse.INBOX) attrs.add(m.specialUse().attribute());
        String extended = oldName == null ? "" : " (\"OLDNAME\" (" + MailboxCommands.encoded(ctx, oldName) + "))";
        ctx.untagged("LIST (" + String.join(" ", attrs) + ") \"/\" " + MailboxCommands.encoded(ctx, name) + extended);
    }

    /** RFC 5464 4.4.2: {@code * METADATA mailbox entry}, without the value; "" for a server entry. */
    private void metadata(Context ctx, Change c, Map<Long, Mailbox> byId, Set<String> subscribed) throws IOException {
        String[] f = c.detail().split("\t", 3);
        if (f.length < 3) return;
        String name = f[2];
        if (name.startsWith("/")) {
            boolean w = spec.groups().stream().anyMatch(g -> !g.selected() && g.events().contains(Event.SERVER_METADATA_CHANGE));
            if (w) ctx.untagged("METADATA \"\" " + name);
            return;
        }
        int slash = name.indexOf('/');
        if (!name.startsWith("m") || slash < 2) return;
        long id;
        try {
            id = Long.parseLong(name.substring(1, slash));
        } catch (NumberFormatException e) {
            return;
        }
        Mailbox m = byId.get(id);
        if (m == null || !wants(Event.MAILBOX_METADATA_CHANGE, m.name(), subscribed)) return;
        ctx.untagged("METADATA " + MailboxCommands.encoded(ctx, m.name()) + " " + name.substring(slash));
    }
}
