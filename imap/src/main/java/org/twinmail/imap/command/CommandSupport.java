package org.twinmail.imap.command;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.protocol.SequenceSet;
import org.twinmail.imap.session.SelectedMailbox;

/** Helpers several commands share. */
final class CommandSupport {
    private CommandSupport() {}

    /**
     * The UIDs a sequence set names in the selected mailbox: sequence numbers, or with
     * {@code uid} UIDs (those not present are skipped, RFC 9051 6.4.9). A sequence number
     * beyond the mailbox is an error for the caller to report; here it is simply absent.
     */
    static List<Long> uids(Context ctx, SequenceSet set, boolean uid) throws ImapSyntaxException {
        SelectedMailbox s = ctx.selected();
        if (set.isSaved()) {
            // RFC 5182: "$" is the saved result (UIDs), for UID and sequence-number commands alike.
            List<Long> out = new ArrayList<>();
            for (long u : ctx.savedUids()) if (s.msn(u) != 0) out.add(u);
            return out;
        }
        if (uid) {
            // "*" is the highest UID in use; with an empty mailbox "n:*" matches nothing.
            List<Long> present = s.uids();
            List<Long> out = new ArrayList<>();
            if (present.isEmpty()) return out;
            long star = present.getLast();
            for (long u : present) if (set.contains(u, star)) out.add(u);
            return out;
        }
        TreeSet<Long> out = new TreeSet<>();
        long star = s.size();
        for (SequenceSet.Range r : set.ranges()) {
            long a = r.from() == SequenceSet.STAR ? star : r.from();
            long b = r.to() == SequenceSet.STAR ? star : r.to();
            // RFC 9051 9: a sequence number above the number of messages is invalid (Dovecot: BAD).
            if (Math.max(a, b) > star) throw ImapSyntaxException.syntax("invalid message sequence number (there are " + star + " messages)");
            for (long n = Math.min(a, b); n <= Math.max(a, b); n++) out.add(s.uidAt((int) n));
        }
        return new ArrayList<>(out);
    }

    /**
     * MESSAGELIMIT (RFC 9738): the UIDs a command may work on. More than {@code imap.messageLimit}
     * by sequence number: {@code NO [LIMIT]}, nothing done; in a UID command, the lowest UIDs up to
     * the limit (the caller answers {@code OK [LIMIT]}, see {@link #completed}).
     */
    static List<Long> withinLimit(Context ctx, Request r, List<Long> uids) throws No {
        int limit = ctx.limits().messageLimit;
        if (uids.size() <= limit) return uids;
        if (!r.uid()) throw new No("LIMIT", "at most " + limit + " messages in one command (MESSAGELIMIT)");
        return List.copyOf(new TreeSet<>(uids).stream().limit(limit).toList());
    }

    /** The tagged OK's text, with {@code [LIMIT]} when {@link #withinLimit} left messages out. */
    static String completed(Context ctx, Request r, int asked, int done) {
        if (asked <= done) return r.display() + " completed";
        return "[LIMIT] " + r.display() + " completed for the lowest " + done + " UIDs of " + asked + " (MESSAGELIMIT)";
    }
}
