package org.twinmail.jmap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.core.policy.OutboundHoldRecord;
import org.twinmail.store.AccountChange;

/** RFC 8621 Identity, EmailSubmission (through the submission pipeline), VacationResponse; RFC 9425 Quota. */
class AccountObjectsTest {
    static final List<String> USING = List.of("urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail", "urn:ietf:params:jmap:submission",
            "urn:ietf:params:jmap:vacationresponse", "urn:ietf:params:jmap:quota");
    @TempDir
    Path dir;
    JmapFixture f;
    Account a;
    Account b;

    @BeforeEach
    void setUp() {
        f = new JmapFixture(dir, c -> c.submission.maxMessagesPerHour = 3);
        a = f.account();
        b = f.account();
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    JsonNode call(String name, String args) throws Exception {
        return f.api(a, USING, "[[\"" + name + "\"," + args.replace("$ACCOUNT", JmapFixture.accountId(a)) + ",\"c\"]]")
                .get("methodResponses").get(0).get(1);
    }

    @Test
    void sessionAdvertisesTheCapabilities() throws Exception {
        JsonNode caps = f.get("/jmap/session", a).json().path("capabilities");
        assertThat(caps.has("urn:ietf:params:jmap:submission")).isTrue();
        assertThat(caps.has("urn:ietf:params:jmap:vacationresponse")).isTrue();
        assertThat(caps.has("urn:ietf:params:jmap:quota")).isTrue();
        JsonNode acc = f.get("/jmap/session", a).json().path("accounts").path(JmapFixture.accountId(a)).path("accountCapabilities");
        assertThat(acc.path("urn:ietf:params:jmap:submission").path("maxDelayedSend").asLong()).isEqualTo(7 * 24 * 3600); // jmap.maxDelayedSend
    }

    @Test
    void identitiesAreTheAddressAndItsAliases() throws Exception {
        f.store.addAlias("alias@" + JmapFixture.DOMAIN, List.of(a.address()));
        JsonNode r = call("Identity/get", "{\"accountId\":\"$ACCOUNT\"}");
        assertThat(r.path("list")).hasSize(2);
        String id = r.path("list").get(0).path("id").asText();
        assertThat(r.path("list").get(0).path("email").asText()).isEqualTo(a.address().toString());
        String state = r.path("state").asText();
        JsonNode set = call("Identity/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + id + "\":{\"name\":\"Ann Example\",\"textSignature\":\"-- Ann\"}},"
                + "\"create\":{\"n\":{\"email\":\"x@elsewhere.example\"}}}");
        assertThat(set.path("updated").has(id)).isTrue();
        assertThat(set.path("notCreated").path("n").path("type").asText()).isEqualTo("forbiddenFrom");
        JsonNode again = call("Identity/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + id + "\"]}").path("list").get(0);
        assertThat(again.path("name").asText()).isEqualTo("Ann Example");
        assertThat(again.path("textSignature").asText()).isEqualTo("-- Ann");
        JsonNode ch = call("Identity/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"" + state + "\"}");
        assertThat(JmapFixture.ids(ch.path("created"))).containsExactly(id); // its first stored settings
    }

    @Test
    void submissionDeliversLocallyQueuesRemotelyAndUpdatesTheDraft() throws Exception {
        String identity = call("Identity/get", "{\"accountId\":\"$ACCOUNT\"}").path("list").get(0).path("id").asText();
        String drafts = "m" + f.store.mailbox(a.id(), "Drafts").orElseThrow().id();
        String sent = "m" + f.store.mailbox(a.id(), "Sent").orElseThrow().id();
        JsonNode r = f.api(a, USING, "[[\"Email/set\",{\"accountId\":\"$ACCOUNT\",\"create\":{\"d\":{\"mailboxIds\":{\"" + drafts + "\":true},"
                + "\"keywords\":{\"$draft\":true},\"from\":[{\"email\":\"" + a.address() + "\"}],"
                + "\"to\":[{\"email\":\"" + b.address() + "\"},{\"email\":\"far@remote.example\"}],\"subject\":\"sent over JMAP\","
                + "\"textBody\":[{\"partId\":\"1\"}],\"bodyValues\":{\"1\":{\"value\":\"hi\"}}}}},\"e\"],"
                + "[\"EmailSubmission/set\",{\"accountId\":\"$ACCOUNT\",\"create\":{\"s\":{\"identityId\":\"" + identity + "\",\"emailId\":\"#d\"}},"
                + "\"onSuccessUpdateEmail\":{\"#s\":{\"mailboxIds/" + drafts + "\":null,\"mailboxIds/" + sent + "\":true,\"keywords/$draft\":null}}},\"s\"]]");
        JsonNode rs = r.get("methodResponses");
        JsonNode sub = rs.get(1).get(1);
        assertThat(sub.path("created").path("s").path("undoStatus").asText()).as(rs.toString()).isEqualTo("final");
        assertThat(rs.get(2).get(0).asText()).isEqualTo("Email/set"); // the implicit update
        assertThat(rs.get(2).get(2).asText()).isEqualTo("s");
        // b got it in its INBOX, with our trace fields; the remote recipient waits in the outbound queue
        var inboxB = f.store.messages(f.inbox(b).id());
        assertThat(inboxB).hasSize(1);
        String delivered = new String(f.store.openBlob(inboxB.getFirst().blobId()).readAllBytes());
        assertThat(delivered).startsWith("Return-Path: <" + a.address() + ">\r\nReceived: by ").contains("with HTTP (JMAP)", "Subject: sent over JMAP");
        assertThat(f.store.listQueue(10)).hasSize(1);
        // the draft moved to Sent without $draft
        assertThat(f.store.messages(f.store.mailbox(a.id(), "Drafts").orElseThrow().id())).isEmpty();
        var inSent = f.store.messages(f.store.mailbox(a.id(), "Sent").orElseThrow().id());
        assertThat(inSent).hasSize(1);
        assertThat(inSent.getFirst().flags()).doesNotContain("\\Draft");
        String subId = sub.path("created").path("s").path("id").asText();
        JsonNode got = call("EmailSubmission/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + subId + "\"]}").path("list").get(0);
        assertThat(got.path("envelope").path("rcptTo")).hasSize(2);
        assertThat(got.path("deliveryStatus").path(b.address().toString()).path("delivered").asText()).isEqualTo("yes");
        assertThat(got.path("deliveryStatus").path("far@remote.example").path("delivered").asText()).isEqualTo("queued");
        assertThat(call("EmailSubmission/query", "{\"accountId\":\"$ACCOUNT\"}").path("ids")).hasSize(1);
        JsonNode cancel = call("EmailSubmission/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + subId + "\":{\"undoStatus\":\"canceled\"}}}");
        assertThat(cancel.path("notUpdated").path(subId).path("type").asText()).isEqualTo("cannotUnsend");
    }

    @Test
    void aHeldAccountIsRefusedForbiddenToSendAtCreation() throws Exception {
        String identity = call("Identity/get", "{\"accountId\":\"$ACCOUNT\"}").path("list").get(0).path("id").asText();
        f.deliver(a, "From: " + a.address() + "\r\nTo: " + b.address() + ", far@remote.example\r\nSubject: while held\r\n\r\nx");
        String email = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\"}").path("ids").get(0).asText();
        // the outbound anomaly check held the account (its record, as filter's OutboundHold writes it)
        f.store.putRecord(OutboundHoldRecord.KIND, "account:" + a.id(), OutboundHoldRecord.NAME,
                new OutboundHoldRecord(a.address().toString(), "rate", "40 messages in the hour", 1L).encode(), 0);
        String create = "{\"accountId\":\"$ACCOUNT\",\"create\":{\"now\":{\"identityId\":\"" + identity + "\",\"emailId\":\"" + email + "\"},"
                + "\"later\":{\"identityId\":\"" + identity + "\",\"emailId\":\"" + email + "\",\"sendAt\":\"2099-01-01T00:00:00Z\"}}}";
        JsonNode r = call("EmailSubmission/set", create);
        for (String k : List.of("now", "later")) { // sent now or held until sendAt: refused at once (RFC 8621 7.5)
            assertThat(r.path("notCreated").path(k).path("type").asText()).as(r.toString()).isEqualTo("forbiddenToSend");
            assertThat(r.path("notCreated").path(k).path("description").asText()).contains("held");
        }
        assertThat(r.path("created").isNull() || r.path("created").isEmpty()).isTrue();
        assertThat(f.store.messages(f.inbox(b).id())).isEmpty(); // nothing delivered, nothing queued, nothing quarantined
        assertThat(f.store.listQueue(10)).isEmpty();
        assertThat(call("EmailSubmission/query", "{\"accountId\":\"$ACCOUNT\"}").path("ids")).isEmpty();
        // released: the same submission goes
        f.store.deleteRecord(OutboundHoldRecord.KIND, "account:" + a.id(), OutboundHoldRecord.NAME);
        JsonNode again = call("EmailSubmission/set", "{\"accountId\":\"$ACCOUNT\",\"create\":{\"now\":{\"identityId\":\"" + identity
                + "\",\"emailId\":\"" + email + "\"}}}");
        assertThat(again.path("created").path("now").path("undoStatus").asText()).as(again.toString()).isEqualTo("final");
        assertThat(f.store.messages(f.inbox(b).id())).hasSize(1);
    }

