package org.twinmail.jmap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.FlagChange;

/** RFC 8621 writing: Mailbox/set, Email/set, Email/import, Email/copy, Email/parse, and blobs up and down (RFC 8620 6). */
class MailWriteTest {
    @TempDir
    Path dir;
    JmapFixture f;
    Account a;

    @BeforeEach
    void setUp() {
        f = new JmapFixture(dir, c -> c.jmap.maxObjectsInSet = 3);
        a = f.account();
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void mailboxSetCreatesRenamesSubscribesAndDestroys() throws Exception {
        JsonNode r = f.api(a, "[[\"Mailbox/set\",{\"accountId\":\"$ACCOUNT\",\"create\":{"
                + "\"p\":{\"name\":\"Projects\",\"isSubscribed\":true},"
                + "\"c\":{\"name\":\"Alpha\",\"parentId\":\"#p\"},"
                + "\"bad\":{\"name\":\"a/b\"}}},\"s\"],"
                + "[\"Mailbox/get\",{\"accountId\":\"$ACCOUNT\",\"ids\":[\"#c\"],\"properties\":[\"name\",\"parentId\"]},\"g\"]]");
        JsonNode set = r.get("methodResponses").get(0).get(1);
        String p = set.path("created").path("p").path("id").asText();
        String child = set.path("created").path("c").path("id").asText();
        assertThat(set.path("created").path("p").path("totalEmails").asInt()).isZero();
        assertThat(set.path("notCreated").path("bad").path("type").asText()).isEqualTo("invalidProperties");
        assertThat(f.store.mailbox(a.id(), "Projects/Alpha")).isPresent();
        assertThat(f.store.subscriptions(a.id())).contains("Projects");
        JsonNode got = r.get("methodResponses").get(1).get(1).path("list").get(0);
        assertThat(got.path("parentId").asText()).isEqualTo(p);
        assertThat(Long.parseLong(set.path("newState").asText())).isGreaterThan(Long.parseLong(set.path("oldState").asText()));

        JsonNode up = f.call(a, "Mailbox/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + child + "\":{\"name\":\"Beta\",\"parentId\":null},"
                + "\"" + p + "\":{\"role\":\"trash\"},\"m" + f.inbox(a).id() + "\":{\"name\":\"Other\"}}}");
        assertThat(up.path("updated").has(child)).isTrue();
        assertThat(up.path("notUpdated").path(p).path("type").asText()).isEqualTo("invalidProperties");
        assertThat(up.path("notUpdated").path("m" + f.inbox(a).id()).path("type").asText()).isEqualTo("forbidden");
        assertThat(f.store.mailbox(a.id(), "Beta")).isPresent();
        assertThat("m" + f.store.mailbox(a.id(), "Beta").orElseThrow().id()).isEqualTo(child); // a rename keeps the id

        f.deliver(a, JmapFixture.message("x", "y"));
        Mailbox beta = f.store.mailbox(a.id(), "Beta").orElseThrow();
        f.store.copy(f.inbox(a).id(), List.of(1L), beta.id(), false);
        JsonNode del = f.call(a, "Mailbox/set", "{\"accountId\":\"$ACCOUNT\",\"destroy\":[\"" + child + "\",\"m" + f.inbox(a).id() + "\",\"m999999\"]}");
        assertThat(del.path("notDestroyed").path(child).path("type").asText()).isEqualTo("mailboxHasEmail");
        assertThat(del.path("notDestroyed").path("m" + f.inbox(a).id()).path("type").asText()).isEqualTo("forbidden");
        assertThat(del.path("notDestroyed").path("m999999").path("type").asText()).isEqualTo("notFound");
        JsonNode del2 = f.call(a, "Mailbox/set", "{\"accountId\":\"$ACCOUNT\",\"onDestroyRemoveEmails\":true,\"destroy\":[\"" + child + "\"]}");
        assertThat(JmapFixture.ids(del2.path("destroyed"))).containsExactly(child);
        assertThat(f.store.messages(f.inbox(a).id())).hasSize(1); // still in INBOX
        f.store.createMailbox(a.id(), "Projects/Gamma", null);
        JsonNode hasChild = f.call(a, "Mailbox/set", "{\"accountId\":\"$ACCOUNT\",\"destroy\":[\"" + p + "\"]}");
        assertThat(hasChild.path("notDestroyed").path(p).path("type").asText()).isEqualTo("mailboxHasChild");
    }

    @Test
    void setLimitsAndStateMismatch() throws Exception {
        assertThat(f.call(a, "Mailbox/set", "{\"accountId\":\"$ACCOUNT\",\"destroy\":[\"m1\",\"m2\",\"m3\",\"m4\"]}").path("type").asText())
                .isEqualTo("requestTooLarge");
        assertThat(f.call(a, "Email/set", "{\"accountId\":\"$ACCOUNT\",\"ifInState\":\"1\",\"destroy\":[]}").path("type").asText())
                .isEqualTo("stateMismatch");
    }

    @Test
    void keywordsSetOverJmapAreImapFlagsAndBack() throws Exception {
        long uid = f.deliver(a, JmapFixture.message("flags", "x"));
        long inbox = f.inbox(a).id();
        f.store.storeFlags(inbox, List.of(uid), FlagChange.ADD, Set.of("Work"), -1);
        String id = onlyId();
        JsonNode r = f.call(a, "Email/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + id + "\":{\"keywords/$seen\":true,\"keywords/$flagged\":true,\"keywords/work\":null}}}");
        assertThat(r.path("updated").has(id)).isTrue();
        assertThat(f.store.messages(inbox).getFirst().flags()).containsExactlyInAnyOrder("\\Seen", "\\Flagged");
        f.store.storeFlags(inbox, List.of(uid), FlagChange.REMOVE, Set.of("\\Flagged"), -1); // IMAP STORE -FLAGS
        JsonNode e = f.call(a, "Email/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + id + "\"],\"properties\":[\"keywords\"]}").path("list").get(0);
        assertThat(e.path("keywords").toString()).isEqualTo("{\"$seen\":true}");
        f.call(a, "Email/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + id + "\":{\"keywords\":{\"$answered\":true,\"custom\":true}}}}");
        assertThat(f.store.messages(inbox).getFirst().flags()).containsExactlyInAnyOrder("\\Answered", "custom");
        JsonNode bad = f.call(a, "Email/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + id + "\":{\"keywords/a(b\":true},\"enope\":{\"keywords\":{}}}}");
        assertThat(bad.path("notUpdated").path(id).path("type").asText()).isEqualTo("invalidPatch");
        assertThat(bad.path("notUpdated").path("enope").path("type").asText()).isEqualTo("notFound");
    }

    @Test
    void mailboxIdsMoveAndCopyKeepTheId() throws Exception {
        f.deliver(a, JmapFixture.message("move me", "x"));
        String id = onlyId();
        Mailbox archive = f.store.createMailbox(a.id(), "Archive", null);
        String inbox = "m" + f.inbox(a).id();
        JsonNode r = f.call(a, "Email/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + id + "\":{\"mailboxIds/m" + archive.id() + "\":true}}}");
        assertThat(r.path("updated").has(id)).isTrue();
        assertThat(f.store.messages(archive.id())).hasSize(1);
        assertThat(f.store.messages(f.inbox(a).id())).hasSize(1);
        f.call(a, "Email/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + id + "\":{\"mailboxIds\":{\"m" + archive.id() + "\":true}}}}");
        assertThat(f.store.messages(f.inbox(a).id())).isEmpty();
        assertThat(onlyId()).isEqualTo(id);
        JsonNode empty = f.call(a, "Email/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + id + "\":{\"mailboxIds\":{}}}}");
        assertThat(empty.path("notUpdated").path(id).path("type").asText()).isEqualTo("invalidProperties");
        JsonNode destroy = f.call(a, "Email/set", "{\"accountId\":\"$ACCOUNT\",\"destroy\":[\"" + id + "\"]}");
        assertThat(JmapFixture.ids(destroy.path("destroyed"))).containsExactly(id);
        assertThat(f.store.messages(archive.id())).isEmpty();
        assertThat(inbox).startsWith("m");
    }

    @Test
    void createADraftWithTextHtmlAndAnUploadedAttachment() throws Exception {
        JmapFixture.Reply up = f.http("POST", "/jmap/upload/" + JmapFixture.accountId(a) + "/", JmapFixture.basic(a),
                "attached bytes".getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "text/x-note"));
        assertThat(up.status()).isEqualTo(201);
        String blobId = up.json().path("blobId").asText();
        assertThat(up.json().path("size").asInt()).isEqualTo(14);
        assertThat(up.json().path("type").asText()).isEqualTo("text/x-note");
        String drafts = "m" + f.store.mailbox(a.id(), "Drafts").orElseThrow().id();
        JsonNode r = f.api(a, "[[\"Email/set\",{\"accountId\":\"$ACCOUNT\",\"create\":{\"d\":{"
                + "\"mailboxIds\":{\"" + drafts + "\":true},\"keywords\":{\"$draft\":true,\"$seen\":true},"
                + "\"from\":[{\"name\":\"Zoë\",\"email\":\"" + a.address() + "\"}],\"to\":[{\"email\":\"bob@example.org\"}],"
                + "\"subject\":\"Größe\",\"textBody\":[{\"partId\":\"t\",\"type\":\"text/plain\"}],\"htmlBody\":[{\"partId\":\"h\",\"type\":\"text/html\"}],"
                + "\"attachments\":[{\"blobId\":\"" + blobId + "\",\"type\":\"text/x-note\",\"name\":\"note.txt\"}],"
                + "\"bodyValues\":{\"t\":{\"value\":\"Hello there\\nline two\"},\"h\":{\"value\":\"<p>Hello there</p>\"}}},"
                + "\"bad\":{\"mailboxIds\":{\"" + drafts + "\":true},\"textBody\":[{\"blobId\":\"bnope\"}]}}},\"s\"],"
                + "[\"Email/get\",{\"accountId\":\"$ACCOUNT\",\"ids\":[\"#d\"],\"properties\":[\"subject\",\"from\",\"keywords\",\"mailboxIds\",\"attachments\",\"bodyValues\",\"textBody\"],"
                + "\"fetchTextBodyValues\":true},\"g\"]]");
        JsonNode set = r.get("methodResponses").get(0).get(1);
        assertThat(set.path("notCreated").path("bad").path("type").asText()).isEqualTo("blobNotFound");
        JsonNode created = set.path("created").path("d");
        assertThat(created.path("id").asText()).startsWith("e");
        assertThat(created.path("blobId").asText()).startsWith("b");
        assertThat(created.path("size").asInt()).isPositive();
        JsonNode e = r.get("methodResponses").get(1).get(1).path("list").get(0);
        assertThat(e.path("subject").asText()).isEqualTo("Größe");
        assertThat(e.path("from").get(0).path("name").asText()).isEqualTo("Zoë");
        assertThat(e.path("keywords").toString()).isEqualTo("{\"$draft\":true,\"$seen\":true}");
        assertThat(e.path("attachments").get(0).path("name").asText()).isEqualTo("note.txt");
        String textPart = e.path("textBody").get(0).path("partId").asText();
        assertThat(e.path("bodyValues").path(textPart).path("value").asText()).isEqualTo("Hello there\r\nline two");
        // the attachment downloads as it was uploaded
        String attBlob = e.path("attachments").get(0).path("blobId").asText();
        JmapFixture.Reply down = f.get("/jmap/download/" + JmapFixture.accountId(a) + "/" + attBlob + "/note.txt?accept=text/plain", a);
        assertThat(down.status()).isEqualTo(200);
        assertThat(down.text()).isEqualTo("attached bytes");
        assertThat(down.contentType()).isEqualTo("text/plain");
        assertThat(down.headers().get("Content-Disposition")).contains("note.txt");
        MessageEntry stored = f.store.messages(f.store.mailbox(a.id(), "Drafts").orElseThrow().id()).getFirst();
        assertThat(stored.flags()).containsExactlyInAnyOrder("\\Draft", "\\Seen");
    }

