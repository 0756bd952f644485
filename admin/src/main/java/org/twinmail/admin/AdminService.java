package org.twinmail.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.twinmail.admin.AdminException.Kind;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.auth.PasswordPolicy;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Alias;
import org.twinmail.core.model.Domain;
import org.twinmail.mail.dkim.DkimKeys;
import org.twinmail.mail.dkim.DkimRecord;
import org.twinmail.store.AccountChange;
import org.twinmail.store.AccountTraffic;
import org.twinmail.store.Directory;
import org.twinmail.store.AccountMailboxes;
import org.twinmail.store.AclEntry;
import org.twinmail.store.MailStore;
import org.twinmail.store.MailboxAccess;
import org.twinmail.store.Rights;
import org.twinmail.store.MessageQueue;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.Postmaster;
import org.twinmail.store.Quarantine;
import org.twinmail.core.policy.QuarantineItem;
import org.twinmail.core.policy.ForwardingSetting;
import org.twinmail.core.policy.SpamLevel;
import org.twinmail.store.Records;
import org.twinmail.store.StoreException;

/**
 * {@link AdminOperations} on an open {@link MailStore}: the running server's admin API
 * calls it, and so does the CLI on a stopped node.
 *
 * <p>This is the boundary where operator input is validated and normalised (domains
 * in lower case, addresses parsed, sizes non-negative), so the store only ever sees
 * well-formed values. Store failures come back as {@link AdminException}s whose
 * message names the thing concerned; where the store's exception type alone is
 * ambiguous (a NotFound from adding an account may mean the domain), the cause is
 * looked up again after the failure, so the success path costs no extra reads.
 */
public final class AdminService implements AdminOperations {

    /** Domains, accounts and aliases. */
    private final Directory directory;
    /** The outbound queue (list, retry, delete). */
    private final MessageQueue queue;
    private final PasswordHasher hasher;
    /** The node's DKIM keys; null where none are managed (DKIM operations then refuse). */
    private final DkimKeys dkim;
    /** Where each domain's postmaster mail goes (as the SMTP session sees it). */
    private final Postmaster postmaster;
    /** The administrator's rules; null without the Records role. */
    private final RuleOperations rules;
    /** Users' SMS settings; null without the Records role. */
    private final SmsOperations sms;
    private final SieveOperations sieve;
    /** The administrator's quarantine; null without the Records and Mailboxes roles. */
    private final Quarantine quarantine;
    /** The TLS reports received; null without the Records role. */
    private final TlsReports tlsReports;
    /** What the DNS records of a domain are written from; null until {@link #clients} is called. */
    private volatile DomainDns.Settings clients;
    /** The console's administrators; null without the Records role. */
    private final Administrators admins;
    /** The audit log of admin actions; null without the Records role. */
    private final AuditLog audit;
    /** The traffic and runtime history (read here, written by the active node's sampler); null without the Records role. */
    private final org.twinmail.admin.monitor.TrafficHistory history;
    /** The per-account traffic counts (the node's counter once {@link #traffic(AccountTraffic)} is called, so unflushed counts show); null without the Records role. */
    private volatile AccountTraffic traffic;
    private volatile PasswordPolicy passwordPolicy = new PasswordPolicy(1);
    private final Records records;
    /** Where an account's mailboxes are looked up by name (shared accounts); null without the Mailboxes role. */
    private final Mailboxes mailboxes;
    /** The access control lists (shared accounts); null unless the store plays the MailboxAccess role too. */
    private final MailboxAccess access;
    /** Accounts' disabled flags and app passwords; null without the Records role. */
    private final org.twinmail.store.AccountLogins logins;

    /** How long the audit log is kept by default ({@code console.auditRetention}). */
    public static final java.time.Duration AUDIT_RETENTION = java.time.Duration.ofDays(365);

    /** On the two store roles the admin operations use: the {@link Directory} and the {@link MessageQueue}. */
    public AdminService(Directory directory, MessageQueue queue, PasswordHasher hasher, DkimKeys dkim) {
        this(directory, queue, null, null, hasher, dkim, "");
    }

    /**
     * @param records    the store's {@link Records} (the administrator's rules and quarantine); null: those operations refuse
     * @param mailboxes  where a quarantine release delivers; null: quarantine operations refuse
     * @param postmaster {@code smtp.postmaster}, where postmaster mail of domains without their own goes ("" for none)
     */
    public AdminService(Directory directory, MessageQueue queue, Records records, Mailboxes mailboxes, PasswordHasher hasher, DkimKeys dkim,
                        String postmaster) {
        this(directory, queue, records, mailboxes, hasher, dkim, postmaster, "TwinMail", AUDIT_RETENTION);
    }

