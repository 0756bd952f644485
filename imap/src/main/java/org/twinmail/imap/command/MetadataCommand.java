package org.twinmail.imap.command;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.twinmail.core.model.Mailbox;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.protocol.MetadataEntry;
import org.twinmail.imap.protocol.Strings;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * GETMETADATA and SETMETADATA (RFC 5464 METADATA and METADATA-SERVER). Entries live in the
 * store's {@link Records} role, kind {@code imap.metadata}:
 * <ul>
 *   <li>an account's own entries (every mailbox entry, and its {@code /private} server
 *       entries) in scope {@code account:<id>}, named {@code <mailbox>entry} where
 *       {@code <mailbox>} is {@code m<mailbox id>} (so a RENAME keeps them) or empty for the
 *       server: {@code m17/private/comment}, {@code /private/vendor/x/theme};</li>
 *   <li>server {@code /shared} entries in the global scope {@code ""}, named by the entry: what
 *       every user reads, so only an administrator writes them (a client gets NO [NOPERM]).</li>
 * </ul>
 * The value is the entry's octets as the client sent them. Limits (named settings):
 * {@code imap.metadataMaxSize} per value (NO [METADATA MAXSIZE n]) and
 * {@code imap.metadataMaxEntries} per account (NO [METADATA TOOMANY]). A mailbox's entries go
 * when it is deleted, an account's with the account.
 */
final class MetadataCommand {
    private MetadataCommand() {}

    static final String KIND = "imap.metadata";
    /** Records' name limit less the longest mailbox prefix ("m" and a 19-digit id). */
    private static final int MAX_ENTRY = Records.MAX_NAME - 20;

    static String scope(Context ctx) {
        return "account:" + ctx.accountId();
    }

    /** GETMETADATA [(MAXSIZE n DEPTH d)] mailbox (entry | (entry ...)). */
    static String get(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        long maxSize = -1;
        int depth = 0;
        if (a.peekIs('(')) {
            a.open();
            do {
                String option = a.keyword();
                a.sp();
                switch (option) {
                    case "MAXSIZE" -> maxSize = a.number(false);
                    case "DEPTH" -> {
                        String d = a.atom();
                        depth = switch (d.toLowerCase(java.util.Locale.ROOT)) {
                            case "0" -> 0;
                            case "1" -> 1;
                            case "infinity" -> -1;
                            default -> throw ImapSyntaxException.syntax("DEPTH is 0, 1 or infinity");
                        };
                    }
                    default -> throw ImapSyntaxException.syntax("unknown GETMETADATA option " + option);
                }
            } while (a.optionalSp());
            a.close();
            a.sp();
        }
        String wire = a.astring();
        a.sp();
        List<String> asked = new ArrayList<>();
        if (a.peekIs('(')) {
            a.open();
            do {
                asked.add(MetadataEntry.parse(a.astring(), MAX_ENTRY, true));
            } while (a.optionalSp());
            a.close();
        } else {
            asked.add(MetadataEntry.parse(a.astring(), MAX_ENTRY, true));
        }
        a.end();
        String prefix = prefix(ctx, wire);
        Records records = ctx.records();
        // Every entry the account has under this mailbox (or the server), and the global /shared server entries.
        Map<String, byte[]> all = new LinkedHashMap<>();
        for (StoredRecord rec : records.records(KIND, scope(ctx))) {
            if (rec.name().startsWith(prefix + "/")) {
                String entry = rec.name().substring(prefix.length());
                if (prefix.isEmpty() && MetadataEntry.shared(entry)) continue; // server /shared are global
                all.put(entry, rec.value());
            }
        }
        if (prefix.isEmpty()) {
            for (StoredRecord rec : records.records(KIND, "")) all.put(rec.name(), rec.value());
        }
        List<Map.Entry<String, byte[]>> out = new ArrayList<>();
        long longest = 0;
        for (Map.Entry<String, byte[]> e : new java.util.TreeMap<>(all).entrySet()) {
            final int d = depth;
            if (asked.stream().noneMatch(x -> MetadataEntry.within(e.getKey(), x, d))) continue;
            if (maxSize >= 0 && e.getValue().length > maxSize) {
                longest = Math.max(longest, e.getValue().length);
                continue;
            }
            out.add(e);
        }
        if (!out.isEmpty()) {
            ctx.write("* METADATA " + Strings.astring(wire, ctx.utf8Names()) + " (");
            for (int i = 0; i < out.size(); i++) {
                ctx.write((i > 0 ? " " : "") + Strings.astring(out.get(i).getKey(), false) + " ");
                value(ctx, out.get(i).getValue());
            }
            ctx.write(")\r\n");
        }
        // RFC 5464 4.2.1: entries left out for MAXSIZE are reported with the size of the largest.
        if (longest > 0) return "[METADATA LONGENTRIES " + longest + "] GETMETADATA completed";
        return "GETMETADATA completed";
    }

