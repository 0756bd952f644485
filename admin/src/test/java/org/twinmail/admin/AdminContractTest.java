package org.twinmail.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminException.Kind;
import org.twinmail.admin.AdminOperations.AliasInfo;
import org.twinmail.admin.AdminOperations.ForwardingInfo;
import org.twinmail.admin.AdminOperations.Grant;
import org.twinmail.admin.AdminOperations.MailboxGrants;
import org.twinmail.admin.AdminOperations.SharingInfo;
import org.twinmail.admin.AdminOperations.DkimInfo;
import org.twinmail.admin.AdminOperations.DomainInfo;
import org.twinmail.admin.AdminOperations.PostmasterInfo;
import org.twinmail.admin.AdminOperations.RuleInfo;
import org.twinmail.admin.AdminOperations.BanInfo;
import org.twinmail.admin.AdminOperations.QuarantineInfo;
import org.twinmail.admin.AdminOperations.QuarantinedMessage;
import org.twinmail.admin.AdminOperations.UserInfo;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.mail.dkim.DkimKeys;
import org.twinmail.store.MailStore;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/**
 * What every {@link AdminOperations} must do, run against a real embedded store twice:
 * directly through {@link AdminService}, and through {@link AdminClient} over HTTP to an
 * http's AdminApi in front of an AdminService (AdminClientRoundTripTest, in http). The CLI must not be able to tell which
 * one it holds, so both must give the same results and the same errors, kind and message.
 */
public abstract class AdminContractTest {
    /** Cheap Argon2 parameters: the tests check that a hash is stored, not its cost. */
    protected static final PasswordHasher HASHER = new PasswordHasher(1024, 1, 1);

    @TempDir
    protected Path dataDir;
    protected MailStore store;
    protected AdminOperations ops;

    /** The implementation under test, on top of {@code service} (which works on {@link #store}). */
    protected abstract AdminOperations open(AdminService service) throws Exception;

    protected void closeOps() throws Exception { }

    @BeforeEach
    void setUp() throws Exception {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
        ops = open(new AdminService(store, HASHER, new DkimKeys(dataDir.resolve("dkim"), "twinmail", List.of())).clients(clientSettings()));
    }

    @Test
    void aPasswordThatIsTheAccountsOwnNameIsRefused() {
        ops.addDomain("example.org");
        fails(() -> ops.addUser("alice@example.org", "Alice".toCharArray(), 0, 0), Kind.INVALID,
                "the password must not be the account's address or its user name");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        fails(() -> ops.updateUser("alice@example.org", "ALICE@example.org".toCharArray(), null, null), Kind.INVALID,
                "the password must not be the account's address or its user name");
    }

    @AfterEach
    void tearDown() throws Exception {
        closeOps();
        store.close();
    }

