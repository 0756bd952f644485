package org.twinmail.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.AccountMailboxes;
import org.twinmail.store.AclEntry;
import org.twinmail.store.Appended;
import org.twinmail.store.FlagChange;
import org.twinmail.store.Rights;
import org.twinmail.store.SharedMailbox;
import org.twinmail.store.StoreException;

/**
 * The {@link org.twinmail.store.MailboxAccess} role: RFC 4314 rights checked in the store, for
 * every protocol that acts as a user. Alice owns the mailboxes; Bob and Carol are in her domain,
 * Dave in another.
 */
public abstract class MailboxAccessContract extends StoreContract {
    private static final Instant DATE = Instant.parse("2025-03-04T05:06:07Z");
    protected Account alice;
    protected Account bob;
    protected Account carol;
    protected Account dave;
    protected AccountMailboxes asAlice;
    protected AccountMailboxes asBob;
    protected AccountMailboxes asCarol;
    protected AccountMailboxes asDave;
    protected Mailbox work;

    @BeforeEach
    public void setUp() {
        openStore();
        store.addDomain("example.org");
        store.addDomain("other.example");
        alice = account("alice@example.org", 1_000_000, 0);
        bob = account("bob@example.org", 1_000_000, 0);
        carol = account("carol@example.org");
        dave = account("dave@other.example");
        asAlice = store.forAccount(alice.id());
        asBob = store.forAccount(bob.id());
        asCarol = store.forAccount(carol.id());
        asDave = store.forAccount(dave.id());
        work = asAlice.createMailbox(alice.id(), "Work", null);
        asAlice.append(work.id(), message(500, "first"), Set.of("\\Flagged"), DATE);
        asAlice.append(work.id(), message(600, "second"), Set.of(), DATE);
    }

    private void grant(String identifier, String rights) {
        asAlice.setRights(work.id(), identifier, Rights.parse(rights));
    }

