package org.twinmail.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.SpecialUse;

/**
 * One accepted message: for local accounts, for remote recipients through the outbound queue,
 * or both. {@link Mailboxes#deliver} commits both parts in one transaction.
 *
 * <p>Each local recipient says where its copy goes and how it looks ({@link Recipient}): the
 * mailbox (INBOX unless said otherwise), the flags and keywords it starts with, and header
 * fields prepended for that recipient only. Recipients with the same header fields (in the
 * common case: none) share one stored body; a recipient with header fields of its own gets a
 * body of its own. The outbound part always gets {@code content} as it is.
 *
 * @param content      the message as it will be stored (Return-Path and Received already prepended)
 * @param internalDate the arrival time (IMAP INTERNALDATE, and the queue's arrival time)
 * @param recipients   local recipients, each account and target mailbox once (the first entry counts):
 *                     an account gets several copies only in different mailboxes (a Sieve script's
 *                     {@code fileinto :copy}); may be empty when {@code outbound} is given
 * @param outbound     the remote recipients, or null for none
 * @param redirects    copies queued for remote addresses with an envelope sender of their own
 *                     (a Sieve redirect or an account's forwarding, with the SRS sender), each
 *                     its own queued message with header fields prepended; may be empty
 */
public record Delivery(MessageData content, Instant internalDate, List<Recipient> recipients, Outbound outbound,
                       List<Redirect> redirects) {

    public Delivery {
        record Target(long accountId, String mailbox, SpecialUse specialUse) { }
        Map<Target, Recipient> byTarget = new LinkedHashMap<>();
        for (Recipient r : recipients) {
            Objects.requireNonNull(r, "recipient");
            // INBOX by name is INBOX (RFC 3501 5.1: case-insensitive)
            String box = r.mailbox() == null || r.mailbox().equalsIgnoreCase("INBOX") ? null : r.mailbox();
            byTarget.putIfAbsent(new Target(r.accountId(), box, box == null ? r.specialUse() : null), r);
        }
        recipients = List.copyOf(byTarget.values());
        redirects = List.copyOf(redirects);
        if (recipients.isEmpty() && outbound == null && redirects.isEmpty()) {
            throw new IllegalArgumentException("a delivery needs at least one recipient");
        }
    }

    /** Local recipients and remote ones as the client sent them, no redirects. */
    public Delivery(MessageData content, Instant internalDate, List<Recipient> recipients, Outbound outbound) {
        this(content, internalDate, recipients, outbound, List.of());
    }

    /**
     * A copy queued for remote delivery with its own envelope: {@code outbound}'s sender and
     * recipients, and {@code headerFields} prepended (as {@link Recipient#headerFields()}), with
     * {@code rewrite} (may be null) in place of the content's header section (as {@link Recipient#rewrite()}).
     */
    public record Redirect(Outbound outbound, List<String> headerFields, HeaderRewrite rewrite) {
        public Redirect {
            Objects.requireNonNull(outbound, "outbound");
            headerFields = List.copyOf(headerFields);
            for (String field : headerFields) Recipient.checkHeaderField(field);
        }

        public Redirect(Outbound outbound, List<String> headerFields) {
            this(outbound, headerFields, null);
        }
    }

    /**
     * One recipient's header section in place of the content's: the copy is {@code header}
     * followed by the content from octet {@code bodyOffset} on (the blank line that ends the
     * original header section, and the body). What Sieve's editheader (RFC 5293) made of the
     * header: the original fields kept are copied as they were written, octet for octet.
     *
     * @param header     whole header fields, each ending with its line break (CRLF; an original
     *                   field's own line break is kept as it was)
     * @param bodyOffset where the content's header section ends (its blank line), at most its size
     */
    public record HeaderRewrite(byte[] header, long bodyOffset) {
        public HeaderRewrite {
            header = header.clone();
            if (bodyOffset < 0) throw new IllegalArgumentException("negative body offset");
            if (header.length > 0 && header[header.length - 1] != '\n') throw new IllegalArgumentException("a header rewrite ends with a line break");
            for (byte b : header) if (b == 0) throw new IllegalArgumentException("NUL in a header rewrite");
        }

        @Override
        public byte[] header() {
            return header.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof HeaderRewrite r && bodyOffset == r.bodyOffset && java.util.Arrays.equals(header, r.header);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(header) * 31 + Long.hashCode(bodyOffset);
        }

        @Override
        public String toString() {
            return "HeaderRewrite[" + header.length + " octets, body at " + bodyOffset + "]";
        }
    }

    /** Every account gets the message in its INBOX, unflagged and unchanged; plus the remote part, if any. */
    public Delivery(List<Long> accountIds, MessageData content, Instant internalDate, Outbound outbound) {
        this(content, internalDate, accountIds.stream().map(Recipient::inbox).toList(), outbound);
    }

    /** A purely local delivery into the INBOX of each account. */
    public Delivery(List<Long> accountIds, MessageData content, Instant internalDate) {
        this(accountIds, content, internalDate, null);
    }

    /** The local recipients' accounts, in order. */
    public List<Long> accountIds() {
        return recipients.stream().map(Recipient::accountId).toList();
    }

    /**
     * Where and how one local recipient gets the message.
     *
     * @param accountId    the account
     * @param mailbox      the target mailbox by name, or null; a name that does not exist (any more) means INBOX
     * @param specialUse   the target mailbox by special use (Junk, say) when {@code mailbox} is null, or null
     *                     for INBOX; an account without such a mailbox gets it in INBOX
     * @param flags        flags and keywords set on the new entry (IMAP atoms: {@code \Seen}, {@code $Junk})
     * @param headerFields header fields prepended to this recipient's copy, in order, each a whole field
     *                     without its final CRLF ({@code "Authentication-Results: mx.example; spf=pass"});
     *                     folded lines are joined with CRLF followed by a space or tab
     * @param rewrite      this recipient's header section in place of the content's (a Sieve
     *                     editheader), below {@code headerFields}; null: the content's as it is
     */
    public record Recipient(long accountId, String mailbox, SpecialUse specialUse, Set<String> flags, List<String> headerFields,
                            HeaderRewrite rewrite) {
        /** Longest header line accepted, in characters (RFC 5322 2.1.1). */
        public static final int MAX_HEADER_LINE = 998;

        public Recipient {
            if (accountId <= 0) throw new IllegalArgumentException("account id must be positive, not " + accountId);
            if (mailbox != null && mailbox.isEmpty()) throw new IllegalArgumentException("empty target mailbox name");
            flags = Set.copyOf(flags);
            headerFields = List.copyOf(headerFields);
            for (String field : headerFields) checkHeaderField(field);
        }

        public Recipient(long accountId, String mailbox, SpecialUse specialUse, Set<String> flags, List<String> headerFields) {
            this(accountId, mailbox, specialUse, flags, headerFields, null);
        }

        /** The same, with its header section rewritten. */
        public Recipient withRewrite(HeaderRewrite newRewrite) {
            return new Recipient(accountId, mailbox, specialUse, flags, headerFields, newRewrite);
        }

        /** Whether this copy is the content as it is (no fields of its own, no rewrite). */
        public boolean plainContent() {
            return headerFields.isEmpty() && rewrite == null;
        }

        /** Into INBOX, no flags, content unchanged. */
        public static Recipient inbox(long accountId) {
            return new Recipient(accountId, null, null, Set.of(), List.of());
        }

        /** The same, into the account's mailbox with special use {@code use} (INBOX if it has none). */
        public Recipient into(SpecialUse use) {
            return new Recipient(accountId, null, use, flags, headerFields, rewrite);
        }

        /** The same, into the mailbox named {@code name} (INBOX if there is none). */
        public Recipient intoMailbox(String name) {
            return new Recipient(accountId, Objects.requireNonNull(name, "name"), null, flags, headerFields, rewrite);
        }

        /** The same, with these flags and keywords. */
        public Recipient withFlags(Set<String> newFlags) {
            return new Recipient(accountId, mailbox, specialUse, newFlags, headerFields, rewrite);
        }

        /** The same, with these header fields prepended (after any given before). */
        public Recipient withHeaderFields(List<String> fields) {
            List<String> all = new ArrayList<>(headerFields);
            all.addAll(fields);
            return new Recipient(accountId, mailbox, specialUse, flags, all, rewrite);
        }

        /**
         * A field name of printable ASCII other than ':' , a colon, and a body without NUL, bare CR
         * or bare LF; a line break only as CRLF followed by a space or tab (folding), and no line
         * longer than {@link #MAX_HEADER_LINE}. UTF-8 in the body is allowed (RFC 6532).
         */
        static void checkHeaderField(String field) {
            Objects.requireNonNull(field, "header field");
            int colon = field.indexOf(':');
            if (colon < 1) throw new IllegalArgumentException("not a header field: " + Printable.of(field));
            for (int i = 0; i < colon; i++) {
                char c = field.charAt(i);
                if (c < 33 || c > 126) throw new IllegalArgumentException("bad header field name: " + Printable.of(field));
            }
            int line = 0;
            for (int i = 0; i < field.length(); i++) {
                char c = field.charAt(i);
                if (c == '\r') {
                    boolean folded = i + 2 < field.length() && field.charAt(i + 1) == '\n'
                            && (field.charAt(i + 2) == ' ' || field.charAt(i + 2) == '\t');
                    if (!folded) throw new IllegalArgumentException("header field with a line break that is not folding: " + Printable.of(field));
                    i++;
                    line = 0;
                    continue;
                }
                if (c == '\n' || c == 0) throw new IllegalArgumentException("header field with a bare LF or NUL: " + Printable.of(field));
                if (++line > MAX_HEADER_LINE) throw new IllegalArgumentException("header line longer than " + MAX_HEADER_LINE + " characters");
            }
        }
    }
}