    protected static void fails(ThrowingCallable call, Kind kind, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(AdminException.class, e -> {
            assertThat(e.kind()).as("kind of: " + e.getMessage()).isEqualTo(kind);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    protected static void failsStartingWith(ThrowingCallable call, Kind kind, String prefix) {
        assertThatThrownBy(call).isInstanceOfSatisfying(AdminException.class, e -> {
            assertThat(e.kind()).as("kind of: " + e.getMessage()).isEqualTo(kind);
            assertThat(e.getMessage()).startsWith(prefix).doesNotContain("\n");
        });
    }

    /** A node published as mail.example.net with HTTPS on 443 (through a port map) and no plain POP3. */
    static DomainDns.Settings clientSettings() {
        org.twinmail.core.config.TwinmailConfig c = new org.twinmail.core.config.TwinmailConfig();
        c.clients.host = "mail.example.net";
        c.http.tlsListen = List.of(org.twinmail.core.config.Listen.parse("0.0.0.0:8443"));
        c.clients.ports = java.util.Map.of("https", 443, "imaps", 993, "pop3", 0);
        return DomainDns.Settings.of(c);
    }

    // ---- an account's logins (issue 15) ----

    @Test
    void accountsAreDisabledAndEnabledAndListedSo() {
        ops.addDomain("example.org");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        ops.addUser("bob@example.org", "pw".toCharArray(), 0, 0);
        assertThat(ops.setUserEnabled("Alice@example.org", false)).isEqualTo(new UserInfo("alice@example.org", 0, 0, 0, 0, 0, false));
        assertThat(ops.setUserEnabled("alice@example.org", false).enabled()).isFalse(); // twice: no change, no error
        assertThat(ops.listUsers("example.org")).extracting(UserInfo::address, UserInfo::enabled).containsExactly(
                org.assertj.core.groups.Tuple.tuple("alice@example.org", false), org.assertj.core.groups.Tuple.tuple("bob@example.org", true));
        assertThat(ops.updateUser("alice@example.org", null, 10L, null).enabled()).isFalse();
        assertThat(new org.twinmail.store.AccountLogins(store).login(store.findAccount(EmailAddress.parse("alice@example.org")).orElseThrow().id())
                .disabled()).isPresent();
        assertThat(ops.setUserEnabled("alice@example.org", true).enabled()).isTrue();
        assertThat(ops.listUsers(null)).extracting(UserInfo::enabled).containsExactly(true, true);
        fails(() -> ops.setUserEnabled("carol@example.org", false), Kind.NOT_FOUND, "account carol@example.org does not exist");
    }

    @Test
    void appPasswordsAreMadeShownOnceListedAndRevoked() {
        ops.addDomain("example.org");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        AdminOperations.AppPasswordCreated phone = ops.addAppPassword("alice@example.org", " phone ");
        assertThat(phone.address()).isEqualTo("alice@example.org");
        assertThat(phone.name()).isEqualTo("phone");
        assertThat(phone.password()).matches("[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}");
        AdminOperations.AppPasswordCreated laptop = ops.addAppPassword("alice@example.org", "laptop");
        assertThat(laptop.password()).isNotEqualTo(phone.password());
        assertThat(ops.appPasswords("alice@example.org")).extracting(AdminOperations.AppPasswordInfo::name).containsExactly("laptop", "phone");
        assertThat(ops.appPasswords("alice@example.org").getLast().created()).isEqualTo(phone.created());
        // kept as a digest only: the records never hold the password
        long id = store.findAccount(EmailAddress.parse("alice@example.org")).orElseThrow().id();
        assertThat(store.records(org.twinmail.store.AccountLogins.KIND, org.twinmail.store.Records.accountScope(id)))
                .allSatisfy(r -> assertThat(new String(r.value(), java.nio.charset.StandardCharsets.UTF_8))
                        .doesNotContain(phone.password()).doesNotContain(phone.password().replace("-", "")));
        assertThat(new org.twinmail.store.AccountLogins(store).login(id).matchesAppPassword(phone.password().toUpperCase().replace("-", " ").toCharArray()))
                .isTrue();
        fails(() -> ops.addAppPassword("alice@example.org", "phone"), Kind.CONFLICT, "alice@example.org already has an app password named phone");
        fails(() -> ops.addAppPassword("alice@example.org", " "), Kind.INVALID, "an app password needs a name (what it is for: \"phone\", \"laptop\")");
        fails(() -> ops.addAppPassword("nobody@example.org", "x"), Kind.NOT_FOUND, "account nobody@example.org does not exist");
        ops.removeAppPassword("alice@example.org", "phone");
        assertThat(new org.twinmail.store.AccountLogins(store).login(id).matchesAppPassword(phone.password().toCharArray())).isFalse();
        fails(() -> ops.removeAppPassword("alice@example.org", "phone"), Kind.NOT_FOUND, "alice@example.org has no app password named phone");
        assertThat(ops.appPasswords("alice@example.org")).extracting(AdminOperations.AppPasswordInfo::name).containsExactly("laptop");
        for (int i = 1; i < org.twinmail.store.AccountLogins.MAX_APP_PASSWORDS; i++) ops.addAppPassword("alice@example.org", "device " + i);
        fails(() -> ops.addAppPassword("alice@example.org", "one more"), Kind.INVALID,
                "alice@example.org has 20 app passwords already; revoke one first");
    }

    @Test
    void accountsAreImportedRowByRowWithEachRowsOutcomeAndExported() {
        ops.addDomain("example.org");
        ops.addDomain("other.org");
        ops.addUser("old@example.org", "pw".toCharArray(), 0, 0);
        AdminOperations.ImportResult r = ops.importUsers("address,password,quota,max_messages,enabled\n"
                + "new@example.org,new password,2M,100,\n"
                + "old@example.org,,5M,,false\n"
                + "nopw@example.org,,,,\n"
                + "x@nowhere.org,pw,,,\n"
                + "y@example.org,pw,big,,\n"
                + "z@other.org,pw,,,\n", "example.org");
        assertThat(r.created()).isEqualTo(1);
        assertThat(r.updated()).isEqualTo(1);
        assertThat(r.failed()).isEqualTo(4);
        assertThat(r.rows()).extracting(AdminOperations.ImportRow::line, AdminOperations.ImportRow::outcome, AdminOperations.ImportRow::error)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(2, "created", null),
                        org.assertj.core.groups.Tuple.tuple(3, "updated", null),
                        org.assertj.core.groups.Tuple.tuple(4, "error", "account nopw@example.org does not exist; a new account needs a password"),
                        org.assertj.core.groups.Tuple.tuple(5, "error", "x@nowhere.org is not in example.org"),
                        org.assertj.core.groups.Tuple.tuple(6, "error", "quota: not a size (use e.g. 512, 25M, 2G): big"),
                        org.assertj.core.groups.Tuple.tuple(7, "error", "z@other.org is not in example.org"));
        assertThat(ops.listUsers("example.org")).containsExactly(new UserInfo("new@example.org", 2L << 20, 0, 0, 0, 100, true),
                new UserInfo("old@example.org", 5L << 20, 0, 0, 0, 0, false));
        assertThat(PasswordHasher.verify("new password".toCharArray(), store.findAccount(EmailAddress.parse("new@example.org")).orElseThrow().passwordHash()))
                .isTrue();
        assertThat(ops.importUsers("address,password\nx@nowhere.org,pw\n", null).rows().getFirst().error()).isEqualTo("domain nowhere.org does not exist");
        assertThat(ops.exportUsers("example.org")).isEqualTo("address,password,quota,max_message,max_messages,enabled,used_bytes,messages\r\n"
                + "new@example.org,,2097152,0,100,true,0,0\r\n" + "old@example.org,,5242880,0,0,false,0,0\r\n");
        fails(() -> ops.importUsers("adress\n", null), Kind.INVALID,
                "unknown column \"adress\" in the first line (known: address, password, quota, max_message, max_messages, enabled, used_bytes, messages)");
    }

    // ---- administrators of the console (issue 15) ----

    @Test
    void administratorsAreAddedChangedAndRemoved() {
        ops.addDomain("example.org");
        AdminOperations.AdminCreated a = ops.addAdmin("Dora", "a long password".toCharArray(), "domain", List.of("example.org"));
        assertThat(a.admin()).isEqualTo(new AdminOperations.AdminInfo("dora", "domain", List.of("example.org"), true, a.admin().created()));
        assertThat(a.totpSecret()).matches("[A-Z2-7]{32}");
        assertThat(a.totpUri()).contains("secret=" + a.totpSecret());
        assertThat(ops.listAdmins()).extracting(AdminOperations.AdminInfo::name).containsExactly("dora");
        AdminOperations.AdminCreated b = ops.updateAdmin("dora", null, "global", List.of(), false, false);
        assertThat(b.admin().role()).isEqualTo("global");
        assertThat(b.admin().enabled()).isFalse();
        assertThat(b.totpSecret()).isNull();
        fails(() -> ops.addAdmin("dora", "a long password".toCharArray(), "global", null), Kind.CONFLICT, "administrator dora already exists");
        fails(() -> ops.addAdmin("x", "short".toCharArray(), "global", null), Kind.INVALID,
                "an administrator's password has at least 10 characters");
        fails(() -> ops.addAdmin("x", "a long password".toCharArray(), "domain", List.of("nowhere.org")), Kind.NOT_FOUND,
                "domain nowhere.org does not exist");
        ops.removeAdmin("dora");
        fails(() -> ops.removeAdmin("dora"), Kind.NOT_FOUND, "administrator dora does not exist");
        assertThat(ops.listAdmins()).isEmpty();
    }

    @Test
    void theAuditLogRefusesABadQuery() {
        fails(() -> ops.audit(10, "yesterday", null, null), Kind.INVALID, "since must be a date (2026-12-31): yesterday");
        fails(() -> ops.audit(0, null, null, null), Kind.INVALID, "limit must be 1 to 10000");
        assertThat(ops.audit(10, null, "nobody", null)).isEmpty();
    }

    // ---- domains ----

    @Test
    void domainDnsPrintsTheRecordsOfAServedDomainFromTheNodesSettings() {
        fails(() -> ops.domainDns("nowhere.example"), Kind.NOT_FOUND, "domain nowhere.example does not exist");
        assertThat(ops.servesDomain("example.com")).isFalse();
        ops.addDomain("Example.COM");
        assertThat(ops.servesDomain("EXAMPLE.com")).isTrue();
        assertThat(ops.servesDomain("not a domain")).isFalse();
        AdminOperations.DomainDnsInfo dns = ops.domainDns("example.com");
        assertThat(dns.domain()).isEqualTo("example.com");
        assertThat(dns.records()).extracting(AdminOperations.DnsRecordInfo::zoneLine).contains(
                "example.com. 3600 IN MX 10 mail.example.net.",
                "example.com. 3600 IN TXT \"v=spf1 mx -all\"",
                "_imaps._tcp.example.com. 3600 IN SRV 0 1 993 mail.example.net.",
                "_imap._tcp.example.com. 3600 IN SRV 10 1 2143 mail.example.net.",
                "_pop3._tcp.example.com. 3600 IN SRV 0 0 0 .",
                "_submissions._tcp.example.com. 3600 IN SRV 0 1 2465 mail.example.net.",
                "mta-sts.example.com. 3600 IN CNAME mail.example.net.",
                "_autodiscover._tcp.example.com. 3600 IN SRV 0 1 443 mail.example.net.");
        assertThat(dns.records()).anySatisfy(r -> assertThat(r.zoneLine())
                .matches("_mta-sts\\.example\\.com\\. 3600 IN TXT \"v=STSv1; id=[0-9a-f]{20}\""));
        assertThat(dns.records()).anySatisfy(r -> assertThat(r.zoneLine())
                .isEqualTo("_smtp._tls.example.com. 3600 IN TXT \"v=TLSRPTv1; rua=https://mail.example.net/.well-known/tlsrpt\""));
        assertThat(dns.notes()).anySatisfy(n -> assertThat(n).contains("twinmail admin dkim generate example.com"));
        DkimInfo key = ops.generateDkimKey("example.com", null, 1024);
        assertThat(ops.domainDns("example.com").records()).anySatisfy(r -> {
            assertThat(r.type()).isEqualTo("TXT");
            // the key's line with the TTL of every other line (dkim generate prints it without one)
            assertThat(r.zoneLine()).isEqualTo(key.record().replaceFirst(" IN TXT ", " 3600 IN TXT ")).startsWith("twinmail._domainkey.example.com. 3600 IN TXT \"v=DKIM1;");
        });
    }

    @Test
    void addsDomainsInLowerCaseAndListsThem() {
        DomainInfo d = ops.addDomain("  Example.ORG. ");
        assertThat(d).isEqualTo(new DomainInfo("example.org", 0, 0, 0, 0));
        ops.addDomain("example.net");
        assertThat(ops.listDomains()).extracting(DomainInfo::name).containsExactlyInAnyOrder("example.org", "example.net");
        assertThat(store.findDomain("example.org")).isPresent();
    }

    @Test
    void refusesDuplicateAndMalformedDomains() {
        ops.addDomain("example.org");
        fails(() -> ops.addDomain("EXAMPLE.org"), Kind.CONFLICT, "domain example.org already exists");
        failsStartingWith(() -> ops.addDomain("exa mple.org"), Kind.INVALID, "not a domain name: exa mple.org");
        failsStartingWith(() -> ops.addDomain("-bad.org"), Kind.INVALID, "not a domain name: -bad.org");
        failsStartingWith(() -> ops.addDomain("[192.0.2.1]"), Kind.INVALID, "not a domain name: [192.0.2.1]");
        fails(() -> ops.addDomain(" "), Kind.INVALID, "no domain name given");
        assertThat(ops.listDomains()).hasSize(1);
    }

    @Test
    void removesDomainsAndRefusesNonEmptyOnesUnlessForced() {
        ops.addDomain("example.org");
        ops.addDomain("empty.org");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        ops.addAlias("info@example.org", List.of("alice@example.org"));

        fails(() -> ops.removeDomain("nowhere.org", false), Kind.NOT_FOUND, "domain nowhere.org does not exist");
        fails(() -> ops.removeDomain("example.org", false), Kind.CONFLICT,
                "domain example.org still has 1 account and 1 alias; remove them first, or force the removal (which deletes their mail)");
        assertThat(store.findAccount(EmailAddress.parse("alice@example.org"))).isPresent();

        ops.removeDomain("Empty.Org", false);
        ops.removeDomain("example.org", true);
        assertThat(ops.listDomains()).isEmpty();
        assertThat(store.findAccount(EmailAddress.parse("alice@example.org"))).isEmpty();
    }

    @Test
    void saysWherePostmasterMailGoes() {
        ops.addDomain("example.org");
        PostmasterInfo none = ops.postmaster("Example.org");
        assertThat(none.address()).isEqualTo("postmaster@example.org");
        assertThat(none.via()).isEqualTo("nowhere");
        assertThat(none.accounts()).isEmpty();
        ops.addUser("boss@example.org", "pw".toCharArray(), 0, 0);
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        PostmasterInfo first = ops.postmaster("example.org");
        assertThat(first.via()).isEqualTo("first-account");
        assertThat(first.accounts()).containsExactly("boss@example.org"); // the oldest account, not the first by name
        assertThat(first.description()).startsWith("postmaster@example.org goes to boss@example.org (the domain's first account");
        ops.addAlias("postmaster@example.org", List.of("alice@example.org"));
        assertThat(ops.postmaster("example.org")).isEqualTo(new PostmasterInfo("postmaster@example.org", "own",
                List.of("alice@example.org"), "postmaster@example.org goes to alice@example.org (its own alias or account)"));
        fails(() -> ops.postmaster("nowhere.org"), Kind.NOT_FOUND, "domain nowhere.org does not exist");
    }

    // ---- rules ----

    // ---- SMS settings (issue 16) ----

    @Test
    void smsSettingsAreChangedFieldByFieldAndAPhoneIsVerifiedOnlyByItsCode() {
        ops.addDomain("example.com");
        ops.addUser("ann@example.com", "pw".toCharArray(), 0, 0);
        long id = store.findAccount(org.twinmail.core.mail.EmailAddress.parse("ann@example.com")).orElseThrow().id();
        AdminOperations.SmsInfo none = ops.smsSettings("ann@example.com");
        assertThat(none).isEqualTo(new AdminOperations.SmsInfo("ann@example.com", "", false, false, false, "all", List.of(), "", "",
                "UTC", org.twinmail.core.sms.SmsSettings.DEFAULT_DAILY_CAP, "en"));
        AdminOperations.SmsInfo set = ops.setSms("ann@example.com", new AdminOperations.SmsChange("+86 138-0013-8000", true, "senders",
                List.of("Boss@Example.org", "partner.example"), null, "22:30-07:00", "Asia/Shanghai", 10, "zh"));
        assertThat(set.phone()).isEqualTo("+8613800138000");
        assertThat(set.verified()).isFalse();
        assertThat(set.codePending()).isTrue();
        assertThat(set.senders()).containsExactly("boss@example.org", "partner.example");
        assertThat(set.quietHours()).isEqualTo("22:30-07:00");
        // only the given fields change
        AdminOperations.SmsInfo off = ops.setSms("ann@example.com", new AdminOperations.SmsChange(null, false, null, null, null, null, null, null, null));
        assertThat(off.enabled()).isFalse();
        assertThat(off.zone()).isEqualTo("Asia/Shanghai");
        assertThat(off.dailyCap()).isEqualTo(10);

        fails(() -> ops.setSms("ann@example.com", new AdminOperations.SmsChange("0613", null, null, null, null, null, null, null, null)),
                Kind.INVALID, "the phone number must be in E.164 form (+ and 7 to 15 digits), not 0613");
        fails(() -> ops.setSms("ann@example.com", new AdminOperations.SmsChange(null, null, null, null, null, null, "Mars/Base", null, null)),
                Kind.INVALID, "unknown time zone Mars/Base");
        fails(() -> ops.setSms("ann@example.com", new AdminOperations.SmsChange(null, null, null, null, null, "late", null, null, null)),
                Kind.INVALID, "quiet hours must be HH:MM-HH:MM (22:00-07:00), not late");
        fails(() -> ops.setSms("ann@example.com", new AdminOperations.SmsChange(null, null, "alias", null, null, null, null, null, null)),
                Kind.INVALID, "trigger alias needs the alias");
        fails(() -> ops.smsSettings("nobody@example.com"), Kind.NOT_FOUND, "account nobody@example.com does not exist");

        // the active node's SMS worker writes the code's hash; here the test plays it
        fails(() -> ops.verifySms("ann@example.com", "123456"), Kind.INVALID, "no code is pending for +8613800138000 (send-code sends a new one)");
        String scope = org.twinmail.core.sms.SmsRecords.scope(id);
        store.putRecord(org.twinmail.core.sms.SmsRecords.VERIFY, scope, org.twinmail.core.sms.SmsRecords.NAME,
                new org.twinmail.core.sms.SmsRecords.Verification("+8613800138000",
                        org.twinmail.core.sms.SmsRecords.codeHash(id, "+8613800138000", "482913"), 0).encode(),
                System.currentTimeMillis() + 600_000);
        fails(() -> ops.verifySms("ann@example.com", "111111"), Kind.INVALID, "wrong code");
        AdminOperations.SmsInfo ok = ops.verifySms("ann@example.com", " 482913 ");
        assertThat(ok.verified()).isTrue();
        assertThat(ok.codePending()).isFalse();
        assertThat(store.record(org.twinmail.core.sms.SmsRecords.VERIFY, scope, org.twinmail.core.sms.SmsRecords.NAME)).isEmpty();
        fails(() -> ops.resendSmsCode("ann@example.com"), Kind.INVALID, "+8613800138000 is verified already");
        // a new number must be verified again
        assertThat(ops.setSms("ann@example.com", new AdminOperations.SmsChange("+33612345678", null, null, null, null, null, null, null, null))
                .verified()).isFalse();
        assertThat(ops.resendSmsCode("ann@example.com").codePending()).isTrue();
    }

    @Test
    void ipRulesAreStoredInOneSpellingListedAndRemoved() {
        RuleInfo deny = ops.addIpRule(" 192.0.2.77/24 ", "DENY", "scanner", null);
        assertThat(deny).isEqualTo(new RuleInfo("ip", "192.0.2.0/24", "deny", "", "scanner", null, false));
        java.time.Instant until = java.time.Instant.now().plusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        RuleInfo allow = ops.addIpRule("2001:DB8::1", "allow", null, until);
        assertThat(allow.match()).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(allow.expires()).isEqualTo(until.toString());
        assertThat(ops.addIpRule("192.0.2.0/24", "allow", "", null).action()).isEqualTo("allow"); // replaces
        assertThat(ops.listRules()).extracting(RuleInfo::match, RuleInfo::action)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("192.0.2.0/24", "allow"),
                        org.assertj.core.groups.Tuple.tuple("2001:db8:0:0:0:0:0:1", "allow"));
        assertThat(store.record(org.twinmail.core.policy.PolicyRecords.IP_RULE, "", "192.0.2.0/24")).isPresent();

        failsStartingWith(() -> ops.addIpRule("192.0.2.300", "deny", null, null), Kind.INVALID, "not an IP address");
        failsStartingWith(() -> ops.addIpRule("mx.example.org", "deny", null, null), Kind.INVALID, "not an IP address");
        fails(() -> ops.addIpRule("192.0.2.1", "drop", null, null), Kind.INVALID, "action must be one of allow, deny, not drop");
        failsStartingWith(() -> ops.addIpRule("192.0.2.1", "deny", null, java.time.Instant.now().minusSeconds(5)), Kind.INVALID,
                "the expiry");

        ops.removeIpRule("192.0.2.1/24");
        fails(() -> ops.removeIpRule("192.0.2.0/24"), Kind.NOT_FOUND, "no IP rule for 192.0.2.0/24");
        assertThat(ops.listRules()).hasSize(1);
    }

    @Test
    void senderRulesGlobalPerDomainAndPerUser() {
        ops.addDomain("example.org");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        assertThat(ops.addSenderRule("Spam.Example", "reject", null, "", null))
                .isEqualTo(new RuleInfo("sender", "*@spam.example", "reject", "", "", null, false));
        assertThat(ops.addSenderRule("*.example", "junk", "EXAMPLE.org", "bulk", null))
                .isEqualTo(new RuleInfo("sender", "*@*.example", "junk", "example.org", "bulk", null, false));
        assertThat(ops.addSenderRule("news@spam.example", "accept", "Alice@example.org", null, null))
                .isEqualTo(new RuleInfo("sender", "news@spam.example", "accept", "alice@example.org", "", null, false));
        long id = store.findAccount(EmailAddress.parse("alice@example.org")).orElseThrow().id();
        assertThat(store.record(org.twinmail.core.policy.PolicyRecords.SENDER_RULE, "account:" + id, "news@spam.example")).isPresent();
        assertThat(ops.listRules()).hasSize(3);

        fails(() -> ops.addSenderRule("x.example", "tag", "nowhere.org", null, null), Kind.NOT_FOUND, "domain nowhere.org does not exist");
        fails(() -> ops.addSenderRule("x.example", "tag", "bob@example.org", null, null), Kind.NOT_FOUND, "account bob@example.org does not exist");
        fails(() -> ops.addSenderRule("x.example", "delete", null, null, null), Kind.INVALID,
                "action must be one of accept, reject, quarantine, junk, tag, not delete");
        failsStartingWith(() -> ops.addSenderRule("a b", "tag", null, null, null), Kind.INVALID, "not a sender pattern");

        fails(() -> ops.removeSenderRule("news@spam.example", null), Kind.NOT_FOUND, "no sender rule news@spam.example");
        ops.removeSenderRule("news@spam.example", "alice@example.org");
        ops.removeSenderRule("*.example", "example.org");
        ops.removeSenderRule("@spam.example", "");
        assertThat(ops.listRules()).isEmpty();
    }

    // ---- bans ----

    @Test
    void bansAreKeptInTheStoreListedAndLifted() {
        java.time.Instant until = java.time.Instant.now().plusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        assertThat(ops.addBan(" 192.0.2.9 ", until, "abuse")).isEqualTo(new BanInfo("192.0.2.9", until.toString(), 0, "abuse"));
        assertThat(ops.addBan("2001:db8:1:2:3:4:5:6", null, null)).isEqualTo(new BanInfo("2001:db8:1:2::/64", null, 0, "by the administrator"));
        assertThat(store.record(org.twinmail.core.policy.PolicyRecords.BAN, "", "192.0.2.9")).isPresent();
        assertThat(ops.listBans()).extracting(BanInfo::client).containsExactly("2001:db8:1:2::/64", "192.0.2.9"); // no end first
        failsStartingWith(() -> ops.addBan("mx.example.org", null, null), Kind.INVALID, "not an IP address");
        failsStartingWith(() -> ops.addBan("192.0.2.0/24", null, null), Kind.INVALID, "a ban names one address");
        ops.removeBan("2001:db8:1:2::99");
        ops.removeBan("192.0.2.9");
        assertThat(ops.listBans()).isEmpty();
        fails(() -> ops.removeBan("192.0.2.9"), Kind.NOT_FOUND, "no ban of 192.0.2.9 in force");
    }

    // ---- quarantine ----

    /** Holds a message for {@code accounts} as the SMTP session does. */
    protected String hold(String id, String content, long... accounts) {
        org.twinmail.store.Quarantine q = new org.twinmail.store.Quarantine(store, store);
        q.hold(org.twinmail.core.mail.MessageSpool.of(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                new org.twinmail.core.policy.QuarantineItem(id, "s@remote.example", List.of("alice@example.org"),
                        java.util.Arrays.stream(accounts).boxed().toList(), "virus", "clamav", "192.0.2.1", "S <s@remote.example>", "hi",
                        1_700_000_000_000L, 0, 0));
        return id;
    }

    @Test
    void quarantineListsShowsReleasesAndDeletes() throws Exception {
        ops.addDomain("example.org");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        long alice = store.findAccount(EmailAddress.parse("alice@example.org")).orElseThrow().id();
        String message = "From: S <s@remote.example>\r\nSubject: hi\r\n\r\nbody\r\n";
        hold("AAAA1111BBBB22", message, alice);
        hold("CCCC3333DDDD44", message, alice);

        QuarantineInfo first = new QuarantineInfo("AAAA1111BBBB22", "2023-11-14T22:13:20Z", "s@remote.example", "S <s@remote.example>", "hi",
                List.of("alice@example.org"), message.length(), "virus", "clamav", "192.0.2.1");
        assertThat(ops.listQuarantine()).extracting(QuarantineInfo::id).containsExactlyInAnyOrder("AAAA1111BBBB22", "CCCC3333DDDD44");
        QuarantinedMessage shown = ops.showQuarantined("aaaa1111bbbb22");
        assertThat(shown.message()).isEqualTo(first);
        assertThat(shown.headers()).isEqualTo("From: S <s@remote.example>\r\nSubject: hi\r\n\r\n");

        assertThat(ops.releaseQuarantined("AAAA1111BBBB22")).isEqualTo(first);
        var inbox = store.mailbox(alice, "INBOX").orElseThrow();
        assertThat(store.messages(inbox.id())).singleElement().satisfies(e -> {
            try (var in = store.openBlob(e.blobId())) {
                assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(message);
            }
        });
        fails(() -> ops.releaseQuarantined("AAAA1111BBBB22"), Kind.NOT_FOUND, "no message AAAA1111BBBB22 in the quarantine");

        ops.deleteQuarantined("CCCC3333DDDD44");
        assertThat(ops.listQuarantine()).isEmpty();
        assertThat(store.messages(inbox.id())).hasSize(1);
        fails(() -> ops.deleteQuarantined("CCCC3333DDDD44"), Kind.NOT_FOUND, "no message CCCC3333DDDD44 in the quarantine");
        failsStartingWith(() -> ops.showQuarantined("../etc"), Kind.INVALID, "not a quarantine id");
    }

    @Test
    void setsDomainQuota() {
        ops.addDomain("example.org");
        assertThat(ops.setDomainQuota("EXAMPLE.ORG", 5L << 30)).isEqualTo(new DomainInfo("example.org", 5L << 30, 0, 0, 0));
        assertThat(store.findDomain("example.org").orElseThrow().quotaBytes()).isEqualTo(5L << 30);
        assertThat(ops.setDomainQuota("example.org", 0).quotaBytes()).isZero();
        fails(() -> ops.setDomainQuota("nowhere.org", 1), Kind.NOT_FOUND, "domain nowhere.org does not exist");
        fails(() -> ops.setDomainQuota("example.org", -1), Kind.INVALID, "the quota must be 0 or more bytes, not -1");
    }

    @Test
    void setsMessageLimitsOfDomainsAndUsers() {
        ops.addDomain("example.org");
        ops.setDomainQuota("example.org", 1000);
        assertThat(ops.setDomainMessageLimit("Example.org", 500)).isEqualTo(new DomainInfo("example.org", 1000, 0, 500, 0));
        assertThat(store.findDomain("example.org").orElseThrow().maxMessages()).isEqualTo(500);
        assertThat(ops.setDomainMessageLimit("example.org", 0).maxMessages()).isZero();
        fails(() -> ops.setDomainMessageLimit("nowhere.org", 1), Kind.NOT_FOUND, "domain nowhere.org does not exist");
        fails(() -> ops.setDomainMessageLimit("example.org", -1), Kind.INVALID, "the message limit must be 0 or more messages, not -1");

        ops.addUser("alice@example.org", "pw".toCharArray(), 100, 50);
        UserInfo u = ops.updateUser("alice@example.org", null, null, null, 20L);
        assertThat(u).isEqualTo(new UserInfo("alice@example.org", 100, 50, 0, 0, 20));
        assertThat(store.findAccount(EmailAddress.parse("alice@example.org")).orElseThrow().maxMessages()).isEqualTo(20);
        assertThat(ops.updateUser("alice@example.org", null, 7L, null).maxMessages()).as("left as it was").isEqualTo(20);
        assertThat(ops.updateUser("alice@example.org", null, null, null, 0L).maxMessages()).isZero();
        fails(() -> ops.updateUser("alice@example.org", null, null, null, -2L), Kind.INVALID,
                "the message limit must be 0 or more messages, not -2");
    }

    // ---- users ----

    @Test
    void addsUsersWithHashedPasswords() {
        ops.addDomain("example.org");
        UserInfo u = ops.addUser("Alice@Example.ORG", "s3cret pass".toCharArray(), 1L << 30, 10L << 20);
        assertThat(u).isEqualTo(new UserInfo("Alice@example.org", 1L << 30, 10L << 20, 0, 0, 0));

        Account a = store.findAccount(EmailAddress.parse("alice@example.org")).orElseThrow();
        assertThat(a.passwordHash()).startsWith("$argon2id$").doesNotContain("s3cret");
        assertThat(PasswordHasher.verify("s3cret pass".toCharArray(), a.passwordHash())).isTrue();
        assertThat(PasswordHasher.verify("wrong".toCharArray(), a.passwordHash())).isFalse();
        assertThat(a.quotaBytes()).isEqualTo(1L << 30);
        assertThat(a.maxMessageBytes()).isEqualTo(10L << 20);
    }

    @Test
    void refusesBadUsers() {
        ops.addDomain("example.org");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);

        fails(() -> ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0), Kind.CONFLICT, "account alice@example.org already exists");
        fails(() -> ops.addUser("bob@nowhere.org", "pw".toCharArray(), 0, 0), Kind.NOT_FOUND, "domain nowhere.org does not exist");
        fails(() -> ops.addUser("foo", "pw".toCharArray(), 0, 0), Kind.INVALID, "not an address: foo");
        failsStartingWith(() -> ops.addUser("a..b@example.org", "pw".toCharArray(), 0, 0), Kind.INVALID, "not an address: a..b@example.org (");
        fails(() -> ops.addUser("bob@example.org", "".toCharArray(), 0, 0), Kind.INVALID, "the password must not be empty");
        fails(() -> ops.addUser("bob@example.org", "a\nb".toCharArray(), 0, 0), Kind.INVALID,
                "the password must not contain NUL, CR or LF (mail clients cannot send them)");
        fails(() -> ops.addUser("bob@example.org", "pw".toCharArray(), -5, 0), Kind.INVALID, "the quota must be 0 or more bytes, not -5");
        fails(() -> ops.addUser("bob@example.org", "pw".toCharArray(), 0, -1), Kind.INVALID, "the message size limit must be 0 or more bytes, not -1");
        assertThat(ops.listUsers(null)).extracting(UserInfo::address).containsExactly("alice@example.org");
    }

