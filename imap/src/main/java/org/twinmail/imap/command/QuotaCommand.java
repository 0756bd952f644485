package org.twinmail.imap.command;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.protocol.Strings;
import org.twinmail.store.QuotaUsage;

/**
 * QUOTA (RFC 9208) with the STORAGE and MESSAGE resources: one quota root, "", per
 * account. Each resource's limit is the account's, or where the account has none its
 * domain's (with the domain's usage). Limits are set by the administrator, so SETQUOTA
 * is refused (QUOTASET is not offered).
 */
final class QuotaCommand {
    private QuotaCommand() {}

    /** One resource's usage and limit in the units of RFC 9208 section 5. */
    private record Resource(String name, long used, long limit) {
        @Override
        public String toString() {
            return name + " " + used + " " + limit;
        }
    }

    /** The limited resources of the account's root; empty when neither account nor domain has a limit. */
    private static List<Resource> resources(Context ctx, long accountId) {
        QuotaUsage q = ctx.store().quotaUsage(accountId);
        List<Resource> out = new ArrayList<>(2);
        // STORAGE is in units of 1024 octets (RFC 9208 5.1); usage rounds up so a nearly full mailbox does not look empty.
        if (q.quotaBytes() > 0) {
            out.add(new Resource("STORAGE", (q.usedBytes() + 1023) / 1024, q.quotaBytes() / 1024));
        } else if (q.domainQuotaBytes() > 0) {
            out.add(new Resource("STORAGE", (q.domainUsedBytes() + 1023) / 1024, q.domainQuotaBytes() / 1024));
        }
        if (q.maxMessages() > 0) {
            out.add(new Resource("MESSAGE", q.messageCount(), q.maxMessages()));
        } else if (q.domainMaxMessages() > 0) {
            out.add(new Resource("MESSAGE", q.domainMessageCount(), q.domainMaxMessages()));
        }
        return out;
    }

    private static void quota(Context ctx, String root, List<Resource> resources) throws IOException {
        ctx.untagged("QUOTA " + Strings.astring(root, true) + " (" + resources.stream().map(Resource::toString).collect(Collectors.joining(" ")) + ")");
    }

    static String getQuotaRoot(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = MailboxCommands.mailboxName(ctx, a);
        a.end();
        // RFC 9208 4.1.2: the mailbox need not exist, so a client can learn a new mailbox's root before creating it.
        // Another account's mailbox is charged to its owner: the root is the owner's (#user/alice@example.org).
        long owner = ctx.accountId();
        String root = "";
        if (Namespaces.isOther(name)) {
            java.util.Optional<org.twinmail.core.model.Mailbox> m = Namespaces.find(ctx, name);
            if (m.isEmpty()) {
                ctx.untagged("QUOTAROOT " + MailboxCommands.encoded(ctx, name));
                return r.display() + " completed";
            }
            owner = m.get().accountId();
            root = Namespaces.root(ctx.store(), owner);
        }
        List<Resource> resources = resources(ctx, owner);
        ctx.untagged("QUOTAROOT " + MailboxCommands.encoded(ctx, name) + (resources.isEmpty() ? "" : " " + Strings.astring(root, true)));
        if (!resources.isEmpty()) quota(ctx, root, resources);
        return r.display() + " completed";
    }

    static String getQuota(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String root = a.astring();
        a.end();
        long owner = ctx.accountId();
        if (!root.isEmpty()) {
            // Another account's root, for a user with a right on one of its mailboxes.
            owner = ctx.store().sharedMailboxes().stream()
                    .filter(s -> Namespaces.root(ctx.store(), s.mailbox().accountId()).equalsIgnoreCase(root))
                    .map(s -> s.mailbox().accountId()).findFirst()
                    .orElseThrow(() -> new No("NONEXISTENT", "no such quota root"));
        }
        List<Resource> resources = resources(ctx, owner);
        if (resources.isEmpty()) throw new No("NONEXISTENT", "no such quota root");
        quota(ctx, root, resources);
        return r.display() + " completed";
    }

    static String setQuota(Context ctx, Request r) throws No {
        throw new No("CANNOT", "quotas are set by the administrator");
    }
}
