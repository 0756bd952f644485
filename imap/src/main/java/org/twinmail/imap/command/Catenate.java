package org.twinmail.imap.command;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.mail.mime.Section;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.session.SelectedMailbox;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.mail.url.ImapUrl;

/**
 * APPEND's CATENATE (RFC 4469): the message is put together from TEXT literals and URL parts,
 * each URL naming a message or a section of one in a mailbox the user may read (RFC 5092:
 * {@code /INBOX;UIDVALIDITY=v/;UID=n/;SECTION=1.TEXT}, relative to the selected mailbox
 * {@code ;UID=n}, or {@code imap://user@host/...} for the logged-in user). A URL that cannot
 * be resolved is {@code NO [BADURL url]}; a result over {@code imap.maxLiteralSize} is
 * {@code NO [TOOBIG]}.
 */
final class Catenate {
    private Catenate() {}

    /** Reads {@code "(" cat-part *(SP cat-part) ")"} after CATENATE SP and returns the message. */
    static MessageData read(Context ctx, ArgReader a) throws ImapSyntaxException, No {
        a.open();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long max = ctx.limits().maxLiteralSize.bytes();
        List<String> bad = new ArrayList<>();
        do {
            String kind = a.keyword();
            a.sp();
            byte[] part;
            switch (kind) {
                case "TEXT" -> {
                    if (!a.literalNext()) throw ImapSyntaxException.syntax("CATENATE TEXT takes a literal");
                    try {
                        part = a.literalData().bytes();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                case "URL" -> {
                    String url = a.astring();
                    part = bad.isEmpty() ? resolve(ctx, url, bad) : new byte[0];
                }
                default -> throw ImapSyntaxException.syntax("CATENATE parts are TEXT or URL, not " + kind);
            }
            if (out.size() + (long) part.length > max) throw new No("TOOBIG", "the message would be larger than " + max + " octets");
            out.writeBytes(part);
        } while (a.optionalSp());
        a.close();
        // The whole command is read first (its literals must be), then the first bad URL is reported.
        if (!bad.isEmpty()) throw new No("BADURL " + bad.getFirst(), "the URL names no message this user can read");
        return MessageSpool.of(out.toByteArray());
    }

    /** The octets a URL names; on failure the URL is added to {@code bad} and nothing is returned. */
    private static byte[] resolve(Context ctx, String url, List<String> bad) {
        try {
            return resolve(ctx, url);
        } catch (No | MessageGone e) {
            bad.add(url.replace(']', '_')); // the response code ends at ']'
            return new byte[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resolve(Context ctx, String url) throws No, IOException {
        ImapUrl u = ImapUrl.parse(url).orElseThrow(() -> new No(null, "not an IMAP message URL"));
        if (u.access() != null) throw new No(null, "URLAUTH URLs are not taken by CATENATE");
        if (u.user() != null && !u.user().equalsIgnoreCase(ctx.user().address())) throw new No(null, "another user's URL");
        SelectedMailbox s = ctx.selected();
        Mailbox box;
        if (u.mailbox() == null) {
            if (s == null) throw new No(null, "a relative URL needs a selected mailbox");
            box = Namespaces.find(ctx, s.name()).orElseThrow(() -> new No(null, "no such mailbox"));
        } else {
            String name = u.mailbox();
            if (name.equalsIgnoreCase("INBOX")) name = "INBOX";
            else if (name.length() >= 6 && name.substring(0, 6).equalsIgnoreCase("INBOX/")) name = "INBOX" + name.substring(5);
            box = Namespaces.find(ctx, name).orElseThrow(() -> new No(null, "no such mailbox"));
        }
        if (u.uidValidity() != 0 && u.uidValidity() != box.uidValidity()) throw new No(null, "UIDVALIDITY changed");
        MessageEntry entry = null;
        if (s != null && s.id() == box.id()) {
            entry = s.entry(u.uid());
        } else {
            for (MessageEntry e : ctx.store().messages(box.id())) {
                if (e.uid() == u.uid()) entry = e;
            }
        }
        if (entry == null) throw new No(null, "no such message");
        MimePart m = ctx.message(entry.blobId());
        byte[] content = u.section() == null ? m.data()
                : Section.ofUrl(u.section()).orElseThrow(() -> new No(null, "unsupported section " + u.section())).extract(m);
        if (u.partialStart() >= 0) {
            int from = (int) Math.min(u.partialStart(), content.length);
            int to = u.partialLength() < 0 ? content.length : (int) Math.min(content.length, from + u.partialLength());
            content = java.util.Arrays.copyOfRange(content, from, to);
        }
        return content;
    }

}
