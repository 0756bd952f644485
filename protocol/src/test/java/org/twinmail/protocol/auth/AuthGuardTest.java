package org.twinmail.protocol.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.attack.AttackFigures;

class AuthGuardTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    private static TwinmailConfig.Auth settings() {
        TwinmailConfig.Auth a = new TwinmailConfig.Auth();
        a.failureDelay = Duration.ofMillis(100);
        a.maxFailureDelay = Duration.ofMillis(1000);
        a.failureWindow = Duration.ofMinutes(10);
        a.banAfterFailures = 5;
        a.banDurations = List.of(Duration.ofMinutes(1), Duration.ofMinutes(10));
        a.banForgetAfter = Duration.ofHours(1);
        return a;
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void theDelayDoublesWithEachFailureUpToItsBoundAndFailuresOutsideTheWindowAreForgotten() throws Exception {
        TwinmailConfig.Auth a = settings();
        a.banAfterFailures = 0;
        AuthGuard g = AuthGuard.create(a, null, now::get);
        InetAddress x = ip("192.0.2.1");
        assertThat(g.failed(x, "u@example.org", "imap")).isEqualTo(Duration.ofMillis(100));
        assertThat(g.failed(x, "v@example.org", "pop3")).isEqualTo(Duration.ofMillis(200));
        assertThat(g.failed(x, "w@example.org", "imap")).isEqualTo(Duration.ofMillis(400));
        assertThat(g.failed(x, "w@example.org", "imap")).isEqualTo(Duration.ofMillis(800));
        assertThat(g.failed(x, "w@example.org", "imap")).isEqualTo(Duration.ofMillis(1000));
        Duration sixth = g.failed(x, "w@example.org", "imap");
        assertThat(sixth).isEqualTo(Duration.ofMillis(1000));
        // one connection's guesses are answered one after another: at the bound, one guess per delay
        AttackFigures.report("AuthGuardTest#delays", "delays_ms", "100,200,400,800,1000,1000",
                "guesses_per_s_per_connection_at_bound", 1000.0 / sixth.toMillis());
        assertThat(g.isBanned(x)).isFalse(); // banAfterFailures 0: never
        advance(Duration.ofMinutes(11));
        assertThat(g.failed(x, "z@example.org", "imap")).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void bansAreProgressiveAndExpire() throws Exception {
        AuthGuard g = AuthGuard.create(settings(), new SimpleMeterRegistry(), now::get);
        InetAddress x = ip("192.0.2.1");
        for (int i = 0; i < 4; i++) g.failed(x, "u" + i + "@example.org", "smtp");
        assertThat(g.isBanned(x)).isFalse();
        g.failed(x, "u@example.org", "smtp");
        assertThat(g.isBanned(x)).isTrue();
        AttackFigures.report("AuthGuardTest#bans", "failures_until_ban", 5, "ban_durations", "1m,10m,10m...");
        assertThat(g.bans()).extracting(AuthGuard.Ban::client, AuthGuard.Ban::level).containsExactly(org.assertj.core.groups.Tuple.tuple("192.0.2.1", 0));
        advance(Duration.ofSeconds(61));
        assertThat(g.isBanned(x)).isFalse();
        for (int i = 0; i < 5; i++) g.failed(x, "u@example.org", "smtp");
        assertThat(g.isBanned(x)).isTrue();
        advance(Duration.ofMinutes(9));
        assertThat(g.isBanned(x)).as("the second ban lasts 10 minutes").isTrue();
        advance(Duration.ofMinutes(2));
        assertThat(g.isBanned(x)).isFalse();
        // the last duration repeats
        for (int i = 0; i < 5; i++) g.failed(x, "u@example.org", "smtp");
        advance(Duration.ofMinutes(9));
        assertThat(g.isBanned(x)).isTrue();
        // after banForgetAfter without a ban, the first duration again
        advance(Duration.ofHours(2));
        for (int i = 0; i < 5; i++) g.failed(x, "u@example.org", "smtp");
        advance(Duration.ofSeconds(61));
        assertThat(g.isBanned(x)).isFalse();
    }

    @Test
    void anIpv6ClientIsCountedByItsSlash64AndTheAdminCanLiftABan() throws Exception {
        AuthGuard g = AuthGuard.create(settings(), null, now::get);
        for (int i = 0; i < 5; i++) g.failed(ip("2001:db8:1:2::" + (i + 1)), "u@example.org", "imap");
        assertThat(g.isBanned(ip("2001:db8:1:2::ffff"))).isTrue();
        assertThat(g.isBanned(ip("2001:db8:1:3::1"))).isFalse();
        assertThat(g.bans()).extracting(AuthGuard.Ban::client).containsExactly("2001:db8:1:2::/64");
        assertThat(g.unban("2001:db8:1:2::/64")).isTrue();
        assertThat(g.isBanned(ip("2001:db8:1:2::1"))).isFalse();
        assertThat(g.unban("2001:db8:1:2::/64")).isFalse();
        // the count starts again after an unban: the next failure (on an account not under attack) has the first delay
        assertThat(g.failed(ip("2001:db8:1:2::1"), "other@example.org", "imap")).isEqualTo(Duration.ofMillis(100));
        // by plain address as well, and IPv4-mapped addresses are IPv4
        for (int i = 0; i < 5; i++) g.failed(ip("::ffff:192.0.2.7"), "u@example.org", "imap");
        assertThat(g.isBanned(ip("192.0.2.7"))).isTrue();
        assertThat(g.unban("192.0.2.7")).isTrue();
        assertThatThrownBy(() -> g.unban("mail.example.org")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void exemptNetworksAreNeitherDelayedNorBanned() throws Exception {
        TwinmailConfig.Auth a = settings();
        a.banExemptNetworks = List.of("10.0.0.0/8");
        AuthGuard g = AuthGuard.create(a, null, now::get);
        for (int i = 0; i < 10; i++) assertThat(g.failed(ip("10.1.2.3"), "u@example.org", "imap")).isZero();
        assertThat(g.isBanned(ip("10.1.2.3"))).isFalse();
        // loopback is not exempt unless listed
        for (int i = 0; i < 5; i++) g.failed(ip("127.0.0.1"), "u@example.org", "imap");
        assertThat(g.isBanned(ip("127.0.0.1"))).isTrue();
    }

    @Test
    void anAccountUnderAttackDelaysStrangersButNotAClientThatLoggedInToItBefore() throws Exception {
        TwinmailConfig.Auth a = settings();
        a.banAfterFailures = 0;
        AuthGuard g = AuthGuard.create(a, null, now::get);
        InetAddress owner = ip("198.51.100.7");
        g.succeeded(owner, "Victim@example.org");
        // a distributed attack: one failure from each of many addresses
        for (int i = 1; i <= 6; i++) g.failed(ip("203.0.113." + i), "victim@example.org", "imap");
        assertThat(g.failed(ip("203.0.113.100"), "victim@example.org", "imap")).as("a stranger").isEqualTo(Duration.ofMillis(1000));
        assertThat(g.failed(owner, "victim@example.org", "imap")).as("the owner's typo").isEqualTo(Duration.ofMillis(100));
        assertThat(g.isBanned(owner)).isFalse();
    }

    @Test
    void impossibleSettingsAreRefusedByName() {
        TwinmailConfig.Auth a = settings();
        a.banDurations = List.of();
        assertThatThrownBy(() -> AuthGuard.create(a, null)).hasMessageContaining("auth.banDurations");
        TwinmailConfig.Auth b = settings();
        b.maxFailureDelay = Duration.ofMillis(1);
        assertThatThrownBy(() -> AuthGuard.create(b, null)).hasMessageContaining("auth.maxFailureDelay");
        TwinmailConfig.Auth c = settings();
        c.banExemptNetworks = List.of("not-a-network");
        assertThatThrownBy(() -> AuthGuard.create(c, null)).hasMessageContaining("auth.banExemptNetworks");
    }

    @Test
    void theListenerIsToldOfEachBanAndLiftAndRestoredBansAreInForceUntilRemovedElsewhere() throws Exception {
        AuthGuard g = AuthGuard.create(settings(), null, now::get);
        List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        g.listener(new AuthGuard.BanListener() {
            @Override
            public void banned(AuthGuard.Ban ban) {
                told.add("banned " + ban.client() + " level " + ban.level());
            }

            @Override
            public void lifted(String client) {
                told.add("lifted " + client);
            }
        });
        InetAddress x = ip("192.0.2.1");
        for (int i = 0; i < 5; i++) g.failed(x, "u@example.org", "imap");
        assertThat(told).containsExactly("banned 192.0.2.1 level 0");
        g.failed(x, "u@example.org", "imap"); // already banned: not told again
        assertThat(told).hasSize(1);
        assertThat(g.unban("192.0.2.1")).isTrue();
        assertThat(told).containsExactly("banned 192.0.2.1 level 0", "lifted 192.0.2.1");

        // restored from the store: in force, longer ones kept, and lifted when the store no longer has them
        InetAddress y = ip("2001:db8:1:2::7");
        g.restore(List.of(new AuthGuard.Ban("2001:db8:1:2::/64", java.time.Instant.now().plusSeconds(120), 1)));
        assertThat(g.isBanned(y)).isTrue();
        assertThat(g.isBanned(ip("2001:db8:1:3::7"))).isFalse();
        advance(Duration.ofSeconds(60));
        assertThat(g.isBanned(y)).isTrue();
        g.restore(List.of());
        assertThat(g.isBanned(y)).as("removed from the store by the administrator").isFalse();
        // a ban issued here and not yet kept is not lifted by a restore that predates it
        for (int i = 0; i < 5; i++) g.failed(x, "u@example.org", "imap");
        g.restore(List.of());
        assertThat(g.isBanned(x)).isTrue();
        assertThat(told).hasSize(3).as("restores are never told back").last().isEqualTo("banned 192.0.2.1 level 0");
    }
}
