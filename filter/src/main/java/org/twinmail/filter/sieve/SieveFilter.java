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
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.Account;
import org.twinmail.core.policy.ForwardingSetting;
import org.twinmail.filter.forward.AutoReplies;
import org.twinmail.filter.forward.Forwarder;
import org.twinmail.filter.forward.VacationResponse;
import org.twinmail.sieve.run.SieveMessage;
import org.twinmail.filter.Check;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Message;
import org.twinmail.filter.Verdict;
import org.twinmail.mail.header.EncodedWords;
import org.twinmail.mail.header.Header;
import java.nio.charset.StandardCharsets;
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
 * <p>Applied today: {@code keep} and {@code fileinto} with their flags (the first target decides
 * the account's copy, every further mailbox gets a copy of its own: {@link Verdict.CopyInto}),
 * {@code discard}, and {@code reject}/{@code ereject} when the account is the message's only
 * recipient (550 5.7.1 with the script's reason), editheader's header ({@link Verdict.RewriteHeader},
 * which the script's redirects carry too). The administrator's global before and after
 * scripts ({@link SieveScripts#globals()}) run with the user's as one sequence
 * ({@link Interpreter#run(List, Interpreter.Step, List, SieveMessage)}); {@code include :global}
 * reaches them by name. A {@code reject} among
 * several recipients (the message is accepted for the others) sends a rejection MDN to the
 * sender instead ({@link AutoReplies#reject}, never to the null sender) and keeps no copy.
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
    private final Forwarder forwarder;
    private final AutoReplies autoReplies;
    private final Duration jmapPeriod;
    /** Records kind of the notices sent about a failing script (at most one a day per script and error). */
    static final String ERROR_TOLD = "sieve.error";
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
        this(scripts, records, mailboxes, clock, limits, null);
    }

    /** @param forwarder sends redirects (SRS, loops, the per-message limit); null: a redirect is logged and the message kept */
    public SieveFilter(SieveScripts scripts, Records records, Mailboxes mailboxes, Clock clock, Limits limits, Forwarder forwarder) {
        this(scripts, records, mailboxes, clock, limits, forwarder, null, Duration.ofDays(7));
    }

    /**
     * @param autoReplies sends vacation replies (Sieve's and JMAP's VacationResponse); null: none are sent
     * @param jmapPeriod  how often one sender gets a JMAP VacationResponse ({@code vacation.responsePeriod})
     */
    public SieveFilter(SieveScripts scripts, Records records, Mailboxes mailboxes, Clock clock, Limits limits, Forwarder forwarder,
                       AutoReplies autoReplies, Duration jmapPeriod) {
        this.autoReplies = autoReplies;
        this.jmapPeriod = jmapPeriod;
        this.forwarder = forwarder;
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
        Forwarder.Budget budget = forwarder == null ? null : forwarder.budget();
        String sender = envelope.sender().map(Object::toString).orElse("");
        SieveScripts.Globals globals = envelope.accounts().isEmpty() ? SieveScripts.Globals.NONE : scripts.globals();
        // aliases that lead to remote addresses: forwarded there as an account's forwarding (SRS, loops, the limit)
        for (Map.Entry<EmailAddress, List<EmailAddress>> alias : envelope.aliasForwards().entrySet()) {
            if (forwarder == null) {
                log.warn("alias {}: its remote targets are not reached (no forwarder on this chain)", alias.getKey());
                continue;
            }
            switch (forwarder.redirect(0, alias.getKey(), envelope, message, alias.getValue(), budget, "alias_forward")) {
                case Forwarder.Outcome.Sent sent when sent.redirect() != null -> effects.add(sent.redirect());
                case Forwarder.Outcome.Sent sent -> { }
                case Forwarder.Outcome.Refused refused ->
                        log.warn("alias {}: not forwarded to its remote targets: {}", alias.getKey(), refused.why());
            }
        }
        for (Account account : envelope.accounts()) {
            // the account's forwarding first: without keepCopy the account keeps nothing and its script does not run
            Optional<ForwardingSetting> forwarding = forwarder == null ? Optional.empty() : scripts.forwarding(account.id());
            if (forwarding.isPresent() && forward(account, envelope, message, forwarding.get(), effects, budget)
                    && !forwarding.get().keepCopy()) {
                effects.add(new Verdict.Drop(List.of(account.id()), "forwarded"));
                continue;
            }
            Optional<VacationResponse> jmapVacation = autoReplies == null ? Optional.empty()
                    : scripts.vacationResponse(account.id()).filter(v -> v.activeAt(clock.instant()));
            Optional<SieveScripts.Script> active = scripts.active(account.id());
            if (active.isEmpty() && jmapVacation.isEmpty() && globals.isEmpty()) continue;
            if (bytes == null) bytes = head(message);
            SieveMessage parsed = MimeMessage.of(bytes, sender, envelopeTo(envelope, account));
            boolean answered = false;
            if (active.isPresent() || !globals.isEmpty()) {
                Script script = active.isEmpty() ? null : compile(account, active.get());
                if (active.isPresent() && script == null) { // the user's script does not compile: the global ones still run
                    String error = compileError(account, active.get());
                    log.info("sieve: {} script {} failed, message kept in INBOX: {}", account.address(), active.get().name(), error);
                    tellOwner(account, active.get().name(), error);
                }
                Outcome outcome = new Interpreter(environment(account), limits).run(globalSteps(globals.before(), "before"),
                        script == null ? null : new Interpreter.Step(Interpreter.Step.PERSONAL, script), globalSteps(globals.after(), "after"),
                        parsed);
                if (outcome.error().isPresent()) {
                    String error = outcome.error().get();
                    String failed = outcome.failedIn().orElse(Interpreter.Step.PERSONAL);
                    if (failed.equals(Interpreter.Step.PERSONAL) && active.isPresent()) {
                        log.info("sieve: {} script {} failed, message kept in INBOX: {}", account.address(), active.get().name(), error);
                        tellOwner(account, active.get().name(), error);
                    } else {
                        log.warn("sieve: global script {} failed for {}, message kept in INBOX: {}", failed, account.address(), error);
                    }
                } else {
                    for (String note : outcome.notes()) log.info("sieve: {}: {}", account.address(), note);
                    Verdict refusal = apply(account, envelope, message, outcome, effects, budget, bytes, parsed);
                    if (refusal != null) return refusal;
                    for (Action a : outcome.actions()) {
                        if (a instanceof Action.Vacation v && autoReplies != null) {
                            answered = true;
                            String why = autoReplies.answer(account, sender, parsed.fields(), List.of(), true,
                                    new AutoReplies.Reply(v.handle(), v.period(), v.subject(), v.from(), v.reason(), v.mime(), false));
                            if (why != null) log.info("sieve: {}: vacation not sent: {}", account.address(), why);
                        }
                    }
                }
            }
            if (!answered && jmapVacation.isPresent()) {
                VacationResponse v = jmapVacation.get();
                boolean html = v.textBody() == null && v.htmlBody() != null;
                String why = autoReplies.answer(account, sender, parsed.fields(), List.of(account.address().toString()), false,
                        new AutoReplies.Reply(VacationResponse.KIND, jmapPeriod, v.subject(), null, html ? v.htmlBody() : v.textBody(),
                                false, html));
                if (why != null) log.info("jmap vacation: {}: not sent: {}", account.address(), why);
            }
        }
        return effects.isEmpty() ? Verdict.proceed() : new Verdict.Effects(effects);
    }

    /**
     * A short message into the owner's INBOX naming the error of their script (RFC 5228 2.10.6:
     * the message itself was kept), at most once a day per script and error.
     */
    private void tellOwner(Account account, String scriptName, String error) {
        String scope = Records.accountScope(account.id());
        String key = AutoReplies.sha256(scriptName + "\0" + error);
        long now = clock.millis();
        try {
            Optional<org.twinmail.store.StoredRecord> told = records.record(ERROR_TOLD, scope, key);
            if (told.isPresent() && !told.get().expiredAt(now)) return;
            String text = "From: Mail Delivery System <MAILER-DAEMON@" + account.address().domain() + ">\r\n"
                    + "To: " + account.address() + "\r\n"
                    + "Subject: " + org.twinmail.mail.header.EncodedWords.encode("Your Sieve script " + oneLine(scriptName) + " failed") + "\r\n"
                    + "Date: " + org.twinmail.mail.header.MailDates.format(java.time.OffsetDateTime.ofInstant(clock.instant(), java.time.ZoneOffset.UTC)) + "\r\n"
                    + "Auto-Submitted: auto-generated\r\n"
                    + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                    + "Your Sieve script \"" + oneLine(scriptName) + "\" could not run on a message delivered to you:\r\n\r\n    "
                    + oneLine(error) + "\r\n\r\nThe message was delivered to your INBOX unfiltered. Until the script is\r\n"
                    + "corrected, every message goes there (this notice comes at most once a day).\r\n";
            mailboxes.deliver(new org.twinmail.store.Delivery(List.of(account.id()),
                    org.twinmail.core.mail.MessageSpool.of(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)), clock.instant()));
            records.putRecord(ERROR_TOLD, scope, key, new byte[0], now + Duration.ofDays(1).toMillis());
        } catch (RuntimeException e) {
            // the message itself must still be delivered: a notice that cannot be written is only logged
            log.warn("sieve: {}: could not tell the owner of the script error: {}", account.address(), e.toString());
        }
    }

    private static String oneLine(String s) {
        String t = Printable.of(s.replaceAll("[\\r\\n\\t]+", " ").strip());
        return t.length() > 500 ? t.substring(0, 500) : t;
    }

    /** Turns one account's actions into effects; a refusal when its reject can be an SMTP reply. */
    private Verdict apply(Account account, Envelope envelope, Message message, Outcome outcome, List<Verdict.Effect> effects,
                          Forwarder.Budget budget, byte[] head, SieveMessage parsed) throws IOException {
        List<Long> id = List.of(account.id());
        boolean delivered = false;
        // the mailboxes the account's copies go to (a name that does not exist is INBOX): one copy each
        Set<String> targets = new java.util.HashSet<>();
        boolean keepAnyway = false;
        Action.Reject rejected = null;
        List<EmailAddress> redirectTo = new ArrayList<>();
        for (Action a : outcome.actions()) {
            switch (a) {
                case Action.Reject r -> {
                    if (envelope.accounts().size() == 1 && envelope.remoteRecipients().isEmpty()) {
                        String text = r.reason().replaceAll("[\\r\\n\\t]+", " ").strip();
                        if (text.isEmpty()) text = "Message refused by the recipient's filter";
                        return Verdict.reject(550, "5.7.1", text.length() > 400 ? text.substring(0, 400) : text, "sieve_reject");
                    }
                    // accepted for the others already (RFC 5429 2.1): a rejection MDN to the sender, no copy here
                    if (autoReplies == null) {
                        log.info("sieve: {} rejects a message with several recipients; kept (no rejection can be sent)", account.address());
                        keepAnyway = true;
                    } else {
                        rejected = r;
                    }
                }
                case Action.Keep k -> {
                    if (!targets.add("INBOX")) continue;
                    if (delivered) {
                        effects.add(new Verdict.CopyInto("INBOX", k.flags(), account.id(), "sieve_keep"));
                    } else {
                        delivered = true;
                        if (!k.flags().isEmpty()) effects.add(new Verdict.FileInto("INBOX", null, k.flags(), id, "sieve_keep"));
                    }
                }
                case Action.FileInto f -> {
                    boolean exists = !f.mailbox().equalsIgnoreCase("INBOX") && mailboxes.mailbox(account.id(), f.mailbox()).isPresent();
                    if (!targets.add(exists ? f.mailbox() : "INBOX")) continue;
                    if (delivered) {
                        // a further target (fileinto :copy, or keep and fileinto): one more copy for the account
                        effects.add(new Verdict.CopyInto(f.mailbox(), f.flags(), account.id(), "sieve_fileinto"));
                    } else {
                        delivered = true;
                        effects.add(new Verdict.FileInto(f.mailbox(), null, f.flags(), id, "sieve_fileinto"));
                    }
                }
                case Action.Discard d -> { }
                case Action.Redirect r -> {
                    try {
                        redirectTo.add(EmailAddress.parse(r.address()));
                    } catch (IllegalArgumentException e) {
                        log.info("sieve: {}: redirect to {} not sent: {}", account.address(), Printable.of(r.address()), e.getMessage());
                        keepAnyway = true;
                    }
                }
                case Action.Vacation v -> { } // answered by data() through AutoReplies
                case Action.EditHeader h -> {
                    Verdict.RewriteHeader rewrite = rewrite(account, message, head, parsed, h.fields());
                    if (rewrite != null) effects.add(rewrite);
                }
            }
        }
        boolean redirected = false;
        if (!redirectTo.isEmpty()) {
            if (forwarder == null) {
                note(account, "redirect");
            } else {
                switch (forwarder.redirect(account, envelope, message, redirectTo, budget, "sieve_redirect")) {
                    case Forwarder.Outcome.Sent sent when sent.redirect() != null -> {
                        effects.add(sent.redirect());
                        redirected = true;
                    }
                    case Forwarder.Outcome.Sent sent -> log.info("sieve: {}: redirect to nobody we can reach; kept", account.address());
                    case Forwarder.Outcome.Refused refused ->
                            log.info("sieve: {}: redirect not sent, message kept: {}", account.address(), refused.why());
                }
            }
        }
        if (rejected != null && !keepAnyway) {
            String sender = envelope.sender().map(Object::toString).orElse("");
            String why;
            try {
                why = autoReplies.reject(account, sender, envelopeTo(envelope, account), Header.parse(head).bytes(), parsed.fields(),
                        rejected.reason());
            } catch (RuntimeException e) {
                // the rejection could not be written: the message stays with the user rather than vanish
                log.warn("sieve: {}: rejection not sent, message kept: {}", account.address(), e.toString());
                why = null;
                keepAnyway = true;
            }
            if (why != null) log.info("sieve: {}: rejection not sent ({}), message discarded", account.address(), why);
        }
        if (!delivered) {
            if (keepAnyway || !redirectTo.isEmpty() && !redirected) {
                // a redirect or a reject that could not be applied: the message stays with the user
                effects.add(new Verdict.FileInto("INBOX", null, Set.of(), id, "sieve_keep"));
            } else {
                effects.add(new Verdict.Drop(id, redirected ? "sieve_redirect" : rejected != null ? "sieve_reject" : "sieve_discard"));
            }
        }
        return null;
    }

    /**
     * The account's copy's header after editheader (RFC 5293): the fields the script kept, each
     * copied as it was written, and the ones it added; the body follows unchanged. Null (logged,
     * the copy unedited) when the header section did not fit in the part parsed for the script.
     */
    private static Verdict.RewriteHeader rewrite(Account account, Message message, byte[] head, SieveMessage parsed,
                                                 List<SieveMessage.Field> edited) {
        Header original = Header.parse(head);
        List<SieveMessage.Field> seen = parsed.fields();
        boolean complete = original.bodyStart() < head.length || head.length == message.size();
        if (!complete || original.fields().size() != seen.size()) {
            log.info("sieve: {}: editheader not applied: the header section is larger than {} octets", account.address(), MAX_PARSED);
            return null;
        }
        java.util.IdentityHashMap<SieveMessage.Field, Integer> index = new java.util.IdentityHashMap<>();
        for (int i = 0; i < seen.size(); i++) index.put(seen.get(i), i);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(head.length);
        for (SieveMessage.Field f : edited) {
            Integer i = index.get(f);
            if (i != null) {
                byte[] raw = original.bytes(original.fields().get(i));
                out.writeBytes(raw);
                if (raw.length == 0 || raw[raw.length - 1] != '\n') out.writeBytes(new byte[] {'\r', '\n'});
            } else {
                String value = f.value().replaceAll("[\\r\\n]+", " ");
                boolean ascii = value.chars().allMatch(c -> c < 0x80);
                out.writeBytes((f.name() + ": " + (ascii ? value : EncodedWords.encode(value)) + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return new Verdict.RewriteHeader(account.id(), out.toByteArray(), original.end(), "sieve_editheader");
    }

    /** Sends the account's forwarded copy; false when nothing went (a loop, the limit): the account keeps the message. */
    private boolean forward(Account account, Envelope envelope, Message message, ForwardingSetting setting, List<Verdict.Effect> effects,
                            Forwarder.Budget budget) throws IOException {
        switch (forwarder.redirect(account, envelope, message, setting.to(), budget, "forwarded")) {
            case Forwarder.Outcome.Sent sent when sent.redirect() != null -> {
                effects.add(sent.redirect());
                return true;
            }
            case Forwarder.Outcome.Sent sent -> {
                log.info("forwarding: {}: no address to forward to; kept", account.address());
                return false;
            }
            case Forwarder.Outcome.Refused refused -> {
                log.info("forwarding: {}: not forwarded, message kept: {}", account.address(), refused.why());
                return false;
            }
        }
    }

    private static void note(Account account, String what) {
        log.info("sieve: {}: {} is not applied yet; the first target gets the message", account.address(), what);
    }

    /** Why the script does not compile (the cache keeps only scripts that do). */
    private String compileError(Account account, SieveScripts.Script s) {
        try {
            new Interpreter(environment(account), limits).compile(s.text());
            return "the script does not compile";
        } catch (SieveException e) {
            return e.getMessage();
        }
    }

    /** The administrator's scripts of one phase, compiled; one that does not compile is left out (logged). */
    private List<Interpreter.Step> globalSteps(List<SieveScripts.Script> list, String phase) {
        List<Interpreter.Step> out = new ArrayList<>(list.size());
        for (SieveScripts.Script s : list) {
            String key = "\0global\0" + phase + "\0" + s.name() + "\0" + s.text();
            Script c;
            synchronized (compiled) {
                c = compiled.get(key);
            }
            if (c == null) {
                try {
                    c = new Interpreter(GLOBAL_COMPILE, limits).compile(s.text());
                } catch (SieveException e) {
                    log.warn("sieve: global {} script {} does not compile, left out: {}", phase, s.name(), e.getMessage());
                    continue;
                }
                synchronized (compiled) {
                    compiled.put(key, c);
                }
            }
            out.add(new Interpreter.Step(phase + ":" + s.name(), c));
        }
        return out;
    }

    /** Compiling needs no environment: this one is never asked. */
    private static final Environment GLOBAL_COMPILE = new Environment() {
        @Override
        public Clock clock() {
            return Clock.systemUTC();
        }

        @Override
        public boolean mailboxExists(String name) {
            return false;
        }

        @Override
        public Optional<String> script(boolean global, String name) {
            return Optional.empty();
        }

        @Override
        public boolean seenBefore(String key, Duration period, boolean last) {
            return false;
        }

        @Override
        public Set<String> ownAddresses() {
            return Set.of();
        }
    };

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

    /**
     * {@code include :global} (RFC 6609 2.2): the administrator's global script of that name,
     * a {@code before} one first, then an {@code after} one (the same records {@code admin sieve} writes).
     */
    private Optional<String> globalScript(String name) {
        SieveScripts.Globals g = scripts.globals();
        return java.util.stream.Stream.concat(g.before().stream(), g.after().stream()).filter(s -> s.name().equals(name)).findFirst()
                .map(SieveScripts.Script::text);
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
                return global ? globalScript(name) : scripts.text(account.id(), name);
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