    @Test
    void submissionRefusalsComeFromTheSubmissionChecks() throws Exception {
        String identity = call("Identity/get", "{\"accountId\":\"$ACCOUNT\"}").path("list").get(0).path("id").asText();
        f.deliver(a, "From: " + b.address() + "\r\nTo: " + b.address() + "\r\nSubject: not mine\r\n\r\nx");
        String forged = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\"}").path("ids").get(0).asText();
        // the From field is someone else's: the submission-sender check refuses at DATA
        JsonNode r = call("EmailSubmission/set", "{\"accountId\":\"$ACCOUNT\",\"create\":{\"s\":{\"identityId\":\"" + identity + "\",\"emailId\":\"" + forged + "\"}}}");
        assertThat(r.path("notCreated").path("s").path("type").asText()).isEqualTo("forbiddenFrom");
        // an envelope sender that is not ours: refused at MAIL
        JsonNode env = call("EmailSubmission/set", "{\"accountId\":\"$ACCOUNT\",\"create\":{\"s\":{\"identityId\":\"" + identity + "\",\"emailId\":\"" + forged + "\","
                + "\"envelope\":{\"mailFrom\":{\"email\":\"" + b.address() + "\"},\"rcptTo\":[{\"email\":\"" + b.address() + "\"}]}}}}");
        assertThat(env.path("notCreated").path("s").path("type").asText()).isEqualTo("forbiddenMailFrom");
        f.deliver(a, "From: " + a.address() + "\r\nTo: nobody@" + JmapFixture.DOMAIN + "\r\nSubject: to nobody\r\n\r\nx");
        String toNobody = null;
        for (JsonNode e : f.call(a, "Email/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":" + f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\"}").path("ids")
                + ",\"properties\":[\"subject\"]}").path("list")) {
            if (e.path("subject").asText().equals("to nobody")) toNobody = e.path("id").asText();
        }
        JsonNode unknown = call("EmailSubmission/set", "{\"accountId\":\"$ACCOUNT\",\"create\":{\"s\":{\"identityId\":\"" + identity + "\",\"emailId\":\"" + toNobody + "\"}}}");
        assertThat(unknown.path("notCreated").path("s").path("type").asText()).isEqualTo("invalidRecipients");
        assertThat(JmapFixture.ids(unknown.path("notCreated").path("s").path("invalidRecipients"))).containsExactly("nobody@" + JmapFixture.DOMAIN);
        JsonNode noId = call("EmailSubmission/set", "{\"accountId\":\"$ACCOUNT\",\"create\":{\"s\":{\"identityId\":\"inope\",\"emailId\":\"" + toNobody + "\"}}}");
        assertThat(noId.path("notCreated").path("s").path("type").asText()).isEqualTo("invalidProperties");
    }

    @Test
    void theSendingRateIsShared() throws Exception {
        String identity = call("Identity/get", "{\"accountId\":\"$ACCOUNT\"}").path("list").get(0).path("id").asText();
        f.deliver(a, "From: " + a.address() + "\r\nTo: " + b.address() + "\r\nSubject: again\r\n\r\nx");
        String id = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\"}").path("ids").get(0).asText();
        String create = "{\"accountId\":\"$ACCOUNT\",\"create\":{\"s\":{\"identityId\":\"" + identity + "\",\"emailId\":\"" + id + "\"}}}";
        for (int i = 0; i < 3; i++) assertThat(call("EmailSubmission/set", create).path("created").has("s")).isTrue();
        assertThat(call("EmailSubmission/set", create).path("notCreated").path("s").path("type").asText()).isEqualTo("forbiddenToSend");
    }

    @Test
    void vacationResponseIsASingletonInRecords() throws Exception {
        JsonNode v = call("VacationResponse/get", "{\"accountId\":\"$ACCOUNT\"}").path("list").get(0);
        assertThat(v.path("id").asText()).isEqualTo("singleton");
        assertThat(v.path("isEnabled").asBoolean()).isFalse();
        JsonNode set = call("VacationResponse/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"singleton\":{\"isEnabled\":true,"
                + "\"subject\":\"Away\",\"textBody\":\"Back on Monday\",\"toDate\":\"2030-01-01T00:00:00Z\"}}}");
        assertThat(set.path("updated").has("singleton")).isTrue();
        assertThat(f.store.record("jmap.vacation", "account:" + a.id(), "singleton")).isPresent();
        JsonNode after = call("VacationResponse/get", "{\"accountId\":\"$ACCOUNT\"}").path("list").get(0);
        assertThat(after.path("isEnabled").asBoolean()).isTrue();
        assertThat(after.path("textBody").asText()).isEqualTo("Back on Monday");
        JsonNode bad = call("VacationResponse/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"singleton\":{\"fromDate\":\"soon\"}},\"create\":{\"x\":{}}}");
        assertThat(bad.path("notUpdated").path("singleton").path("type").asText()).isEqualTo("invalidProperties");
        assertThat(bad.path("notCreated").path("x").path("type").asText()).isEqualTo("singleton");
    }

    @Test
    void quotaShowsTheAccountsLimits() throws Exception {
        assertThat(call("Quota/get", "{\"accountId\":\"$ACCOUNT\"}").path("list")).isEmpty();
        f.store.updateAccount(a.address(), new AccountChange(null, 1_000_000L, null, 100L));
        f.deliver(a, JmapFixture.message("counted", "x"));
        JsonNode r = call("Quota/get", "{\"accountId\":\"$ACCOUNT\"}");
        JsonNode octets = null;
        JsonNode count = null;
        for (JsonNode q : r.path("list")) {
            if (q.path("resourceType").asText().equals("octets")) octets = q;
            if (q.path("resourceType").asText().equals("count")) count = q;
        }
        assertThat(octets.path("hardLimit").asLong()).isEqualTo(1_000_000L);
        assertThat(octets.path("used").asLong()).isPositive();
        assertThat(octets.path("scope").asText()).isEqualTo("account");
        assertThat(octets.path("types").get(0).asText()).isEqualTo("Mail");
        assertThat(count.path("used").asLong()).isEqualTo(1);
        JsonNode ch = call("Quota/changes", "{\"accountId\":\"$ACCOUNT\",\"sinceState\":\"0\"}");
        assertThat(ch.path("updated")).hasSize(2);
        assertThat(EmailAddress.parse(a.address().toString())).isEqualTo(a.address());
    }
}
