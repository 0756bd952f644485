package org.twinmail.store.contract;

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

/** The {@link org.twinmail.store.Directory} role: domains and accounts. Aliases are in {@link DirectoryAliasesContract}. */
public abstract class DirectoryContract extends StoreContract {

    @BeforeEach
    public void setUp() {
        openStore();
    }

    @Test
    public void domainsAreAddedListedFoundAndRemoved() {
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
    public void domainErrorsAreTypedAndReadable() {
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
    public void domainQuotaIsStored() {
        store.addDomain("example.com");
        Domain d = store.setDomainQuota("example.com", 1 << 20);
        assertThat(d.quotaBytes()).isEqualTo(1 << 20);
        assertThat(store.findDomain("example.com").orElseThrow().quotaBytes()).isEqualTo(1 << 20);
    }

    @Test
    public void accountsGetFiveSpecialMailboxesWithDistinctUidValidity() {
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
    public void accountLookupIgnoresCase() {
        store.addDomain("example.com");
        Account a = account("Alice@example.com");
        assertThat(store.findAccount(addr("ALICE@EXAMPLE.COM"))).map(Account::id).contains(a.id());
        assertThat(store.findAccount(a.id())).map(Account::address).contains(addr("Alice@example.com"));
        assertThatThrownBy(() -> account("alice@EXAMPLE.com"))
                .isInstanceOf(StoreException.Conflict.class).hasMessage("account alice@example.com already exists");
    }

    @Test
    public void accountErrors() {
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
    public void updateChangesOnlyGivenFields() {
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
    public void listAccountsByDomainInAddressOrder() {
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
}
