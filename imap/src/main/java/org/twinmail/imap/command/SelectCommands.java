package org.twinmail.imap.command;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.protocol.SequenceSet;
import org.twinmail.imap.session.SelectedMailbox;
import org.twinmail.store.MailboxStatus;
import org.twinmail.store.Rights;

/** SELECT, EXAMINE, CLOSE, UNSELECT, EXPUNGE and UID EXPUNGE (RFC 9051 6.3.2, 6.4.2, 6.4.3; RFC 3691; RFC 4315). */
final class SelectCommands {
    private SelectCommands() {}

    static String select(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = MailboxCommands.mailboxName(ctx, a);
        Qresync qresync = null;
        if (a.optionalSp()) {
            a.open();
            do {
                String param = a.keyword();
                switch (param) {
                    case "CONDSTORE" -> ctx.enableCondstore();
                    case "QRESYNC" -> {
                        // RFC 7162 3.2.5: only after ENABLE QRESYNC.
                        if (!ctx.qresync()) throw ImapSyntaxException.syntax("QRESYNC must be enabled first");
                        a.sp();
                        qresync = qresync(a);
                    }
                    default -> throw ImapSyntaxException.syntax("unknown SELECT parameter " + param);
                }
            } while (a.optionalSp());
            a.close();
        }
        a.end();
        boolean examine = r.name().equals("EXAMINE");
        // RFC 7162 3.2.11: with QRESYNC the end of the previous selection is announced; IMAP4rev2 always does (RFC 9051 6.3.2).
        if (ctx.selected() != null && (ctx.qresync() || ctx.rev2())) ctx.untagged("OK [CLOSED] previous mailbox closed");
        // RFC 9051 6.3.2: a failed SELECT leaves no mailbox selected.
        ctx.deselect();
        Mailbox m = MailboxCommands.existing(ctx, name);
        MailboxStatus status = ctx.store().status(m.id()); // needs the right r (RFC 4314 4)
        Rights rights = ctx.store().rights(m.id());
        // RFC 4314 5.2: READ-ONLY unless the user may insert, expunge or change some flag.
        boolean readOnly = examine || !rights.hasAny("iestw");
        // \Recent only for IMAP4rev1 sessions: RFC 9051 dropped it, so an IMAP4rev2 session takes none.
        SelectedMailbox selected = SelectedMailbox.open(ctx.store(), status.mailbox(), readOnly, ctx.rev2() ? null : ctx.services().recent());
        // RFC 4314 5.1.1: PERMANENTFLAGS lists only the flags the user may change.
        if (!rights.hasAll("swt")) selected.permanentFlagsFor(flag -> rights.has(Rights.flagRight(flag)));
        // Selected at once, so the view it holds on the mailbox's bodies is closed however this command ends.
        ctx.select(selected);
        ctx.untagged("FLAGS " + selected.flagsList());
        ctx.untagged(selected.size() + " EXISTS");
        if (ctx.rev2()) {
            // RFC 9051 6.3.2: no RECENT or UNSEEN; a LIST response gives the mailbox's canonical name.
            ctx.untagged("LIST () \"/\" " + MailboxCommands.encoded(ctx, Namespaces.imapName(ctx, m)));
        } else {
            ctx.untagged(selected.recentCount() + " RECENT");
            int firstUnseen = 0;
            for (long uid : selected.uids()) {
                if (!selected.entry(uid).flags().contains("\\Seen")) {
                    firstUnseen = selected.msn(uid);
                    break;
                }
            }
            if (firstUnseen > 0) ctx.untagged("OK [UNSEEN " + firstUnseen + "] first unseen message");
        }
        ctx.untagged("OK [UIDVALIDITY " + status.mailbox().uidValidity() + "] UIDs valid");
        ctx.untagged("OK [UIDNEXT " + status.mailbox().uidNext() + "] predicted next UID");
        ctx.untagged("OK [PERMANENTFLAGS " + selected.permanentFlagsList() + "] limited");
        if (ctx.condstore()) ctx.untagged("OK [HIGHESTMODSEQ " + selected.modSeq() + "] highest");
        ctx.untagged("OK [MAILBOXID (" + MailboxCommands.mailboxId(m) + ")] Ok");
        // RFC 4467 8: the mechanisms URLs of this mailbox may be authorized with.
        if (ctx.services().urlAuth() != null) ctx.untagged("OK [URLMECH INTERNAL] Ok");
        if (qresync != null && qresync.uidValidity() == status.mailbox().uidValidity()) resync(ctx, selected, qresync);
        return (readOnly ? "[READ-ONLY] " : "[READ-WRITE] ") + r.display() + " completed";
    }

    /** QRESYNC parameters: what the client remembers of the mailbox. {@code knownUids} null means all. */
    record Qresync(long uidValidity, long modSeq, SequenceSet knownUids) { }

