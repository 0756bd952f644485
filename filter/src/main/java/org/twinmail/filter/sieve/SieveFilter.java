package org.twinmail.filter.sieve;

import java.io.IOException;
import java.io.InputStream;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.model.Account;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Message;
import org.twinmail.filter.Verdict;
import org.twinmail.sieve.SieveException;
import org.twinmail.sieve.run.Action;
import org.twinmail.sieve.run.Environment;
import org.twinmail.sieve.run.Interpreter;
import org.twinmail.sieve.run.Limits;
import org.twinmail.sieve.run.MimeMessage;
import org.twinmail.sieve.run.Outcome;
import org.twinmail.sieve.script.Script;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.Records;

/**
 * The recipients' own Sieve scripts at the end of DATA (check {@code sieve}, last in both
 * chains): for each local account with an active script, the script decides where its copy
 * goes, before the 250 is sent, so a {@code reject} of the only recipient is an SMTP-time
 * refusal (RFC 5429 2.1).
 *
 * <p>Applied today: {@code keep} and {@code fileinto} with their flags (the first target),
 * {@code discard}, and {@code reject}/{@code ereject} when the account is the message's only
 * recipient (550 5.7.1 with the script's reason). Not yet applied, each logged as such and the
 * message kept: a second target (the store delivers one copy per account), {@code redirect},
 * {@code vacation}, editheader, and {@code reject} among several recipients (it needs a DSN).
 * A script that does not compile, or fails at run time, delivers to INBOX (never lost) and is
 * logged. Only the first {@value #MAX_PARSED} bytes of a message are parsed for the script
 * (headers and the start of the body); {@code size} sees the real size.
 */
public final class SieveFilter implements Check.Data {
    private static final Logger log = LoggerFactory.getLogger(SieveFilter.class);
    /** Bytes of a message parsed for the scripts. */
    public static final int MAX_PARSED = 1 << 20;
    /** Records kind of the duplicate test's memory (RFC 7352). */
    static final String DUPLICATE = "sieve.duplicate";
    private static final int CACHE = 1024;

