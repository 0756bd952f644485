package org.twinmail.jmap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.store.FlagChange;

/** RFC 8621 reading: Mailbox/get and /query, Email/get (properties, body values, header forms), Email/query, Thread/get, SearchSnippet/get. */
class MailReadTest {
    @TempDir
    Path dir;
    JmapFixture f;
    Account a;

    static final String MULTIPART = "From: =?UTF-8?B?SsO2cmc=?= <joerg@example.org>\r\n"
            + "To: Ann <ann@example.com>, bob@example.com\r\nCc: Friends: carl@example.net;\r\n"
            + "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= and pictures\r\nDate: Wed, 06 Mar 2024 08:00:00 +0100\r\n"
            + "Message-ID: <m1@example.org>\r\nList-Post: <mailto:list@example.org>\r\nX-Custom: one\r\nX-Custom: two\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
            + "--outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n"
            + "--inner\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHello J=C3=B6rg, see the picture.\r\n"
            + "--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello <b>J\u00f6rg</b>, see the picture.</p>\r\n"
            + "--inner--\r\n"
            + "--outer\r\nContent-Type: image/png; name=\"pic.png\"\r\nContent-Disposition: attachment; filename=\"pic.png\"\r\n"
            + "Content-Transfer-Encoding: base64\r\nContent-ID: <pic1>\r\n\r\niVBORw0KGgo=\r\n"
            + "--outer--\r\n";

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
    void mailboxGetShowsRolesCountsAndHierarchy() throws Exception {
        f.store.createMailbox(a.id(), "Projects", null);
        Mailbox child = f.store.createMailbox(a.id(), "Projects/Alpha", null);
        f.deliver(a, JmapFixture.message("one", "1"));
        long uid = f.deliver(a, JmapFixture.message("two", "2"));
        f.store.storeFlags(f.inbox(a).id(), List.of(uid), FlagChange.ADD, Set.of("\\Seen"), -1);
        JsonNode r = f.call(a, "Mailbox/get", "{\"accountId\":\"$ACCOUNT\"}");
        assertThat(r.path("state").asText()).matches("\\d+");
        JsonNode inbox = find(r.path("list"), "role", "inbox");
        assertThat(inbox.path("name").asText()).isEqualTo("INBOX");
        assertThat(inbox.path("totalEmails").asInt()).isEqualTo(2);
        assertThat(inbox.path("unreadEmails").asInt()).isEqualTo(1);
        assertThat(inbox.path("totalThreads").asInt()).isEqualTo(2);
        assertThat(inbox.path("unreadThreads").asInt()).isEqualTo(1);
        assertThat(inbox.path("myRights").path("mayDelete").asBoolean()).isFalse();
        assertThat(inbox.path("myRights").path("mayAddItems").asBoolean()).isTrue();
        for (String role : List.of("sent", "drafts", "trash", "junk")) assertThat(find(r.path("list"), "role", role)).isNotNull();
        JsonNode alpha = find(r.path("list"), "name", "Alpha");
        JsonNode projects = find(r.path("list"), "name", "Projects");
        assertThat(alpha.path("id").asText()).isEqualTo("m" + child.id());
        assertThat(alpha.path("parentId").asText()).isEqualTo(projects.path("id").asText());
        assertThat(projects.path("parentId").isNull()).isTrue();

        JsonNode some = f.call(a, "Mailbox/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + alpha.path("id").asText()
                + "\",\"m999999\"],\"properties\":[\"name\"]}");
        assertThat(some.path("list")).hasSize(1);
        assertThat(some.path("list").get(0).has("role")).isFalse();
        assertThat(some.path("list").get(0).path("id").asText()).isEqualTo(alpha.path("id").asText());
        assertThat(JmapFixture.ids(some.path("notFound"))).containsExactly("m999999");
    }