    private static Qresync qresync(ArgReader a) throws ImapSyntaxException {
        a.open();
        long uidValidity = a.nzNumber();
        a.sp();
        long modSeq = a.number(true);
        SequenceSet known = null;
        if (a.optionalSp()) {
            if (a.sequenceSetNext()) {
                known = a.sequenceSet();
                a.optionalSp();
            }
            if (a.peekIs('(')) {
                // seq-match-data only narrows what the server must report; reporting from modseq is always correct.
                a.open();
                a.sequenceSet();
                a.sp();
                a.sequenceSet();
                a.close();
            }
        }
        a.close();
        return new Qresync(uidValidity, modSeq, known);
    }

    /**
     * RFC 7162 3.2.5.1: what changed since the client's MODSEQ: VANISHED (EARLIER) for
     * expunged UIDs (those it says it knows), FETCH for changed messages. UIDs still in the
     * snapshot are left to the next refresh, which reports them in order.
     */
    private static void resync(Context ctx, SelectedMailbox selected, Qresync q) throws IOException {
        var changes = ctx.store().mailboxChanges(selected.id(), q.modSeq());
        List<Long> vanished = new ArrayList<>();
        long star = Math.max(selected.uids().isEmpty() ? 0 : selected.uids().getLast(), changes.expunged().isEmpty() ? 0 : changes.expunged().getLast());
        for (long uid : changes.expunged()) {
            if (selected.msn(uid) != 0) continue;
            if (q.knownUids() != null && !q.knownUids().contains(uid, star)) continue;
            vanished.add(uid);
        }
        if (!vanished.isEmpty()) ctx.untagged("VANISHED (EARLIER) " + SequenceSet.compact(vanished));
        for (long uid : selected.uids()) {
            MessageEntry e = selected.entry(uid);
            if (e.modSeq() <= q.modSeq()) continue;
            ctx.untagged(selected.msn(uid) + " FETCH (UID " + uid + " FLAGS " + selected.flags(e)
                    + " MODSEQ (" + e.modSeq() + "))");
        }
    }

    static String close(Context ctx, Request r) throws ImapSyntaxException {
        r.args().end();
        SelectedMailbox s = ctx.selected();
        if (r.name().equals("CLOSE") && !s.readOnly() && mayExpunge(ctx, s)) {
            // CLOSE expunges silently (RFC 9051 6.4.1): no EXPUNGE responses; without the right e it only closes (RFC 4314 4).
            ctx.store().expunge(s.id(), deleted(ctx, s, u -> true));
        }
        ctx.deselect();
        return r.display() + " completed";
    }

    /** RFC 4314 4: CLOSE expunges only with the right e, and otherwise just closes. */
    private static boolean mayExpunge(Context ctx, SelectedMailbox s) {
        try {
            return ctx.store().rights(s.id()).has('e');
        } catch (org.twinmail.store.StoreException e) {
            return false; // the mailbox is gone, or no longer visible: nothing to expunge
        }
    }

    static String expunge(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        SequenceSet uidSet = null;
        if (r.uid()) uidSet = a.sequenceSet();
        a.end();
        SelectedMailbox s = ctx.selected();
        if (s.readOnly()) throw new No("READ-ONLY", "mailbox is read-only");
        java.util.function.LongPredicate wanted;
        if (uidSet == null) {
            wanted = u -> true;
        } else if (uidSet.isSaved()) {
            java.util.Set<Long> saved = java.util.Set.copyOf(ctx.savedUids());
            wanted = saved::contains;
        } else {
            List<Long> present = s.uids();
            long star = present.isEmpty() ? 0 : present.getLast();
            SequenceSet set = uidSet;
            wanted = u -> set.contains(u, star);
        }
        List<Long> asked = deleted(ctx, s, wanted);
        // RFC 9738: UID EXPUNGE works on at most imap.messageLimit messages (plain EXPUNGE takes no set).
        List<Long> uids = r.uid() ? CommandSupport.withinLimit(ctx, r, asked) : asked;
        ctx.store().expunge(s.id(), uids);
        // The EXPUNGE responses come from the refresh before the tagged reply.
        return CommandSupport.completed(ctx, r, asked.size(), uids.size());
    }

    /** UIDs flagged \Deleted now (as the store has them) that {@code wanted} accepts. */
    private static List<Long> deleted(Context ctx, SelectedMailbox s, java.util.function.LongPredicate wanted) {
        List<Long> out = new ArrayList<>();
        for (MessageEntry e : ctx.store().messages(s.id())) {
            if (e.flags().contains("\\Deleted") && wanted.test(e.uid())) out.add(e.uid());
        }
        return out;
    }
}