    private final SieveScripts scripts;
    private final Records records;
    private final Mailboxes mailboxes;
    private final Clock clock;
    private final Limits limits;
    private final Map<String, Script> compiled = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Script> eldest) {
            return size() > CACHE;
        }
    };

    /** With scripts read from the store at every message (tests); a node passes its {@link SieveScripts#cached} instance. */
    public SieveFilter(Records records, Mailboxes mailboxes, Clock clock, Limits limits) {
        this(new SieveScripts(records), records, mailboxes, clock, limits);
    }

    public SieveFilter(SieveScripts scripts, Records records, Mailboxes mailboxes, Clock clock, Limits limits) {
        this.scripts = scripts;
        this.records = records;
        this.mailboxes = mailboxes;
        this.clock = clock;
        this.limits = limits;
    }

    @Override
    public String name() {
        return "sieve";
    }

    @Override
    public Verdict data(Client client, Envelope envelope, Message message) throws IOException {
        byte[] bytes = null;
        List<Verdict.Effect> effects = new ArrayList<>();
        for (Account account : envelope.accounts()) {
            Optional<SieveScripts.Script> active = scripts.active(account.id());
            if (active.isEmpty()) continue;
            Script script = compile(account, active.get());
            if (script == null) continue;
            if (bytes == null) bytes = head(message);
            Interpreter interpreter = new Interpreter(environment(account), limits);
            String sender = envelope.sender().map(Object::toString).orElse("");
            Outcome outcome = interpreter.run(script, MimeMessage.of(bytes, sender, envelopeTo(envelope, account)));
            if (outcome.error().isPresent()) {
                log.info("sieve: {} script {} failed, message kept in INBOX: {}", account.address(), active.get().name(),
                        outcome.error().get());
                continue;
            }
            for (String note : outcome.notes()) log.info("sieve: {}: {}", account.address(), note);
            Verdict refusal = apply(account, envelope, outcome, effects);
            if (refusal != null) return refusal;
        }
        return effects.isEmpty() ? Verdict.proceed() : new Verdict.Effects(effects);
    }

    /** Turns one account's actions into effects; a refusal when its reject can be an SMTP reply. */
    private Verdict apply(Account account, Envelope envelope, Outcome outcome, List<Verdict.Effect> effects) {
        List<Long> id = List.of(account.id());
        boolean delivered = false;
        boolean discarded = true;
        for (Action a : outcome.actions()) {
            switch (a) {
                case Action.Reject r -> {
                    if (envelope.accounts().size() == 1 && envelope.remoteRecipients().isEmpty()) {
                        String text = r.reason().replaceAll("[\\r\\n\\t]+", " ").strip();
                        if (text.isEmpty()) text = "Message refused by the recipient's filter";
                        return Verdict.reject(550, "5.7.1", text.length() > 400 ? text.substring(0, 400) : text, "sieve_reject");
                    }
                    log.info("sieve: {} rejects a message with several recipients; kept (a rejection DSN is not built yet)", account.address());
                    discarded = false;
                }
                case Action.Keep k -> {
                    discarded = false;
                    if (delivered) {
                        note(account, "keep beside another target");
                    } else {
                        delivered = true;
                        if (!k.flags().isEmpty()) effects.add(new Verdict.FileInto("INBOX", null, k.flags(), id, "sieve_keep"));
                    }
                }
                case Action.FileInto f -> {
                    discarded = false;
                    if (delivered) {
                        note(account, "a second target (" + f.mailbox() + ")");
                    } else {
                        delivered = true;
                        effects.add(new Verdict.FileInto(f.mailbox(), null, f.flags(), id, "sieve_fileinto"));
                    }
                }
                case Action.Discard d -> { }
                case Action.Redirect r -> {
                    discarded = false;
                    note(account, "redirect to " + r.address());
                }
                case Action.Vacation v -> note(account, "vacation reply to " + v.to());
                case Action.EditHeader h -> note(account, "editheader");
            }
        }
        if (discarded && !delivered) {
            effects.add(new Verdict.Drop(id, "sieve_discard"));
        } else if (!delivered) {
            // a redirect or a reject that could not be applied: the message stays with the user
            effects.add(new Verdict.FileInto("INBOX", null, Set.of(), id, "sieve_keep"));
        }
        return null;
    }

    private static void note(Account account, String what) {
        log.info("sieve: {}: {} is not applied yet; the first target gets the message", account.address(), what);
    }

    private Script compile(Account account, SieveScripts.Script s) {
        String key = account.id() + "\0" + s.name() + "\0" + s.text();
        synchronized (compiled) {
            Script c = compiled.get(key);
            if (c != null) return c;
        }
        try {
            Script c = new Interpreter(environment(account), limits).compile(s.text());
            synchronized (compiled) {
                compiled.put(key, c);
            }
            return c;
        } catch (SieveException e) {
            log.warn("sieve: {} script {} does not compile, message kept in INBOX: {}", account.address(), s.name(), e.getMessage());
            return null;
        }
    }

    /** The recipient as the client wrote it for this account (user+detail@ included), else the account's address. */
    private static String envelopeTo(Envelope envelope, Account account) {
        String own = account.address().toString().toLowerCase(Locale.ROOT);
        int at = own.lastIndexOf('@');
        for (String r : envelope.recipients()) {
            String x = r.toLowerCase(Locale.ROOT);
            int rat = x.lastIndexOf('@');
            if (rat < 0 || !x.substring(rat).equals(own.substring(at))) continue;
            String local = x.substring(0, rat);
            int plus = local.indexOf('+');
            if ((plus < 0 ? local : local.substring(0, plus)).equals(own.substring(0, at))) return r;
        }
        return account.address().toString();
    }

    private static byte[] head(Message message) throws IOException {
        try (InputStream in = message.open()) {
            return in.readNBytes(MAX_PARSED);
        }
    }

    private Environment environment(Account account) {
        String scope = Records.accountScope(account.id());
        return new Environment() {
            @Override
            public Clock clock() {
                return clock;
            }

            @Override
            public boolean mailboxExists(String name) {
                return mailboxes.mailbox(account.id(), name).isPresent();
            }

            @Override
            public Optional<String> script(boolean global, String name) {
                return global ? Optional.empty() : scripts.text(account.id(), name);
            }

            @Override
            public boolean seenBefore(String key, Duration period, boolean last) {
                long now = clock.millis();
                Optional<org.twinmail.store.StoredRecord> r = records.record(DUPLICATE, scope, key);
                boolean seen = r.isPresent() && !r.get().expiredAt(now);
                if (!seen || last) records.putRecord(DUPLICATE, scope, key, new byte[0], now + period.toMillis());
                return seen;
            }

            @Override
            public Set<String> ownAddresses() {
                return Set.of(account.address().toString());
            }
        };
    }

}