    @Test
    void updatesOnlyTheGivenFields() {
        ops.addDomain("example.org");
        ops.addUser("alice@example.org", "old".toCharArray(), 100, 50);

        UserInfo u = ops.updateUser("ALICE@example.org", "new".toCharArray(), null, null);
        assertThat(u.quotaBytes()).isEqualTo(100);
        assertThat(u.maxMessageBytes()).isEqualTo(50);
        String hash = store.findAccount(EmailAddress.parse("alice@example.org")).orElseThrow().passwordHash();
        assertThat(PasswordHasher.verify("new".toCharArray(), hash)).isTrue();
        assertThat(PasswordHasher.verify("old".toCharArray(), hash)).isFalse();

        u = ops.updateUser("alice@example.org", null, 2000L, null);
        assertThat(u).isEqualTo(new UserInfo("alice@example.org", 2000, 50, 0, 0, 0));
        assertThat(ops.updateUser("alice@example.org", null, null, 0L).maxMessageBytes()).isZero();
        assertThat(PasswordHasher.verify("new".toCharArray(),
                store.findAccount(EmailAddress.parse("alice@example.org")).orElseThrow().passwordHash())).isTrue();

        // nothing to change: the account as it is
        assertThat(ops.updateUser("alice@example.org", null, null, null)).isEqualTo(new UserInfo("alice@example.org", 2000, 0, 0, 0, 0));

        fails(() -> ops.updateUser("bob@example.org", null, 1L, null), Kind.NOT_FOUND, "account bob@example.org does not exist");
        fails(() -> ops.updateUser("bob@example.org", null, null, null), Kind.NOT_FOUND, "account bob@example.org does not exist");
        fails(() -> ops.updateUser("alice@example.org", "".toCharArray(), null, null), Kind.INVALID, "the password must not be empty");
        fails(() -> ops.updateUser("alice@example.org", null, -1L, null), Kind.INVALID, "the quota must be 0 or more bytes, not -1");
        fails(() -> ops.updateUser("bar", null, 1L, null), Kind.INVALID, "not an address: bar");
    }

