package org.twinmail.filter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.store.Delivery;
import org.twinmail.store.Outbound;

/**
 * What the verdicts of a transaction ask of its delivery, account by account: header fields
 * to prepend, the mailbox and flags to file into, or holding the message in quarantine.
 * The session applies every stage's {@link Decision} to the transaction's disposition and
 * hands its {@link #deliveries} (each account's copies, the redirects) to the store's {@link Delivery}.
 *
 * <p>Header fields accumulate in the order they were given. For the mailbox, the last filing
 * verdict for an account wins, and quarantine wins over any filing.
 *
 * <p>Quarantine, until the administrator's quarantine exists (with release and delete): each
 * local copy goes into the recipient's Junk mailbox with the keyword {@value #QUARANTINED},
 * and a quarantined message is never relayed (the session refuses one with remote recipients).
 */
public final class Disposition {
    /** The keyword of a quarantined copy. */
    public static final String QUARANTINED = "$Quarantined";

    private final List<HeaderField> everyone = new ArrayList<>();
    private final Map<Long, List<HeaderField>> perAccount = new HashMap<>();
    private Verdict.FileInto everyoneFiling;
    private final Map<Long, Verdict.FileInto> perAccountFiling = new HashMap<>();
    private String quarantine;
    private final java.util.Set<Long> dropped = new java.util.HashSet<>();
    private final List<Verdict.Redirect> redirects = new ArrayList<>();
    private final Map<Long, Verdict.RewriteHeader> rewrites = new HashMap<>();
    private final Map<Long, List<Verdict.CopyInto>> copies = new HashMap<>();

    public Disposition() {
    }

    /** A disposition that starts with what {@code base} holds (the session's connect and HELO verdicts). */
    public Disposition(Disposition base) {
        everyone.addAll(base.everyone);
        base.perAccount.forEach((k, v) -> perAccount.put(k, new ArrayList<>(v)));
        everyoneFiling = base.everyoneFiling;
        perAccountFiling.putAll(base.perAccountFiling);
        quarantine = base.quarantine;
        dropped.addAll(base.dropped);
        redirects.addAll(base.redirects);
        rewrites.putAll(base.rewrites);
        base.copies.forEach((k, v) -> copies.put(k, new ArrayList<>(v)));
    }

    /** The copies redirected or forwarded on behalf of the recipients, in order. */
    public List<Verdict.Redirect> redirects() {
        return List.copyOf(redirects);
    }

    /** Whether this account gets no copy (its own filter discarded the message). */
    public boolean dropped(long accountId) {
        return dropped.contains(accountId);
    }

    /**
     * Takes a stage's effects (and its quarantine).
     *
     * @param scope the accounts a verdict without accounts of its own applies to: the recipient's
     *              at RCPT; empty elsewhere, meaning every local account of the message
     */
    public void apply(Decision decision, List<Long> scope) {
        for (Verdict.Effect v : decision.effects()) {
            switch (v) {
                case Verdict.AddHeaders h -> {
                    List<Long> ids = h.accountIds().isEmpty() ? scope : h.accountIds();
                    if (ids.isEmpty()) everyone.addAll(h.fields());
                    else for (long id : ids) perAccount.computeIfAbsent(id, k -> new ArrayList<>()).addAll(h.fields());
                }
                case Verdict.Drop d -> dropped.addAll(d.accountIds());
                case Verdict.Redirect r -> redirects.add(r);
                case Verdict.RewriteHeader h -> rewrites.put(h.accountId(), h);
                case Verdict.CopyInto c -> copies.computeIfAbsent(c.accountId(), k -> new ArrayList<>()).add(c);
                case Verdict.FileInto f -> {
                    List<Long> ids = f.accountIds().isEmpty() ? scope : f.accountIds();
                    if (ids.isEmpty()) {
                        everyoneFiling = f;
                        perAccountFiling.clear();
                    } else {
                        for (long id : ids) perAccountFiling.put(id, f);
                    }
                }
            }
        }
        if (decision.verdict() instanceof Verdict.Quarantine q && quarantine == null) quarantine = q.reason();
    }

    /** The header fields to prepend to this account's copy, in order. */
    public List<HeaderField> headers(long accountId) {
        List<HeaderField> own = perAccount.get(accountId);
        if (own == null) return List.copyOf(everyone);
        List<HeaderField> all = new ArrayList<>(everyone);
        all.addAll(own);
        return all;
    }

    /** This account's header section after its Sieve editheader, or null: its redirected copies carry it too (RFC 5293). */
    public Delivery.HeaderRewrite rewrite(long accountId) {
        Verdict.RewriteHeader h = rewrites.get(accountId);
        return h == null ? null : new Delivery.HeaderRewrite(h.header(), h.bodyOffset());
    }

