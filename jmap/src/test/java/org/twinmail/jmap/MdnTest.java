package org.twinmail.jmap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.core.model.MessageEntry;

/** RFC 9007: MDN/send through the submission pipeline with the null reverse-path, MDN/parse, $mdnsent. */
class MdnTest {
    static final List<String> USING = List.of("urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail", "urn:ietf:params:jmap:submission",
            "urn:ietf:params:jmap:mdn");
    @TempDir
    Path dir;
    JmapFixture f;
    Account a;
    Account b;

    @BeforeEach
    void setUp() {
        f = new JmapFixture(dir);
        a = f.account();
        b = f.account();
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    JsonNode calls(Account who, String methodCalls) throws Exception {
        return f.api(who, USING, methodCalls.replace("$ACCOUNT", JmapFixture.accountId(who))).get("methodResponses");
    }

    JsonNode call(Account who, String name, String args) throws Exception {
        return calls(who, "[[\"" + name + "\"," + args + ",\"c\"]]").get(0).get(1);
    }

    String identity(Account who) throws Exception {
        return call(who, "Identity/get", "{\"accountId\":\"$ACCOUNT\"}").path("list").get(0).path("id").asText();
    }

    /** b receives a message from a that asks for an MDN to {@code notifyTo}. */
    String receivedAskingForMdn(String notifyTo) throws Exception {
        f.deliver(b, "From: <" + a.address() + ">\r\nTo: <" + b.address() + ">\r\nSubject: please confirm\r\n"
                + "Message-ID: <orig.1@example.com>\r\nDisposition-Notification-To: <" + notifyTo + ">\r\n\r\nDid you read this?\r\n");
        return call(b, "Email/query", "{\"accountId\":\"$ACCOUNT\"}").path("ids").get(0).asText();
    }

    String displayed(String emailId) {
        return "{\"forEmailId\":\"" + emailId + "\",\"disposition\":{\"actionMode\":\"manual-action\",\"sendingMode\":\"mdn-sent-manually\","
                + "\"type\":\"displayed\"},\"reportingUA\":\"mail.example.com; TwinMail\"}";
    }

    @Test
    void sessionAdvertisesMdn() throws Exception {
        JsonNode s = f.get("/jmap/session", a).json();
        assertThat(s.path("capabilities").has("urn:ietf:params:jmap:mdn")).isTrue();
        assertThat(s.path("accounts").path(JmapFixture.accountId(a)).path("accountCapabilities").has("urn:ietf:params:jmap:mdn")).isTrue();
        assertThat(s.path("primaryAccounts").path("urn:ietf:params:jmap:mdn").asText()).isEqualTo(JmapFixture.accountId(a));
    }

    @Test
    void sendWritesAReportFromTheNullSenderAndParseReadsItBack() throws Exception {
        String email = receivedAskingForMdn(a.address().toString());
        JsonNode rs = calls(b, "[[\"MDN/send\",{\"accountId\":\"$ACCOUNT\",\"identityId\":\"" + identity(b) + "\",\"send\":{\"k1\":"
                + displayed(email) + "},\"onSuccessUpdateEmail\":{\"#k1\":{\"keywords/$seen\":true}}},\"m\"]]");
        JsonNode sent = rs.get(0).get(1).path("sent").path("k1");
        assertThat(sent.isObject()).as(rs.toString()).isTrue();
        assertThat(sent.path("finalRecipient").asText()).isEqualTo("rfc822; " + b.address());
        assertThat(sent.path("originalMessageId").asText()).isEqualTo("<orig.1@example.com>");
        assertThat(sent.path("includeOriginalMessage").asBoolean(true)).isFalse();
        assertThat(rs.get(1).get(0).asText()).isEqualTo("Email/set"); // onSuccessUpdateEmail
        assertThat(rs.get(1).get(1).path("updated").has(email)).isTrue();

        // the report arrived in a's INBOX with the null reverse-path
        List<MessageEntry> inbox = f.store.messages(f.inbox(a).id());
        assertThat(inbox).hasSize(1);
        byte[] report = f.store.openBlob(inbox.getFirst().blobId()).readAllBytes();
        String text = new String(report, StandardCharsets.UTF_8);
        assertThat(text).startsWith("Return-Path: <>\r\n");
        MimePart root = MimePart.parse(report);
        assertThat(root.type() + "/" + root.subtype()).isEqualTo("multipart/report");
        assertThat(root.params().get("report-type")).isEqualTo("disposition-notification");
        assertThat(root.children().get(1).type() + "/" + root.children().get(1).subtype()).isEqualTo("message/disposition-notification");
        assertThat(text).contains("Disposition: manual-action/MDN-sent-manually; displayed", "Original-Message-ID: <orig.1@example.com>",
                "Reporting-UA: mail.example.com; TwinMail", "In-Reply-To: <orig.1@example.com>");

        // the Email has $mdnsent (and $seen from onSuccessUpdateEmail); a second MDN is refused
        JsonNode kw = call(b, "Email/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + email + "\"],\"properties\":[\"keywords\"]}")
                .path("list").get(0).path("keywords");
        assertThat(kw.path("$mdnsent").asBoolean()).isTrue();
        assertThat(kw.path("$seen").asBoolean()).isTrue();
        JsonNode again = call(b, "MDN/send", "{\"accountId\":\"$ACCOUNT\",\"identityId\":\"" + identity(b) + "\",\"send\":{\"k2\":" + displayed(email) + "}}");
        assertThat(again.path("notSent").path("k2").path("type").asText()).isEqualTo("mdnAlreadySent");

        // a parses the report: the fields, and forEmailId names a's own copy of the original when it has one
        f.deliver(a, "From: <" + a.address() + ">\r\nTo: <" + b.address() + ">\r\nSubject: please confirm\r\n"
                + "Message-ID: <orig.1@example.com>\r\n\r\nDid you read this?\r\n");
        JsonNode mine = calls(a, "[[\"Email/query\",{\"accountId\":\"$ACCOUNT\"},\"q\"],[\"Email/get\",{\"accountId\":\"$ACCOUNT\","
                + "\"#ids\":{\"resultOf\":\"q\",\"name\":\"Email/query\",\"path\":\"/ids\"},\"properties\":[\"blobId\",\"subject\"]},\"g\"]]")
                .get(1).get(1).path("list");
        String reportBlob = null;
        String originalCopy = null;
        String originalBlob = null;
        for (JsonNode m : mine) {
            if (m.path("subject").asText().equals("please confirm")) {
                originalCopy = m.path("id").asText();
                originalBlob = m.path("blobId").asText();
            }
            else reportBlob = m.path("blobId").asText();
        }
        assertThat(mine).hasSize(2);
        JsonNode parsed = call(a, "MDN/parse", "{\"accountId\":\"$ACCOUNT\",\"blobIds\":[\"" + reportBlob + "\",\"bnope\"]}");
        JsonNode mdn = parsed.path("parsed").path(reportBlob);
        assertThat(mdn.path("forEmailId").asText()).isEqualTo(originalCopy);
        assertThat(mdn.path("subject").asText()).isEqualTo("Displayed: please confirm");
        assertThat(mdn.path("textBody").asText()).contains("displayed");
        assertThat(mdn.path("reportingUA").asText()).isEqualTo("mail.example.com; TwinMail");
        assertThat(mdn.path("disposition").path("actionMode").asText()).isEqualTo("manual-action");
        assertThat(mdn.path("disposition").path("sendingMode").asText()).isEqualTo("mdn-sent-manually");
        assertThat(mdn.path("disposition").path("type").asText()).isEqualTo("displayed");
        assertThat(mdn.path("finalRecipient").asText()).isEqualTo("rfc822; " + b.address());
        assertThat(mdn.path("originalMessageId").asText()).isEqualTo("<orig.1@example.com>");
        assertThat(mdn.path("includeOriginalMessage").asBoolean(true)).isFalse();
        assertThat(mdn.path("error").isNull()).isTrue();
        assertThat(JmapFixture.ids(parsed.path("notFound"))).containsExactly("bnope");
        // an ordinary message is not parsable as an MDN
        JsonNode plain = call(a, "MDN/parse", "{\"accountId\":\"$ACCOUNT\",\"blobIds\":[\"" + originalBlob + "\"]}");
        assertThat(JmapFixture.ids(plain.path("notParsable"))).containsExactly(originalBlob);
    }

    @Test
    void aRemoteRecipientGetsItThroughTheOutboundQueueWithTheNullSender() throws Exception {
        String email = receivedAskingForMdn("someone@remote.example");
        JsonNode r = call(b, "MDN/send", "{\"accountId\":\"$ACCOUNT\",\"identityId\":\"" + identity(b) + "\",\"send\":{\"k\":"
                + displayed(email).replace("\"reportingUA\"", "\"includeOriginalMessage\":true,\"extensionFields\":{\"X-Test\":\"yes\"},\"reportingUA\"") + "}}");
        assertThat(r.path("sent").has("k")).as(r.toString()).isTrue();
        var queue = f.store.listQueue(10);
        assertThat(queue).hasSize(1);
        assertThat(queue.getFirst().sender()).isEmpty();
        assertThat(queue.getFirst().recipients().getFirst().address()).isEqualTo("someone@remote.example");
    }

    @Test
    void refusals() throws Exception {
        String email = receivedAskingForMdn(a.address().toString());
        String id = identity(b);
        JsonNode r = call(b, "MDN/send", "{\"accountId\":\"$ACCOUNT\",\"identityId\":\"" + id + "\",\"send\":{"
                + "\"nf\":" + displayed("enope") + ","
                + "\"bad\":" + displayed(email).replace("displayed", "read") + ","
                + "\"srv\":" + displayed(email).replace("\"forEmailId\"", "\"originalMessageId\":\"<x@y>\",\"forEmailId\"") + "}}");
        assertThat(r.path("notSent").path("nf").path("type").asText()).isEqualTo("notFound");
        assertThat(r.path("notSent").path("bad").path("type").asText()).isEqualTo("invalidProperties");
        assertThat(r.path("notSent").path("bad").path("properties").get(0).asText()).isEqualTo("disposition");
        assertThat(r.path("notSent").path("srv").path("properties").get(0).asText()).isEqualTo("originalMessageId");
        // a message that asks for no MDN gets none
        f.deliver(b, JmapFixture.message("no receipt please", "body"));
        String plain = call(b, "Email/query", "{\"accountId\":\"$ACCOUNT\",\"filter\":{\"subject\":\"no receipt\"}}").path("ids").get(0).asText();
        JsonNode none = call(b, "MDN/send", "{\"accountId\":\"$ACCOUNT\",\"identityId\":\"" + id + "\",\"send\":{\"k\":" + displayed(plain) + "}}");
        assertThat(none.path("notSent").path("k").path("properties").get(0).asText()).isEqualTo("forEmailId");
        assertThat(f.store.messages(f.inbox(a).id())).isEmpty();
        // without the capability the method is unknown
        JsonNode unknown = f.api(b, List.of("urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"),
                "[[\"MDN/parse\",{\"accountId\":\"" + JmapFixture.accountId(b) + "\",\"blobIds\":[]},\"c\"]]").get("methodResponses").get(0);
        assertThat(unknown.get(1).path("type").asText()).isEqualTo("unknownMethod");
        // an unknown identity is an invalid argument
        assertThat(calls(b, "[[\"MDN/send\",{\"accountId\":\"$ACCOUNT\",\"identityId\":\"inope\",\"send\":{}},\"c\"]]").get(0).get(1)
                .path("type").asText()).isEqualTo("invalidArguments");
    }
}