    @Test
    void removesUsers() {
        ops.addDomain("example.org");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        ops.addUser("bob@example.org", "pw".toCharArray(), 0, 0);
        ops.removeUser("Alice@Example.org");
        assertThat(ops.listUsers("example.org")).extracting(UserInfo::address).containsExactly("bob@example.org");
        fails(() -> ops.removeUser("alice@example.org"), Kind.NOT_FOUND, "account alice@example.org does not exist");
        fails(() -> ops.removeUser("@example.org"), Kind.INVALID, "not an address: @example.org");
    }

    @Test
    void listsUsersOfOneDomainOrAll() {
        ops.addDomain("example.org");
        ops.addDomain("example.net");
        ops.addDomain("empty.org");
        ops.addUser("bob@example.org", "pw".toCharArray(), 0, 0);
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        ops.addUser("carol@example.net", "pw".toCharArray(), 0, 0);

        assertThat(ops.listUsers("Example.ORG")).extracting(UserInfo::address).containsExactly("alice@example.org", "bob@example.org");
        assertThat(ops.listUsers(null)).extracting(UserInfo::address)
                .containsExactlyInAnyOrder("alice@example.org", "bob@example.org", "carol@example.net");
        assertThat(ops.listUsers("empty.org")).isEmpty();
        fails(() -> ops.listUsers("nowhere.org"), Kind.NOT_FOUND, "domain nowhere.org does not exist");
        failsStartingWith(() -> ops.listUsers("bad domain"), Kind.INVALID, "not a domain name: bad domain");
    }

