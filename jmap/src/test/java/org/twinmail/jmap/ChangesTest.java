package org.twinmail.jmap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.store.FlagChange;

/**
 * RFC 8620 5.2 / 5.6 over the change log: /changes and /queryChanges are exact when the
 * store is changed the way IMAP changes it (flags, expunge, copy, move, mailbox create,
 * rename and delete), also while those changes run concurrently with the JMAP calls.
 */
class ChangesTest {
    @TempDir
    Path dir;
    JmapFixture f;
    Account a;

    @BeforeEach
    void setUp() {
        f = new JmapFixture(dir);
        a = f.account();
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void emailChangesSortCreatedUpdatedDestroyed() throws Exception {
        long u1 = f.deliver(a, JmapFixture.message("one", "1"));
        long u2 = f.deliver(a, JmapFixture.message("two", "2"));
        String state = state("Email/get");
        Set<String> before = queryIds();
        long u3 = f.deliver(a, JmapFixture.message("three", "3"));
        long inbox = f.inbox(a).id();
        f.store.storeFlags(inbox, List.of(u1), FlagChange.ADD, Set.of("\\Seen"), -1); // IMAP STORE
        f.store.expunge(inbox, List.of(u2));                                          // IMAP EXPUNGE
        JsonNode c = f.call(a, "Email/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"" + state + "\"}");
        Set<String> after = queryIds();
        Set<String> created = new HashSet<>(after);
        created.removeAll(before);
        Set<String> destroyed = new HashSet<>(before);
        destroyed.removeAll(after);
        assertThat(JmapFixture.ids(c.path("created"))).isEqualTo(created).hasSize(1);
        assertThat(JmapFixture.ids(c.path("destroyed"))).isEqualTo(destroyed).hasSize(1);
        assertThat(c.path("updated")).hasSize(1);
        assertThat(c.path("hasMoreChanges").asBoolean()).isFalse();
        assertThat(c.path("oldState").asText()).isEqualTo(state);
        String newState = c.path("newState").asText();
        assertThat(newState).isEqualTo(state("Email/get"));
        JsonNode none = f.call(a, "Email/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"" + newState + "\"}");
        assertThat(none.path("created").size() + none.path("updated").size() + none.path("destroyed").size()).isZero();
        assertThat(none.path("newState").asText()).isEqualTo(newState);
        assertThat(u3).isPositive();
    }

    @Test
    void aMoveIsAnUpdateAndCreateThenDestroyIsNothing() throws Exception {
        long u1 = f.deliver(a, JmapFixture.message("one", "1"));
        String state = state("Email/get");
        Mailbox archive = f.store.createMailbox(a.id(), "Archive", null);
        f.store.copy(f.inbox(a).id(), List.of(u1), archive.id(), true); // IMAP MOVE
        long u2 = f.deliver(a, JmapFixture.message("short-lived", "2"));
        f.store.expunge(f.inbox(a).id(), List.of(u2));
        JsonNode c = f.call(a, "Email/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"" + state + "\"}");
        assertThat(c.path("created")).isEmpty();
        assertThat(c.path("destroyed")).isEmpty();
        assertThat(c.path("updated")).hasSize(1);
        JsonNode mc = f.call(a, "Mailbox/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"" + state + "\"}");
        assertThat(JmapFixture.ids(mc.path("created"))).containsExactly("m" + archive.id());
        assertThat(JmapFixture.ids(mc.path("updated"))).containsExactly("m" + f.inbox(a).id());
        assertThat(mc.path("updatedProperties")).hasSize(4);
    }

    @Test
    void mailboxChangesForRenameAndDeleteAndTheEmailsOfADeletedMailbox() throws Exception {
        Mailbox box = f.store.createMailbox(a.id(), "Old", null);
        f.store.append(box.id(), org.twinmail.core.mail.MessageSpool.of(JmapFixture.message("inside", "x").getBytes()), Set.of(),
                java.time.Instant.now());
        Mailbox gone = f.store.createMailbox(a.id(), "Gone", null);
        String state = state("Mailbox/get");
        String emailState = state("Email/get");
        f.store.renameMailbox(a.id(), "Old", "New");
        f.store.deleteMailbox(a.id(), "Gone");
        JsonNode mc = f.call(a, "Mailbox/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"" + state + "\"}");
        assertThat(JmapFixture.ids(mc.path("updated"))).containsExactly("m" + box.id());
        assertThat(JmapFixture.ids(mc.path("destroyed"))).containsExactly("m" + gone.id());
        assertThat(mc.path("updatedProperties").isNull()).isTrue();
        f.store.renameMailbox(a.id(), "New", "Gone2");
        f.store.deleteMailbox(a.id(), "Gone2"); // with its message: the Email goes too
        JsonNode ec = f.call(a, "Email/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"" + emailState + "\"}");
        assertThat(ec.path("destroyed")).hasSize(1);
    }

    @Test
    void maxChangesPagesThroughWithHasMoreChanges() throws Exception {
        String state = state("Email/get");
        for (int i = 0; i < 5; i++) f.deliver(a, JmapFixture.message("m" + i, "b" + i));
        Set<String> seen = new HashSet<>();
        int rounds = 0;
        boolean more = true;
        while (more) {
            JsonNode c = f.call(a, "Email/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"" + state + "\",\"maxChanges\":2}");
            assertThat(c.path("created").size()).isLessThanOrEqualTo(2);
            c.path("created").forEach(x -> seen.add(x.asText()));
            more = c.path("hasMoreChanges").asBoolean();
            state = c.path("newState").asText();
            assertThat(++rounds).isLessThan(10);
        }
        assertThat(seen).isEqualTo(queryIds()).hasSize(5);
        assertThat(rounds).isEqualTo(3);
    }

    @Test
    void unknownStatesCannotBeCalculated() throws Exception {
        assertThat(f.call(a, "Email/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"banana\"}").path("type").asText())
                .isEqualTo("cannotCalculateChanges");
        assertThat(f.call(a, "Mailbox/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"99999999\"}").path("type").asText())
                .isEqualTo("cannotCalculateChanges");
        assertThat(f.call(a, "Email/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"0\",\"maxChanges\":0}").path("type").asText())
                .isEqualTo("invalidArguments");
    }

    @Test
    void otherAccountsChangesAreNotReported() throws Exception {
        Account b = f.account();
        String state = state("Email/get");
        f.deliver(b, JmapFixture.message("for b", "x"));
        JsonNode c = f.call(a, "Email/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"" + state + "\"}");
        assertThat(c.path("created")).isEmpty();
        assertThat(Long.parseLong(c.path("newState").asText())).isGreaterThan(Long.parseLong(state));
    }

    @Test
    void queryChangesAddsAndRemoves() throws Exception {
        long u1 = f.deliver(a, JmapFixture.message("one", "1"));
        f.deliver(a, JmapFixture.message("two", "2"));
        JsonNode q = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\",\"filter\":{\"notKeyword\":\"$seen\"}}");
        String qs = q.path("queryState").asText();
        List<String> old = new ArrayList<>();
        q.path("ids").forEach(x -> old.add(x.asText()));
        f.store.storeFlags(f.inbox(a).id(), List.of(u1), FlagChange.ADD, Set.of("\\Seen"), -1);
        f.deliver(a, JmapFixture.message("three", "3"));
        JsonNode qc = f.call(a, "Email/queryChanges", "{\"accountId\":\"$ACCOUNT\",\"filter\":{\"notKeyword\":\"$seen\"},\"sinceQueryState\":\"" + qs + "\",\"calculateTotal\":true}");
        assertThat(qc.path("oldQueryState").asText()).isEqualTo(qs);
        // apply the patch to the old list and compare with the new query (RFC 8620 5.6)
        List<String> patched = new ArrayList<>(old);
        qc.path("removed").forEach(x -> patched.remove(x.asText()));
        qc.path("added").forEach(x -> patched.add(x.path("index").asInt(), x.path("id").asText()));
        List<String> now = new ArrayList<>();
        f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\",\"filter\":{\"notKeyword\":\"$seen\"}}").path("ids").forEach(x -> now.add(x.asText()));
        assertThat(patched).isEqualTo(now);
        assertThat(qc.path("total").asInt()).isEqualTo(2);
        // a query over threads is answered too (every Email of a touched thread reported: QueryChangesTest)
        JsonNode collapsed = f.call(a, "Email/queryChanges", "{\"accountId\":\"$ACCOUNT\",\"collapseThreads\":true,\"sinceQueryState\":\"" + qs + "\"}");
        assertThat(collapsed.path("newQueryState").asText()).as(collapsed.toString()).matches("\\d+");
        assertThat(collapsed.path("added")).hasSize(2); // "one" (now seen) and "three" (new): their threads; "two" untouched
        JsonNode mq = f.call(a, "Mailbox/queryChanges", "{\"accountId\":\"$ACCOUNT\",\"sinceQueryState\":\"" + qs + "\"}");
        assertThat(mq.path("removed")).hasSize(1); // INBOX's counts changed
    }

    @Test
    void changesStayExactWhileImapChangesRunConcurrently() throws Exception {
        for (int i = 0; i < 20; i++) f.deliver(a, JmapFixture.message("seed" + i, "s" + i));
        long inbox = f.inbox(a).id();
        // The client's replica: ids from a query, kept up to date from /changes only.
        Set<String> replica = queryIds();
        String state = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\"}").path("queryState").asText();
        // /changes must be taken against a state no older than the replica: the query's state is.
        AtomicBoolean stop = new AtomicBoolean();
        Thread imap = Thread.ofVirtual().start(() -> {
            int n = 0;
            while (!stop.get() && n < 60) {
                long uid = f.deliver(a, JmapFixture.message("new" + n, "n" + n));
                f.store.storeFlags(inbox, List.of(uid), FlagChange.ADD, Set.of("\\Flagged"), -1);
                if (n % 3 == 0) f.store.expunge(inbox, List.of(uid));
                n++;
            }
        });
        for (int round = 0; round < 10; round++) {
            JsonNode c = f.call(a, "Email/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"" + state + "\"}");
            c.path("created").forEach(x -> replica.add(x.asText()));
            c.path("destroyed").forEach(x -> replica.remove(x.asText()));
            state = c.path("newState").asText();
        }
        imap.join();
        stop.set(true);
        JsonNode c = f.call(a, "Email/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"" + state + "\"}");
        c.path("created").forEach(x -> replica.add(x.asText()));
        c.path("destroyed").forEach(x -> replica.remove(x.asText()));
        assertThat(replica).isEqualTo(queryIds()).hasSize(20 + 40);
    }

    private String state(String method) throws Exception {
        String args = method.equals("Email/get") ? "{\"accountId\":\"$ACCOUNT\",\"ids\":[]}" : "{\"accountId\":\"$ACCOUNT\",\"ids\":[]}";
        return f.call(a, method, args).path("state").asText();
    }

    private Set<String> queryIds() throws Exception {
        return JmapFixture.ids(f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\",\"limit\":1000}").path("ids"));
    }
}
