package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.model.Account;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.StoreException;

class DirectoryTest extends StoreFixture {

    @BeforeEach
    void setUp() {
        openStore();
    }

    @Test
    void removeDomainRefusesWhileInUseUnlessForced() {
        store.addDomain("example.com");
        store.addDomain("other.example");
        Account alice = account("alice@example.com");
        Account keep = account("keep@other.example");
        store.addAlias("info@example.com", List.of(addr("alice@example.com")));
        deliver(message(100, "hello"), alice, keep);

        assertThatThrownBy(() -> store.removeDomain("example.com", false))
                .isInstanceOf(StoreException.Conflict.class)
                .hasMessageContaining("1 account(s) and 1 alias(es)");
        assertThat(store.findAccount(alice.id())).isPresent();

        store.removeDomain("example.com", true);
        assertThat(store.findDomain("example.com")).isEmpty();
        assertThat(store.findAccount(alice.id())).isEmpty();
        assertThat(store.listAliases(null)).isEmpty();
        assertThat(sqlLong("SELECT count(*) FROM mailbox WHERE account_id = " + alice.id())).isZero();
        // the other domain's copy of the shared message survives, with one reference left
        assertThat(sqlLong("SELECT refs FROM blob")).isEqualTo(1);
        assertThat(store.findAccount(keep.id()).orElseThrow().messageCount()).isEqualTo(1);
    }

    @Test
    void removeAccountRemovesMailAndFreesDomainUsageButKeepsAliases() {
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        store.addAlias("info@example.com", List.of(addr("alice@example.com")));
        deliver(message(INLINE_MAX_PLUS, "big"), a);
        assertThat(store.findDomain("example.com").orElseThrow().usedBytes()).isEqualTo(INLINE_MAX_PLUS);
        assertThat(blobFileCount()).isEqualTo(1);

        store.removeAccount(addr("alice@example.com"));
        assertThat(store.findAccount(a.id())).isEmpty();
        assertThat(store.mailboxes(a.id())).isEmpty();
        assertThat(store.findDomain("example.com").orElseThrow().usedBytes()).isZero();
        assertThat(sqlLong("SELECT count(*) FROM blob")).isZero();
        assertThat(blobFileCount()).isZero();
        assertThat(store.listAliases("example.com")).hasSize(1);

        // ids are never reused: a new account with the same address is a new account
        Account again = account("alice@example.com");
        assertThat(again.id()).isGreaterThan(a.id());
    }

    private static final int INLINE_MAX_PLUS = (int) INLINE_MAX + 1;

    @Test
    void aliasDepthAndFanOutAreTheConfiguredLimits() {
        store.close();
        store = open(options(1, new SimpleMeterRegistry()).withAliasLimits(2, 3));
        store.addDomain("example.com");
        Account alice = account("alice@example.com");
        Account bob = account("bob@example.com");
        store.addAlias("one@example.com", List.of(addr("two@example.com"), addr("bob@example.com")));
        store.addAlias("two@example.com", List.of(addr("three@example.com")));
        store.addAlias("three@example.com", List.of(addr("alice@example.com")));
        // one -> two -> three is the second level; three is not expanded and is no account
        assertThat(((RecipientResolution.Local) store.resolve(addr("one@example.com"))).accounts())
                .extracting(Account::id).containsExactly(bob.id());
        assertThat(((RecipientResolution.Local) store.resolve(addr("two@example.com"))).accounts())
                .extracting(Account::id).containsExactly(alice.id());
        assertThatThrownBy(() -> store.addAlias("many@example.com", List.of(addr("a@example.com"), addr("b@example.com"),
                addr("c@example.com"), addr("d@example.com")))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 3");
        assertThatThrownBy(() -> options(1, new SimpleMeterRegistry()).withAliasLimits(0, 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
