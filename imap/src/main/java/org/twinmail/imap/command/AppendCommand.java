package org.twinmail.imap.command;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Mailbox;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.DateTimes;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.store.AppendResult;
import org.twinmail.store.StoreException;

/** APPEND (RFC 9051 6.3.12) with UIDPLUS's APPENDUID (RFC 4315). */
final class AppendCommand {
    private AppendCommand() {}

    static String append(Context ctx, Request r) throws ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = MailboxCommands.mailboxName(ctx, a);
        a.sp();
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
        byte[] content;
        if (a.peekWord("UTF8")) {
            // RFC 6855 4: APPEND ... UTF8 (~{n}) for a message with UTF-8 headers, after ENABLE UTF8=ACCEPT.
            if (!ctx.utf8()) throw ImapSyntaxException.syntax("APPEND UTF8 needs ENABLE UTF8=ACCEPT");
            a.atom();
            a.sp();
            a.open();
            if (!a.literalNext()) throw ImapSyntaxException.syntax("APPEND UTF8: the message must be a literal");
            content = a.string();
            a.close();
        } else {
            if (!a.literalNext()) throw ImapSyntaxException.syntax("APPEND: the message must be a literal");
            content = a.string();
        }
        a.end();
        if (content.length == 0) throw new No(null, "APPEND: empty message");
        Mailbox m = ctx.store().mailbox(ctx.accountId(), name).orElseThrow(() -> new No("TRYCREATE", "no mailbox named " + name));
        AppendResult result;
        try (MessageData data = MessageSpool.of(content)) {
            result = ctx.store().append(m.id(), data, new LinkedHashSet<>(flags), date);
        } catch (StoreException.QuotaExceeded e) {
            boolean tooBig = e.refusals().stream().allMatch(x -> x.reason() == StoreException.QuotaExceeded.Reason.MESSAGE_TOO_BIG);
            throw new No(tooBig ? "TOOBIG" : "OVERQUOTA", tooBig ? "message too large for this account" : "quota exceeded");
        } catch (IllegalArgumentException e) {
            throw ImapSyntaxException.syntax(e.getMessage());
        }
        ctx.services().metrics().appended(content.length);
        return "[APPENDUID " + result.uidValidity() + " " + result.uid() + "] APPEND completed";
    }
}