    @Test
    void mailboxQueryFiltersAndSorts() throws Exception {
        f.store.createMailbox(a.id(), "Projects", null);
        f.store.createMailbox(a.id(), "Projects/Alpha", null);
        JsonNode roles = f.call(a, "Mailbox/query", "{\"accountId\":\"$ACCOUNT\",\"filter\":{\"hasAnyRole\":true},\"sort\":[{\"property\":\"name\"}]}");
        assertThat(roles.path("ids")).hasSize(5);
        JsonNode top = f.call(a, "Mailbox/query", "{\"accountId\":\"$ACCOUNT\",\"filter\":{\"parentId\":null,\"hasAnyRole\":false}}");
        assertThat(top.path("ids")).hasSize(1);
        JsonNode tree = f.call(a, "Mailbox/query", "{\"accountId\":\"$ACCOUNT\",\"sortAsTree\":true,\"sort\":[{\"property\":\"name\"}],\"calculateTotal\":true}");
        assertThat(tree.path("total").asInt()).isEqualTo(7);
        assertThat(f.callName(a, "Mailbox/query", "{\"accountId\":\"$ACCOUNT\",\"sort\":[{\"property\":\"color\"}]}")).isEqualTo("error");
        assertThat(f.call(a, "Mailbox/query", "{\"accountId\":\"$ACCOUNT\",\"filter\":{\"color\":1}}").path("type").asText()).isEqualTo("unsupportedFilter");
    }

