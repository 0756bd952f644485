package org.twinmail.jmap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.store.Rights;

/**
 * Email/copy between the user's account and a shared account it has ACL rights on (RFC 8621 4.7,
 * RFC 4314 through the store's checked view): the session lists the shared account, Mailbox/get
 * shows its visible mailboxes with myRights, copies go where the store allows and nowhere else.
 */
class SharedCopyTest {
    @TempDir
    Path dir;
    JmapFixture f;
    Account user;
    Account sales;
    Account stranger;
    Mailbox salesInbox;
    Mailbox salesArchive;

    @BeforeEach
    void setUp() {
        f = new JmapFixture(dir);
        user = f.account();
        sales = f.account();
        stranger = f.account();
        f.store.setSharedAccount(sales.id(), true);
        salesInbox = f.inbox(sales);
        salesArchive = f.store.createMailbox(sales.id(), "Archive", null);
        var owner = f.store.forAccount(sales.id());
        owner.setRights(salesInbox.id(), user.address().toString(), Rights.parse("lrswi"));
        owner.setRights(salesArchive.id(), user.address().toString(), Rights.parse("lr"));
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    String copy(String from, String to, String create) {
        return "{\"fromAccountId\":\"" + from + "\",\"accountId\":\"" + to + "\",\"create\":" + create + "}";
    }

    @Test
    void sessionAndMailboxGetShowTheSharedAccount() throws Exception {
        JsonNode accounts = f.get("/jmap/session", user).json().path("accounts");
        JsonNode shared = accounts.path("a" + sales.id());
        assertThat(shared.path("name").asText()).isEqualTo(sales.address().toString());
        assertThat(shared.path("isPersonal").asBoolean(true)).isFalse();
        assertThat(shared.path("isReadOnly").asBoolean(true)).isFalse();
        assertThat(accounts.has("a" + stranger.id())).isFalse();
        JsonNode boxes = f.call(user, "Mailbox/get", "{\"accountId\":\"a" + sales.id() + "\"}");
        assertThat(boxes.path("list")).hasSize(2); // INBOX and Archive; not its Sent, Drafts...
        for (JsonNode b : boxes.path("list")) {
            boolean inbox = b.path("id").asText().equals("m" + salesInbox.id());
            assertThat(b.path("myRights").path("mayAddItems").asBoolean()).isEqualTo(inbox);
            assertThat(b.path("myRights").path("mayReadItems").asBoolean()).isTrue();
            assertThat(b.path("myRights").path("mayDelete").asBoolean()).isFalse();
        }
        assertThat(f.call(user, "Mailbox/get", "{\"accountId\":\"a" + stranger.id() + "\"}").path("type").asText()).isEqualTo("accountNotFound");
    }

    @Test
    void copyIntoTheSharedAccountWhereTheAclAllows() throws Exception {
        f.deliver(user, JmapFixture.message("for the team", "forward me"));
        String id = f.call(user, "Email/query", "{\"accountId\":\"$ACCOUNT\"}").path("ids").get(0).asText();
        String mine = JmapFixture.accountId(user);
        String theirs = "a" + sales.id();
        JsonNode r = f.call(user, "Email/copy", copy(mine, theirs, "{\"c1\":{\"id\":\"" + id + "\",\"mailboxIds\":{\"m" + salesInbox.id()
                + "\":true},\"keywords\":{\"$flagged\":true}}}"));
        assertThat(r.path("created").path("c1").path("id").asText()).as(r.toString()).isEqualTo(id);
        var inSales = f.store.messages(salesInbox.id());
        assertThat(inSales).hasSize(1);
        assertThat(inSales.getFirst().flags()).contains("\\Flagged");
        assertThat(f.store.messages(f.inbox(user).id())).hasSize(1); // the original stays

        JsonNode again = f.call(user, "Email/copy", copy(mine, theirs, "{\"c2\":{\"id\":\"" + id + "\",\"mailboxIds\":{\"m" + salesInbox.id() + "\":true}}}"));
        assertThat(again.path("notCreated").path("c2").path("type").asText()).isEqualTo("alreadyExists");
        assertThat(again.path("notCreated").path("c2").path("existingId").asText()).isEqualTo(id);

        f.deliver(user, JmapFixture.message("second", "another"));
        String second = f.call(user, "Email/query", "{\"accountId\":\"$ACCOUNT\",\"filter\":{\"subject\":\"second\"}}").path("ids").get(0).asText();
        // lr only: the store refuses the append
        JsonNode ro = f.call(user, "Email/copy", copy(mine, theirs, "{\"c3\":{\"id\":\"" + second + "\",\"mailboxIds\":{\"m" + salesArchive.id() + "\":true}}}"));
        assertThat(ro.path("notCreated").path("c3").path("type").asText()).as(ro.toString()).isEqualTo("forbidden");
        // a mailbox of the account not shared with the user does not exist for it
        long sent = f.store.mailbox(sales.id(), "Sent").orElseThrow().id();
        JsonNode hidden = f.call(user, "Email/copy", copy(mine, theirs, "{\"c4\":{\"id\":\"" + second + "\",\"mailboxIds\":{\"m" + sent + "\":true}}}"));
        assertThat(hidden.path("notCreated").path("c4").path("type").asText()).isEqualTo("invalidProperties");
        // nor a mailbox of the user's own account named in the shared one
        JsonNode wrong = f.call(user, "Email/copy", copy(mine, theirs, "{\"c5\":{\"id\":\"" + second + "\",\"mailboxIds\":{\"m" + f.inbox(user).id() + "\":true}}}"));
        assertThat(wrong.path("notCreated").path("c5").path("type").asText()).isEqualTo("invalidProperties");
        assertThat(f.store.messages(salesArchive.id())).isEmpty();
        assertThat(f.store.messages(sent)).isEmpty();
        // an account that shares nothing with the user
        assertThat(f.call(user, "Email/copy", copy(mine, "a" + stranger.id(), "{}")).path("type").asText()).isEqualTo("accountNotFound");
    }

    @Test
    void copyOutOfTheSharedAccountAndTheOriginalStaysWithoutTheExpungeRight() throws Exception {
        f.deliver(sales, JmapFixture.message("customer asks", "a question"));
        String mine = JmapFixture.accountId(user);
        String theirs = "a" + sales.id();
        String id = "e" + f.store.messages(salesInbox.id()).getFirst().blobId().substring(0, 24);
        JsonNode rs = f.api(user, "[[\"Email/copy\"," + copy(theirs, mine, "{\"k\":{\"id\":\"" + id + "\",\"mailboxIds\":{\"m" + f.inbox(user).id()
                + "\":true}}}").replace("\"create\"", "\"onSuccessDestroyOriginal\":true,\"create\"") + ",\"c\"]]").path("methodResponses");
        assertThat(rs.get(0).get(1).path("created").path("k").path("id").asText()).as(rs.toString()).isEqualTo(id);
        assertThat(f.store.messages(f.inbox(user).id())).hasSize(1);
        // the implicit Email/set in the shared account: the user has no 'e' there, so the store refuses
        assertThat(rs.get(1).get(0).asText()).isEqualTo("Email/set");
        assertThat(rs.get(1).get(1).path("notDestroyed").path(id).path("type").asText()).isEqualTo("forbidden");
        assertThat(f.store.messages(salesInbox.id())).hasSize(1);
        // an Email of the shared account in no mailbox the user may read is not found
        Mailbox privateBox = f.store.createMailbox(sales.id(), "Private", null);
        f.store.copy(salesInbox.id(), java.util.List.of(f.store.messages(salesInbox.id()).getFirst().uid()), privateBox.id(), true);
        JsonNode gone = f.call(user, "Email/copy", copy(theirs, mine, "{\"k\":{\"id\":\"" + id + "\",\"mailboxIds\":{\"m" + f.inbox(user).id() + "\":true}}}"));
        assertThat(gone.path("notCreated").path("k").path("type").asText()).isEqualTo("notFound");
    }
}
