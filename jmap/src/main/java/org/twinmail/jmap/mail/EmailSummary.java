package org.twinmail.jmap.mail;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.twinmail.mail.address.Mailbox;

/**
 * What Email/query sorts and filters by without opening the message again, kept per content
 * address (a body never changes, so a summary never goes stale).
 *
 * @param threadId   the Thread of every message naming the same root Message-ID (the first of
 *                   References, else In-Reply-To, else its own Message-ID)
 * @param searchText by text condition (subject, from, to, cc, bcc): what it searches
 */
public record EmailSummary(String subject, List<Mailbox> from, List<Mailbox> to, List<Mailbox> cc, List<Mailbox> bcc,
                           List<String> messageId, List<String> inReplyTo, List<String> references,
                           OffsetDateTime sentAt, boolean hasAttachment, String preview, String threadId,
                           Map<String, String> searchText) {

    /**
     * The folded strings IMAP SEARCH and the index compare for subject, from, to, cc and bcc
     * ({@code MessageText}), one value per line, computed once with the summary.
     */
    String searchText(String condition) {
        return searchText.getOrDefault(condition, "");
    }


    /** The sort key of an address list (RFC 8621 4.4.2: the first address's display name, else its email). */
    static String sortKey(List<Mailbox> list) {
        if (list.isEmpty()) return "";
        Mailbox m = list.getFirst();
        String s = m.name() != null && !m.name().isBlank() ? m.name() : m.address();
        return s.toLowerCase(Locale.ROOT);
    }

    /** The text of an address list for a from/to/cc/bcc filter: names and addresses. */
    static String searchText(List<Mailbox> list) {
        StringBuilder b = new StringBuilder();
        for (Mailbox m : list) {
            if (m.name() != null) b.append(m.name()).append(' ');
            b.append(m.address()).append(' ');
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }
}
