package org.twinmail.imap.command;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.protocol.SequenceSet;
import org.twinmail.imap.session.SelectedMailbox;
import org.twinmail.store.FlagChange;
import org.twinmail.store.FlagsResult;

/** STORE and UID STORE (RFC 9051 6.4.6) with UNCHANGEDSINCE (RFC 7162 3.1.3). */
final class StoreCommand {
    private StoreCommand() {}

    static String store(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        SequenceSet set = a.sequenceSet();
        a.sp();
        long unchangedSince = -1;
        if (a.peekIs('(')) {
            a.open();
            String modifier = a.keyword();
            if (!modifier.equals("UNCHANGEDSINCE")) throw ImapSyntaxException.syntax("unknown STORE modifier " + modifier);
            a.sp();
            unchangedSince = a.number(true);
            a.close();
            a.sp();
            ctx.enableCondstore();
        }
        String sign = "";
        if (a.peekIs('+') || a.peekIs('-')) {
            sign = a.peekIs('+') ? "+" : "-";
            a.expect(sign.charAt(0));
        }
        String op = sign + a.dottedName();
        FlagChange change;
        String base = op.endsWith(".SILENT") ? op.substring(0, op.length() - 7) : op;
        boolean silent = !base.equals(op);
        switch (base) {
            case "FLAGS" -> change = FlagChange.REPLACE;
            case "+FLAGS" -> change = FlagChange.ADD;
            case "-FLAGS" -> change = FlagChange.REMOVE;
            default -> {
                change = null;
            }
        }
        if (change == null) {
            throw ImapSyntaxException.syntax("expected FLAGS, +FLAGS or -FLAGS");
        }
        a.sp();
        List<String> flags = a.flags(true);
        a.end();
        return apply(ctx, r, set, change, silent, flags, unchangedSince);
    }

    static String apply(Context ctx, Request r, SequenceSet set, FlagChange change, boolean silent, List<String> flags,
                        long unchangedSince) throws IOException, ImapSyntaxException, No {
        SelectedMailbox s = ctx.selected();
        if (s.readOnly()) throw new No("READ-ONLY", "mailbox is read-only");
        List<Long> asked = CommandSupport.uids(ctx, set, r.uid());
        List<Long> uids = CommandSupport.withinLimit(ctx, r, asked);
        FlagsResult result;
        try {
            result = ctx.store().storeFlags(s.id(), uids, change, new LinkedHashSet<>(flags), unchangedSince);
        } catch (IllegalArgumentException e) {
            throw ImapSyntaxException.syntax(e.getMessage());
        }
        for (MessageEntry e : result.updated()) s.updated(e);
        // A keyword new to the mailbox is announced before the FETCH responses that show it (RFC 9051 7.3.5).
        for (String u : s.keywordUpdates(result.updated())) ctx.untagged(u);
        Set<Long> changed = new java.util.HashSet<>(result.updated().stream().map(MessageEntry::uid).toList());
        for (long uid : uids) {
            if (result.modified().contains(uid)) continue;
            MessageEntry e = s.entry(uid);
            if (e == null) continue;
            // .SILENT still reports MODSEQ of changed messages under CONDSTORE (RFC 7162 3.2).
            boolean condstore = ctx.condstore();
            if (silent && !(condstore && changed.contains(uid))) continue;
            List<String> parts = new ArrayList<>();
            if (r.uid()) parts.add("UID " + uid);
            if (!silent) parts.add("FLAGS " + s.flags(e));
            if (condstore) parts.add("MODSEQ (" + e.modSeq() + ")");
            ctx.untagged(s.msn(uid) + " FETCH (" + String.join(" ", parts) + ")");
        }
        if (!result.modified().isEmpty()) {
            List<Long> refused = r.uid() ? result.modified() : result.modified().stream().map(u -> (long) s.msn(u)).toList();
            return "[MODIFIED " + SequenceSet.compact(refused) + "] conditional STORE failed for some messages";
        }
        return CommandSupport.completed(ctx, r, asked.size(), uids.size());
    }
}
