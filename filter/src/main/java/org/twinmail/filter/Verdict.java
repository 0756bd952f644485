package org.twinmail.filter;

import java.util.List;
import java.util.Set;
import org.twinmail.core.model.SpecialUse;

/**
 * What a check says about one stage of a conversation. Every verdict carries a {@code reason},
 * a short lower-case token ({@code relay_denied}, {@code unknown_user}, {@code spf_fail}) that
 * goes into the session's log line and is the {@code reason} tag of the metrics.
 *
 * <ul>
 *   <li>{@link Continue}: no objection; the next check of the stage runs.</li>
 *   <li>{@link Accept}: the stage passes and its remaining checks are skipped (an allow-list).</li>
 *   <li>{@link Reject} (5xx) and {@link Tempfail} (4xx): the command is refused with this reply;
 *       the remaining checks are skipped.</li>
 *   <li>{@link AddHeaders}: prepend header fields to the stored message, then continue.</li>
 *   <li>{@link FileInto}: deliver into this mailbox (by name, or by special use such as Junk)
 *       with these flags instead of INBOX, then continue; at RCPT for that recipient's accounts,
 *       elsewhere for the accounts named (all local accounts when none are).</li>
 *   <li>{@link Drop}: no copy for the accounts named (their own Sieve discard), then continue.</li>
 *   <li>{@link Quarantine}: accept the message but hold it instead of delivering it; the
 *       remaining checks of the stage are skipped.</li>
 *   <li>{@link Effects}: several header and filing verdicts at once (a DATA check that files
 *       some recipients into Junk and not others), then continue.</li>
 * </ul>
 */
public sealed interface Verdict {

    /** The token for logs and metric tags: lower case, digits and underscores. */
    String reason();

    /** The verdict of a check with nothing to say. */
    Continue CONTINUE = new Continue("ok");

    static Continue proceed() {
        return CONTINUE;
    }

    static Accept accept(String reason) {
        return new Accept(reason);
    }

    static Reject reject(int code, String status, String text, String reason) {
        return new Reject(code, status, text, reason, false);
    }

    static Tempfail tempfail(int code, String status, String text, String reason) {
        return new Tempfail(code, status, text, reason, false);
    }

    static AddHeaders addHeaders(String reason, HeaderField... fields) {
        return new AddHeaders(List.of(fields), List.of(), reason);
    }

    /** Into the mailbox of this name (INBOX for an account that has none). */
    static FileInto fileInto(String mailbox, Set<String> flags, String reason) {
        return new FileInto(mailbox, null, flags, List.of(), reason);
    }

    /** Into the account's mailbox with this special use, whatever its name (INBOX for an account that has none). */
    static FileInto fileInto(SpecialUse use, Set<String> flags, String reason) {
        return new FileInto(null, use, flags, List.of(), reason);
    }

    static Quarantine quarantine(String reason) {
        return new Quarantine(reason);
    }

    static Effects effects(Effect... effects) {
        return new Effects(List.of(effects));
    }

    /** A verdict that only adds to the delivery: header fields or filing. */
    sealed interface Effect extends Verdict permits AddHeaders, FileInto, CopyInto, Drop, Redirect, RewriteHeader { }

    /**
     * One account's header section in place of the message's (its Sieve editheader, RFC 5293):
     * {@code header} (whole fields, each with its line break) followed by the message from octet
     * {@code bodyOffset} on (the blank line that ends its header, and the body). Fields other
     * checks prepend still go above it.
     */
    record RewriteHeader(long accountId, byte[] header, long bodyOffset, String reason) implements Effect {
        public RewriteHeader {
            header = header.clone();
            if (bodyOffset < 0) throw new IllegalArgumentException("negative body offset");
            checkReason(reason);
        }

        @Override
        public byte[] header() {
            return header.clone();
        }
    }