    // ---- aliases ----

    @Test
    void addsAliasesAndCatchAlls() {
        ops.addDomain("example.org");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        ops.addUser("bob@example.org", "pw".toCharArray(), 0, 0);

        AliasInfo a = ops.addAlias("Team@EXAMPLE.org", List.of("alice@example.org", "bob@example.org", "ALICE@example.org"));
        assertThat(a).isEqualTo(new AliasInfo("team@example.org", List.of("alice@example.org", "bob@example.org")));
        AliasInfo all = ops.addAlias("@Example.org", List.of("alice@example.org"));
        assertThat(all).isEqualTo(new AliasInfo("@example.org", List.of("alice@example.org")));

        assertThat(ops.listAliases("example.org")).extracting(AliasInfo::source).containsExactlyInAnyOrder("team@example.org", "@example.org");
        assertThat(ops.listAliases(null)).hasSize(2);
        // the store resolves them: the contract is real, not just a listing
        assertThat(store.resolve(EmailAddress.parse("team@example.org"))).isInstanceOfSatisfying(RecipientResolution.Local.class,
                l -> assertThat(l.accounts()).extracting(acc -> acc.address().key()).containsExactlyInAnyOrder("alice@example.org", "bob@example.org"));
    }

    @Test
    void anAliasMayLeadToRemoteAddresses() {
        ops.addDomain("example.org");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        AliasInfo a = ops.addAlias("team@example.org", List.of("alice@example.org", "someone@elsewhere.net"));
        assertThat(a.targets()).containsExactly("alice@example.org", "someone@elsewhere.net");
        assertThat(ops.listAliases("example.org")).containsExactly(a);
        // delivery forwards the remote one (with SRS) and keeps the local one
        RecipientResolution r = store.resolve(EmailAddress.parse("team@example.org"));
        assertThat(r).isInstanceOfSatisfying(RecipientResolution.Local.class, l -> {
            assertThat(l.accounts()).extracting(x -> x.address().toString()).containsExactly("alice@example.org");
            assertThat(l.remote()).extracting(EmailAddress::toString).containsExactly("someone@elsewhere.net");
        });
    }

