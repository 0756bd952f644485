package org.twinmail.jmap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;

/**
 * EmailSubmission held until sendAt (RFC 8621 7, FUTURERELEASE's HOLDFOR/HOLDUNTIL): pending,
 * canceled before it goes, sent when its time comes, and kept across a restart of the store.
 * Time is a clock the test moves.
 */
class DelayedSendTest {
    static final List<String> USING = List.of("urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail", "urn:ietf:params:jmap:submission");
    static final Instant T0 = Instant.parse("2026-12-07T20:00:00Z");

    @TempDir
    Path dir;
    final MovableClock clock = new MovableClock(T0);
    JmapFixture f;
    Account a;
    Account b;

    @BeforeEach
    void setUp() {
        f = new JmapFixture(dir, c -> c.jmap.maxDelayedSend = Duration.ofHours(2), clock);
        a = f.account();
        b = f.account();
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    JsonNode calls(String methodCalls) throws Exception {
        return f.api(a, USING, methodCalls.replace("$ACCOUNT", JmapFixture.accountId(a))).get("methodResponses");
    }

    JsonNode call(String name, String args) throws Exception {
        return calls("[[\"" + name + "\"," + args + ",\"c\"]]").get(0).get(1);
    }

    /** A draft to b and a remote address, and its submission with {@code extra} in the EmailSubmission object. */
    JsonNode draftAndSubmit(String subject, String extra, String setExtra) throws Exception {
        String identity = call("Identity/get", "{\"accountId\":\"$ACCOUNT\"}").path("list").get(0).path("id").asText();
        String drafts = "m" + f.store.mailbox(a.id(), "Drafts").orElseThrow().id();
        return calls("[[\"Email/set\",{\"accountId\":\"$ACCOUNT\",\"create\":{\"d\":{\"mailboxIds\":{\"" + drafts + "\":true},"
                + "\"keywords\":{\"$draft\":true},\"from\":[{\"email\":\"" + a.address() + "\"}],"
                + "\"to\":[{\"email\":\"" + b.address() + "\"},{\"email\":\"far@remote.example\"}],\"subject\":\"" + subject + "\","
                + "\"textBody\":[{\"partId\":\"1\"}],\"bodyValues\":{\"1\":{\"value\":\"later\"}}}}},\"e\"],"
                + "[\"EmailSubmission/set\",{\"accountId\":\"$ACCOUNT\",\"create\":{\"s\":{\"identityId\":\"" + identity + "\",\"emailId\":\"#d\""
                + extra + "}}" + setExtra + "},\"s\"]]");
    }

    String envelopeWith(String parameters) {
        return ",\"envelope\":{\"mailFrom\":{\"email\":\"" + a.address() + "\",\"parameters\":" + parameters + "},"
                + "\"rcptTo\":[{\"email\":\"" + b.address() + "\"},{\"email\":\"far@remote.example\"}]}";
    }

    int inboxB() {
        return f.store.messages(f.inbox(b).id()).size();
    }

    @Test
    void heldUntilSendAtThenSentThroughThePipeline() throws Exception {
        JsonNode rs = draftAndSubmit("held", envelopeWith("{\"HOLDFOR\":\"600\"}"), "");
        JsonNode created = rs.get(1).get(1).path("created").path("s");
        assertThat(created.path("undoStatus").asText()).as(rs.toString()).isEqualTo("pending");
        assertThat(created.path("sendAt").asText()).isEqualTo("2026-12-07T20:10:00Z");
        String id = created.path("id").asText();
        assertThat(inboxB()).isZero();
        assertThat(f.store.listQueue(10)).isEmpty();
        assertThat(f.jmap.delayedSends().sendDue()).isZero();
        clock.advance(Duration.ofSeconds(599));
        assertThat(f.jmap.delayedSends().sendDue()).isZero();
        JsonNode pending = call("EmailSubmission/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + id + "\"]}").path("list").get(0);
        assertThat(pending.path("undoStatus").asText()).isEqualTo("pending");
        assertThat(pending.has("_hold")).isFalse();
        assertThat(pending.path("envelope").path("mailFrom").path("parameters").path("HOLDFOR").asText()).isEqualTo("600");

        clock.advance(Duration.ofSeconds(1));
        assertThat(f.jmap.delayedSends().sendDue()).isEqualTo(1);
        assertThat(inboxB()).isEqualTo(1);
        assertThat(f.store.listQueue(10)).hasSize(1);
        JsonNode sent = call("EmailSubmission/get", "{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + id + "\"]}").path("list").get(0);
        assertThat(sent.path("undoStatus").asText()).isEqualTo("final");
        assertThat(sent.path("deliveryStatus").path(b.address().toString()).path("delivered").asText()).isEqualTo("yes");
        assertThat(sent.path("deliveryStatus").path("far@remote.example").path("delivered").asText()).isEqualTo("queued");
        assertThat(f.store.records("jmap.submission.body")).isEmpty();
        assertThat(f.jmap.delayedSends().sendDue()).isZero(); // once
        JsonNode late = call("EmailSubmission/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + id + "\":{\"undoStatus\":\"canceled\"}}}");
        assertThat(late.path("notUpdated").path(id).path("type").asText()).isEqualTo("cannotUnsend");
    }

    @Test
    void canceledBeforeSendAtNeverGoes() throws Exception {
        JsonNode rs = draftAndSubmit("undone", ",\"sendAt\":\"2026-12-07T20:00:30Z\"", "");
        String id = rs.get(1).get(1).path("created").path("s").path("id").asText();
        assertThat(rs.get(1).get(1).path("created").path("s").path("undoStatus").asText()).as(rs.toString()).isEqualTo("pending");
        assertThat(f.store.records("jmap.submission.body")).isNotEmpty();
        JsonNode bad = call("EmailSubmission/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + id + "\":{\"undoStatus\":\"final\"}}}");
        assertThat(bad.path("notUpdated").path(id).path("type").asText()).isEqualTo("invalidProperties");
        JsonNode cancel = call("EmailSubmission/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + id + "\":{\"undoStatus\":\"canceled\"}}}");
        assertThat(cancel.path("updated").has(id)).as(cancel.toString()).isTrue();
        assertThat(f.store.records("jmap.submission.body")).isEmpty();
        JsonNode q = call("EmailSubmission/query", "{\"accountId\":\"$ACCOUNT\",\"filter\":{\"undoStatus\":\"canceled\"}}");
        assertThat(JmapFixture.ids(q.path("ids"))).containsExactly(id);
        clock.advance(Duration.ofMinutes(5));
        assertThat(f.jmap.delayedSends().sendDue()).isZero();
        assertThat(inboxB()).isZero();
        assertThat(f.store.listQueue(10)).isEmpty();
        JsonNode again = call("EmailSubmission/set", "{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + id + "\":{\"undoStatus\":\"canceled\"}}}");
        assertThat(again.path("notUpdated").path(id).path("type").asText()).isEqualTo("cannotUnsend");

        // a pending submission destroyed does not go out either
        JsonNode other = draftAndSubmit("destroyed", ",\"sendAt\":\"2026-12-07T20:06:00Z\"", "");
        String id2 = other.get(1).get(1).path("created").path("s").path("id").asText();
        assertThat(call("EmailSubmission/set", "{\"accountId\":\"$ACCOUNT\",\"destroy\":[\"" + id2 + "\"]}").path("destroyed")).hasSize(1);
        clock.advance(Duration.ofHours(1));
        assertThat(f.jmap.delayedSends().sendDue()).isZero();
        assertThat(inboxB()).isZero();
    }

    @Test
    void keptAcrossARestartEvenWhenTheEmailIsDestroyed() throws Exception {
        JsonNode rs = draftAndSubmit("survives", envelopeWith("{\"HOLDUNTIL\":\"2026-12-07T21:00:00Z\"}"), ",\"onSuccessDestroyEmail\":[\"#s\"]");
        assertThat(rs.get(1).get(1).path("created").path("s").path("undoStatus").asText()).as(rs.toString()).isEqualTo("pending");
        assertThat(rs.get(2).get(1).path("destroyed")).hasSize(1); // the draft is gone at once
        f.close();
        clock.advance(Duration.ofHours(1));
        f = new JmapFixture(dir, c -> c.jmap.maxDelayedSend = Duration.ofHours(2), clock);
        assertThat(f.jmap.delayedSends().sendDue()).isEqualTo(1);
        var inbox = f.store.messages(f.inbox(b).id());
        assertThat(inbox).hasSize(1);
        String delivered = new String(f.store.openBlob(inbox.getFirst().blobId()).readAllBytes());
        assertThat(delivered).contains("Subject: survives", "later");
    }

    @Test
    void holdsAreBoundedByMaxDelayedSend() throws Exception {
        JsonNode caps = f.get("/jmap/session", a).json();
        JsonNode sub = caps.path("accounts").path(JmapFixture.accountId(a)).path("accountCapabilities").path("urn:ietf:params:jmap:submission");
        assertThat(sub.path("maxDelayedSend").asLong()).isEqualTo(7200);
        assertThat(sub.path("submissionExtensions").path("FUTURERELEASE").get(0).asText()).isEqualTo("7200");
        JsonNode tooFar = draftAndSubmit("too far", envelopeWith("{\"HOLDFOR\":\"7201\"}"), "").get(1).get(1);
        assertThat(tooFar.path("notCreated").path("s").path("type").asText()).isEqualTo("invalidProperties");
        JsonNode notATime = draftAndSubmit("bad", ",\"sendAt\":\"tomorrow\"", "").get(1).get(1);
        assertThat(notATime.path("notCreated").path("s").path("properties").get(0).asText()).isEqualTo("sendAt");
        // a sendAt already past is sent at once
        JsonNode past = draftAndSubmit("past", ",\"sendAt\":\"2026-12-07T19:00:00Z\"", "").get(1).get(1);
        assertThat(past.path("created").path("s").path("undoStatus").asText()).isEqualTo("final");
        assertThat(inboxB()).isEqualTo(1);
    }

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