    /**
     * No copy for these accounts: their own filter (a Sieve {@code discard}) asked for none. The
     * transaction still succeeds; the other recipients are not affected.
     */
    record Drop(List<Long> accountIds, String reason) implements Effect {
        public Drop {
            accountIds = List.copyOf(accountIds);
            if (accountIds.isEmpty()) throw new IllegalArgumentException("Drop names its accounts");
            checkReason(reason);
        }
    }

    /**
     * A copy of the message for other addresses on behalf of one account (its Sieve redirect, its
     * forwarding): the remote ones through the outbound queue under {@code sender} (the SRS
     * address, or "" for a message that came with the null sender), the local accounts into their
     * INBOX; {@code fields} prepended to those copies only (Delivered-To, for loop detection).
     * The account's own copy is decided by the other effects (a Drop when it keeps none).
     */
    record Redirect(long accountId, String sender, List<org.twinmail.core.mail.EmailAddress> remote, List<Long> localAccounts,
                    List<HeaderField> fields, String reason) implements Effect {
        public Redirect {
            remote = List.copyOf(remote);
            localAccounts = List.copyOf(localAccounts);
            fields = List.copyOf(fields);
            if (sender == null) throw new IllegalArgumentException("the null sender is \"\"");
            if (remote.isEmpty() && localAccounts.isEmpty()) throw new IllegalArgumentException("Redirect names its targets");
            checkReason(reason);
        }
    }

    record Continue(String reason) implements Verdict {
        public Continue {
            checkReason(reason);
        }
    }

    record Accept(String reason) implements Verdict {
        public Accept {
            checkReason(reason);
        }
    }

    /** A refusal: the reply the client gets (RFC 5321 code, RFC 3463 enhanced status, one text line). */
    sealed interface Refusal extends Verdict permits Reject, Tempfail {
        int code();

        String status();

        String text();

        /**
         * True for a refusal the client is expected to act on rather than a client error (the
         * 452 for recipients beyond the limit): it does not count toward {@code smtp.maxErrors}.
         */
        boolean exemptFromErrorLimit();
    }

    /** A permanent refusal: 5yz with a 5.x.y status. */
    record Reject(int code, String status, String text, String reason, boolean exemptFromErrorLimit) implements Refusal {
        public Reject {
            checkReply(code, status, text, 5);
            checkReason(reason);
        }

        public Reject exempt() {
            return new Reject(code, status, text, reason, true);
        }
    }

    /** A temporary refusal: 4yz with a 4.x.y status; the client tries again later. */
    record Tempfail(int code, String status, String text, String reason, boolean exemptFromErrorLimit) implements Refusal {
        public Tempfail {
            checkReply(code, status, text, 4);
            checkReason(reason);
        }

        public Tempfail exempt() {
            return new Tempfail(code, status, text, reason, true);
        }
    }

    /**
     * Header fields to prepend to the stored message, above our trace fields.
     *
     * @param accountIds the accounts whose copy gets them; empty for the stage's own scope
     *                   (the recipient at RCPT, every local account elsewhere)
     */
    record AddHeaders(List<HeaderField> fields, List<Long> accountIds, String reason) implements Effect {
        public AddHeaders {
            fields = List.copyOf(fields);
            accountIds = List.copyOf(accountIds);
            if (fields.isEmpty()) throw new IllegalArgumentException("AddHeaders needs a field");
            checkReason(reason);
        }
    }

    /**
     * Deliver into {@code mailbox}, or the mailbox with special use {@code specialUse} (one of
     * the two), with {@code flags} (system flags such as {@code \Seen} and keywords such as
     * {@code $Junk}) instead of INBOX. An account without that mailbox gets the message in INBOX
     * (every account has the special-use mailboxes from its creation).
     *
     * @param accountIds as in {@link AddHeaders}
     */
    record FileInto(String mailbox, SpecialUse specialUse, Set<String> flags, List<Long> accountIds, String reason) implements Effect {
        public FileInto {
            if ((mailbox == null) == (specialUse == null)) throw new IllegalArgumentException("FileInto needs a mailbox name or a special use");
            if (mailbox != null && mailbox.isBlank()) throw new IllegalArgumentException("FileInto needs a mailbox name");
            flags = Set.copyOf(flags);
            accountIds = List.copyOf(accountIds);
            checkReason(reason);
        }

