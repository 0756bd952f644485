package org.twinmail.sms.notice;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.address.Mailbox;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.HeaderField;
import org.twinmail.mail.header.MessageIds;
import org.twinmail.mail.mime.MimePart;

/**
 * What a notice says about a message, and what a reply to it needs, read once from the
 * message with the mail library.
 *
 * @param senderName    the From's display name, empty when it has none
 * @param senderAddress the From's address (empty when the message has no readable From)
 * @param replyTo       where a reply goes: the Reply-To's first address, else the From's
 * @param subject       the decoded Subject, empty when absent
 * @param received      when the message was delivered
 * @param summary       the summary ({@link Summary}), at most {@link #SUMMARY_MAX} characters
 * @param messageId     the Message-ID without its angle brackets, empty when absent
 * @param references    the References of a reply to it (identifiers without brackets): the message's References (or its
 *                      In-Reply-To) followed by its Message-ID
 */
public record MailNotice(String senderName, String senderAddress, String replyTo, String subject, Instant received,
                         String summary, String messageId, List<String> references) {
    /** The longest summary kept: more than any notice of a few parts shows. */
    public static final int SUMMARY_MAX = 600;

    public MailNotice {
        references = List.copyOf(references);
    }

    /** The sender as a notice names it: the display name, else the address. */
    public String sender() {
        return senderName.isBlank() ? senderAddress : senderName;
    }

    /** Reads {@code message} (its octets as stored) delivered at {@code received}. */
    public static MailNotice read(byte[] message, Instant received) {
        MimePart part = MimePart.parse(message);
        Header h = part.headerSection();
        Optional<Mailbox> from = h.first("From").flatMap(f -> AddressParser.firstMailbox(f.value()));
        Optional<Mailbox> replyTo = h.first("Reply-To").flatMap(f -> AddressParser.firstMailbox(f.value()));
        String subject = h.first("Subject").map(HeaderField::decoded).map(s -> s.strip()).orElse("");
        String id = h.first("Message-ID").map(f -> MessageIds.parse(f.value())).filter(l -> !l.isEmpty()).map(List::getFirst).orElse("");
        List<String> refs = new java.util.ArrayList<>(h.first("References").map(f -> MessageIds.parse(f.value()))
                .filter(l -> !l.isEmpty())
                .orElseGet(() -> h.first("In-Reply-To").map(f -> MessageIds.parse(f.value())).orElse(List.of())));
        if (!id.isEmpty()) refs.add(id);
        String address = from.map(Mailbox::address).orElse("");
        return new MailNotice(from.flatMap(Mailbox::displayName).orElse("").strip(), address,
                replyTo.map(Mailbox::address).orElse(address), subject, received, Summary.of(part, SUMMARY_MAX), id, refs);
    }
}
