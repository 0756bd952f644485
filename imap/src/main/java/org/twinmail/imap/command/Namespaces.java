package org.twinmail.imap.command;

import java.util.Optional;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Mailbox;
import org.twinmail.store.AccountMailboxes;

/**
 * The three namespaces of RFC 2342 and how IMAP names map to the store's mailboxes:
 * <ul>
 *   <li>personal, prefix {@code ""}: the user's own mailboxes, named as the store names them;</li>
 *   <li>other users, prefix {@code #user/}: {@code #user/alice@example.org/Work} is the mailbox
 *       {@code Work} of the account {@code alice@example.org}, visible when she granted a right on it;</li>
 *   <li>shared, prefix {@code #shared/}: the same for shared accounts (a domain's {@code sales@}):
 *       {@code #shared/sales@example.org/INBOX}.</li>
 * </ul>
 * Each other account's mailbox has exactly one name: under {@code #shared/} if its owner is
 * marked shared, under {@code #user/} otherwise. The owner's address is written as the
 * directory keeps it (lower case); INBOX is case-insensitive below it too.
 */
final class Namespaces {
    static final String USER = "#user";
    static final String SHARED = "#shared";

    private Namespaces() {}

    /** The NAMESPACE response's data (RFC 2342 5). */
    static String response() {
        return "((\"\" \"/\")) ((\"" + USER + "/\" \"/\")) ((\"" + SHARED + "/\" \"/\"))";
    }

    /**
     * A name of another account's mailbox: the owner, the name in the owner's account, and
     * the prefix it was written under; {@code inner} is empty for the owner's level itself.
     */
    record Other(String prefix, EmailAddress owner, String inner) { }

    /** Whether {@code name} is in the other users' or shared namespace (or is one of their roots). */
    static boolean isOther(String name) {
        return underPrefix(name, USER) || underPrefix(name, SHARED);
    }

    private static boolean underPrefix(String name, String prefix) {
        return name.regionMatches(true, 0, prefix, 0, prefix.length())
                && (name.length() == prefix.length() || name.charAt(prefix.length()) == '/');
    }

    /** The owner and inner name of a name under {@code #user/} or {@code #shared/}; empty if it names none. */
    static Optional<Other> other(String name) {
        String prefix = underPrefix(name, USER) ? USER : underPrefix(name, SHARED) ? SHARED : null;
        if (prefix == null || name.length() <= prefix.length() + 1) return Optional.empty();
        String rest = name.substring(prefix.length() + 1);
        int slash = rest.indexOf('/');
        String owner = slash < 0 ? rest : rest.substring(0, slash);
        String inner = slash < 0 ? "" : rest.substring(slash + 1);
        EmailAddress address;
        try {
            address = EmailAddress.parse(owner);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (inner.equalsIgnoreCase("INBOX")) inner = "INBOX";
        else if (inner.length() > 6 && inner.substring(0, 6).equalsIgnoreCase("INBOX/")) inner = "INBOX" + inner.substring(5);
        return Optional.of(new Other(prefix, address, inner));
    }

    /** The mailbox an IMAP name denotes for the user, if it exists and the user may know of it. */
    static Optional<Mailbox> find(Context ctx, String name) {
        AccountMailboxes store = ctx.store();
        if (!isOther(name)) return store.mailbox(ctx.accountId(), name);
        Optional<Other> o = other(name);
        if (o.isEmpty() || o.get().inner().isEmpty()) return Optional.empty();
        Optional<Mailbox> m = store.mailbox(o.get().owner(), o.get().inner());
        // One name per mailbox: the prefix must be the one its owner's kind calls for.
        return m.filter(x -> x.accountId() != ctx.accountId() && prefixOf(store, x.accountId()).equals(o.get().prefix()));
    }

    private static String prefixOf(AccountMailboxes store, long owner) {
        return store.isSharedAccount(owner) ? SHARED : USER;
    }

    /** The root of another account's mailboxes as this user sees them: {@code #user/alice@example.org}. */
    static String root(AccountMailboxes store, long owner) {
        return prefixOf(store, owner) + "/" + store.ownerAddress(owner).key();
    }

    /** The IMAP name of a mailbox for the user: its own name, or its name under the owner's root. */
    static String imapName(Context ctx, Mailbox m) {
        if (m.accountId() == ctx.accountId()) return m.name();
        return root(ctx.store(), m.accountId()) + "/" + m.name();
    }

    /** Whether a personal name would hide a namespace (it may not be created there). */
    static boolean reserved(String name) {
        return isOther(name);
    }
}