        /** The same filing, for these accounts only (a DATA check that files per recipient). */
        public FileInto forAccounts(List<Long> ids) {
            return new FileInto(mailbox, specialUse, flags, ids, reason);
        }
    }

    /**
     * One more copy for one account, in {@code mailbox} with {@code flags}, beside the copy its
     * filing decides (a Sieve script that files into several mailboxes: {@code fileinto :copy},
     * RFC 3894, or {@code keep} and {@code fileinto} together, RFC 5228 4.1). It carries the same
     * header fields and header rewrite as the account's other copy; a quarantine or a drop of the
     * account leaves it out. A mailbox that does not exist means INBOX.
     */
    record CopyInto(String mailbox, Set<String> flags, long accountId, String reason) implements Effect {
        public CopyInto {
            if (mailbox == null || mailbox.isBlank()) throw new IllegalArgumentException("CopyInto needs a mailbox name");
            flags = Set.copyOf(flags);
            checkReason(reason);
        }
    }

    /**
     * Several effects from one check, applied in order (each counted and logged with its own
     * reason); the reason of the whole is the first one's.
     */
    record Effects(List<Effect> effects) implements Verdict {
        public Effects {
            effects = List.copyOf(effects);
            if (effects.isEmpty()) throw new IllegalArgumentException("Effects needs at least one effect");
        }

        @Override
        public String reason() {
            return effects.getFirst().reason();
        }
    }

    /**
     * {@code verdict} with a detail for the session's log line, after its reason:
     * {@code data/content/content_junk[7.2:MISSING_DATE+URL_BARE_IP]}. The detail keeps only
     * letters, digits and {@code . _ : + = -} (at most 200 characters). A {@link Continue}
     * with a reason of its own (not {@link #CONTINUE}) is noted and counted too.
     */
    record Explained(Verdict verdict, String detail) implements Verdict {
        public Explained {
            if (verdict instanceof Explained) throw new IllegalArgumentException("already explained");
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < detail.length() && b.length() < 200; i++) {
                char c = detail.charAt(i);
                b.append(c < 128 && (Character.isLetterOrDigit(c) || "._:+=-".indexOf(c) >= 0) ? c : '_');
            }
            detail = b.toString();
        }

        @Override
        public String reason() {
            return verdict.reason();
        }
    }

    /** {@code verdict} with {@code detail} in the session's log line ({@link Explained}). */
    static Explained explained(Verdict verdict, String detail) {
        return new Explained(verdict, detail);
    }

    /** Nothing to do, but a reason to note and count (a score below every threshold): {@link Continue}. */
    static Continue noted(String reason) {
        return new Continue(reason);
    }

    /** Accept the message and hold it instead of delivering it. */
    record Quarantine(String reason) implements Verdict {
        public Quarantine {
            checkReason(reason);
        }
    }

    private static void checkReason(String reason) {
        if (reason == null || reason.isEmpty() || reason.length() > 64) throw new IllegalArgumentException("a verdict needs a short reason");
        for (int i = 0; i < reason.length(); i++) {
            char c = reason.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_')) {
                throw new IllegalArgumentException("a reason is lower case, digits and '_': " + reason);
            }
        }
    }

    private static void checkReply(int code, String status, String text, int klass) {
        if (code / 100 != klass || code % 100 > 59) throw new IllegalArgumentException("reply code " + code + " is not " + klass + "yz");
        if (status == null || !status.matches(klass + "\\.\\d{1,3}\\.\\d{1,3}")) {
            throw new IllegalArgumentException("enhanced status " + status + " does not match " + code);
        }
        if (text == null || text.isEmpty() || text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("reply text must be one line");
        }
    }
}
