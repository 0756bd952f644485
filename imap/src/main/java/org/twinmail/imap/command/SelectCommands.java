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

/** SELECT, EXAMINE, CLOSE, UNSELECT, EXPUNGE and UID EXPUNGE (RFC 9051 6.3.2, 6.4.2, 6.4.3; RFC 3691; RFC 4315). */
final class SelectCommands {
    private SelectCommands() {}

    static final String FLAGS = "(\\Answered \\Flagged \\Deleted \\Seen \\Draft)";

    static String select(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = MailboxCommands.mailboxName(a);
        if (a.optionalSp()) {
            a.open();
            String param = a.keyword();
            if (!param.equals("CONDSTORE")) throw ImapSyntaxException.syntax("unknown SELECT parameter " + param);
            a.close();
            ctx.enabled().add("CONDSTORE");
        }
        a.end();
        boolean readOnly = r.name().equals("EXAMINE");
        // RFC 9051 6.3.2: a failed SELECT leaves no mailbox selected.
        ctx.deselect();
        Mailbox m = MailboxCommands.existing(ctx, name);
        MailboxStatus status = ctx.store().status(m.id());
        SelectedMailbox selected = SelectedMailbox.open(ctx.store(), status.mailbox(), readOnly);
        ctx.untagged("FLAGS " + FLAGS);
        ctx.untagged(selected.size() + " EXISTS");
        ctx.untagged("0 RECENT");
        int firstUnseen = 0;
        for (long uid : selected.uids()) {
            if (!selected.entry(uid).flags().contains("\\Seen")) {
                firstUnseen = selected.msn(uid);
                break;
            }
        }
        if (firstUnseen > 0) ctx.untagged("OK [UNSEEN " + firstUnseen + "] first unseen message");
        ctx.untagged("OK [UIDVALIDITY " + status.mailbox().uidValidity() + "] UIDs valid");
        ctx.untagged("OK [UIDNEXT " + status.mailbox().uidNext() + "] predicted next UID");
        ctx.untagged("OK [PERMANENTFLAGS " + (readOnly ? "()" : "(\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)") + "] limited");
        if (ctx.condstore()) ctx.untagged("OK [HIGHESTMODSEQ " + selected.modSeq() + "] highest");
        ctx.untagged("OK [MAILBOXID (" + MailboxCommands.mailboxId(m) + ")] Ok");
        ctx.select(selected);
        return (readOnly ? "[READ-ONLY] " : "[READ-WRITE] ") + r.display() + " completed";
    }

    static String close(Context ctx, Request r) throws ImapSyntaxException {
        r.args().end();
        SelectedMailbox s = ctx.selected();
        if (r.name().equals("CLOSE") && !s.readOnly()) {
            // CLOSE expunges silently (RFC 9051 6.4.1): no EXPUNGE responses.
            ctx.store().expunge(s.id(), deleted(ctx, s, null));
        }
        ctx.deselect();
        return r.display() + " completed";
    }

    static String expunge(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        SequenceSet uidSet = null;
        if (r.uid()) uidSet = a.sequenceSet();
        a.end();
        SelectedMailbox s = ctx.selected();
        if (s.readOnly()) throw new No("READ-ONLY", "mailbox is read-only");
        ctx.store().expunge(s.id(), deleted(ctx, s, uidSet));
        // The EXPUNGE responses come from the refresh before the tagged reply.
        return r.display() + " completed";
    }

    /** UIDs flagged \Deleted now (as the store has them), limited to {@code uidSet} if given. */
    private static List<Long> deleted(Context ctx, SelectedMailbox s, SequenceSet uidSet) {
        List<Long> out = new ArrayList<>();
        List<MessageEntry> all = ctx.store().messages(s.id());
        long star = all.isEmpty() ? 0 : all.getLast().uid();
        for (MessageEntry e : all) {
            if (!e.flags().contains("\\Deleted")) continue;
            if (uidSet != null && !uidSet.contains(e.uid(), star)) continue;
            out.add(e.uid());
        }
        return out;
    }
}