    /** Where and how this account's copy is delivered. */
    public Delivery.Recipient recipient(long accountId) {
        Delivery.Recipient r = Delivery.Recipient.inbox(accountId);
        Verdict.FileInto f = filing(accountId);
        if (quarantine != null) {
            Set<String> flags = f == null ? Set.of(QUARANTINED)
                    : Stream.concat(f.flags().stream(), Stream.of(QUARANTINED)).collect(Collectors.toSet());
            r = r.into(SpecialUse.JUNK).withFlags(flags);
        } else if (f != null) {
            r = (f.specialUse() != null ? r.into(f.specialUse()) : r.intoMailbox(f.mailbox())).withFlags(f.flags());
        }
        List<HeaderField> fields = headers(accountId);
        if (!fields.isEmpty()) r = r.withHeaderFields(fields.stream().map(HeaderField::text).toList());
        Delivery.HeaderRewrite h = rewrite(accountId);
        return h == null ? r : r.withRewrite(h);
    }

    /**
     * Every copy this account gets: none when it was dropped, else its {@link #recipient} and, unless
     * the message is quarantined, one more per {@link Verdict.CopyInto} (same header fields and rewrite).
     */
    public List<Delivery.Recipient> copies(long accountId) {
        if (dropped(accountId)) return List.of();
        Delivery.Recipient main = recipient(accountId);
        List<Verdict.CopyInto> more = copies.get(accountId);
        if (more == null || quarantine != null) return List.of(main);
        List<Delivery.Recipient> all = new ArrayList<>(1 + more.size());
        all.add(main);
        for (Verdict.CopyInto c : more) {
            all.add(new Delivery.Recipient(accountId, c.mailbox(), null, c.flags(), main.headerFields(), main.rewrite()));
        }
        return all;
    }

    /**
     * What a message's delivery holds for these local accounts, as every way in stores it (SMTP's
     * DATA, JMAP's and SMS's submissions): each account's {@link #copies}, and the copies the
     * recipients' own filters redirected or forwarded: remote ones queued under their own (SRS)
     * sender, local ones into the target's INBOX unless that account has a copy already (the store
     * keeps one per account and mailbox). None of the redirects when the message is quarantined (held
     * mail is never relayed, and its copies go to Junk). Empty when every recipient's filter discarded the message.
     *
     * @param smtputf8     whether the redirected copies need SMTPUTF8 (as the message's own outbound)
     * @param eightBitMime whether they are sent as 8BITMIME
     */
    public Deliveries deliveries(List<Long> accountIds, boolean smtputf8, boolean eightBitMime) {
        List<Delivery.Recipient> all = new ArrayList<>(accountIds.stream().flatMap(id -> copies(id).stream()).toList());
        List<Delivery.Redirect> out = new ArrayList<>();
        for (Verdict.Redirect r : quarantine == null ? redirects : List.<Verdict.Redirect>of()) {
            List<String> fields = r.fields().stream().map(HeaderField::text).toList();
            // a Sieve redirect carries its script's editheader changes (RFC 5293); a forwarding the original
            Delivery.HeaderRewrite edited = r.reason().startsWith("sieve") ? rewrite(r.accountId()) : null;
            if (!r.remote().isEmpty()) {
                out.add(new Delivery.Redirect(new Outbound(r.sender(), r.remote(), smtputf8, eightBitMime), fields, edited));
            }
            for (long id : r.localAccounts()) {
                if (all.stream().noneMatch(c -> c.accountId() == id)) all.add(Delivery.Recipient.inbox(id).withHeaderFields(fields).withRewrite(edited));
            }
        }
        return new Deliveries(all, out);
    }

    /** The local copies and the redirected copies of a message (see {@link #deliveries}). */
    public record Deliveries(List<Delivery.Recipient> copies, List<Delivery.Redirect> redirects) {
        public Deliveries {
            copies = List.copyOf(copies);
            redirects = List.copyOf(redirects);
        }

        /** Whether nothing is stored nor redirected (every recipient's filter discarded the message). */
        public boolean isEmpty() {
            return copies.isEmpty() && redirects.isEmpty();
        }
    }

    private Verdict.FileInto filing(long accountId) {
        Verdict.FileInto own = perAccountFiling.get(accountId);
        return own != null ? own : everyoneFiling;
    }

    /** The reason the message is held, or null. */
    public String quarantine() {
        return quarantine;
    }

    /** True when every copy goes to INBOX as it came: no headers, no filing, no quarantine. */
    public boolean isPlain() {
        return everyone.isEmpty() && perAccount.isEmpty() && everyoneFiling == null && perAccountFiling.isEmpty() && quarantine == null
                && dropped.isEmpty() && redirects.isEmpty() && rewrites.isEmpty() && copies.isEmpty();
    }
}