    /** SETMETADATA mailbox (entry value ...): all checked first, then written; NIL removes. */
    static String set(Context ctx, Request r) throws ImapSyntaxException, No {
        ArgReader a = r.args();
        String wire = a.astring();
        a.sp();
        a.open();
        Map<String, byte[]> changes = new LinkedHashMap<>();
        do {
            String entry = MetadataEntry.parse(a.astring(), MAX_ENTRY, false);
            a.sp();
            changes.put(entry, a.nstring());
        } while (a.optionalSp());
        a.close();
        a.end();
        String prefix = prefix(ctx, wire);
        long maxSize = ctx.limits().metadataMaxSize.bytes();
        long largest = 0;
        for (Map.Entry<String, byte[]> c : changes.entrySet()) {
            if (prefix.isEmpty() && MetadataEntry.shared(c.getKey())) {
                throw new No("NOPERM", "server /shared entries are set by the administrator");
            }
            if (c.getValue() != null) largest = Math.max(largest, c.getValue().length);
        }
        if (largest > maxSize) throw new No("METADATA MAXSIZE " + maxSize, "metadata value too large");
        Records records = ctx.records();
        String scope = scope(ctx);
        List<StoredRecord> existing = records.records(KIND, scope);
        java.util.Set<String> names = new java.util.HashSet<>(existing.stream().map(StoredRecord::name).toList());
        int count = names.size();
        for (Map.Entry<String, byte[]> c : changes.entrySet()) {
            boolean had = names.contains(prefix + c.getKey());
            if (c.getValue() == null && had) count--;
            if (c.getValue() != null && !had) count++;
        }
        if (count > ctx.limits().metadataMaxEntries) throw new No("METADATA TOOMANY", "too many metadata entries");
        for (Map.Entry<String, byte[]> c : changes.entrySet()) {
            if (c.getValue() == null) records.deleteRecord(KIND, scope, prefix + c.getKey());
            else records.putRecord(KIND, scope, prefix + c.getKey(), c.getValue(), 0);
        }
        return "SETMETADATA completed";
    }

    /** Removes a deleted mailbox's entries. */
    static void mailboxDeleted(Context ctx, long mailboxId) {
        String prefix = "m" + mailboxId + "/";
        for (StoredRecord rec : ctx.records().records(KIND, scope(ctx))) {
            if (rec.name().startsWith(prefix)) ctx.records().deleteRecord(KIND, rec.scope(), rec.name());
        }
    }

    /** "" for the server, else "m" + the mailbox's id; NO [NONEXISTENT] for a mailbox that does not exist. */
    private static String prefix(Context ctx, String wire) throws No {
        if (wire.isEmpty()) return "";
        String name = MailboxCommands.wireName(ctx, wire);
        if (name.equalsIgnoreCase("INBOX")) name = "INBOX";
        else if (name.length() >= 6 && name.substring(0, 6).equalsIgnoreCase("INBOX/")) name = "INBOX" + name.substring(5);
        String n = name;
        Mailbox box = Namespaces.find(ctx, n).orElseThrow(() -> new No("NONEXISTENT", "no mailbox named " + n));
        return "m" + box.id();
    }

    /** A value as the client sent it: a quoted string when it is short printable ASCII, else a literal (literal8 with NULs). */
    private static void value(Context ctx, byte[] v) throws IOException {
        boolean plain = v.length <= 1000;
        boolean nul = false;
        for (byte b : v) {
            if (b == 0) nul = true;
            if (b < 0x20 || b >= 0x7f) plain = false;
        }
        if (plain) {
            ctx.write(Strings.string(new String(v, StandardCharsets.US_ASCII), false));
            return;
        }
        ctx.write((nul ? "~" : "") + "{" + v.length + "}\r\n");
        ctx.output().write(v);
    }
}
