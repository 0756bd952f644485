package org.twinmail.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Alias;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.StoreException;

/** The {@link org.twinmail.store.Directory} role: aliases and recipient resolution. */
public abstract class DirectoryAliasesContract extends StoreContract {
    protected Account alice;
    protected Account bob;
    protected Account carol;

    @BeforeEach
    public void setUp() {
        openStore();
        store.addDomain("example.com");
        store.addDomain("other.example");
        alice = account("alice@example.com");
        bob = account("bob@example.com");
        carol = account("carol@other.example");
    }

    private List<Long> resolved(String address) {
        RecipientResolution r = store.resolve(addr(address));
        assertThat(r).as("resolution of %s", address).isInstanceOf(RecipientResolution.Local.class);
        return ((RecipientResolution.Local) r).accounts().stream().map(Account::id).toList();
    }

    @Test
    public void accountsResolveToThemselvesIgnoringCase() {
        assertThat(resolved("ALICE@Example.com")).containsExactly(alice.id());
        assertThat(store.resolve(addr("nobody@example.com"))).isInstanceOf(RecipientResolution.Unknown.class);
        assertThat(store.resolve(addr("alice@elsewhere.example"))).isInstanceOf(RecipientResolution.NotLocal.class);
    }

    @Test
    public void exactAliasWinsOverAccountAndCatchAllOnlyCatchesTheRest() {
        store.addAlias("alice@example.com", List.of(addr("bob@example.com")));
        store.addAlias("@example.com", List.of(addr("carol@other.example")));

        assertThat(resolved("alice@example.com")).containsExactly(bob.id());
        assertThat(resolved("bob@example.com")).containsExactly(bob.id());
        assertThat(resolved("anything@example.com")).containsExactly(carol.id());
        assertThat(resolved("Anything.Else@EXAMPLE.com")).containsExactly(carol.id());
    }

    @Test
    public void aSubaddressGoesWhereItsUserGoesUnlessItExistsItself() {
        assertThat(resolved("alice+lists@example.com")).containsExactly(alice.id());
        assertThat(resolved("Alice+A+B@EXAMPLE.com")).containsExactly(alice.id());
        store.addAlias("sales@example.com", List.of(addr("bob@example.com")));
        assertThat(resolved("sales+web@example.com")).containsExactly(bob.id());
        store.addAlias("alice+vip@example.com", List.of(addr("carol@other.example")));
        assertThat(resolved("alice+vip@example.com")).as("an exact alias wins").containsExactly(carol.id());
        assertThat(store.resolve(addr("nobody+x@example.com"))).isInstanceOf(RecipientResolution.Unknown.class);
        assertThat(store.resolve(addr("+x@example.com"))).isInstanceOf(RecipientResolution.Unknown.class);
        store.addAlias("@example.com", List.of(addr("carol@other.example")));
        assertThat(resolved("nobody+x@example.com")).as("then the catch-all").containsExactly(carol.id());
    }

    @Test
    public void aliasesAreFollowedRecursivelyDeduplicatedInStableOrder() {
        store.addAlias("team@example.com", List.of(addr("bob@example.com"), addr("sales@example.com"), addr("alice@example.com")));
        store.addAlias("sales@example.com", List.of(addr("carol@other.example"), addr("BOB@example.com")));

        assertThat(resolved("team@example.com")).containsExactly(bob.id(), carol.id(), alice.id());
    }

    @Test
    public void loopsEndAndAnAliasToItselfKeepsACopy() {
        store.addAlias("a@example.com", List.of(addr("b@example.com")));
        store.addAlias("b@example.com", List.of(addr("a@example.com"), addr("bob@example.com")));
        assertThat(resolved("a@example.com")).containsExactly(bob.id());
        assertThat(resolved("b@example.com")).containsExactly(bob.id());

        store.addAlias("x@example.com", List.of(addr("y@example.com")));
        store.addAlias("y@example.com", List.of(addr("x@example.com")));
        assertThat(store.resolve(addr("x@example.com"))).isInstanceOf(RecipientResolution.Unknown.class);

        // "forward and keep a copy": the alias names its own account
        store.addAlias("alice@example.com", List.of(addr("alice@example.com"), addr("carol@other.example")));
        assertThat(resolved("alice@example.com")).containsExactly(alice.id(), carol.id());
    }

    @Test
    public void catchAllLoopingIntoItsOwnDomainEnds() {
        store.addAlias("@example.com", List.of(addr("postmaster@example.com"), addr("bob@example.com")));
        assertThat(resolved("random@example.com")).containsExactly(bob.id());
    }

