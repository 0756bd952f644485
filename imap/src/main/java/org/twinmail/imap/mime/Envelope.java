package org.twinmail.imap.mime;

import org.twinmail.mail.mime.MimePart;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.address.Group;
import org.twinmail.mail.address.Mailbox;

/**
 * ENVELOPE (RFC 9051 7.5.2): date, subject, from, sender, reply-to, to, cc, bcc,
 * in-reply-to, message-id, as they appear in the header (encoded words are left
 * encoded, as the RFC requires). Sender and Reply-To default to From. Addresses are parsed by
 * the mail library's {@link AddressParser}; a trailing comment is the display name of an address
 * without a phrase ({@code a@b (Real Name)}), and a source route goes into the route field.
 */
public final class Envelope {
    private Envelope() {}

    public static String of(MimePart message) {
        StringBuilder b = new StringBuilder(256).append('(');
        b.append(BodyStructure.n(message.header("Date"))).append(' ');
        b.append(BodyStructure.n(message.header("Subject"))).append(' ');
        String from = addresses(message.header("From"));
        b.append(from).append(' ');
        String sender = addresses(message.header("Sender"));
        b.append(sender.equals("NIL") ? from : sender).append(' ');
        String replyTo = addresses(message.header("Reply-To"));
        b.append(replyTo.equals("NIL") ? from : replyTo).append(' ');
        b.append(addresses(message.header("To"))).append(' ');
        b.append(addresses(message.header("Cc"))).append(' ');
        b.append(addresses(message.header("Bcc"))).append(' ');
        b.append(BodyStructure.n(message.header("In-Reply-To"))).append(' ');
        b.append(BodyStructure.n(message.header("Message-ID")));
        return b.append(')').toString();
    }

    /**
     * One address structure of ENVELOPE (RFC 9051 7.5.2): display name (encoded words as written;
     * may be null), source route (may be null), local part, domain (may be null). Group markers
     * use nulls: the start has the group's name as mailbox, the end is all null.
     */
    public record Address(String name, String route, String mailbox, String host) { }

    static String addresses(String header) {
        if (header == null || header.isBlank()) return "NIL";
        List<Address> list = parse(header);
        if (list.isEmpty()) return "NIL";
        StringBuilder b = new StringBuilder("(");
        for (Address a : list) {
            b.append('(').append(BodyStructure.n(a.name())).append(' ').append(BodyStructure.n(a.route())).append(' ')
                    .append(BodyStructure.n(a.mailbox())).append(' ').append(BodyStructure.n(a.host())).append(')');
        }
        return b.append(')').toString();
    }

    /** A field's addresses in ENVELOPE's flat form (the mail library parses; this only lays them out). */
    public static List<Address> parse(String header) {
        List<Address> out = new ArrayList<>();
        for (org.twinmail.mail.address.Address a : AddressParser.parse(header).addresses()) {
            switch (a) {
                case Mailbox m -> out.add(of(m));
                case Group g -> {
                    out.add(new Address(null, null, g.rawName(), null));
                    for (Mailbox m : g.members()) out.add(of(m));
                    out.add(new Address(null, null, null, null));
                }
            }
        }
        return out;
    }

    private static Address of(Mailbox m) {
        return new Address(m.rawName(), m.route(), m.localPart(), m.domain());
    }
}
