package org.twinmail.imap.command;

import java.io.IOException;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Domain;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;

/**
 * QUOTA (RFC 9208) with the STORAGE resource: one quota root, "", per account. Its limit
 * is the account's quota, or where the account has none its domain's (with the domain's
 * usage). Limits are set by the administrator, so SETQUOTA is refused (QUOTASET is not offered).
 */
final class QuotaCommand {
    private QuotaCommand() {}

    /** used and limit in bytes, or null when neither account nor domain has a limit. */
    private record Figures(long used, long limit) { }

    private static Figures figures(Context ctx) {
        Account a = ctx.store().findAccount(ctx.accountId()).orElseThrow();
        if (a.quotaBytes() > 0) return new Figures(a.usedBytes(), a.quotaBytes());
        Domain d = ctx.store().findDomain(a.address().domain()).orElse(null);
        if (d != null && d.quotaBytes() > 0) return new Figures(d.usedBytes(), d.quotaBytes());
        return null;
    }

    private static void quota(Context ctx, Figures f) throws IOException {
        // STORAGE is in units of 1024 octets (RFC 9208 5.1); usage rounds up so a nearly full mailbox does not look empty.
        ctx.untagged("QUOTA \"\" (STORAGE " + (f.used() + 1023) / 1024 + " " + f.limit() / 1024 + ")");
    }

    static String getQuotaRoot(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = MailboxCommands.mailboxName(ctx, a);
        a.end();
        MailboxCommands.existing(ctx, name);
        Figures f = figures(ctx);
        ctx.untagged("QUOTAROOT " + MailboxCommands.encoded(ctx, name) + (f == null ? "" : " \"\""));
        if (f != null) quota(ctx, f);
        return r.display() + " completed";
    }

    static String getQuota(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String root = a.astring();
        a.end();
        Figures f = figures(ctx);
        if (!root.isEmpty() || f == null) throw new No("NONEXISTENT", "no such quota root");
        quota(ctx, f);
        return r.display() + " completed";
    }

    static String setQuota(Context ctx, Request r) throws No {
        throw new No("CANNOT", "quotas are set by the administrator");
    }
}
