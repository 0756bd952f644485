package org.twinmail.sieve.run;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.address.Mailbox;

/**
 * When an automatic reply must not be sent (RFC 5230 4.5-4.6, RFC 3834 2): the one set of
 * rules for Sieve's vacation and every other automatic reply of the server (JMAP's
 * VacationResponse). Never to the null sender, to lists or daemons ({@code owner-*},
 * {@code *-request}, MAILER-DAEMON, LISTSERV, majordomo), to mail that is itself automatic
 * ({@code Auto-Submitted} other than {@code no}), bulk ({@code Precedence: bulk|list|junk}) or
 * from a list (any {@code List-*} field), to ourselves, nor to mail that does not name one of
 * our addresses in To, Cc, Bcc or Resent-*.
 */
public final class AutoReplyRules {
    private static final Set<String> LIST_FIELDS = Set.of("list-id", "list-help", "list-subscribe", "list-unsubscribe",
            "list-post", "list-owner", "list-archive");
    private static final Set<String> RECIPIENT_FIELDS = Set.of("to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc");

    private AutoReplyRules() {
    }

    /**
     * Why no reply may go to {@code sender} for a message with these header fields, or null when one may.
     *
     * @param sender the envelope sender ("" for the null sender)
     * @param ours   the recipient's own addresses (any case)
     */
    public static String suppressed(String sender, List<SieveMessage.Field> header, Collection<String> ours) {
        if (sender.isEmpty()) return "null sender";
        String local = sender.contains("@") ? sender.substring(0, sender.lastIndexOf('@')).toLowerCase(Locale.ROOT) : sender.toLowerCase(Locale.ROOT);
        if (local.startsWith("owner-") || local.endsWith("-request") || local.equals("mailer-daemon") || local.equals("listserv")
                || local.equals("majordomo")) {
            return "sender " + sender + " is a list or a daemon";
        }
        for (SieveMessage.Field f : header) {
            String name = f.name().toLowerCase(Locale.ROOT);
            if (name.equals("auto-submitted") && !f.value().strip().toLowerCase(Locale.ROOT).startsWith("no")) {
                return "Auto-Submitted: " + f.value().strip();
            }
            if (name.equals("precedence")) {
                String p = f.value().strip().toLowerCase(Locale.ROOT);
                if (p.equals("bulk") || p.equals("list") || p.equals("junk")) return "Precedence: " + p;
            }
            if (LIST_FIELDS.contains(name)) return f.name() + " present";
        }
        Set<String> mine = new HashSet<>();
        for (String s : ours) mine.add(s.toLowerCase(Locale.ROOT).strip());
        if (mine.contains(sender.toLowerCase(Locale.ROOT))) return "sent by ourselves";
        for (SieveMessage.Field f : header) {
            if (!RECIPIENT_FIELDS.contains(f.name().toLowerCase(Locale.ROOT))) continue;
            for (Mailbox m : AddressParser.parse(f.value()).mailboxes()) if (mine.contains(m.address().toLowerCase(Locale.ROOT))) return null;
        }
        return "none of our addresses in To, Cc or Bcc";
    }
}