    @Test
    public void rightsParseAndPrintAsRfc4314Says() {
        assertThat(Rights.parse("rwl").toString()).isEqualTo("lrw");
        assertThat(Rights.parse("c")).isEqualTo(Rights.parse("kx"));
        assertThat(Rights.parse("d")).isEqualTo(Rights.parse("te"));
        assertThat(Rights.ALL.toString()).isEqualTo("lrswipkxtea");
        assertThatThrownBy(() -> Rights.parse("lrQ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rights.parse("lrq")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Rights.flagRight("\\seen")).isEqualTo('s');
        assertThat(Rights.flagRight("\\Deleted")).isEqualTo('t');
        assertThat(Rights.flagRight("\\Answered")).isEqualTo('w');
        assertThat(Rights.flagRight("$Label")).isEqualTo('w');
    }

    @Test
    public void theOwnerHasEveryRightAndOthersNoneUntilGranted() {
        assertThat(asAlice.rights(work.id())).isEqualTo(Rights.ALL);
        assertThat(asBob.mailbox(alice.id(), "Work")).isEmpty();
        assertThat(asBob.mailbox(work.id())).isEmpty();
        assertThat(asBob.mailboxes(alice.id())).isEmpty();
        assertThat(asBob.sharedMailboxes()).isEmpty();
        // With no right at all the mailbox does not exist for Bob: the same answer as for a name nobody has.
        assertThatThrownBy(() -> asBob.messages(work.id())).isInstanceOf(StoreException.NotFound.class);
        assertThatThrownBy(() -> asBob.rights(work.id())).isInstanceOf(StoreException.NotFound.class);
        assertThatThrownBy(() -> asBob.append(work.id(), message(10, "x"), Set.of(), DATE)).isInstanceOf(StoreException.NotFound.class);
        assertThatThrownBy(() -> asBob.deleteMailbox(alice.id(), "Work")).isInstanceOf(StoreException.NotFound.class);
        assertThat(asAlice.acl(work.id())).containsExactly(new AclEntry("alice@example.org", Rights.ALL));
    }

    @Test
    public void lookupAndReadLetAUserReadButNotChangeAnything() {
        grant("Bob@Example.org", "lr");
        assertThat(asBob.rights(work.id()).toString()).isEqualTo("lr");
        assertThat(asAlice.acl(work.id())).containsExactly(new AclEntry("alice@example.org", Rights.ALL),
                new AclEntry("bob@example.org", Rights.parse("lr")));
        List<SharedMailbox> shared = asBob.sharedMailboxes();
        assertThat(shared).hasSize(1);
        assertThat(shared.getFirst().mailbox().id()).isEqualTo(work.id());
        assertThat(shared.getFirst().owner().key()).isEqualTo("alice@example.org");
        assertThat(shared.getFirst().rights().toString()).isEqualTo("lr");
        assertThat(asBob.mailbox(alice.address(), "Work")).map(Mailbox::id).contains(work.id());
        assertThat(asBob.mailboxes(alice.id())).extracting(Mailbox::name).containsExactly("Work");

        List<MessageEntry> entries = asBob.messages(work.id());
        assertThat(entries).hasSize(2);
        assertThat(readAll(uncheckedOpen(entries.getFirst().blobId()))).hasSize(500);
        assertThat(asBob.status(work.id()).mailbox().messageCount()).isEqualTo(2);
        assertThat(asBob.mailboxChanges(work.id(), 0).changed()).hasSize(2);
        asBob.openView(work.id(), 0).close();

        long before = store.lastChangePosition();
        assertForbidden(() -> asBob.storeFlags(work.id(), List.of(1L), FlagChange.ADD, Set.of("\\Seen"), -1), "s");
        assertForbidden(() -> asBob.storeFlags(work.id(), List.of(1L), FlagChange.ADD, Set.of("\\Deleted"), -1), "t");
        assertForbidden(() -> asBob.storeFlags(work.id(), List.of(1L), FlagChange.REMOVE, Set.of("\\Flagged"), -1), "w");
        assertForbidden(() -> asBob.expunge(work.id(), List.of(1L)), "e");
        assertForbidden(() -> asBob.append(work.id(), message(10, "x"), Set.of(), DATE), "i");
        assertForbidden(() -> asBob.deleteMailbox(alice.id(), "Work"), "x");
        assertForbidden(() -> asBob.renameMailbox(alice.id(), "Work", "Play"), "x");
        assertForbidden(() -> asBob.createMailbox(alice.id(), "Work/Sub", null), "k");
        assertForbidden(() -> asBob.copy(work.id(), List.of(1L), store.mailbox(bob.id(), "INBOX").orElseThrow().id(), true), "te");
        assertForbidden(() -> asBob.setRights(work.id(), "carol@example.org", Rights.parse("lr")), "a");
        assertForbidden(() -> asBob.acl(work.id()), "a");
        assertThatThrownBy(() -> asBob.subscriptions(alice.id())).isInstanceOf(StoreException.Forbidden.class);
        assertThatThrownBy(() -> asBob.deliver(null)).isInstanceOf(StoreException.Forbidden.class);
        assertThat(store.lastChangePosition()).as("nothing was written").isEqualTo(before);
        assertThat(store.messages(work.id())).hasSize(2);

        // Reading into his own mailbox is a copy he pays for.
        long bobInbox = store.mailbox(bob.id(), "INBOX").orElseThrow().id();
        assertThat(asBob.copy(work.id(), List.of(1L, 2L), bobInbox, false).targetUids()).hasSize(2);
        assertThat(store.quotaUsage(bob.id()).usedBytes()).isEqualTo(1100);
    }

    @Test
    public void aRevokedRightFailsTheNextOperation() {
        grant("bob@example.org", "lrs");
        assertThat(asBob.messages(work.id())).hasSize(2);
        asBob.storeFlags(work.id(), List.of(2L), FlagChange.ADD, Set.of("\\Seen"), -1);
        grant("bob@example.org", "lr");
        assertForbidden(() -> asBob.storeFlags(work.id(), List.of(2L), FlagChange.REMOVE, Set.of("\\Seen"), -1), "s");
        assertThat(asAlice.removeRights(work.id(), "bob@example.org")).isTrue();
        assertThat(asAlice.removeRights(work.id(), "bob@example.org")).isFalse();
        assertThatThrownBy(() -> asBob.messages(work.id())).isInstanceOf(StoreException.NotFound.class);
        assertThat(asBob.sharedMailboxes()).isEmpty();
        // Empty rights remove the entry too.
        grant("bob@example.org", "lr");
        grant("bob@example.org", "");
        assertThat(asAlice.acl(work.id())).hasSize(1);
    }

    @Test
    public void aDomainWideGrantReachesEveryAccountOfThatDomainOnly() {
        grant("anyone@example.org", "lr");
        assertThat(asBob.messages(work.id())).hasSize(2);
        assertThat(asCarol.sharedMailboxes()).extracting(s -> s.mailbox().name()).containsExactly("Work");
        assertThatThrownBy(() -> asDave.messages(work.id())).isInstanceOf(StoreException.NotFound.class);
        assertThat(asDave.sharedMailboxes()).isEmpty();
        // Rights add up: the domain's and the user's own entry.
        grant("carol@example.org", "i");
        assertThat(asCarol.rights(work.id()).toString()).isEqualTo("lri");
        assertThat(asBob.rights(work.id()).toString()).isEqualTo("lr");
        grant("anyone", "l");
        assertThat(asDave.rights(work.id()).toString()).isEqualTo("l");
        assertForbidden(() -> asDave.messages(work.id()), "r");
        assertThatThrownBy(() -> asAlice.setRights(work.id(), "anyone@nowhere.example", Rights.parse("l")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> asAlice.setRights(work.id(), "nobody@example.org", Rights.parse("l")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> asAlice.setRights(work.id(), "-bob@example.org", Rights.parse("l")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> asAlice.setRights(work.id(), "alice@example.org", Rights.parse("l")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    public void eachFlagNeedsItsOwnRight() {
        grant("bob@example.org", "lrs");
        // \Seen is allowed, \Flagged is not: the allowed part is done, the rest left alone (RFC 4314 4).
        var r = asBob.storeFlags(work.id(), List.of(1L, 2L), FlagChange.ADD, Set.of("\\Seen", "\\Flagged"), -1);
        assertThat(r.updated()).hasSize(2);
        assertThat(flags(1)).containsExactlyInAnyOrder("\\Seen", "\\Flagged");
        assertThat(flags(2)).containsExactly("\\Seen");
        // A REPLACE changes only what the user may change: message 1 keeps \Flagged.
        asBob.storeFlags(work.id(), List.of(1L, 2L), FlagChange.REPLACE, Set.of("$Work"), -1);
        assertThat(flags(1)).containsExactly("\\Flagged");
        assertThat(flags(2)).isEmpty();
        grant("bob@example.org", "lrwte");
        asBob.storeFlags(work.id(), List.of(1L), FlagChange.ADD, Set.of("\\Deleted", "$Work"), -1);
        assertThat(flags(1)).containsExactlyInAnyOrder("\\Flagged", "\\Deleted", "$Work");
        assertThat(asBob.expunge(work.id(), List.of(1L)).expungedUids()).containsExactly(1L);
        assertThat(store.messages(work.id())).hasSize(1);
    }

    @Test
    public void insertChargesTheOwnerAndKeepsOnlyTheFlagsItMaySet() {
        grant("bob@example.org", "lis");
        long aliceUsed = store.quotaUsage(alice.id()).usedBytes();
        var added = asBob.append(work.id(), message(700, "from bob"), Set.of("\\Seen", "\\Deleted", "$Label"), DATE);
        assertThat(flags(added.uid())).containsExactly("\\Seen");
        assertThat(store.quotaUsage(alice.id()).usedBytes()).isEqualTo(aliceUsed + 700);
        assertThat(store.quotaUsage(bob.id()).usedBytes()).isZero();
        asBob.appendAll(work.id(), List.of(new Appended(message(10, "a"), Set.of("\\Answered"), DATE)));
        assertThat(store.messages(work.id())).hasSize(4);
        assertThat(store.messages(work.id()).getLast().flags()).isEmpty();
        // Bob may see Alice's quota (his grant is on her mailbox), not Dave's.
        assertThat(asBob.quotaUsage(alice.id()).usedBytes()).isEqualTo(aliceUsed + 710);
        assertThatThrownBy(() -> asBob.quotaUsage(dave.id())).isInstanceOf(StoreException.Forbidden.class);

        // Copied in from his own mailbox: flags without their right are dropped from the copies.
        long bobInbox = store.mailbox(bob.id(), "INBOX").orElseThrow().id();
        asBob.append(bobInbox, message(20, "mine"), Set.of("\\Seen", "\\Flagged"), DATE);
        var copied = asBob.copy(bobInbox, List.of(1L), work.id(), false);
        assertThat(flags(copied.targetUids().getFirst())).containsExactly("\\Seen");
    }

    @Test
    public void createDeleteAndRenameNeedKAndX() {
        grant("bob@example.org", "lrk");
        Mailbox sub = asBob.createMailbox(alice.id(), "Work/Bob", null);
        assertThat(sub.accountId()).isEqualTo(alice.id());
        // The new mailbox inherits its parent's list (RFC 4314 4).
        assertThat(asBob.rights(sub.id()).toString()).isEqualTo("lrk");
        assertForbidden(() -> asBob.deleteMailbox(alice.id(), "Work/Bob"), "x");
        assertThatThrownBy(() -> asBob.createMailbox(alice.id(), "Elsewhere", null)).isInstanceOf(StoreException.Forbidden.class);
        asAlice.setRights(sub.id(), "bob@example.org", Rights.parse("lrkx"));
        assertThat(asBob.renameMailbox(alice.id(), "Work/Bob", "Work/Robert").id()).isEqualTo(sub.id());
        assertThat(asBob.rights(sub.id()).toString()).as("a rename keeps the list").isEqualTo("lrkx");
        asBob.deleteMailbox(alice.id(), "Work/Robert");
        assertThat(store.mailbox(alice.id(), "Work/Robert")).isEmpty();
        // DELETE deletes the list: a new mailbox of that name starts without Bob's entry.
        Mailbox again = asAlice.createMailbox(alice.id(), "Work/Robert", null);
        asAlice.removeRights(again.id(), "bob@example.org");
        assertThat(asAlice.acl(again.id())).hasSize(1);
    }

    @Test
    public void moveOutNeedsDeleteAndExpungeRights() {
        grant("bob@example.org", "lrte");
        long bobInbox = store.mailbox(bob.id(), "INBOX").orElseThrow().id();
        var moved = asBob.copy(work.id(), List.of(1L), bobInbox, true);
        assertThat(moved.targetUids()).hasSize(1);
        assertThat(store.messages(work.id())).extracting(MessageEntry::uid).containsExactly(2L);
        // The move takes the message off Alice's usage and onto Bob's; their domain holds as much as before.
        assertThat(store.quotaUsage(alice.id()).usedBytes()).isEqualTo(600);
        assertThat(store.quotaUsage(bob.id()).usedBytes()).isEqualTo(500);
        assertThat(store.findDomain("example.org").orElseThrow().usedBytes()).isEqualTo(1100);
        assertStoredEntries(2);
        // Into Alice's mailbox he has no i.
        assertForbidden(() -> asBob.copy(bobInbox, moved.targetUids(), work.id(), false), "i");
    }

    @Test
    public void listsAndSharedMarksSurviveARestart() {
        grant("bob@example.org", "lr");
        store.setSharedAccount(alice.id(), true);
        assertThat(asBob.sharedMailboxes().getFirst().sharedAccount()).isTrue();
        store.close();
        openStore();
        AccountMailboxes bobAgain = store.forAccount(bob.id());
        assertThat(bobAgain.rights(work.id()).toString()).isEqualTo("lr");
        assertThat(bobAgain.sharedMailboxes()).singleElement().satisfies(s -> assertThat(s.sharedAccount()).isTrue());
        assertThat(store.isSharedAccount(alice.id())).isTrue();
        store.setSharedAccount(alice.id(), false);
        assertThat(bobAgain.isSharedAccount(alice.id())).isFalse();
        assertThatThrownBy(() -> store.forAccount(999_999)).isInstanceOf(StoreException.NotFound.class);
    }

    @Test
    public void removingTheOwnerTakesItsListsAlong() {
        grant("bob@example.org", "lr");
        store.removeAccount(alice.address());
        assertThat(asBob.sharedMailboxes()).isEmpty();
        assertThatThrownBy(() -> asBob.messages(work.id())).isInstanceOf(StoreException.NotFound.class);
    }

    @Test
    public void aNewAccountOfARemovedGranteesAddressInheritsNothing() {
        grant("bob@example.org", "lr");
        store.removeAccount(bob.address());
        assertThat(asAlice.acl(work.id())).extracting(AclEntry::identifier).containsExactly("alice@example.org");
        Account newBob = account("bob@example.org");
        assertThat(store.forAccount(newBob.id()).sharedMailboxes()).isEmpty();
        assertThatThrownBy(() -> store.forAccount(newBob.id()).messages(work.id())).isInstanceOf(StoreException.NotFound.class);
    }

    private java.io.InputStream uncheckedOpen(String blobId) {
        try {
            return asBob.openBlob(blobId);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Set<String> flags(long uid) {
        return store.messages(work.id()).stream().filter(e -> e.uid() == uid).findFirst().orElseThrow().flags();
    }

    private static void assertForbidden(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String missing) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StoreException.Forbidden.class,
                e -> assertThat(e.missing()).isEqualTo(missing));
    }
}
