package org.twinmail.store;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Domain;

/**
 * Where mail for {@code postmaster@<a local domain>} goes (RFC 5321 4.5.1: every domain we serve
 * accepts it, alias or not), in this order:
 * <ol>
 *   <li>what {@code postmaster@domain} itself resolves to (an alias, an account, the catch-all);</li>
 *   <li>the configured address ({@code smtp.postmaster}), when it resolves to local accounts;</li>
 *   <li>the domain's first account, the oldest one (the one its administrator created first).</li>
 * </ol>
 * A domain with none of the three has no postmaster yet (the RCPT is refused as unknown). The
 * SMTP session and {@code admin domain add} both ask this class, so what the administrator is
 * told is what the MX does. Safe for many threads; the third step's answer is kept for
 * {@link #FIRST_ACCOUNT_TTL_MILLIS} so a flood of RCPTs does not list a large domain's accounts each time.
 */
public final class Postmaster {
    public static final String LOCAL_PART = "postmaster";
    static final long FIRST_ACCOUNT_TTL_MILLIS = 60_000;

    /** Where the domain's postmaster mail goes, and why. */
    public sealed interface Destination {
        /** The accounts it is delivered to (empty for {@link Nowhere}). */
        List<Account> accounts();

        /** One line for the administrator: "postmaster@example.org goes to ...". */
        String describe();
    }

    /** {@code postmaster@domain} is an alias, an account or reached by the catch-all. */
    public record Own(EmailAddress address, List<Account> accounts) implements Destination {
        @Override
        public String describe() {
            return address + " goes to " + names(accounts) + " (its own alias or account)";
        }
    }

    /** The configured {@code smtp.postmaster} address. */
    public record Configured(EmailAddress address, EmailAddress configured, List<Account> accounts) implements Destination {
        @Override
        public String describe() {
            return address + " goes to " + configured + " (smtp.postmaster)";
        }
    }

    /** The domain's first account. */
    public record FirstAccount(EmailAddress address, Account account) implements Destination {
        @Override
        public List<Account> accounts() {
            return List.of(account);
        }

        @Override
        public String describe() {
            return address + " goes to " + account.address() + " (the domain's first account; add an alias "
                    + address + " or set smtp.postmaster to send it elsewhere)";
        }
    }

    /** Nobody yet: the domain has no account and nothing else is configured. */
    public record Nowhere(EmailAddress address) implements Destination {
        @Override
        public List<Account> accounts() {
            return List.of();
        }

        @Override
        public String describe() {
            return address + " goes nowhere yet: it will go to the domain's first account, or add an alias "
                    + address + " or set smtp.postmaster";
        }
    }

    private record Cached(Optional<Account> first, long expiresMillis) { }

    private final Directory directory;
    private final Optional<EmailAddress> configured;
    private final ConcurrentHashMap<String, Cached> firstAccounts = new ConcurrentHashMap<>();

    /**
     * @param configured {@code smtp.postmaster}: a local address, or empty/null for none
     * @throws IllegalArgumentException when {@code configured} is not an address
     */
    public Postmaster(Directory directory, String configured) {
        this.directory = directory;
        this.configured = configured == null || configured.isBlank() ? Optional.empty() : Optional.of(EmailAddress.parse(configured));
    }

    public static boolean isPostmaster(EmailAddress a) {
        return a.localPart().equalsIgnoreCase(LOCAL_PART);
    }

    /** Where {@code postmaster@domain} leads; the domain must be local (otherwise: {@link Nowhere}). */
    public Destination destination(String domain) {
        EmailAddress address = new EmailAddress(LOCAL_PART, domain);
        if (directory.resolve(address) instanceof RecipientResolution.Local own) return new Own(address, own.accounts());
        if (!directory.isLocalDomain(address.domain())) return new Nowhere(address);
        if (configured.isPresent() && directory.resolve(configured.get()) instanceof RecipientResolution.Local c) {
            return new Configured(address, configured.get(), c.accounts());
        }
        return firstAccount(address.domain()).<Destination>map(a -> new FirstAccount(address, a)).orElse(new Nowhere(address));
    }

    /** {@link #destination} as a recipient resolution: local accounts, unknown, or not local. */
    public RecipientResolution resolve(EmailAddress postmaster) {
        RecipientResolution own = directory.resolve(postmaster);
        if (!(own instanceof RecipientResolution.Unknown)) return own;
        List<Account> accounts = destination(postmaster.domain()).accounts();
        return accounts.isEmpty() ? own : new RecipientResolution.Local(accounts);
    }

    /**
     * The address a bare {@code <postmaster>} stands for: {@code postmaster@} the first local
     * domain among {@code hostname} and its parents (mx.example.com, example.com: an MX usually
     * serves its parent domain), else the configured address's domain, else the first local
     * domain by name; empty when we serve no domain at all.
     */
    public Optional<EmailAddress> bare(String hostname) {
        String domain = hostname.toLowerCase(Locale.ROOT);
        while (true) {
            if (directory.isLocalDomain(domain)) return Optional.of(new EmailAddress(LOCAL_PART, domain));
            int dot = domain.indexOf('.');
            if (dot < 0 || domain.indexOf('.', dot + 1) < 0) break; // never try a bare TLD
            domain = domain.substring(dot + 1);
        }
        if (configured.isPresent() && directory.isLocalDomain(configured.get().domain())) {
            return Optional.of(new EmailAddress(LOCAL_PART, configured.get().domain()));
        }
        return directory.listDomains().stream().map(Domain::name).sorted().findFirst().map(d -> new EmailAddress(LOCAL_PART, d));
    }

    private Optional<Account> firstAccount(String domain) {
        long now = System.currentTimeMillis();
        Cached c = firstAccounts.get(domain);
        if (c != null && c.expiresMillis() > now && c.first().isPresent()
                && directory.findAccount(c.first().get().id()).isPresent()) {
            return c.first();
        }
        Optional<Account> first = directory.listAccounts(domain).stream().min(Comparator.comparingLong(Account::id));
        firstAccounts.put(domain, new Cached(first, now + FIRST_ACCOUNT_TTL_MILLIS));
        return first;
    }

    private static String names(List<Account> accounts) {
        return accounts.stream().map(a -> a.address().toString()).reduce((a, b) -> a + ", " + b).orElse("nobody");
    }
}