    @Test
    public void depthIsLimitedToEightAliases() {
        // a0 -> a1 -> ... -> a7 -> bob: eight aliases, delivered
        for (int i = 0; i < 7; i++) store.addAlias("a" + i + "@example.com", List.of(addr("a" + (i + 1) + "@example.com")));
        store.addAlias("a7@example.com", List.of(addr("bob@example.com")));
        assertThat(resolved("a0@example.com")).containsExactly(bob.id());

        // z0 -> ... -> z8 -> bob: nine aliases, too deep
        for (int i = 0; i < 8; i++) store.addAlias("z" + i + "@example.com", List.of(addr("z" + (i + 1) + "@example.com")));
        store.addAlias("z8@example.com", List.of(addr("bob@example.com")));
        assertThat(store.resolve(addr("z0@example.com"))).isInstanceOf(RecipientResolution.Unknown.class);
        assertThat(resolved("z1@example.com")).containsExactly(bob.id());
    }

    @Test
    public void aliasToRemovedAccountYieldsFewerAccounts() {
        store.addAlias("both@example.com", List.of(addr("alice@example.com"), addr("bob@example.com")));
        store.addAlias("justbob@example.com", List.of(addr("bob@example.com")));
        store.removeAccount(addr("bob@example.com"));

        assertThat(resolved("both@example.com")).containsExactly(alice.id());
        assertThat(store.resolve(addr("justbob@example.com"))).isInstanceOf(RecipientResolution.Unknown.class);
    }

    @Test
    public void addAliasReplacesListsAndRemoves() {
        Alias first = store.addAlias("Info@Example.com", List.of(addr("alice@example.com"), addr("ALICE@example.com")));
        assertThat(first.source()).isEqualTo("info@example.com");
        assertThat(first.targets()).containsExactly(addr("alice@example.com"));

        store.addAlias("info@example.com", List.of(addr("bob@example.com"), addr("alice@example.com")));
        store.addAlias("@other.example", List.of(addr("carol@other.example")));
        assertThat(store.listAliases("example.com")).containsExactly(
                new Alias("info@example.com", List.of(addr("bob@example.com"), addr("alice@example.com"))));
        assertThat(store.listAliases(null)).extracting(Alias::source).containsExactly("@other.example", "info@example.com");
        assertThat(store.listAliases("other.example").getFirst().isCatchAll()).isTrue();
        assertThat(resolved("info@example.com")).containsExactly(bob.id(), alice.id());

        store.removeAlias("INFO@example.com");
        assertThat(store.listAliases("example.com")).isEmpty();
        assertThat(store.resolve(addr("info@example.com"))).isInstanceOf(RecipientResolution.Unknown.class);
        assertThatThrownBy(() -> store.removeAlias("info@example.com"))
                .isInstanceOf(StoreException.NotFound.class).hasMessage("alias info@example.com does not exist");
    }

    @Test
    public void theSourceMustBeLocalAndRemoteTargetsResolveAsRemote() {
        assertThatThrownBy(() -> store.addAlias("x@nowhere.example", List.of(addr("alice@example.com"))))
                .isInstanceOf(StoreException.NotFound.class).hasMessage("domain nowhere.example does not exist");
        assertThat(store.listAliases(null)).isEmpty();
        store.addAlias("x@example.com", List.of(addr("alice@example.com"), addr("someone@gmail.example")));
        store.addAlias("far@example.com", List.of(addr("someone@gmail.example"), addr("x@example.com"), addr("other@gmail.example")));
        RecipientResolution x = store.resolve(addr("x@example.com"));
        assertThat(x).isInstanceOf(RecipientResolution.Local.class);
        assertThat(((RecipientResolution.Local) x).accounts()).extracting(a -> a.address().toString()).containsExactly("alice@example.com");
        assertThat(((RecipientResolution.Local) x).remote()).containsExactly(addr("someone@gmail.example"));
        RecipientResolution far = store.resolve(addr("far@example.com"));
        assertThat(((RecipientResolution.Local) far).remote()).as("each remote target once, in order")
                .containsExactly(addr("someone@gmail.example"), addr("other@gmail.example"));
        store.addAlias("only@example.com", List.of(addr("someone@gmail.example")));
        RecipientResolution only = store.resolve(addr("only@example.com"));
        assertThat(((RecipientResolution.Local) only).accounts()).as("an alias with remote targets only is no unknown user").isEmpty();
        store.removeAlias("x@example.com");
        store.removeAlias("far@example.com");
        store.removeAlias("only@example.com");
        assertThat(store.listAliases(null)).isEmpty();
        assertThatThrownBy(() -> store.addAlias("x@example.com", List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.addAlias("not an address", List.of(addr("alice@example.com"))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
