package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.model.Account;
import org.twinmail.store.AccountChange;

class StoreAuthenticatorTest extends StoreFixture {
    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

    /** Every Argon2 check, with the hash it ran against. */
    final List<String> argon2Runs = new CopyOnWriteArrayList<>();
    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    Account alice;

    @BeforeEach
    void setUp() {
        openStore();
        store.addDomain("example.com");
        alice = store.addAccount(addr("Alice@example.com"), HASHER.hash("correct horse".toCharArray()), 0, 0);
    }

    private StoreAuthenticator authenticator(Duration ttl) {
        return new StoreAuthenticator(store, ttl, (pw, phc) -> {
            argon2Runs.add(phc);
            return PasswordHasher.verify(pw, phc);
        }, clock::get);
    }

    @Test
    void rightPasswordSucceedsWrongFails() {
        StoreAuthenticator auth = authenticator(Duration.ZERO);
        assertThat(auth.authenticate("alice@EXAMPLE.com", "correct horse".toCharArray(), CLIENT))
                .contains(new AuthenticatedUser(alice.id(), "Alice@example.com"));
        assertThat(auth.authenticate("alice@example.com", "wrong".toCharArray(), CLIENT)).isEmpty();
        assertThat(auth.authenticate("alice@example.com", new char[0], CLIENT)).isEmpty();
        assertThat(auth.authenticate("alice@example.com", null, CLIENT)).isEmpty();
        assertThat(argon2Runs).hasSize(4);
    }

    @Test
    void unknownUsersCostOneArgon2RunWithTheCostOfRealHashes() {
        StoreAuthenticator auth = authenticator(Duration.ofMinutes(5));
        assertThat(auth.authenticate("alice@example.com", "wrong".toCharArray(), CLIENT)).isEmpty();
        argon2Runs.clear();

        assertThat(auth.authenticate("nobody@example.com", "correct horse".toCharArray(), CLIENT)).isEmpty();
        assertThat(auth.authenticate("not an address", "x".toCharArray(), CLIENT)).isEmpty();
        assertThat(auth.authenticate(null, "x".toCharArray(), CLIENT)).isEmpty();
        assertThat(argon2Runs).hasSize(3).allSatisfy(phc -> {
            assertThat(phc).startsWith("$argon2id$v=19$m=1024,t=1,p=1$");
            assertThat(phc).isNotEqualTo(alice.passwordHash());
        });
    }

    @Test
    void expiredEntriesAreSweptAtMostOncePerTtl() {
        for (String u : List.of("b", "c", "d")) store.addAccount(addr(u + "@example.com"), HASHER.hash("pw".toCharArray()), 0, 0);
        StoreAuthenticator auth = new StoreAuthenticator(store, Duration.ofSeconds(10), PasswordHasher::verify, clock::get, 2);
        long t0 = clock.get();
        for (String u : List.of("b", "c", "d")) assertThat(auth.authenticate(u + "@example.com", "pw".toCharArray(), CLIENT)).isPresent();
        assertThat(auth.cachedEntries()).isEqualTo(3); // swept at once (nothing expired); next sweep due in one TTL

        clock.set(t0 + Duration.ofSeconds(5).toNanos());
        assertThat(auth.authenticate("alice@example.com", "correct horse".toCharArray(), CLIENT)).isPresent();
        assertThat(auth.cachedEntries()).isEqualTo(4); // over the threshold, but the sweep is not due

        clock.set(t0 + Duration.ofSeconds(11).toNanos());
        assertThat(auth.authenticate("b@example.com", "pw".toCharArray(), CLIENT)).isPresent();
        // b, c, d expired at t0+10 s (b renewed just now); alice lives until t0+15 s
        assertThat(auth.cachedEntries()).isEqualTo(2);
    }

    @Test
    void cacheHitSkipsArgon2UntilItExpires() {
        StoreAuthenticator auth = authenticator(Duration.ofMinutes(5));
        assertThat(auth.authenticate("alice@example.com", "correct horse".toCharArray(), CLIENT)).isPresent();
        assertThat(argon2Runs).hasSize(1);

        for (int i = 0; i < 5; i++) {
            assertThat(auth.authenticate("ALICE@example.com", "correct horse".toCharArray(), CLIENT)).isPresent();
        }
        assertThat(argon2Runs).as("repeated logins answered from the cache").hasSize(1);

        // a wrong password is never answered from the cache
        assertThat(auth.authenticate("alice@example.com", "correct horsf".toCharArray(), CLIENT)).isEmpty();
        assertThat(argon2Runs).hasSize(2);

        clock.addAndGet(Duration.ofMinutes(5).toNanos());
        assertThat(auth.authenticate("alice@example.com", "correct horse".toCharArray(), CLIENT)).isPresent();
        assertThat(argon2Runs).as("expired entry checked again").hasSize(3);
    }

    @Test
    void changedPasswordInvalidatesTheCache() {
        StoreAuthenticator auth = authenticator(Duration.ofMinutes(5));
        assertThat(auth.authenticate("alice@example.com", "correct horse".toCharArray(), CLIENT)).isPresent();
        store.updateAccount(addr("alice@example.com"), AccountChange.password(HASHER.hash("battery staple".toCharArray())));

        assertThat(auth.authenticate("alice@example.com", "correct horse".toCharArray(), CLIENT)).isEmpty();
        assertThat(auth.authenticate("alice@example.com", "battery staple".toCharArray(), CLIENT)).isPresent();
        assertThat(argon2Runs).hasSize(3);
    }

    @Test
    void removedAccountCannotLogInFromTheCache() {
        StoreAuthenticator auth = authenticator(Duration.ofMinutes(5));
        assertThat(auth.authenticate("alice@example.com", "correct horse".toCharArray(), CLIENT)).isPresent();
        store.removeAccount(addr("alice@example.com"));
        assertThat(auth.authenticate("alice@example.com", "correct horse".toCharArray(), CLIENT)).isEmpty();
    }

    @Test
    void zeroTtlMeansEveryLoginRunsArgon2() {
        StoreAuthenticator auth = authenticator(Duration.ZERO);
        for (int i = 0; i < 3; i++) auth.authenticate("alice@example.com", "correct horse".toCharArray(), CLIENT);
        assertThat(argon2Runs).hasSize(3);
    }

    @Test
    void publicConstructorWorksAndValidates() {
        StoreAuthenticator auth = new StoreAuthenticator(store, Duration.ofSeconds(30));
        Optional<AuthenticatedUser> user = auth.authenticate("alice@example.com", "correct horse".toCharArray(), CLIENT);
        assertThat(user).map(AuthenticatedUser::accountId).contains(alice.id());
        assertThatThrownBy(() -> new StoreAuthenticator(store, Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
