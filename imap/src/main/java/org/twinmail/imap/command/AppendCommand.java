package org.twinmail.imap.command;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.model.Mailbox;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.DateTimes;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.protocol.SequenceSet;
import org.twinmail.store.AppendResult;
import org.twinmail.store.Appended;
import org.twinmail.store.StoreException;
import org.twinmail.imap.session.SelectedMailbox;

/**
 * APPEND (RFC 9051 6.3.12) with MULTIAPPEND (RFC 3502: several messages, all or none),
 * UIDPLUS's APPENDUID (RFC 4315) and UTF8=ACCEPT's {@code UTF8 (~{n})} form (RFC 6855).
 */
final class AppendCommand {
    private AppendCommand() {}

    static String append(Context ctx, Request r) throws ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = MailboxCommands.mailboxName(ctx, a);
        List<Appended> messages = new ArrayList<>();
        long bytes = 0;
        do {
            a.sp();
            Appended m = message(ctx, a);
            messages.add(m);
            bytes += m.content().size();
        } while (!a.atEnd());
        // RFC 9738: a MULTIAPPEND of more messages than MESSAGELIMIT is refused as a whole (it is all or none).
        if (messages.size() > ctx.limits().messageLimit) {
            throw new No("LIMIT", "at most " + ctx.limits().messageLimit + " messages in one APPEND (MESSAGELIMIT)");
        }
        Mailbox box = Namespaces.find(ctx, name).orElseThrow(() -> new No("TRYCREATE", "no mailbox named " + name));
        List<AppendResult> results;
        try {
            results = ctx.store().appendAll(box.id(), messages);
        } catch (StoreException.QuotaExceeded e) {
            boolean tooBig = e.refusals().stream().allMatch(x -> x.reason() == StoreException.QuotaExceeded.Reason.MESSAGE_TOO_BIG);
            throw new No(tooBig ? "TOOBIG" : "OVERQUOTA", tooBig ? "message too large for this account" : "quota exceeded");
        } catch (IllegalArgumentException e) {
            throw ImapSyntaxException.syntax(e.getMessage());
        }
        ctx.services().metrics().appended(bytes);
        List<Long> uids = results.stream().map(AppendResult::uid).toList();
        return "[APPENDUID " + results.getFirst().uidValidity() + " " + SequenceSet.compact(uids) + "] APPEND completed";
    }

    /**
     * REPLACE and UID REPLACE (RFC 8508): the new message is appended to the named mailbox
     * (APPENDUID in an untagged OK, RFC 8508 3.3), then the old one is expunged from the
     * selected mailbox, whose EXPUNGE (or VANISHED) the refresh sends. If the append fails,
     * the old message stays. The store has no single transaction for both: between the two
     * commits another session can see both messages, never neither.
     */
    static String replace(Context ctx, Request r) throws ImapSyntaxException, No, java.io.IOException {
        ArgReader a = r.args();
        SelectedMailbox s = ctx.selected();
        long n;
        if (a.peekIs('*')) {
            a.expect('*');
            n = r.uid() ? (s.uids().isEmpty() ? 0 : s.uids().getLast()) : s.size();
        } else {
            n = a.nzNumber();
        }
        a.sp();
        String name = MailboxCommands.mailboxName(ctx, a);
        a.sp();
        Appended m = message(ctx, a);
        a.end();
        long uid;
        if (r.uid()) {
            if (n == 0 || s.msn(n) == 0) throw new No(null, "no message with UID " + n);
            uid = n;
        } else {
            if (n == 0 || n > s.size()) throw ImapSyntaxException.syntax("invalid message sequence number (there are " + s.size() + " messages)");
            uid = s.uidAt((int) n);
        }
        if (s.readOnly()) throw new No("READ-ONLY", "mailbox is read-only");
        Mailbox box = Namespaces.find(ctx, name).orElseThrow(() -> new No("TRYCREATE", "no mailbox named " + name));
        AppendResult result;
        try {
            result = ctx.store().appendAll(box.id(), List.of(m)).getFirst();
        } catch (StoreException.QuotaExceeded e) {
            boolean tooBig = e.refusals().stream().allMatch(x -> x.reason() == StoreException.QuotaExceeded.Reason.MESSAGE_TOO_BIG);
            throw new No(tooBig ? "TOOBIG" : "OVERQUOTA", tooBig ? "message too large for this account" : "quota exceeded");
        } catch (IllegalArgumentException e) {
            throw ImapSyntaxException.syntax(e.getMessage());
        }
        ctx.services().metrics().appended(m.content().size());
        ctx.untagged("OK [APPENDUID " + result.uidValidity() + " " + result.uid() + "] replacement message ready");
        ctx.store().expunge(s.id(), List.of(uid));
        return r.display() + " completed";
    }

    /** One message: [flag list SP] [date-time SP] (literal | UTF8 SP "(" literal8 ")"). */
    private static Appended message(Context ctx, ArgReader a) throws ImapSyntaxException, No {
        List<String> flags = List.of();
        if (a.peekIs('(')) {
            flags = a.flags(false);
            a.sp();
        }
        Instant date = Instant.now();
        if (a.peekIs('"')) {
            date = DateTimes.parseDateTime(new String(a.string(), java.nio.charset.StandardCharsets.US_ASCII));
            a.sp();
        }
        MessageData content;
        if (a.peekWord("UTF8")) {
            if (!ctx.utf8()) throw ImapSyntaxException.syntax("APPEND UTF8 needs ENABLE UTF8=ACCEPT");
            a.atom();
            a.sp();
            a.open();
            if (!a.literalNext()) throw ImapSyntaxException.syntax("APPEND UTF8: the message must be a literal");
            content = a.literalData();
            a.close();
        } else if (a.peekWord("CATENATE")) {
            // RFC 4469: the message put together from literals and IMAP URLs.
            a.atom();
            a.sp();
            content = Catenate.read(ctx, a);
        } else {
            if (!a.literalNext()) throw ImapSyntaxException.syntax("APPEND: the message must be a literal");
            content = a.literalData();
        }
        if (content.size() == 0) throw new No(null, "APPEND: empty message");
        // The frame owns the data (a spool file for a large message) and releases it after the command.
        return new Appended(content, new LinkedHashSet<>(flags), date);
    }
}
