package org.twinmail.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminException.Kind;
import org.twinmail.admin.AdminOperations.AdminCreated;
import org.twinmail.admin.AdminOperations.AuditEntry;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** The console's administrators (password + TOTP, each code once) and the audit log, on a real store. */
class AdministratorsTest {
    @TempDir
    Path dataDir;
    MailStore store;
    Administrators admins;

    @BeforeEach
    void open() {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir));
        store.addDomain("example.org");
        store.addDomain("other.org");
        admins = new Administrators(store, store, new PasswordHasher(1024, 1, 1), "mail.example.org");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aLoginNeedsThePasswordAndTheCurrentCodeOnce() {
        AdminCreated a = admins.add("Alice", "correct horse".toCharArray(), "global", null);
        assertThat(a.admin().name()).isEqualTo("alice");
        assertThat(a.totpUri()).startsWith("otpauth://totp/mail.example.org:alice?secret=" + a.totpSecret());
        long now = 1_900_000_000L;
        String code = Totp.code(a.totpSecret(), now);

        assertThat(admins.verify("alice", "wrong password".toCharArray(), code, now)).isEmpty();
        assertThat(admins.verify("alice", "correct horse".toCharArray(), "000000".equals(code) ? "111111" : "000000", now)).isEmpty();
        Optional<AdminPrincipal> p = admins.verify("ALICE", "correct horse".toCharArray(), code, now);
        assertThat(p).hasValueSatisfying(x -> {
            assertThat(x.global()).isTrue();
            assertThat(x.via()).isEqualTo("console");
        });
        // the same code again (a replay, or a second login in the same 30 s) is refused
        assertThat(admins.verify("alice", "correct horse".toCharArray(), code, now)).isEmpty();
        assertThat(admins.verify("alice", "correct horse".toCharArray(), Totp.code(a.totpSecret(), now + 30), now + 30)).isPresent();
        assertThat(admins.verify("nobody", "correct horse".toCharArray(), code, now)).isEmpty();
    }

    @Test
    void aDomainAdministratorManagesTheirDomainsOnly() {
        AdminCreated a = admins.add("dora", "domain-admin-pw".toCharArray(), "domain", List.of("Example.org."));
        assertThat(a.admin().domains()).containsExactly("example.org");
        AdminPrincipal p = admins.verify("dora", "domain-admin-pw".toCharArray(), Totp.code(a.totpSecret(), 1_900_000_000L), 1_900_000_000L)
                .orElseThrow();
        assertThat(p.global()).isFalse();
        assertThat(p.manages("example.org")).isTrue();
        assertThat(p.managesAddress("bob@EXAMPLE.org")).isTrue();
        assertThat(p.manages("other.org")).isFalse();
        assertThat(p.managesAddress("bob@other.org")).isFalse();
    }

    @Test
    void invalidAdministratorsAreRefused() {
        assertThatThrownBy(() -> admins.add("x", "short".toCharArray(), "global", null)).hasMessageContaining("at least 10");
        assertThatThrownBy(() -> admins.add("x", "long enough pw".toCharArray(), "domain", List.of())).hasMessageContaining("at least one domain");
        assertThatThrownBy(() -> admins.add("x", "long enough pw".toCharArray(), "domain", List.of("missing.org")))
                .isInstanceOfSatisfying(AdminException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
        assertThatThrownBy(() -> admins.add("x", "long enough pw".toCharArray(), "root", null)).hasMessageContaining("global or domain");
        assertThatThrownBy(() -> admins.add("bad name", "long enough pw".toCharArray(), "global", null)).hasMessageContaining("not an administrator name");
        admins.add("x", "long enough pw".toCharArray(), "global", null);
        assertThatThrownBy(() -> admins.add("x", "long enough pw".toCharArray(), "global", null))
                .isInstanceOfSatisfying(AdminException.class, e -> assertThat(e.kind()).isEqualTo(Kind.CONFLICT));
    }

    @Test
    void disablingRemovingAndANewSecretTakeEffectAtOnce() {
        AdminCreated a = admins.add("eve", "long enough pw".toCharArray(), "global", null);
        assertThat(admins.current("eve", "console")).isPresent();
        admins.update("eve", null, null, null, false, false);
        assertThat(admins.current("eve", "console")).isEmpty();
        long now = 1_900_000_000L;
        assertThat(admins.verify("eve", "long enough pw".toCharArray(), Totp.code(a.totpSecret(), now), now)).isEmpty();
        AdminCreated b = admins.update("eve", null, "domain", List.of("other.org"), true, true);
        assertThat(b.totpSecret()).isNotEqualTo(a.totpSecret());
        assertThat(b.admin().role()).isEqualTo("domain");
        assertThat(admins.verify("eve", "long enough pw".toCharArray(), Totp.code(a.totpSecret(), now + 60), now + 60)).isEmpty();
        assertThat(admins.verify("eve", "long enough pw".toCharArray(), Totp.code(b.totpSecret(), now + 60), now + 60)).isPresent();
        admins.remove("eve");
        assertThat(admins.current("eve", "console")).isEmpty();
        assertThat(admins.list()).isEmpty();
    }

    @Test
    void theAuditLogKeepsEntriesByDayNewestFirstAndExpiresThem() {
        Clock clock = Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);
        AuditLog log = new AuditLog(store, clock, Duration.ofDays(30));
        log.append(new AuditEntry("2026-12-06T23:59:00Z", "alice", "console", "192.0.2.1", "POST /api/admin/domains", "domains/a.org", "a.org", 201, "ok"));
        log.append(new AuditEntry(null, "bob", "token", "192.0.2.2", "DELETE /api/admin/users/x@b.org", "users/x@b.org", "b.org", 404, "no such"));
        log.append(new AuditEntry(null, "alice", "console", "192.0.2.1", "login", null, null, 200, "ok"));
        List<AuditEntry> all = log.newest(10, null, null, null);
        assertThat(all).extracting(AuditEntry::action).containsExactly("login", "DELETE /api/admin/users/x@b.org", "POST /api/admin/domains");
        assertThat(all.getFirst().time()).isEqualTo("2026-12-07T10:00:00Z");
        assertThat(log.newest(2, null, null, null)).hasSize(2);
        assertThat(log.newest(10, null, "alice", null)).hasSize(2);
        assertThat(log.newest(10, null, null, "b.org")).extracting(AuditEntry::actor).containsExactly("bob");
        assertThat(log.newest(10, java.time.LocalDate.parse("2026-12-07"), null, null)).hasSize(2);
        // a day's record expires its retention after the day ends
        long expires = store.record(AuditLog.KIND, "", "2026-12-06").orElseThrow().expiresMillis();
        assertThat(Instant.ofEpochMilli(expires)).isEqualTo(Instant.parse("2027-01-06T00:00:00Z"));
        assertThat(store.purgeExpiredRecords(Instant.parse("2027-01-06T00:00:01Z").toEpochMilli())).isEqualTo(1);
        assertThat(log.newest(10, null, null, null)).hasSize(2);
    }

    @Test
    void aFullDayContinuesInASecondRecord() {
        Clock clock = Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);
        AuditLog log = new AuditLog(store, clock, Duration.ofDays(30));
        String big = "x".repeat(2000);
        int n = AuditLog.MAX_RECORD_BYTES / 2000 + 20;
        for (int i = 0; i < n; i++) log.append(new AuditEntry(null, "a" + i, "token", "::1", "POST /api/admin/x", big, null, 200, "ok"));
        assertThat(store.record(AuditLog.KIND, "", "2026-12-07.2")).isPresent();
        List<AuditEntry> all = log.newest(100_000, null, null, null);
        assertThat(all).hasSize(n);
        assertThat(all.getFirst().actor()).isEqualTo("a" + (n - 1));
        assertThat(all.getLast().actor()).isEqualTo("a0");
    }
}