    /**
     * @param issuer         the name administrators' authenticator apps show (the host name)
     * @param auditRetention how long audit-log entries are kept ({@code console.auditRetention})
     */
    public AdminService(Directory directory, MessageQueue queue, Records records, Mailboxes mailboxes, PasswordHasher hasher, DkimKeys dkim,
                        String postmaster, String issuer, java.time.Duration auditRetention) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.queue = Objects.requireNonNull(queue, "queue");
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.dkim = dkim;
        this.postmaster = new Postmaster(directory, postmaster);
        this.rules = records == null ? null : new RuleOperations(directory, records);
        this.sms = records == null ? null : new SmsOperations(directory, records);
        this.sieve = records == null ? null : new SieveOperations(records);
        this.quarantine = records == null || mailboxes == null ? null : new Quarantine(records, mailboxes);
        this.tlsReports = records == null ? null
                : new TlsReports(records, d -> call(() -> directory.findDomain(d), e -> null).isPresent(), java.time.Clock.systemUTC());
        this.admins = records == null ? null : new Administrators(records, directory, hasher, issuer);
        this.audit = records == null ? null : new AuditLog(records, java.time.Clock.systemUTC(), auditRetention);
        this.records = records;
        this.mailboxes = mailboxes;
        this.access = mailboxes != null && directory instanceof MailboxAccess a ? a : null;
        this.logins = records == null ? null : new org.twinmail.store.AccountLogins(records);
        // the retentions matter to the writer only (the server's sampler); reading takes what is there
        this.history = records == null ? null : new org.twinmail.admin.monitor.TrafficHistory(records, java.time.Duration.ofHours(48),
                java.time.Duration.ofDays(90));
        this.traffic = records == null ? null : new AccountTraffic(records, java.time.Duration.ofDays(1), java.time.Clock.systemUTC());
    }

    /** On an open store, with the console's settings (the running server). */
    public AdminService(MailStore store, PasswordHasher hasher, DkimKeys dkim, String postmaster, String issuer,
                        java.time.Duration auditRetention) {
        this(store, store, store, store, hasher, dkim, postmaster, issuer, auditRetention);
    }

    // ---- administrators and the audit log ----

    private Administrators admins() {
        if (admins == null) throw new AdminException(Kind.UNAVAILABLE, "administrators are not managed through this connection");
        return admins;
    }

    private AuditLog auditLog() {
        if (audit == null) throw new AdminException(Kind.UNAVAILABLE, "the audit log is not kept through this connection");
        return audit;
    }

    @Override
    public List<AdminInfo> listAdmins() {
        return admins().list();
    }

    @Override
    public AdminCreated addAdmin(String name, char[] password, String role, List<String> domains) {
        return admins().add(name, password, role, domains);
    }

    @Override
    public AdminCreated updateAdmin(String name, char[] password, String role, List<String> domains, Boolean enabled, boolean newTotp) {
        return admins().update(name, password, role, domains, enabled, newTotp);
    }

    @Override
    public void removeAdmin(String name) {
        admins().remove(name);
    }

    @Override
    public List<AuditEntry> audit(int limit, String since, String actor, String domain) {
        if (limit < 1 || limit > 10_000) throw invalid("limit must be 1 to 10000");
        java.time.LocalDate from = null;
        if (since != null && !since.isBlank()) {
            try {
                from = java.time.LocalDate.parse(since.strip());
            } catch (java.time.format.DateTimeParseException e) {
                throw invalid("since must be a date (2026-12-31): " + Printable.of(since));
            }
        }
        java.time.LocalDate f = from;
        return call(() -> auditLog().newest(limit, f, blankToNull(actor), domain == null || domain.isBlank() ? null : domainName(domain)),
                e -> null);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    @Override
    public List<TrafficPoint> traffic(String step, String since, List<String> series) {
        if (audit == null) throw new AdminException(Kind.UNAVAILABLE, "the history is not kept through this connection");
        boolean hours = switch (step == null ? "minute" : step.strip().toLowerCase(Locale.ROOT)) {
            case "minute", "" -> false;
            case "hour" -> true;
            default -> throw invalid("step must be minute or hour, not " + Printable.of(step));
        };
        java.time.Instant from;
        if (since == null || since.isBlank()) {
            from = java.time.Instant.now().minus(hours ? java.time.Duration.ofDays(7) : java.time.Duration.ofHours(1));
        } else {
            try {
                from = java.time.Instant.parse(since.strip());
            } catch (java.time.format.DateTimeParseException e) {
                throw invalid("since must be an ISO-8601 instant (2026-12-31T00:00:00Z): " + Printable.of(since));
            }
        }
        List<String> wanted = series == null ? List.of() : series.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        java.util.function.Predicate<String> keep = name -> wanted.isEmpty()
                || wanted.stream().anyMatch(w -> name.equals(w) || name.startsWith(w + "."));
        return call(() -> history.read(hours, from, keep), e -> null).stream()
                .map(p -> new TrafficPoint(p.time(), p.counters(), p.gauges())).toList();
    }

    @Override
    public List<AlertInfo> alerts() {
        if (records == null) throw new AdminException(Kind.UNAVAILABLE, "alerts are not kept through this connection");
        List<AlertInfo> out = new ArrayList<>();
        for (org.twinmail.store.StoredRecord r : call(() -> records.records(org.twinmail.admin.monitor.Alerts.KIND, ""), e -> null)) {
            try {
                org.twinmail.admin.monitor.Alerts.Alert a = ALERT_JSON.readValue(r.value(), org.twinmail.admin.monitor.Alerts.Alert.class);
                out.add(new AlertInfo(a.name(), a.since(), a.message()));
            } catch (java.io.IOException e) {
                // unreadable: left out
            }
        }
        out.sort(java.util.Comparator.comparing(AlertInfo::since));
        return out;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper ALERT_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @Override
    public void recordAudit(AuditEntry entry) {
        run(() -> auditLog().append(entry), e -> null);
    }

    @Override
    public java.util.Optional<AdminPrincipal> verifyAdmin(String name, char[] password, String totpCode) {
        return call(() -> admins().verify(name, password, totpCode, java.time.Instant.now().getEpochSecond()), e -> null);
    }

    @Override
    public java.util.Optional<AdminPrincipal> currentAdmin(String name) {
        return call(() -> admins().current(name, "console"), e -> null);
    }

    /** On an open store (which plays both roles), without DKIM keys. */
    public AdminService(MailStore store, PasswordHasher hasher) {
        this(store, hasher, null);
    }

    /** @param dkim the node's DKIM keys ({@code DkimKeys.fromConfig(config.relay.dkim, dataDir)}) */
    public AdminService(MailStore store, PasswordHasher hasher, DkimKeys dkim) {
        this(store, store, store, store, hasher, dkim, "");
    }

    /** @param postmaster {@code smtp.postmaster} */
    public AdminService(MailStore store, PasswordHasher hasher, DkimKeys dkim, String postmaster) {
        this(store, store, store, store, hasher, dkim, postmaster);
    }

    /** Gives the node's client-facing settings, which {@link #domainDns} writes the records from. */
    /**
     * The rules a user's new password must meet ({@code auth.minPasswordLength}); without this call
     * only an empty password, NUL/CR/LF and the account's own address or user name are refused.
     */
    public AdminService passwordPolicy(PasswordPolicy policy) {
        this.passwordPolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /** Reads the per-account traffic through the node's own counter, so what it has not written yet is shown too. */
    public AdminService traffic(AccountTraffic counts) {
        this.traffic = Objects.requireNonNull(counts, "counts");
        return this;
    }

    /** The most a top list answers ({@code limit}). */
    public static final int MAX_TOP = 1000;

    @Override
    public TrafficTop trafficTop(String domain, String day, String kind, int limit) {
        if (traffic == null) throw new AdminException(Kind.UNAVAILABLE, "traffic counts are not kept through this connection");
        String d = domain == null || domain.isBlank() ? null : domainName(domain);
        java.time.LocalDate date;
        try {
            date = day == null || day.isBlank() ? java.time.LocalDate.now(java.time.ZoneOffset.UTC) : java.time.LocalDate.parse(day.strip());
        } catch (java.time.format.DateTimeParseException e) {
            throw invalid("day must be a date as 2026-12-31: " + Printable.of(day));
        }
        String k = kind == null || kind.isBlank() ? "senders" : kind.strip().toLowerCase(Locale.ROOT);
        AccountTraffic.Direction direction = switch (k) {
            case "senders" -> AccountTraffic.Direction.SENT;
            case "receivers" -> AccountTraffic.Direction.RECEIVED;
            default -> throw invalid("kind must be senders or receivers, not " + Printable.of(kind));
        };
        if (limit < 1 || limit > MAX_TOP) throw invalid("limit must be between 1 and " + MAX_TOP);
        if (d != null && call(() -> directory.findDomain(d), e -> null).isEmpty()) throw notFound(noDomain(d));
        AccountTraffic counts = traffic;
        List<AccountCount> top = call(() -> counts.top(d, date, direction, limit), e -> null).stream()
                .map(c -> new AccountCount(c.address(), c.messages(), c.bytes())).toList();
        return new TrafficTop(d, date.toString(), k, top);
    }

    /** What the DNS records of a domain are written from (the node's client endpoints). */
    public AdminService clients(DomainDns.Settings settings) {
        this.clients = Objects.requireNonNull(settings, "settings");
        return this;
    }

    @Override
    public boolean servesDomain(String name) {
        String domain;
        try {
            domain = domainName(name);
        } catch (AdminException e) {
            return false;
        }
        return call(() -> directory.findDomain(domain), e -> null).isPresent();
    }

    @Override
    public DomainDnsInfo domainDns(String name) {
        DomainDns.Settings s = clients;
        if (s == null) return AdminOperations.super.domainDns(name);
        String domain = servedDomain(name);
        java.util.Optional<String> dkimLine = java.util.Optional.empty();
        if (dkim != null) {
            try {
                dkimLine = dkim.record(domain).map(org.twinmail.mail.dkim.DkimRecord::zoneLine);
            } catch (java.io.IOException | IllegalArgumentException e) {
                throw new AdminException(Kind.UNAVAILABLE, "cannot read the DKIM key of " + domain + ": " + oneLine(e.getMessage()));
            }
        }
        return DomainDns.records(domain, s, dkimLine);
    }

    @Override
    public List<TlsReportInfo> listTlsReports() {
        if (tlsReports == null) return AdminOperations.super.listTlsReports();
        return call(tlsReports::list, e -> null);
    }

    @Override
    public TlsReportInfo receiveTlsReport(byte[] json) {
        if (tlsReports == null) return AdminOperations.super.receiveTlsReport(json);
        return call(() -> tlsReports.accept(json), e -> null);
    }

    // ---- backup ----

    /** On a whole store (the constructors that take a {@link MailStore}); on the roles only it refuses. */
    @Override
    public BackupInfo backup(String directory) {
        if (!(this.directory instanceof MailStore store)) return AdminOperations.super.backup(directory);
        if (directory == null || directory.isBlank()) throw invalid("missing backup directory");
        java.nio.file.Path dir;
        try {
            dir = java.nio.file.Path.of(directory);
        } catch (java.nio.file.InvalidPathException e) {
            throw invalid("not a usable path: " + oneLine(directory));
        }
        if (!dir.isAbsolute()) throw invalid("the backup directory must be an absolute path on the node's machine: " + oneLine(directory));
        org.twinmail.store.BackupReport r = call(() -> store.backup(dir), e -> null);
        return new BackupInfo(r.snapshot(), r.time().toString(), r.changePosition(), r.messages(), r.blobFiles(), r.blobFilesCopied(),
                r.bytesCopied(), r.millis());
    }

    // ---- domains ----

    @Override
    public DomainInfo addDomain(String name) {
        String domain = domainName(name);
        return call(() -> info(directory.addDomain(domain)),
                e -> e instanceof StoreException.Conflict && directory.findDomain(domain).isPresent()
                        ? conflict("domain " + domain + " already exists") : null);
    }

    @Override
    public void removeDomain(String name, boolean force) {
        String domain = domainName(name);
        run(() -> directory.removeDomain(domain, force), e -> switch (e) {
            case StoreException.NotFound nf -> notFound(noDomain(domain));
            case StoreException.Conflict c -> conflict("domain " + domain + " still has " + contents(domain)
                    + "; remove them first, or force the removal (which deletes their mail)");
            default -> null;
        });
    }

    @Override
    public List<DomainInfo> listDomains() {
        return call(() -> directory.listDomains().stream().map(AdminService::info).toList(), e -> null);
    }

    // ---- rules ----

    @Override
    public List<RuleInfo> listRules() {
        return rules().list();
    }

    @Override
    public RuleInfo addIpRule(String range, String action, String comment, java.time.Instant expires) {
        return rules().addIp(range, action, comment, expires);
    }

    @Override
    public void removeIpRule(String range) {
        rules().removeIp(range);
    }

    @Override
    public RuleInfo addSenderRule(String pattern, String action, String scope, String comment, java.time.Instant expires) {
        return rules().addSender(pattern, action, scope, comment, expires);
    }

    @Override
    public void removeSenderRule(String pattern, String scope) {
        rules().removeSender(pattern, scope);
    }

    // ---- bans ----

    @Override
    public List<BanInfo> listBans() {
        return rules().bans();
    }

    @Override
    public BanInfo addBan(String client, java.time.Instant until, String reason) {
        return rules().addBan(client, until, reason);
    }

    @Override
    public void removeBan(String client) {
        rules().removeBan(client);
    }

    // ---- outbound holds ----

    @Override
    public List<OutboundHoldInfo> listOutboundHolds() {
        return rules().outboundHolds();
    }

    @Override
    public void releaseOutboundHold(String address) {
        rules().releaseOutboundHold(address);
    }

    // ---- quarantine ----

    @Override
    public List<QuarantineInfo> listQuarantine() {
        Quarantine q = quarantine();
        return call(() -> q.list().stream().map(this::info).toList(), e -> null);
    }

    @Override
    public QuarantinedMessage showQuarantined(String id) {
        Quarantine q = quarantine();
        String key = quarantineId(id);
        return call(() -> {
            QuarantineItem item = q.find(key).orElseThrow(() -> notFound(noQuarantined(key)));
            return new QuarantinedMessage(info(item), q.headerSection(key, 64 * 1024));
        }, e -> null);
    }

    @Override
    public QuarantineInfo releaseQuarantined(String id) {
        Quarantine q = quarantine();
        String key = quarantineId(id);
        return call(() -> {
            QuarantineItem item = q.find(key).orElseThrow(() -> notFound(noQuarantined(key)));
            q.release(key, directory);
            return info(item);
        }, e -> e instanceof StoreException.NotFound ? notFound(noQuarantined(key)) : null);
    }

    @Override
    public void deleteQuarantined(String id) {
        Quarantine q = quarantine();
        String key = quarantineId(id);
        run(() -> {
            if (!q.delete(key)) throw notFound(noQuarantined(key));
        }, e -> null);
    }

    private Quarantine quarantine() {
        if (quarantine == null) throw new AdminException(Kind.UNAVAILABLE, "the quarantine needs the store's records");
        return quarantine;
    }

    private static String quarantineId(String id) {
        String s = id == null ? "" : id.strip().toUpperCase(Locale.ROOT);
        if (!s.matches("[0-9A-Z]{1,40}")) throw invalid("not a quarantine id (the queue id of the message): " + Printable.of(id));
        return s;
    }

    private static String noQuarantined(String id) {
        return "no message " + id + " in the quarantine";
    }

    private QuarantineInfo info(QuarantineItem i) {
        List<String> rcpts = new ArrayList<>();
        for (long id : i.accountIds()) directory.findAccount(id).ifPresent(a -> rcpts.add(a.address().toString()));
        return new QuarantineInfo(i.id(), java.time.Instant.ofEpochMilli(i.arrivedMillis()).toString(), i.sender(), i.from(), i.subject(),
                rcpts, i.size(), i.reason(), i.check(), i.client());
    }

    // ---- SMS settings ----

    @Override
    public SmsInfo smsSettings(String user) {
        return sms().show(user);
    }

    @Override
    public SmsInfo setSms(String user, SmsChange change) {
        return sms().set(user, change);
    }

    @Override
    public SmsInfo verifySms(String user, String code) {
        return sms().verify(user, code);
    }

    @Override
    public SmsInfo resendSmsCode(String user) {
        return sms().resendCode(user);
    }

    // ---- global Sieve scripts ----

    @Override
    public List<SieveScriptInfo> listSieveScripts() {
        return sieve().list();
    }

    @Override
    public SieveScriptInfo sieveScript(String phase, String name) {
        return sieve().show(phase, name);
    }

    @Override
    public SieveScriptInfo putSieveScript(String phase, String name, String script) {
        return sieve().put(phase, name, script);
    }

    @Override
    public void removeSieveScript(String phase, String name) {
        sieve().remove(phase, name);
    }

    private SieveOperations sieve() {
        if (sieve == null) throw new AdminException(Kind.UNAVAILABLE, "global Sieve scripts need the store's records");
        return sieve;
    }

    private SmsOperations sms() {
        if (sms == null) throw new AdminException(Kind.UNAVAILABLE, "SMS settings need the store's records");
        return sms;
    }

    private RuleOperations rules() {
        if (rules == null) throw new AdminException(Kind.UNAVAILABLE, "rules need the store's records");
        return rules;
    }

    @Override
    public PostmasterInfo postmaster(String name) {
        String domain = domainName(name);
        return call(() -> {
            if (directory.findDomain(domain).isEmpty()) throw notFound(noDomain(domain));
            Postmaster.Destination d = postmaster.destination(domain);
            String via = switch (d) {
                case Postmaster.Own o -> "own";
                case Postmaster.Configured c -> "configured";
                case Postmaster.FirstAccount f -> "first-account";
                case Postmaster.Nowhere n -> "nowhere";
            };
            return new PostmasterInfo(Postmaster.LOCAL_PART + "@" + domain, via,
                    d.accounts().stream().map(a -> a.address().toString()).toList(), d.describe());
        }, e -> null);
    }

    @Override
    public DomainInfo setDomainQuota(String name, long quotaBytes) {
        String domain = domainName(name);
        size("quota", quotaBytes);
        return call(() -> info(directory.setDomainQuota(domain, quotaBytes)),
                e -> e instanceof StoreException.NotFound ? notFound(noDomain(domain)) : null);
    }

    @Override
    public DomainInfo setDomainMessageLimit(String name, long maxMessages) {
        String domain = domainName(name);
        count("message limit", maxMessages);
        return call(() -> info(directory.setDomainMessageLimit(domain, maxMessages)),
                e -> e instanceof StoreException.NotFound ? notFound(noDomain(domain)) : null);
    }

    // ---- users ----

    @Override
    public UserInfo addUser(String address, char[] password, long quotaBytes, long maxMessageBytes) {
        EmailAddress user = address(address);
        checkPassword(user, password);
        size("quota", quotaBytes);
        size("message size limit", maxMessageBytes);
        // Hash before any store call: Argon2 is deliberately slow and must not sit inside a transaction.
        String hash = hasher.hash(password);
        return call(() -> info(directory.addAccount(user, hash, quotaBytes, maxMessageBytes)), e -> switch (e) {
            case StoreException.NotFound nf when directory.findDomain(user.domain()).isEmpty() -> notFound(noDomain(user.domain()));
            case StoreException.Conflict c when directory.findAccount(user).isPresent() -> conflict("account " + user + " already exists");
            default -> null;
        });
    }

    @Override
    public UserInfo updateUser(String address, char[] password, Long quotaBytes, Long maxMessageBytes, Long maxMessages) {
        EmailAddress user = address(address);
        if (password != null) checkPassword(user, password);
        if (quotaBytes != null) size("quota", quotaBytes);
        if (maxMessageBytes != null) size("message size limit", maxMessageBytes);
        if (maxMessages != null) count("message limit", maxMessages);
        if (password == null && quotaBytes == null && maxMessageBytes == null && maxMessages == null) {
            // Nothing to change: answer with the account as it is (an empty PATCH is not an error).
            return call(() -> directory.findAccount(user).map(this::info)
                    .orElseThrow(() -> notFound(noAccount(user))), e -> null);
        }
        String hash = password == null ? null : hasher.hash(password);
        return call(() -> info(directory.updateAccount(user, new AccountChange(hash, quotaBytes, maxMessageBytes, maxMessages))),
                e -> e instanceof StoreException.NotFound ? notFound(noAccount(user)) : null);
    }

    @Override
    public void removeUser(String address) {
        EmailAddress user = address(address);
        run(() -> directory.removeAccount(user),
                e -> e instanceof StoreException.NotFound ? notFound(noAccount(user)) : null);
    }

    @Override
    public List<UserInfo> listUsers(String domain) {
        String d = domain == null ? null : domainName(domain);
        return call(() -> {
            java.util.Set<Long> disabled = logins == null ? java.util.Set.of() : logins.disabledAccounts();
            List<UserInfo> users = directory.listAccounts(d).stream().map(a -> info(a, !disabled.contains(a.id()))).toList();
            // An empty list for a misspelt domain would look like "no users": say what is wrong instead.
            if (users.isEmpty() && d != null && directory.findDomain(d).isEmpty()) throw notFound(noDomain(d));
            return users;
        }, e -> e instanceof StoreException.NotFound && d != null ? notFound(noDomain(d)) : null);
    }

    // ---- an account's logins ----

    @Override
    public UserInfo setUserEnabled(String address, boolean enabled) {
        Account account = loginAccount(address);
        run(() -> {
            if (enabled) logins.enable(account.id());
            else logins.disable(account.id(), null, java.time.Instant.now());
        }, e -> null);
        return info(account, enabled);
    }

    @Override
    public List<AppPasswordInfo> appPasswords(String address) {
        Account account = loginAccount(address);
        return call(() -> logins.appPasswords(account.id()).stream().map(p -> new AppPasswordInfo(p.name(), p.created())).toList(), e -> null);
    }

    @Override
    public AppPasswordCreated addAppPassword(String address, String name) {
        Account account = loginAccount(address);
        String n = appPasswordName(name);
        java.time.Instant now = java.time.Instant.now();
        return call(() -> {
            if (logins.appPasswords(account.id()).size() >= org.twinmail.store.AccountLogins.MAX_APP_PASSWORDS) {
                throw invalid(account.address() + " has " + org.twinmail.store.AccountLogins.MAX_APP_PASSWORDS
                        + " app passwords already; revoke one first");
            }
            String password = logins.addAppPassword(account.id(), n, now)
                    .orElseThrow(() -> conflict(account.address() + " already has an app password named " + Printable.of(n)));
            return new AppPasswordCreated(account.address().toString(), n, now.toString(), password);
        }, e -> null);
    }

    @Override
    public void removeAppPassword(String address, String name) {
        Account account = loginAccount(address);
        String n = appPasswordName(name);
        run(() -> {
            if (!logins.removeAppPassword(account.id(), n)) {
                throw notFound(account.address() + " has no app password named " + Printable.of(n));
            }
        }, e -> null);
    }

    private Account loginAccount(String address) {
        if (logins == null) throw new AdminException(Kind.UNAVAILABLE, "account logins need the store's records");
        EmailAddress user = address(address);
        return call(() -> directory.findAccount(user).orElseThrow(() -> notFound(noAccount(user))), e -> null);
    }

    private static String appPasswordName(String name) {
        String n = name == null ? "" : name.strip();
        if (n.isEmpty()) throw invalid("an app password needs a name (what it is for: \"phone\", \"laptop\")");
        if (n.length() > org.twinmail.store.AccountLogins.MAX_NAME) {
            throw invalid("an app password's name is at most " + org.twinmail.store.AccountLogins.MAX_NAME + " characters");
        }
        if (n.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) throw invalid("an app password's name must be printable");
        return n;
    }

    // ---- forwarding ----

    @Override
    public ForwardingInfo forwarding(String address) {
        Account account = forwardingAccount(address);
        return call(() -> records.record(ForwardingSetting.KIND, Records.accountScope(account.id()), ForwardingSetting.NAME)
                .map(r -> forwardingInfo(account, ForwardingSetting.decode(r.value())))
                .orElse(new ForwardingInfo(account.address().toString(), List.of(), true)), e -> null);
    }

    @Override
    public ForwardingInfo setForwarding(String address, List<String> to, boolean keepCopy) {
        Account account = forwardingAccount(address);
        ForwardingSetting setting;
        try {
            setting = ForwardingSetting.of(to == null ? List.of() : to, keepCopy);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        if (setting.to().stream().anyMatch(a -> a.key().equals(account.address().key()))) {
            throw invalid("an account cannot forward to itself: " + account.address());
        }
        run(() -> records.putRecord(ForwardingSetting.KIND, Records.accountScope(account.id()), ForwardingSetting.NAME, setting.encode(), 0),
                e -> null);
        return forwardingInfo(account, setting);
    }

    @Override
    public void removeForwarding(String address) {
        Account account = forwardingAccount(address);
        run(() -> records.deleteRecord(ForwardingSetting.KIND, Records.accountScope(account.id()), ForwardingSetting.NAME), e -> null);
    }

    private Account forwardingAccount(String address) {
        if (records == null) throw new AdminException(Kind.UNAVAILABLE, "forwarding needs the store's records");
        EmailAddress user = address(address);
        return call(() -> directory.findAccount(user).orElseThrow(() -> notFound(noAccount(user))), e -> null);
    }

    private static ForwardingInfo forwardingInfo(Account account, ForwardingSetting s) {
        return new ForwardingInfo(account.address().toString(), s.to().stream().map(EmailAddress::toString).toList(), s.keepCopy());
    }

    // ---- spam level ----

    @Override
    public SpamLevelInfo spamLevel(String address) {
        Account account = spamLevelAccount(address);
        return call(() -> new SpamLevelInfo(account.address().toString(), records.record(SpamLevel.KIND, Records.accountScope(account.id()),
                SpamLevel.NAME).map(r -> SpamLevel.decode(r.value())).orElse(SpamLevel.NORMAL).text()), e -> null);
    }

    @Override
    public SpamLevelInfo setSpamLevel(String address, String level) {
        Account account = spamLevelAccount(address);
        SpamLevel parsed;
        try {
            parsed = SpamLevel.parse(level);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        String scope = Records.accountScope(account.id());
        if (parsed.equals(SpamLevel.NORMAL)) run(() -> records.deleteRecord(SpamLevel.KIND, scope, SpamLevel.NAME), e -> null);
        else run(() -> records.putRecord(SpamLevel.KIND, scope, SpamLevel.NAME, parsed.encode(), 0), e -> null);
        return new SpamLevelInfo(account.address().toString(), parsed.text());
    }

    private Account spamLevelAccount(String address) {
        if (records == null) throw new AdminException(Kind.UNAVAILABLE, "spam levels need the store's records");
        EmailAddress user = address(address);
        return call(() -> directory.findAccount(user).orElseThrow(() -> notFound(noAccount(user))), e -> null);
    }

    // ---- shared accounts and access control lists ----

    @Override
    public SharingInfo sharing(String address) {
        Account account = sharingAccount(address);
        return call(() -> sharingInfo(account), e -> null);
    }

    @Override
    public SharingInfo setShared(String address, boolean shared) {
        Account account = sharingAccount(address);
        return call(() -> {
            access.setSharedAccount(account.id(), shared);
            return sharingInfo(account);
        }, e -> e instanceof StoreException.NotFound ? notFound(noAccount(account.address())) : null);
    }

    @Override
    public SharingInfo grant(String address, String mailbox, String identifier, String rights) {
        Account account = sharingAccount(address);
        Rights r;
        try {
            r = Rights.parse(rights == null ? "" : rights.strip());
        } catch (IllegalArgumentException e) {
            throw invalid("rights are letters of " + Rights.LETTERS + ": " + e.getMessage());
        }
        String id = identifier(identifier);
        org.twinmail.core.model.Mailbox box = sharedMailbox(account, mailbox);
        // the owner acts: it has every right on its own mailboxes, so the store checks nothing but the identifier
        return call(() -> {
            access.forAccount(account.id()).setRights(box.id(), id, r);
            return sharingInfo(account);
        }, e -> null);
    }

    @Override
    public SharingInfo revoke(String address, String mailbox, String identifier) {
        Account account = sharingAccount(address);
        String id = identifier(identifier);
        org.twinmail.core.model.Mailbox box = sharedMailbox(account, mailbox);
        return call(() -> {
            access.forAccount(account.id()).removeRights(box.id(), id);
            return sharingInfo(account);
        }, e -> null);
    }

    private Account sharingAccount(String address) {
        if (access == null) throw new AdminException(Kind.UNAVAILABLE, "shared accounts need the store's access control");
        EmailAddress user = address(address);
        return call(() -> directory.findAccount(user).orElseThrow(() -> notFound(noAccount(user))), e -> null);
    }

    /** {@code user@domain}, {@code anyone@domain} or {@code anyone}, lower case (the store checks that it names something). */
    private static String identifier(String identifier) {
        if (identifier == null || identifier.isBlank()) throw invalid("no identifier given (user@domain, anyone@domain or anyone)");
        String id = identifier.strip().toLowerCase(Locale.ROOT);
        if (!id.equals(MailboxAccess.ANYONE) && id.indexOf('@') <= 0) {
            throw invalid("not an identifier (user@domain, anyone@domain or anyone): " + Printable.of(identifier));
        }
        return id;
    }

    private org.twinmail.core.model.Mailbox sharedMailbox(Account account, String mailbox) {
        String name = mailbox == null || mailbox.isBlank() ? "INBOX" : mailbox.strip();
        String n = name.equalsIgnoreCase("INBOX") ? "INBOX" : name;
        return call(() -> mailboxes.mailbox(account.id(), n)
                .orElseThrow(() -> notFound("mailbox " + Printable.of(n) + " of " + account.address() + " does not exist")), e -> null);
    }

    private SharingInfo sharingInfo(Account account) {
        AccountMailboxes owner = access.forAccount(account.id());
        String self = account.address().key();
        List<MailboxGrants> boxes = new ArrayList<>();
        for (org.twinmail.core.model.Mailbox m : mailboxes.mailboxes(account.id())) {
            List<Grant> grants = new ArrayList<>();
            for (AclEntry e : owner.acl(m.id())) {
                if (!e.identifier().equals(self)) grants.add(new Grant(e.identifier(), e.rights().toString()));
            }
            if (!grants.isEmpty()) boxes.add(new MailboxGrants(m.name(), grants));
        }
        return new SharingInfo(account.address().toString(), access.isSharedAccount(account.id()), boxes);
    }

    // ---- aliases ----

    @Override
    public AliasInfo addAlias(String source, List<String> targets) {
        String src = aliasSource(source);
        if (targets == null || targets.isEmpty()) throw invalid("alias " + src + " needs at least one target address");
        // Duplicates are dropped (compared as the directory compares: case-insensitively), order is kept.
        Map<String, EmailAddress> unique = new LinkedHashMap<>();
        for (String t : targets) {
            EmailAddress a = address(t);
            if (a.key().equals(src.toLowerCase(Locale.ROOT))) throw invalid("alias " + src + " cannot point at itself");
            unique.putIfAbsent(a.key(), a);
        }
        List<EmailAddress> to = List.copyOf(unique.values());
        String srcDomain = src.substring(src.lastIndexOf('@') + 1);
        return call(() -> info(directory.addAlias(src, to)), e -> {
            if (!(e instanceof StoreException.NotFound)) return null;
            if (directory.findDomain(srcDomain).isEmpty()) return notFound(noDomain(srcDomain));
            return null;
        });
    }

    @Override
    public void removeAlias(String source) {
        String src = aliasSource(source);
        run(() -> directory.removeAlias(src),
                e -> e instanceof StoreException.NotFound ? notFound("alias " + src + " does not exist") : null);
    }

    @Override
    public List<AliasInfo> listAliases(String domain) {
        String d = domain == null ? null : domainName(domain);
        return call(() -> {
            List<AliasInfo> aliases = directory.listAliases(d).stream().map(AdminService::info).toList();
            if (aliases.isEmpty() && d != null && directory.findDomain(d).isEmpty()) throw notFound(noDomain(d));
            return aliases;
        }, e -> e instanceof StoreException.NotFound && d != null ? notFound(noDomain(d)) : null);
    }

    // ---- outbound queue ----

    /** Most queued messages one listing returns. */
    static final int MAX_QUEUE_LIST = 100_000;

    @Override
    public List<QueueInfo> listQueue(int limit) {
        if (limit < 1 || limit > MAX_QUEUE_LIST) throw invalid("the listing limit must be between 1 and " + MAX_QUEUE_LIST);
        return call(() -> queue.listQueue(limit).stream().map(AdminService::info).toList(), e -> null);
    }

    @Override
    public int retryQueue(long id) {
        if (id < 0) throw invalid("not a queue id: " + id);
        return call(() -> {
            int n = queue.retryQueued(id, java.time.Instant.now());
            if (n == 0 && id > 0 && queue.listQueue(MAX_QUEUE_LIST).stream().noneMatch(q -> q.id() == id)) {
                throw notFound("queued message " + id + " does not exist");
            }
            return n;
        }, e -> null);
    }

    @Override
    public int bounceQueued(long id, String reason) {
        if (id < 1) throw invalid("not a queue id: " + id);
        if (records == null) throw new AdminException(Kind.UNAVAILABLE, "bouncing needs the store's records");
        String why = reason == null ? "" : reason.strip();
        if (why.length() > 200 || why.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw invalid("the reason is one printable line of at most 200 characters");
        }
        return call(() -> {
            if (queue.listQueue(MAX_QUEUE_LIST).stream().noneMatch(q -> q.id() == id)) throw notFound("queued message " + id + " does not exist");
            org.twinmail.store.QueueBounces.request(records, id, why, System.currentTimeMillis());
            return queue.retryQueued(id, java.time.Instant.now());
        }, e -> null);
    }

    @Override
    public void deleteQueued(long id) {
        if (id < 1) throw invalid("not a queue id: " + id);
        call(() -> {
            if (!queue.deleteQueued(id)) throw notFound("queued message " + id + " does not exist");
            return null;
        }, e -> null);
    }

    private static QueueInfo info(org.twinmail.store.QueueEntry q) {
        return new QueueInfo(q.id(), q.sender(), q.size(), q.arrival().toString(), q.recipients().stream()
                .map(r -> new QueuedRecipientInfo(r.address(), r.attempts(), r.nextAttempt().toString(), r.active(), r.lastReply()))
                .toList());
    }

    // ---- DKIM keys ----

    @Override
    public DkimInfo generateDkimKey(String name, String selector, int bits) {
        DkimKeys keys = dkimKeys();
        String domain = servedDomain(name);
        if (bits < DkimKeys.MIN_BITS || bits > DkimKeys.MAX_BITS) {
            throw invalid("a DKIM key must have " + DkimKeys.MIN_BITS + " to " + DkimKeys.MAX_BITS + " bits, not " + bits);
        }
        String s;
        try {
            s = selector == null || selector.isBlank() ? keys.selector(domain) : DkimKeys.selectorName(selector, "selector");
        } catch (IllegalArgumentException e) {
            throw invalid("not a DKIM selector: " + Printable.of(selector) + " (use DNS labels: letters, digits, '-', '_', '.')");
        }
        try {
            return info(keys.generate(domain, s, bits), keys);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw conflict("domain " + domain + " already has a DKIM key for selector " + s + " (" + keys.keyFile(domain, s)
                    + "); keys are never replaced: generate one under a new --selector, publish it, then sign with it (relay.dkim.domains)");
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new AdminException(Kind.UNAVAILABLE, "cannot write the DKIM key of " + domain + ": " + oneLine(e.getMessage()));
        }
    }

    @Override
    public DkimInfo showDkimKey(String name) {
        DkimKeys keys = dkimKeys();
        String domain = servedDomain(name);
        try {
            return keys.record(domain).map(r -> info(r, keys)).orElseThrow(() -> notFound("domain " + domain + " has no DKIM key for selector "
                    + keys.selector(domain) + " (" + keys.keyFile(domain, keys.selector(domain)) + "); create one with: twinmail admin dkim generate " + domain));
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new AdminException(Kind.UNAVAILABLE, "cannot read the DKIM key of " + domain + ": " + oneLine(e.getMessage()));
        }
    }

    private DkimKeys dkimKeys() {
        if (dkim == null) throw new AdminException(Kind.UNAVAILABLE, "DKIM keys are not managed through this connection");
        return dkim;
    }

    /** A domain this server serves: DKIM keys are for mail it sends as its own. */
    private String servedDomain(String name) {
        String domain = domainName(name);
        if (call(() -> directory.findDomain(domain), e -> null).isEmpty()) throw notFound(noDomain(domain));
        return domain;
    }

    private static DkimInfo info(DkimRecord r, DkimKeys keys) {
        return new DkimInfo(r.domain(), r.selector(), r.keyFile().toString(), r.bits(), keys.selector(r.domain()).equals(r.selector()), r.zoneLine());
    }

    // ---- validation at the boundary ----

    /** A domain name as the operations compare it (lower case, no trailing dot); INVALID when it is none. */
    public static String normalDomain(String name) {
        return domainName(name);
    }

    /** Lower case, surrounding blanks and one trailing dot (DNS's absolute form, as pasted from a zone file) removed. */
    static String domainName(String name) {
        if (name == null || name.isBlank()) throw invalid("no domain name given");
        String d = name.strip().toLowerCase(Locale.ROOT);
        if (d.endsWith(".") && d.length() > 1) d = d.substring(0, d.length() - 1);
        if (d.startsWith("[")) throw invalid("not a domain name: " + Printable.of(name) + " (address literals cannot be mail domains)");
        try {
            EmailAddress.validateDomain(d);
        } catch (IllegalArgumentException e) {
            throw invalid("not a domain name: " + Printable.of(name) + " (" + e.getMessage() + ")");
        }
        return d;
    }

    static EmailAddress address(String text) {
        if (text == null || text.isBlank()) throw invalid("no address given");
        String s = text.strip();
        try {
            return EmailAddress.parse(s);
        } catch (IllegalArgumentException e) {
            int at = s.lastIndexOf('@');
            // Without a usable '@' the input is plainly no address; otherwise say which part is wrong.
            String why = at <= 0 || at == s.length() - 1 ? "" : " (" + e.getMessage() + ")";
            throw invalid("not an address: " + Printable.of(s) + why);
        }
    }

    /** {@code user@domain}, or {@code @domain} for the domain's catch-all. */
    static String aliasSource(String source) {
        if (source != null && source.strip().startsWith("@")) {
            String rest = source.strip().substring(1);
            if (rest.isBlank()) throw invalid("not an alias source: " + Printable.of(source) + " (use user@domain or @domain)");
            return "@" + domainName(rest);
        }
        return address(source).toString();
    }

    private void checkPassword(EmailAddress user, char[] password) {
        String refusal = passwordPolicy.refusal(user, password);
        if (refusal != null) throw invalid(refusal);
    }

    private static void size(String what, long bytes) {
        if (bytes < 0) throw invalid("the " + what + " must be 0 or more bytes, not " + bytes);
    }

    private static void count(String what, long messages) {
        if (messages < 0) throw invalid("the " + what + " must be 0 or more messages, not " + messages);
    }

    // ---- failures ----

    /**
     * Runs one store call. {@code explain} may turn a store failure into a precise
     * AdminException (or return null to fall back to the generic mapping by type, with
     * the store's own message).
     */
    static <T> T call(Supplier<T> op, java.util.function.Function<StoreException, AdminException> explain) {
        try {
            return op.get();
        } catch (StoreException e) {
            AdminException precise;
            try {
                precise = explain.apply(e);
            } catch (StoreException again) {
                precise = null; // the store failed while we looked for the reason: report the first failure
            }
            throw precise != null ? precise : generic(e);
        } catch (IllegalArgumentException e) {
            // The store's own validation (it may be stricter than ours); the message is meant for people.
            throw invalid(oneLine(e.getMessage()));
        }
    }

    static void run(Runnable op, java.util.function.Function<StoreException, AdminException> explain) {
        call(() -> {
            op.run();
            return null;
        }, explain);
    }

    private static AdminException generic(StoreException e) {
        String msg = oneLine(e.getMessage());
        return switch (e) {
            case StoreException.NotFound nf -> new AdminException(Kind.NOT_FOUND, msg);
            case StoreException.Conflict c -> new AdminException(Kind.CONFLICT, msg);
            // A fenced node must not be written through; the operator should use the active node.
            case StoreException.StaleEpoch s -> new AdminException(Kind.UNAVAILABLE, msg + "; run the command on the active node");
            case StoreException.Unavailable u -> new AdminException(Kind.UNAVAILABLE, "store unavailable: " + msg);
            default -> new AdminException(Kind.UNAVAILABLE, "store error: " + msg);
        };
    }

    private String contents(String domain) {
        List<String> parts = new ArrayList<>();
        try {
            int accounts = directory.listAccounts(domain).size();
            int aliases = directory.listAliases(domain).size();
            if (accounts > 0) parts.add(accounts + (accounts == 1 ? " account" : " accounts"));
            if (aliases > 0) parts.add(aliases + (aliases == 1 ? " alias" : " aliases"));
        } catch (StoreException e) {
            // counting is only for the message
        }
        return parts.isEmpty() ? "accounts or aliases" : String.join(" and ", parts);
    }

    static String noDomain(String domain) {
        return "domain " + domain + " does not exist";
    }

    static String noAccount(EmailAddress user) {
        return "account " + user + " does not exist";
    }

    static AdminException invalid(String message) {
        return new AdminException(Kind.INVALID, message);
    }

    static AdminException notFound(String message) {
        return new AdminException(Kind.NOT_FOUND, message);
    }

    static AdminException conflict(String message) {
        return new AdminException(Kind.CONFLICT, message);
    }

    /** Messages travel in one JSON field and one CLI line. */
    public static String oneLine(String s) {
        if (s == null || s.isBlank()) return "unknown error";
        return s.replaceAll("[\\r\\n]+", " ").strip();
    }

    // ---- views ----

    private static DomainInfo info(Domain d) {
        return new DomainInfo(d.name(), d.quotaBytes(), d.usedBytes(), d.maxMessages(), d.messageCount());
    }

    private UserInfo info(Account a) {
        return info(a, logins == null || logins.disabled(a.id()).isEmpty());
    }

    private static UserInfo info(Account a, boolean enabled) {
        return new UserInfo(a.address().toString(), a.quotaBytes(), a.maxMessageBytes(), a.usedBytes(), a.messageCount(), a.maxMessages(), enabled);
    }

    private static AliasInfo info(Alias a) {
        return new AliasInfo(a.source(), a.targets().stream().map(EmailAddress::toString).toList());
    }
}