    @Test
    void blobsAreTheAccountsOwnAndLimited() throws Exception {
        f.deliver(a, JmapFixture.message("mine", "body"));
        JsonNode e = f.call(a, "Email/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + onlyId() + "\"],\"properties\":[\"blobId\"]}").path("list").get(0);
        String blob = e.path("blobId").asText();
        JmapFixture.Reply whole = f.get("/jmap/download/" + JmapFixture.accountId(a) + "/" + blob + "/m.eml?accept=message/rfc822", a);
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.text()).isEqualTo(JmapFixture.message("mine", "body"));
        Account other = f.account();
        assertThat(f.get("/jmap/download/" + JmapFixture.accountId(other) + "/" + blob + "/m.eml", other).status()).isEqualTo(404);
        assertThat(f.get("/jmap/download/" + JmapFixture.accountId(a) + "/" + blob + "/m.eml", other).status()).isEqualTo(404);
        assertThat(f.get("/jmap/download/" + JmapFixture.accountId(a) + "/bnothing/x", a).status()).isEqualTo(404);
        try (JmapFixture small = new JmapFixture(dir.resolve("small"), c -> c.jmap.maxSizeUpload = org.twinmail.core.config.Size.of("1K"))) {
            Account b = small.account();
            JmapFixture.Reply big = small.http("POST", "/jmap/upload/" + JmapFixture.accountId(b) + "/", JmapFixture.basic(b), new byte[2048], Map.of());
            assertThat(big.status()).isEqualTo(413);
            assertThat(big.json().path("limit").asText()).isEqualTo("maxSizeUpload");
        }
        assertThat(f.http("POST", "/jmap/upload/" + JmapFixture.accountId(other) + "/", JmapFixture.basic(a), new byte[1], Map.of()).status()).isEqualTo(404);
    }

    @Test
    void importParseAndCopy() throws Exception {
        byte[] raw = JmapFixture.message("imported", "hello import").getBytes(StandardCharsets.UTF_8);
        String blobId = f.http("POST", "/jmap/upload/" + JmapFixture.accountId(a) + "/", JmapFixture.basic(a), raw, Map.of("Content-Type", "message/rfc822"))
                .json().path("blobId").asText();
        JsonNode parsed = f.call(a, "Email/parse", "{\"accountId\":\"$ACCOUNT\",\"blobIds\":[\"" + blobId + "\",\"bnope\"],\"properties\":[\"subject\",\"from\",\"preview\"]}");
        assertThat(parsed.path("parsed").path(blobId).path("subject").asText()).isEqualTo("imported");
        assertThat(parsed.path("parsed").path(blobId).path("preview").asText()).isEqualTo("hello import");
        assertThat(JmapFixture.ids(parsed.path("notFound"))).containsExactly("bnope");
        String inbox = "m" + f.inbox(a).id();
        JsonNode imp = f.call(a, "Email/import", "{\"accountId\":\"$ACCOUNT\",\"emails\":{\"i\":{\"blobId\":\"" + blobId + "\",\"mailboxIds\":{\""
                + inbox + "\":true},\"keywords\":{\"$seen\":true},\"receivedAt\":\"2023-05-06T07:08:09Z\"},"
                + "\"j\":{\"blobId\":\"bnope\",\"mailboxIds\":{\"" + inbox + "\":true}}}}");
        assertThat(imp.path("created").path("i").path("id").asText()).isEqualTo(onlyId());
        assertThat(imp.path("notCreated").path("j").path("type").asText()).isEqualTo("blobNotFound");
        MessageEntry m = f.store.messages(f.inbox(a).id()).getFirst();
        assertThat(m.flags()).containsExactly("\\Seen");
        assertThat(m.internalDate().toString()).isEqualTo("2023-05-06T07:08:09Z");
        assertThat(f.call(a, "Email/copy", "{\"accountId\":\"$ACCOUNT\",\"fromAccountId\":\"$ACCOUNT\",\"create\":{}}").path("type").asText())
                .isEqualTo("invalidArguments");
        assertThat(f.call(a, "Email/copy", "{\"accountId\":\"$ACCOUNT\",\"fromAccountId\":\"a424242\",\"create\":{}}").path("type").asText())
                .isEqualTo("fromAccountNotFound");
    }

    private String onlyId() throws Exception {
        JsonNode ids = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\"}").path("ids");
        assertThat(ids).hasSize(1);
        return ids.get(0).asText();
    }
}
