package org.twinmail.imap.command;

import java.io.IOException;
import java.util.List;
import org.twinmail.core.model.Mailbox;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.protocol.SequenceSet;
import org.twinmail.imap.session.SelectedMailbox;
import org.twinmail.store.CopyResult;
import org.twinmail.store.StoreException;

/** COPY, MOVE and their UID forms (RFC 9051 6.4.7, 6.4.8; UIDPLUS COPYUID, RFC 4315). */
final class CopyCommand {
    private CopyCommand() {}

    static String copy(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        SequenceSet set = a.sequenceSet();
        a.sp();
        String target = MailboxCommands.mailboxName(ctx, a);
        a.end();
        boolean move = r.name().equals("MOVE");
        SelectedMailbox s = ctx.selected();
        if (move && s.readOnly()) throw new No("READ-ONLY", "mailbox is read-only");
        List<Long> asked = CommandSupport.uids(ctx, set, r.uid());
        List<Long> uids = CommandSupport.withinLimit(ctx, r, asked);
        boolean limited = uids.size() < asked.size();
        Mailbox to = Namespaces.find(ctx, target).orElseThrow(() -> new No("TRYCREATE", "no mailbox named " + target));
        CopyResult result;
        try {
            result = ctx.store().copy(s.id(), uids, to.id(), move);
        } catch (StoreException.QuotaExceeded e) {
            throw new No("OVERQUOTA", "quota exceeded");
        } catch (StoreException.Conflict e) {
            throw new No("CANNOT", e.getMessage());
        }
        String code = result.sourceUids().isEmpty() ? "" : "[COPYUID " + result.targetUidValidity() + " "
                + SequenceSet.compact(result.sourceUids()) + " " + SequenceSet.compact(result.targetUids()) + "] ";
        if (move || limited) {
            // RFC 6851 4.3: COPYUID goes in an untagged OK before the EXPUNGEs, which the refresh sends;
            // so it does when the tagged OK carries [LIMIT] (RFC 9738).
            if (!code.isEmpty()) ctx.untagged("OK " + code.strip() + (move ? " moved" : " copied"));
            return CommandSupport.completed(ctx, r, asked.size(), uids.size());
        }
        return code + r.display() + " completed";
    }
}