    @Test
    void emailGetDefaultPropertiesBodyStructureAndValues() throws Exception {
        f.deliver(a, MULTIPART);
        String id = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\"}").path("ids").get(0).asText();
        JsonNode e = f.call(a, "Email/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + id + "\"],\"fetchTextBodyValues\":true}")
                .path("list").get(0);
        assertThat(e.path("id").asText()).isEqualTo(id);
        assertThat(e.path("blobId").asText()).startsWith("b").hasSize(65);
        assertThat(e.path("threadId").asText()).startsWith("t");
        assertThat(e.path("mailboxIds").path("m" + f.inbox(a).id()).asBoolean()).isTrue();
        assertThat(e.path("keywords").size()).isZero();
        assertThat(e.path("receivedAt").asText()).isEqualTo("2024-03-05T10:20:30Z");
        assertThat(e.path("subject").asText()).isEqualTo("Grüße and pictures");
        assertThat(e.path("from").get(0).path("name").asText()).isEqualTo("Jörg");
        assertThat(e.path("from").get(0).path("email").asText()).isEqualTo("joerg@example.org");
        assertThat(e.path("to")).hasSize(2);
        assertThat(e.path("to").get(1).path("name").isNull()).isTrue();
        assertThat(e.path("cc").get(0).path("email").asText()).isEqualTo("carl@example.net");
        assertThat(e.path("messageId").get(0).asText()).isEqualTo("m1@example.org");
        assertThat(e.path("inReplyTo").isNull()).isTrue();
        assertThat(e.path("sentAt").asText()).isEqualTo("2024-03-06T08:00:00+01:00");
        assertThat(e.path("hasAttachment").asBoolean()).isTrue();
        assertThat(e.path("preview").asText()).isEqualTo("Hello Jörg, see the picture.");
        assertThat(e.path("textBody")).hasSize(1);
        assertThat(e.path("textBody").get(0).path("type").asText()).isEqualTo("text/plain");
        assertThat(e.path("htmlBody").get(0).path("type").asText()).isEqualTo("text/html");
        JsonNode att = e.path("attachments").get(0);
        assertThat(att.path("name").asText()).isEqualTo("pic.png");
        assertThat(att.path("type").asText()).isEqualTo("image/png");
        assertThat(att.path("disposition").asText()).isEqualTo("attachment");
        assertThat(att.path("cid").asText()).isEqualTo("pic1");
        assertThat(att.path("size").asInt()).isEqualTo(8); // the decoded PNG signature
        String textPart = e.path("textBody").get(0).path("partId").asText();
        JsonNode value = e.path("bodyValues").path(textPart);
        assertThat(value.path("value").asText()).isEqualTo("Hello Jörg, see the picture.");
        assertThat(value.path("isTruncated").asBoolean()).isFalse();
        assertThat(e.path("bodyValues").size()).isEqualTo(1);
    }

    @Test
    void emailGetHeaderFormsBodyStructureAndTruncation() throws Exception {
        f.deliver(a, MULTIPART);
        String id = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\"}").path("ids").get(0).asText();
        JsonNode e = f.call(a, "Email/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + id + "\"],\"properties\":["
                + "\"header:Subject\",\"header:Subject:asText\",\"header:X-Custom:all\",\"header:X-Custom\",\"header:To:asAddresses\","
                + "\"header:Cc:asGroupedAddresses\",\"header:Message-ID:asMessageIds\",\"header:Date:asDate\",\"header:List-Post:asURLs\","
                + "\"header:X-Missing\",\"bodyStructure\",\"bodyValues\",\"headers\"],"
                + "\"fetchHTMLBodyValues\":true,\"maxBodyValueBytes\":10,\"bodyProperties\":[\"partId\",\"type\",\"subParts\"]}").path("list").get(0);
        assertThat(e.path("header:Subject").asText()).isEqualTo(" =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= and pictures");
        assertThat(e.path("header:Subject:asText").asText()).isEqualTo("Grüße and pictures");
        assertThat(e.path("header:X-Custom:all")).hasSize(2);
        assertThat(e.path("header:X-Custom").asText()).isEqualTo(" two");
        assertThat(e.path("header:To:asAddresses").get(0).path("email").asText()).isEqualTo("ann@example.com");
        assertThat(e.path("header:Cc:asGroupedAddresses").get(0).path("name").asText()).isEqualTo("Friends");
        assertThat(e.path("header:Message-ID:asMessageIds").get(0).asText()).isEqualTo("m1@example.org");
        assertThat(e.path("header:Date:asDate").asText()).isEqualTo("2024-03-06T08:00:00+01:00");
        assertThat(e.path("header:List-Post:asURLs").get(0).asText()).isEqualTo("mailto:list@example.org");
        assertThat(e.path("header:X-Missing").isNull()).isTrue();
        JsonNode bs = e.path("bodyStructure");
        assertThat(bs.path("type").asText()).isEqualTo("multipart/mixed");
        assertThat(bs.path("partId").isNull()).isTrue();
        assertThat(bs.path("subParts")).hasSize(2);
        assertThat(bs.path("subParts").get(0).path("subParts").get(1).path("type").asText()).isEqualTo("text/html");
        JsonNode html = e.path("bodyValues").elements().next();
        assertThat(html.path("isTruncated").asBoolean()).isTrue();
        assertThat(html.path("value").asText()).isEqualTo("<p>Hello <");
        assertThat(e.path("headers").get(0).path("name").asText()).isEqualTo("From");
        assertThat(f.call(a, "Email/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[],\"properties\":[\"header:X:asNothing\"]}")
                .path("type").asText()).isEqualTo("invalidArguments");
    }

    @Test
    void emailGetLimitsAndNotFound() throws Exception {
        StringBuilder ids = new StringBuilder("[");
        for (int i = 0; i < 501; i++) ids.append(i == 0 ? "" : ",").append("\"e").append(i).append('"');
        ids.append(']');
        assertThat(f.call(a, "Email/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":" + ids + "}").path("type").asText()).isEqualTo("requestTooLarge");
        JsonNode r = f.call(a, "Email/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"enope\"]}");
        assertThat(JmapFixture.ids(r.path("notFound"))).containsExactly("enope");
    }

    @Test
    void aMessageInTwoMailboxesIsOneEmailAndKeepsItsIdWhenMoved() throws Exception {
        long uid = f.deliver(a, JmapFixture.message("shared", "body"));
        Mailbox archive = f.store.createMailbox(a.id(), "Archive", null);
        f.store.copy(f.inbox(a).id(), List.of(uid), archive.id(), false);
        JsonNode q = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\"}");
        assertThat(q.path("ids")).hasSize(1);
        String id = q.path("ids").get(0).asText();
        JsonNode e = f.call(a, "Email/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + id + "\"],\"properties\":[\"mailboxIds\"]}").path("list").get(0);
        assertThat(e.path("mailboxIds").size()).isEqualTo(2);
        f.store.copy(archive.id(), List.of(1L), f.store.mailbox(a.id(), "Trash").orElseThrow().id(), true);
        JsonNode moved = f.call(a, "Email/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + id + "\"],\"properties\":[\"mailboxIds\"]}").path("list").get(0);
        assertThat(moved.path("mailboxIds").has("m" + archive.id())).isFalse();
        assertThat(moved.path("mailboxIds").size()).isEqualTo(2);
    }

    @Test
    void emailQueryFiltersSortsAndPages() throws Exception {
        Instant t0 = Instant.parse("2024-01-01T00:00:00Z");
        f.deliver(a, "From: Zed <zed@example.org>\r\nTo: x@example.com\r\nSubject: Re: banana\r\nMessage-ID: <b1@x>\r\n\r\nyellow fruit", t0);
        long apple = f.deliver(a, "From: Amy <amy@example.org>\r\nTo: y@example.com\r\nSubject: apple\r\nMessage-ID: <a1@x>\r\n\r\nred fruit and more text", t0.plusSeconds(60));
        f.deliver(a, MULTIPART, t0.plusSeconds(120));
        f.store.storeFlags(f.inbox(a).id(), List.of(apple), FlagChange.ADD, Set.of("\\Flagged", "Work"), -1);
        assertThat(subjects("{}")).containsExactly("Grüße and pictures", "apple", "Re: banana");
        assertThat(subjects("{\"filter\":{\"from\":\"amy\"}}")).containsExactly("apple");
        assertThat(subjects("{\"filter\":{\"text\":\"YELLOW\"}}")).containsExactly("Re: banana");
        assertThat(subjects("{\"filter\":{\"body\":\"fruit\"},\"sort\":[{\"property\":\"subject\"}]}")).containsExactly("apple", "Re: banana");
        assertThat(subjects("{\"filter\":{\"hasKeyword\":\"$flagged\"}}")).containsExactly("apple");
        assertThat(subjects("{\"filter\":{\"hasKeyword\":\"work\"}}")).containsExactly("apple");
        assertThat(subjects("{\"filter\":{\"notKeyword\":\"$flagged\"}}")).containsExactly("Grüße and pictures", "Re: banana");
        assertThat(subjects("{\"filter\":{\"hasAttachment\":true}}")).containsExactly("Grüße and pictures");
        assertThat(subjects("{\"filter\":{\"before\":\"2024-01-01T00:01:00Z\"}}")).containsExactly("Re: banana");
        assertThat(subjects("{\"filter\":{\"after\":\"2024-01-01T00:01:00Z\"}}")).containsExactly("Grüße and pictures", "apple");
        assertThat(subjects("{\"filter\":{\"header\":[\"X-Custom\",\"two\"]}}")).containsExactly("Grüße and pictures");
        assertThat(subjects("{\"filter\":{\"header\":[\"X-Custom\"]}}")).containsExactly("Grüße and pictures");
        assertThat(subjects("{\"filter\":{\"operator\":\"OR\",\"conditions\":[{\"subject\":\"apple\"},{\"subject\":\"banana\"}]}}"))
                .containsExactly("apple", "Re: banana");
        assertThat(subjects("{\"filter\":{\"operator\":\"NOT\",\"conditions\":[{\"subject\":\"apple\"}]}}"))
                .containsExactly("Grüße and pictures", "Re: banana");
        assertThat(subjects("{\"filter\":{\"inMailbox\":\"m" + f.inbox(a).id() + "\",\"minSize\":1}}")).hasSize(3);
        assertThat(subjects("{\"filter\":{\"inMailboxOtherThan\":[\"m" + f.inbox(a).id() + "\"]}}")).isEmpty();
        assertThat(subjects("{\"sort\":[{\"property\":\"subject\"}]}")).containsExactly("apple", "Re: banana", "Grüße and pictures");
        assertThat(subjects("{\"sort\":[{\"property\":\"from\",\"isAscending\":false}]}")).containsExactly("Re: banana", "Grüße and pictures", "apple");
        assertThat(subjects("{\"sort\":[{\"property\":\"receivedAt\",\"isAscending\":true}]}")).containsExactly("Re: banana", "apple", "Grüße and pictures");
        assertThat(subjects("{\"sort\":[{\"property\":\"size\"}]}")).hasSize(3);
        assertThat(subjects("{\"sort\":[{\"property\":\"hasKeyword\",\"keyword\":\"$flagged\",\"isAscending\":false}]}").getFirst()).isEqualTo("apple");

        JsonNode page = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\",\"position\":1,\"limit\":1,\"calculateTotal\":true}");
        assertThat(page.path("position").asInt()).isEqualTo(1);
        assertThat(page.path("ids")).hasSize(1);
        assertThat(page.path("total").asInt()).isEqualTo(3);
        assertThat(page.path("canCalculateChanges").asBoolean()).isTrue();
        String second = page.path("ids").get(0).asText();
        JsonNode anchored = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\",\"anchor\":\"" + second + "\",\"anchorOffset\":1}");
        assertThat(anchored.path("position").asInt()).isEqualTo(2);
        assertThat(f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\",\"anchor\":\"enope\"}").path("type").asText()).isEqualTo("anchorNotFound");
        assertThat(f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\",\"sort\":[{\"property\":\"color\"}]}").path("type").asText()).isEqualTo("unsupportedSort");
        assertThat(f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\",\"filter\":{\"color\":\"red\"}}").path("type").asText()).isEqualTo("unsupportedFilter");
        assertThat(f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\",\"filter\":{\"before\":\"yesterday\"}}").path("type").asText()).isEqualTo("invalidArguments");
    }

    @Test
    void threadsJoinRepliesAndCollapse() throws Exception {
        f.deliver(a, "From: a@example.org\r\nSubject: topic\r\nMessage-ID: <root@x>\r\n\r\nfirst", Instant.parse("2024-01-01T00:00:00Z"));
        f.deliver(a, "From: b@example.org\r\nSubject: Re: topic\r\nMessage-ID: <r1@x>\r\nIn-Reply-To: <root@x>\r\nReferences: <root@x>\r\n\r\nsecond",
                Instant.parse("2024-01-02T00:00:00Z"));
        f.deliver(a, "From: c@example.org\r\nSubject: other\r\nMessage-ID: <o@x>\r\n\r\nthird", Instant.parse("2024-01-03T00:00:00Z"));
        JsonNode all = f.call(a, "Email/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":" + f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\"}").path("ids")
                + ",\"properties\":[\"threadId\",\"subject\"]}").path("list");
        String topic = null;
        for (JsonNode e : all) if (e.path("subject").asText().equals("topic")) topic = e.path("threadId").asText();
        JsonNode t = f.call(a, "Thread/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + topic + "\",\"tnope\"]}");
        assertThat(t.path("list").get(0).path("emailIds")).hasSize(2);
        assertThat(JmapFixture.ids(t.path("notFound"))).containsExactly("tnope");
        JsonNode collapsed = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\",\"collapseThreads\":true}");
        assertThat(collapsed.path("ids")).hasSize(2);
        assertThat(subjects("{\"filter\":{\"someInThreadHaveKeyword\":\"$seen\"}}")).isEmpty();
    }

    @Test
    void searchSnippetsMarkTheTerms() throws Exception {
        f.deliver(a, "From: a@example.org\r\nSubject: the quarterly report\r\n\r\nPlease read the report <today>.");
        String id = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\"}").path("ids").get(0).asText();
        JsonNode r = f.call(a, "SearchSnippet/get", "{\"accountId\":\"$ACCOUNT\",\"filter\":{\"text\":\"report\"},\"emailIds\":[\"" + id + "\",\"enope\"]}");
        JsonNode s = r.path("list").get(0);
        assertThat(s.path("subject").asText()).isEqualTo("the quarterly <mark>report</mark>");
        assertThat(s.path("preview").asText()).isEqualTo("Please read the <mark>report</mark> &lt;today&gt;.");
        assertThat(JmapFixture.ids(r.path("notFound"))).containsExactly("enope");
    }

    private List<String> subjects(String args) throws Exception {
        String a2 = args.equals("{}") ? "{\"accountId\":\"$ACCOUNT\"}" : "{\"accountId\":\"$ACCOUNT\"," + args.substring(1);
        JsonNode q = f.call(a, "Email/query", a2);
        if (q.has("type")) throw new AssertionError(q.toString());
        if (q.path("ids").isEmpty()) return List.of();
        JsonNode list = f.call(a, "Email/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":" + q.path("ids") + ",\"properties\":[\"subject\"]}").path("list");
        java.util.Map<String, String> byId = new java.util.HashMap<>();
        list.forEach(e -> byId.put(e.path("id").asText(), e.path("subject").asText()));
        List<String> out = new java.util.ArrayList<>();
        q.path("ids").forEach(i -> out.add(byId.get(i.asText())));
        return out;
    }

    private static JsonNode find(JsonNode list, String field, String value) {
        for (JsonNode x : list) if (x.path(field).asText().equals(value)) return x;
        return null;
    }
}
