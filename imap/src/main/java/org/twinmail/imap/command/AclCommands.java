package org.twinmail.imap.command;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.core.model.Mailbox;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.protocol.Strings;
import org.twinmail.store.AclEntry;
import org.twinmail.store.Rights;

/**
 * SETACL, DELETEACL, GETACL, LISTRIGHTS and MYRIGHTS (RFC 4314 3). The rights are checked by
 * the store ({@link org.twinmail.store.AccountMailboxes}); a missing right is {@code NO [NOPERM]}
 * (RFC 5530), a mailbox the user may not know of {@code NO [NONEXISTENT]}. Identifiers:
 * {@code user@domain}, {@code anyone@domain} (every account of that domain) and {@code anyone}.
 */
final class AclCommands {
    private AclCommands() {}

    /** Rights as RFC 4314 2.1.1 has servers return them: with the virtual c (for k, x) and d (for t, e). */
    static String withVirtual(Rights r) {
        String s = r.toString();
        if (r.hasAny("kx")) s += "c";
        if (r.hasAny("te")) s += "d";
        return s;
    }

    /** An identifier argument: RFC 4314 3 wants BAD for an empty one. */
    private static String identifier(ArgReader a) throws ImapSyntaxException {
        String id = a.astring();
        if (id.isBlank()) throw ImapSyntaxException.syntax("empty identifier");
        return id;
    }

    private static Rights rights(String letters) throws ImapSyntaxException {
        try {
            return Rights.parse(letters);
        } catch (IllegalArgumentException e) {
            // RFC 4314 3.1: an unrecognized right (upper case included) is BAD, never ignored.
            throw ImapSyntaxException.syntax(e.getMessage());
        }
    }

    private static String name(Context ctx, Mailbox m) {
        return MailboxCommands.encoded(ctx, Namespaces.imapName(ctx, m));
    }

    static String setAcl(Context ctx, Request r) throws ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = MailboxCommands.mailboxName(ctx, a);
        a.sp();
        String id = identifier(a);
        a.sp();
        String modification = a.astring();
        a.end();
        char op = modification.isEmpty() ? ' ' : modification.charAt(0);
        Rights given = rights(op == '+' || op == '-' ? modification.substring(1) : modification);
        Mailbox m = MailboxCommands.existing(ctx, name);
        Rights now = given;
        if (op == '+' || op == '-') {
            Rights current = Rights.NONE;
            for (AclEntry e : ctx.store().acl(m.id())) {
                if (e.identifier().equalsIgnoreCase(id.strip())) current = e.rights();
            }
            now = op == '+' ? current.plus(given) : current.minus(given);
        }
        try {
            ctx.store().setRights(m.id(), id, now);
        } catch (IllegalArgumentException e) {
            throw new No("CANNOT", e.getMessage());
        }
        return "SETACL completed";
    }

    static String deleteAcl(Context ctx, Request r) throws ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = MailboxCommands.mailboxName(ctx, a);
        a.sp();
        String id = identifier(a);
        a.end();
        Mailbox m = MailboxCommands.existing(ctx, name);
        if (ctx.store().acl(m.id()).getFirst().identifier().equalsIgnoreCase(id.strip())) {
            throw new No("CANNOT", "the owner always has every right");
        }
        ctx.store().removeRights(m.id(), id);
        return "DELETEACL completed";
    }

    static String getAcl(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = MailboxCommands.mailboxName(ctx, a);
        a.end();
        Mailbox m = MailboxCommands.existing(ctx, name);
        StringBuilder line = new StringBuilder("ACL ").append(name(ctx, m));
        for (AclEntry e : ctx.store().acl(m.id())) {
            line.append(' ').append(Strings.astring(e.identifier(), true)).append(' ').append(withVirtual(e.rights()));
        }
        ctx.untagged(line.toString());
        return "GETACL completed";
    }

    static String listRights(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = MailboxCommands.mailboxName(ctx, a);
        a.sp();
        String id = identifier(a);
        a.end();
        Mailbox m = MailboxCommands.existing(ctx, name);
        List<AclEntry> acl = ctx.store().acl(m.id()); // needs the right a
        // The identifier as the client wrote it (RFC 4314 3.4). The owner always has every right; anyone
        // else may be granted each right alone, c and d listed as RFC 4314 2.1.1 asks.
        String required;
        List<String> optional = new ArrayList<>();
        if (acl.getFirst().identifier().equalsIgnoreCase(id.strip())) {
            required = Rights.LETTERS;
        } else {
            required = "";
            for (char c : (Rights.LETTERS + "cd").toCharArray()) optional.add(String.valueOf(c));
        }
        ctx.untagged("LISTRIGHTS " + name(ctx, m) + " " + Strings.astring(id, true) + " " + Strings.astring(required, true)
                + (optional.isEmpty() ? "" : " " + String.join(" ", optional)));
        return "LISTRIGHTS completed";
    }

    static String myRights(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = MailboxCommands.mailboxName(ctx, a);
        a.end();
        Mailbox m = MailboxCommands.existing(ctx, name);
        ctx.untagged("MYRIGHTS " + name(ctx, m) + " " + withVirtual(ctx.store().rights(m.id())));
        return "MYRIGHTS completed";
    }
}
