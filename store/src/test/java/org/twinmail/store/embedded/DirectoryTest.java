package org.twinmail.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Domain;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.store.AccountChange;
import org.twinmail.store.StoreException;

class DirectoryTest extends StoreFixture {

    @BeforeEach
    void setUp() {
        openStore();
    }

    @Test
    void domainsAreAddedListedFoundAndRemoved() {
        Domain d = store.addDomain("Example.COM ");
        store.addDomain("a.example");

        assertThat(d.name()).isEqualTo("example.com");
        assertThat(d.quotaBytes()).isZero();
        assertThat(store.listDomains()).extracting(Domain::name).containsExactly("a.example", "example.com");
        assertThat(store.findDomain("EXAMPLE.com")).contains(d);
        assertThat(store.isLocalDomain("example.com")).isTrue();
        assertThat(store.isLocalDomain("other.example")).isFalse();
        assertThat(store.isLocalDomain("not a domain")).isFalse();
        assertThat(store.isLocalDomain(null)).isFalse();

        store.removeDomain("example.com", false);
        assertThat(store.findDomain("example.com")).isEmpty();
        assertThat(store.listDomains()).extracting(Domain::name).containsExactly("a.example");
    }

    @Test
    void domainErrorsAreTypedAndReadable() {
        store.addDomain("example.com");
        assertThatThrownBy(() -> store.addDomain("EXAMPLE.com"))
                .isInstanceOf(StoreException.Conflict.class).hasMessage("domain example.com already exists");
        assertThatThrownBy(() -> store.removeDomain("nowhere.example", false))
                .isInstanceOf(StoreException.NotFound.class).hasMessage("domain nowhere.example does not exist");
        assertThatThrownBy(() -> store.setDomainQuota("nowhere.example", 5))
                .isInstanceOf(StoreException.NotFound.class).hasMessage("domain nowhere.example does not exist");
        assertThatThrownBy(() -> store.addDomain("bad..example")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.addDomain("[192.0.2.1]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.addDomain(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.setDomainQuota("example.com", -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void domainQuotaIsStored() {
        store.addDomain("example.com");
        Domain d = store.setDomainQuota("example.com", 1 << 20);
        assertThat(d.quotaBytes()).isEqualTo(1 << 20);
        assertThat(store.findDomain("example.com").orElseThrow().quotaBytes()).isEqualTo(1 << 20);
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
    void accountsGetFiveSpecialMailboxesWithDistinctUidValidity() {
        store.addDomain("example.com");
        long before = System.currentTimeMillis() / 1000;
        Account a = account("Alice@Example.com", 1000, 500);
        Account b = account("bob@example.com");

        assertThat(a.address().localPart()).isEqualTo("Alice");
        assertThat(a.address().domain()).isEqualTo("example.com");
        assertThat(a.quotaBytes()).isEqualTo(1000);
        assertThat(a.maxMessageBytes()).isEqualTo(500);
        assertThat(a.usedBytes()).isZero();

        List<Mailbox> boxes = store.mailboxes(a.id());
        assertThat(boxes).extracting(Mailbox::name).containsExactly("INBOX", "Sent", "Drafts", "Trash", "Junk");
        assertThat(boxes).extracting(Mailbox::specialUse).containsExactly(SpecialUse.values());
        assertThat(boxes).allSatisfy(m -> {
            assertThat(m.uidNext()).isEqualTo(1);
            assertThat(m.uidValidity()).isGreaterThanOrEqualTo(before);
            assertThat(m.highestModSeq()).isPositive();
            assertThat(m.messageCount()).isZero();
        });
        List<Long> validities = new java.util.ArrayList<>();
        for (Account x : List.of(a, b)) store.mailboxes(x.id()).forEach(m -> validities.add(m.uidValidity()));
        assertThat(validities).doesNotHaveDuplicates().hasSize(10);

        assertThat(store.mailbox(a.id(), "inbox")).map(Mailbox::name).contains("INBOX");
        assertThat(store.mailbox(a.id(), "sent")).isEmpty(); // only INBOX ignores case
        assertThat(store.mailbox(a.id(), "Sent")).isPresent();
    }

    @Test
    void accountLookupIgnoresCase() {
        store.addDomain("example.com");
        Account a = account("Alice@example.com");
        assertThat(store.findAccount(addr("ALICE@EXAMPLE.COM"))).map(Account::id).contains(a.id());
        assertThat(store.findAccount(a.id())).map(Account::address).contains(addr("Alice@example.com"));
        assertThatThrownBy(() -> account("alice@EXAMPLE.com"))
                .isInstanceOf(StoreException.Conflict.class).hasMessage("account alice@example.com already exists");
    }

    @Test
    void accountErrors() {
        assertThatThrownBy(() -> account("alice@nowhere.example"))
                .isInstanceOf(StoreException.NotFound.class).hasMessage("domain nowhere.example does not exist");
        store.addDomain("example.com");
        assertThatThrownBy(() -> store.removeAccount(addr("ghost@example.com")))
                .isInstanceOf(StoreException.NotFound.class).hasMessage("account ghost@example.com does not exist");
        assertThatThrownBy(() -> store.updateAccount(addr("ghost@example.com"), AccountChange.password("$x")))
                .isInstanceOf(StoreException.NotFound.class);
        assertThatThrownBy(() -> store.addAccount(addr("a@example.com"), " ", 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> account("a@example.com", -1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.addAccount(new org.twinmail.core.mail.EmailAddress("a b", "example.com"), "$x", 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.listAccounts(null)).isEmpty();
    }

    @Test
    void updateChangesOnlyGivenFields() {
        store.addDomain("example.com");
        Account a = account("alice@example.com", 1000, 500);
        Account changed = store.updateAccount(addr("alice@example.com"), new AccountChange(null, 2000L, null));
        assertThat(changed.quotaBytes()).isEqualTo(2000);
        assertThat(changed.maxMessageBytes()).isEqualTo(500);
        assertThat(changed.passwordHash()).isEqualTo(a.passwordHash());

        Account pw = store.updateAccount(addr("ALICE@example.com"), AccountChange.password("$argon2id$new"));
        assertThat(pw.passwordHash()).isEqualTo("$argon2id$new");
        assertThat(pw.quotaBytes()).isEqualTo(2000);
        assertThat(store.findAccount(a.id()).orElseThrow().passwordHash()).isEqualTo("$argon2id$new");
    }

    @Test
    void listAccountsByDomainInAddressOrder() {
        store.addDomain("b.example");
        store.addDomain("a.example");
        account("zed@a.example");
        account("amy@b.example");
        account("Bob@a.example");
        assertThat(store.listAccounts("A.example")).extracting(x -> x.address().toString()).containsExactly("Bob@a.example", "zed@a.example");
        assertThat(store.listAccounts(null)).extracting(x -> x.address().toString())
                .containsExactly("Bob@a.example", "zed@a.example", "amy@b.example");
        assertThat(store.listAccounts("nowhere.example")).isEmpty();
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
}