    @Test
    void refusesBadAliases() {
        ops.addDomain("example.org");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);

        fails(() -> ops.addAlias("team@nowhere.org", List.of("alice@example.org")), Kind.NOT_FOUND, "domain nowhere.org does not exist");
        fails(() -> ops.addAlias("team@example.org", List.of("alice@example.org", "foo")), Kind.INVALID, "not an address: foo");
        fails(() -> ops.addAlias("team@example.org", List.of()), Kind.INVALID, "alias team@example.org needs at least one target address");
        fails(() -> ops.addAlias("team", List.of("alice@example.org")), Kind.INVALID, "not an address: team");
        fails(() -> ops.addAlias("@", List.of("alice@example.org")), Kind.INVALID, "not an alias source: @ (use user@domain or @domain)");
        fails(() -> ops.addAlias("loop@example.org", List.of("Loop@example.org")), Kind.INVALID, "alias loop@example.org cannot point at itself");
        assertThat(ops.listAliases(null)).isEmpty();
    }

    @Test
    void removesAliases() {
        ops.addDomain("example.org");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        ops.addAlias("team@example.org", List.of("alice@example.org"));
        ops.addAlias("@example.org", List.of("alice@example.org"));

        ops.removeAlias("TEAM@example.org");
        ops.removeAlias("@EXAMPLE.ORG");
        assertThat(ops.listAliases("example.org")).isEmpty();
        fails(() -> ops.removeAlias("team@example.org"), Kind.NOT_FOUND, "alias team@example.org does not exist");
        fails(() -> ops.removeAlias("@example.org"), Kind.NOT_FOUND, "alias @example.org does not exist");
        fails(() -> ops.listAliases("nowhere.org"), Kind.NOT_FOUND, "domain nowhere.org does not exist");
    }

    // ---- forwarding ----

    @Test
    void setsShowsAndStopsAnAccountsForwarding() {
        ops.addDomain("example.org");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        assertThat(ops.forwarding("alice@example.org")).isEqualTo(new ForwardingInfo("alice@example.org", List.of(), true));

        ForwardingInfo f = ops.setForwarding("Alice@example.org", List.of("alice@elsewhere.net", "bob@example.org"), false);
        assertThat(f).isEqualTo(new ForwardingInfo("alice@example.org", List.of("alice@elsewhere.net", "bob@example.org"), false));
        assertThat(ops.forwarding("alice@example.org")).isEqualTo(f);
        // the record delivery reads: the contract is real, not just a listing
        long id = store.findAccount(EmailAddress.parse("alice@example.org")).orElseThrow().id();
        assertThat(org.twinmail.core.policy.ForwardingSetting.decode(store.record(org.twinmail.core.policy.ForwardingSetting.KIND,
                "account:" + id, org.twinmail.core.policy.ForwardingSetting.NAME).orElseThrow().value()).keepCopy()).isFalse();

        fails(() -> ops.setForwarding("alice@example.org", List.of(), true), Kind.INVALID, "forwarding needs at least one address");
        fails(() -> ops.setForwarding("alice@example.org", List.of("ALICE@example.org"), true), Kind.INVALID,
                "an account cannot forward to itself: alice@example.org");
        failsStartingWith(() -> ops.setForwarding("alice@example.org", List.of("not an address"), true), Kind.INVALID, "not an address");
        fails(() -> ops.forwarding("nobody@example.org"), Kind.NOT_FOUND, "account nobody@example.org does not exist");

        ops.removeForwarding("alice@example.org");
        ops.removeForwarding("alice@example.org"); // twice is no error
        assertThat(ops.forwarding("alice@example.org").to()).isEmpty();
    }

    // ---- spam level ----

    @Test
    void setsAndShowsAnAccountsSpamLevel() {
        ops.addDomain("example.org");
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        assertThat(ops.spamLevel("alice@example.org")).isEqualTo(new AdminOperations.SpamLevelInfo("alice@example.org", "normal"));
        assertThat(ops.setSpamLevel("Alice@example.org", "Strict")).isEqualTo(new AdminOperations.SpamLevelInfo("alice@example.org", "strict"));
        assertThat(ops.spamLevel("alice@example.org").level()).isEqualTo("strict");
        // the record delivery reads
        long id = store.findAccount(EmailAddress.parse("alice@example.org")).orElseThrow().id();
        assertThat(org.twinmail.core.policy.SpamLevel.decode(store.record(org.twinmail.core.policy.SpamLevel.KIND, "account:" + id,
                org.twinmail.core.policy.SpamLevel.NAME).orElseThrow().value()).mode()).isEqualTo(org.twinmail.core.policy.SpamLevel.Mode.STRICT);
        assertThat(ops.setSpamLevel("alice@example.org", "4.5").level()).isEqualTo("4.5");
        assertThat(ops.spamLevel("alice@example.org").level()).isEqualTo("4.5");
        assertThat(ops.setSpamLevel("alice@example.org", "off").level()).isEqualTo("off");

        failsStartingWith(() -> ops.setSpamLevel("alice@example.org", "paranoid"), Kind.INVALID,
                "a spam level is off, lenient, normal, strict or a score from 0 to 100");
        failsStartingWith(() -> ops.setSpamLevel("alice@example.org", "101"), Kind.INVALID, "a spam score is a number from 0 to 100");
        fails(() -> ops.spamLevel("nobody@example.org"), Kind.NOT_FOUND, "account nobody@example.org does not exist");
        assertThat(ops.spamLevel("alice@example.org").level()).isEqualTo("off");

        // normal removes the choice
        assertThat(ops.setSpamLevel("alice@example.org", "normal").level()).isEqualTo("normal");
        assertThat(store.record(org.twinmail.core.policy.SpamLevel.KIND, "account:" + id, org.twinmail.core.policy.SpamLevel.NAME)).isEmpty();
    }

    // ---- global Sieve scripts ----

    @Test
    void putsListsShowsAndRemovesGlobalSieveScripts() {
        assertThat(ops.listSieveScripts()).isEmpty();
        String junk = "require \"fileinto\";\r\nif header :contains \"X-Spam-Flag\" \"YES\" { fileinto \"Junk\"; }\r\n";
        AdminOperations.SieveScriptInfo put = ops.putSieveScript("Before", "10-spam", junk);
        assertThat(put).isEqualTo(new AdminOperations.SieveScriptInfo("before", "10-spam", junk.length(), junk));
        ops.putSieveScript("after", "archive", "keep;");
        ops.putSieveScript("before", "05-first", "keep;");
        assertThat(ops.listSieveScripts()).extracting(AdminOperations.SieveScriptInfo::phase, AdminOperations.SieveScriptInfo::name)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("before", "05-first"), org.assertj.core.groups.Tuple.tuple("before", "10-spam"),
                        org.assertj.core.groups.Tuple.tuple("after", "archive"));
        assertThat(ops.sieveScript("before", "10-spam").script()).isEqualTo(junk);
        // the record delivery reads
        assertThat(store.record(org.twinmail.core.policy.GlobalSieve.BEFORE, "", "10-spam").orElseThrow().text()).isEqualTo(junk);

        failsStartingWith(() -> ops.putSieveScript("before", "bad", "fileinto \"x\";"), Kind.INVALID, "the script does not compile: line 1:");
        fails(() -> ops.putSieveScript("during", "x", "keep;"), Kind.INVALID, "phase must be before or after, not during");
        fails(() -> ops.sieveScript("after", "missing"), Kind.NOT_FOUND, "no global after script missing");
        ops.removeSieveScript("before", "10-spam");
        fails(() -> ops.removeSieveScript("before", "10-spam"), Kind.NOT_FOUND, "no global before script 10-spam");
        assertThat(ops.listSieveScripts()).hasSize(2);
    }

    // ---- shared accounts ----

    @Test
    void marksASharedAccountAndGrantsItsDomainAndAUserRights() {
        ops.addDomain("example.org");
        ops.addDomain("other.org");
        ops.addUser("sales@example.org", "pw".toCharArray(), 0, 0);
        ops.addUser("alice@example.org", "pw".toCharArray(), 0, 0);
        ops.addUser("carol@other.org", "pw".toCharArray(), 0, 0);
        assertThat(ops.sharing("sales@example.org")).isEqualTo(new SharingInfo("sales@example.org", false, List.of()));

        assertThat(ops.setShared("Sales@example.org", true).shared()).isTrue();
        ops.grant("sales@example.org", null, "anyone@example.org", "lrs");
        SharingInfo s = ops.grant("sales@example.org", "inbox", "ALICE@example.org", "lrsi");
        assertThat(s).isEqualTo(new SharingInfo("sales@example.org", true, List.of(new MailboxGrants("INBOX",
                List.of(new Grant("alice@example.org", "lrsi"), new Grant("anyone@example.org", "lrs"))))));
        assertThat(ops.sharing("sales@example.org")).isEqualTo(s);
        // what the store enforces, not just a listing: alice sees it, as a shared account's; carol of another domain does not
        long alice = store.findAccount(EmailAddress.parse("alice@example.org")).orElseThrow().id();
        long carol = store.findAccount(EmailAddress.parse("carol@other.org")).orElseThrow().id();
        assertThat(store.forAccount(alice).sharedMailboxes()).singleElement().satisfies(m -> {
            assertThat(m.owner().key()).isEqualTo("sales@example.org");
            assertThat(m.sharedAccount()).isTrue();
            assertThat(m.rights().toString()).isEqualTo("lrsi");
        });
        assertThat(store.forAccount(carol).sharedMailboxes()).isEmpty();

        failsStartingWith(() -> ops.grant("sales@example.org", null, "anyone@example.org", "lrZ"), Kind.INVALID, "rights are letters of");
        fails(() -> ops.grant("sales@example.org", "Nowhere", "anyone@example.org", "l"), Kind.NOT_FOUND,
                "mailbox Nowhere of sales@example.org does not exist");
        fails(() -> ops.grant("sales@example.org", null, "nobody@example.org", "l"), Kind.INVALID, "no account nobody@example.org");
        fails(() -> ops.grant("sales@example.org", null, "anyone@nowhere.org", "l"), Kind.INVALID, "not a local domain: nowhere.org");
        fails(() -> ops.grant("sales@example.org", null, "sales@example.org", "l"), Kind.INVALID, "the owner always has every right");
        fails(() -> ops.grant("sales@example.org", null, "everyone", "l"), Kind.INVALID,
                "not an identifier (user@domain, anyone@domain or anyone): everyone");
        fails(() -> ops.sharing("nobody@example.org"), Kind.NOT_FOUND, "account nobody@example.org does not exist");

        assertThat(ops.revoke("sales@example.org", "INBOX", "alice@example.org").mailboxes().getFirst().grants())
                .containsExactly(new Grant("anyone@example.org", "lrs"));
        ops.revoke("sales@example.org", null, "alice@example.org"); // twice is no error
        assertThat(ops.grant("sales@example.org", null, "anyone@example.org", "").mailboxes()).as("no rights: the entry goes").isEmpty();
        assertThat(ops.setShared("sales@example.org", false)).isEqualTo(new SharingInfo("sales@example.org", false, List.of()));
        assertThat(store.isSharedAccount(store.findAccount(EmailAddress.parse("sales@example.org")).orElseThrow().id())).isFalse();
    }

    // ---- DKIM keys ----

    @Test
    void generatesADkimKeyOnceAndShowsItsRecord() throws Exception {
        ops.addDomain("example.org");
        DkimInfo k = ops.generateDkimKey("Example.ORG", null, 1024);
        assertThat(k.domain()).isEqualTo("example.org");
        assertThat(k.selector()).isEqualTo("twinmail");
        assertThat(k.bits()).isEqualTo(1024);
        assertThat(k.signing()).isTrue();
        assertThat(Path.of(k.keyFile())).isEqualTo(dataDir.resolve("dkim/example.org.twinmail.pem").toAbsolutePath()).exists();
        assertThat(k.record()).startsWith("twinmail._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p=MIGfMA0");
        assertThat(ops.showDkimKey("example.org")).isEqualTo(k);

        fails(() -> ops.generateDkimKey("example.org", null, 1024), Kind.CONFLICT, "domain example.org already has a DKIM key for selector twinmail ("
                + k.keyFile() + "); keys are never replaced: generate one under a new --selector, publish it, then sign with it (relay.dkim.domains)");
        DkimInfo next = ops.generateDkimKey("example.org", "2027", 1024);
        assertThat(next.signing()).isFalse(); // published first, switched to in the configuration later
        assertThat(next.record()).startsWith("2027._domainkey.example.org. IN TXT ");
        assertThat(ops.showDkimKey("example.org")).isEqualTo(k);
    }

    @Test
    void dkimKeysAreOnlyForServedDomainsAndSaneParameters() {
        fails(() -> ops.generateDkimKey("nowhere.org", null, 2048), Kind.NOT_FOUND, "domain nowhere.org does not exist");
        fails(() -> ops.showDkimKey("nowhere.org"), Kind.NOT_FOUND, "domain nowhere.org does not exist");
        ops.addDomain("example.org");
        fails(() -> ops.showDkimKey("example.org"), Kind.NOT_FOUND, "domain example.org has no DKIM key for selector twinmail ("
                + dataDir.resolve("dkim/example.org.twinmail.pem").toAbsolutePath() + "); create one with: twinmail admin dkim generate example.org");
        fails(() -> ops.generateDkimKey("example.org", null, 512), Kind.INVALID, "a DKIM key must have 1024 to 4096 bits, not 512");
        fails(() -> ops.generateDkimKey("example.org", "../x", 2048), Kind.INVALID,
                "not a DKIM selector: ../x (use DNS labels: letters, digits, '-', '_', '.')");
    }

    // ---- outbound queue ----

    @Test
    void listsRetriesAndDeletesQueuedMessages() {
        long first = store.deliver(new org.twinmail.store.Delivery(List.of(),
                org.twinmail.core.mail.MessageSpool.of("Subject: one\r\n\r\nbody\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                java.time.Instant.parse("2026-01-02T03:04:05Z"), new org.twinmail.store.Outbound("a@example.org",
                        List.of(EmailAddress.parse("b@remote.example"), EmailAddress.parse("c@remote.example")), false, false)))
                .queueId();
        long second = store.deliver(new org.twinmail.store.Delivery(List.of(),
                org.twinmail.core.mail.MessageSpool.of("Subject: two\r\n\r\nbody\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                java.time.Instant.parse("2026-01-02T03:04:06Z"), new org.twinmail.store.Outbound("",
                        List.of(EmailAddress.parse("d@remote.example")), false, false))).queueId();
        List<AdminOperations.QueueInfo> q = ops.listQueue(10);
        assertThat(q).extracting(AdminOperations.QueueInfo::id).containsExactly(first, second);
        assertThat(q.getFirst().arrival()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(q.getFirst().recipients()).extracting(AdminOperations.QueuedRecipientInfo::address)
                .containsExactly("b@remote.example", "c@remote.example");
        assertThat(q.get(1).sender()).isEmpty();
        assertThat(ops.listQueue(1)).hasSize(1);

        assertThat(ops.retryQueue(first)).isEqualTo(2);
        assertThat(ops.retryQueue(0)).isEqualTo(3);
        ops.deleteQueued(first);
        assertThat(ops.listQueue(10)).extracting(AdminOperations.QueueInfo::id).containsExactly(second);
        fails(() -> ops.deleteQueued(first), Kind.NOT_FOUND, "queued message " + first + " does not exist");
        fails(() -> ops.retryQueue(first), Kind.NOT_FOUND, "queued message " + first + " does not exist");
        fails(() -> ops.listQueue(0), Kind.INVALID, "the listing limit must be between 1 and 100000");
    }

    // ---- the store itself failing ----

    @Test
    void aFencedStoreIsUnavailable() {
        ops.addDomain("example.org");
        store.fence(store.epoch() + 1);
        assertThatThrownBy(() -> ops.addDomain("example.net")).isInstanceOfSatisfying(AdminException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
            assertThat(e.getMessage()).contains("epoch").endsWith("; run the command on the active node");
        });
        assertThat(store.findDomain("example.net")).isEmpty();
    }

    @Test
    void aClosedStoreIsUnavailable() {
        store.close();
        failsStartingWith(() -> ops.listDomains(), Kind.UNAVAILABLE, "store unavailable: ");
        failsStartingWith(() -> ops.addDomain("example.org"), Kind.UNAVAILABLE, "store unavailable: ");
    }
}
