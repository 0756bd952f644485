package org.twinmail.jmap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.store.Rights;

/**
 * The mail methods on a shared account (RFC 8620 1.6.2, 2; RFC 8621 with the mailbox rights of
 * RFC 4314 as its 2.1 MailboxRights map them): the user sees the mailboxes it has {@code l} on,
 * reads the Emails of those it has {@code r} on, and changes only what its rights allow
 * ({@code forbidden} SetErrors otherwise), on the owner's store, change log and quota.
 *
 * <p>The shared {@code sales@} account: INBOX {@code lrswi}, Archive {@code lr}, Team
 * {@code lrswitekx}, Private nothing (it does not exist for the user).
 */
class SharedAccountTest {
    @TempDir
    Path dir;
    JmapFixture f;
    Account user;
    Account sales;
    Mailbox inbox;
    Mailbox archive;
    Mailbox team;
    Mailbox hidden;
    String acct;

    @BeforeEach
    void setUp() {
        f = new JmapFixture(dir);
        user = f.account();
        sales = f.account();
        f.store.setSharedAccount(sales.id(), true);
        inbox = f.inbox(sales);
        archive = f.store.createMailbox(sales.id(), "Archive", null);
        team = f.store.createMailbox(sales.id(), "Team", null);
        hidden = f.store.createMailbox(sales.id(), "Private", null);
        var owner = f.store.forAccount(sales.id());
        owner.setRights(inbox.id(), user.address().toString(), Rights.parse("lrswi"));
        owner.setRights(archive.id(), user.address().toString(), Rights.parse("lr"));
        owner.setRights(team.id(), user.address().toString(), Rights.parse("lrswitekx"));
        acct = "a" + sales.id();
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    /** Appends a message to {@code box} of sales@ (as its owner's IMAP APPEND does); the Email id. */
    String put(Mailbox box, String subject) {
        byte[] m = JmapFixture.message(subject, "body of " + subject).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        f.store.append(box.id(), org.twinmail.core.mail.MessageSpool.of(m), Set.of(), java.time.Instant.parse("2024-03-05T10:20:30Z"));
        return "e" + org.twinmail.core.mail.MessageSpool.of(m).sha256().substring(0, 24);
    }

    JsonNode call(String name, String args) throws Exception {
        return f.call(user, name, args.replace("$SHARED", acct));
    }

    @Test
    void mailboxesTheUserSeesWithTheirRightsQueryAndChanges() throws Exception {
        put(inbox, "one");
        put(hidden, "secret");
        JsonNode got = call("Mailbox/get", "{\"accountId\":\"$SHARED\"}");
        assertThat(got.path("accountId").asText()).isEqualTo(acct);
        assertThat(JmapFixture.ids(got.path("list").findValues("id").stream().collect(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance::arrayNode,
                com.fasterxml.jackson.databind.node.ArrayNode::add, com.fasterxml.jackson.databind.node.ArrayNode::addAll)))
                .containsExactlyInAnyOrder("m" + inbox.id(), "m" + archive.id(), "m" + team.id());
        for (JsonNode b : got.path("list")) {
            JsonNode r = b.path("myRights");
            if (b.path("id").asText().equals("m" + inbox.id())) {
                assertThat(b.path("totalEmails").asInt()).isEqualTo(1);
                assertThat(r.path("mayAddItems").asBoolean()).isTrue();
                assertThat(r.path("maySetSeen").asBoolean()).isTrue();
                assertThat(r.path("mayRemoveItems").asBoolean()).isFalse();
            } else if (b.path("id").asText().equals("m" + team.id())) {
                assertThat(r.path("mayRemoveItems").asBoolean()).isTrue();
                assertThat(r.path("mayRename").asBoolean()).isTrue();
                assertThat(r.path("mayCreateChild").asBoolean()).isTrue();
            } else {
                assertThat(r.path("mayReadItems").asBoolean()).isTrue();
                assertThat(r.path("mayAddItems").asBoolean()).isFalse();
                assertThat(r.path("maySetKeywords").asBoolean()).isFalse();
            }
        }
        assertThat(call("Mailbox/get", "{\"accountId\":\"$SHARED\",\"ids\":[\"m" + hidden.id() + "\"]}").path("notFound").get(0).asText())
                .isEqualTo("m" + hidden.id());
        JsonNode q = call("Mailbox/query", "{\"accountId\":\"$SHARED\",\"sort\":[{\"property\":\"name\"}]}");
        assertThat(q.path("ids").toString()).isEqualTo("[\"m" + archive.id() + "\",\"m" + inbox.id() + "\",\"m" + team.id() + "\"]");
        String state = got.path("state").asText();
        put(hidden, "another secret"); // not the user's to know
        JsonNode none = call("Mailbox/changes", "{\"accountId\":\"$SHARED\",\"sinceState\":\"" + state + "\"}");
        assertThat(none.path("updated")).as(none.toString()).isEmpty();
        put(archive, "filed");
        JsonNode ch = call("Mailbox/changes", "{\"accountId\":\"$SHARED\",\"sinceState\":\"" + state + "\"}");
        assertThat(JmapFixture.ids(ch.path("updated"))).as(ch.toString()).containsExactly("m" + archive.id());
        JsonNode qc = call("Mailbox/queryChanges", "{\"accountId\":\"$SHARED\",\"sort\":[{\"property\":\"name\"}],\"sinceQueryState\":\""
                + q.path("queryState").asText() + "\"}");
        assertThat(JmapFixture.ids(qc.path("removed"))).doesNotContain("m" + hidden.id());
    }

    @Test
    void emailsOfMailboxesWithoutTheReadRightAreNotThere() throws Exception {
        String one = put(inbox, "customer asks");
        String filed = put(archive, "filed away");
        String secret = put(hidden, "salary list");
        JsonNode q = call("Email/query", "{\"accountId\":\"$SHARED\",\"calculateTotal\":true}");
        assertThat(JmapFixture.ids(q.path("ids"))).containsExactlyInAnyOrder(one, filed);
        assertThat(q.path("total").asInt()).isEqualTo(2);
        assertThat(JmapFixture.ids(call("Email/query", "{\"accountId\":\"$SHARED\",\"filter\":{\"text\":\"salary\"}}").path("ids"))).isEmpty();
        assertThat(JmapFixture.ids(call("Email/query", "{\"accountId\":\"$SHARED\",\"filter\":{\"inMailbox\":\"m" + hidden.id() + "\"}}").path("ids"))).isEmpty();
        JsonNode got = call("Email/get", "{\"accountId\":\"$SHARED\",\"ids\":[\"" + one + "\",\"" + secret + "\"],\"properties\":[\"subject\",\"mailboxIds\",\"threadId\",\"blobId\"]}");
        assertThat(got.path("list")).hasSize(1);
        assertThat(got.path("list").get(0).path("subject").asText()).isEqualTo("customer asks");
        assertThat(got.path("list").get(0).path("mailboxIds").has("m" + inbox.id())).isTrue();
        assertThat(JmapFixture.ids(got.path("notFound"))).containsExactly(secret);
        String thread = got.path("list").get(0).path("threadId").asText();
        assertThat(JmapFixture.ids(call("Thread/get", "{\"accountId\":\"$SHARED\",\"ids\":[\"" + thread + "\"]}").path("list").get(0).path("emailIds")))
                .containsExactly(one);
        JsonNode snip = call("SearchSnippet/get", "{\"accountId\":\"$SHARED\",\"filter\":{\"text\":\"customer\"},\"emailIds\":[\"" + one + "\",\"" + secret + "\"]}");
        assertThat(snip.path("list").get(0).path("subject").asText()).isEqualTo("<mark>customer</mark> asks");
        assertThat(JmapFixture.ids(snip.path("notFound"))).containsExactly(secret);
        // blobs: the readable message downloads through the shared account, the hidden one does not
        String blob = got.path("list").get(0).path("blobId").asText();
        assertThat(f.get("/jmap/download/" + acct + "/" + blob + "/m.eml", user).status()).isEqualTo(200);
        String secretBlob = "b" + f.store.messages(hidden.id()).getFirst().blobId();
        assertThat(f.get("/jmap/download/" + acct + "/" + secretBlob + "/m.eml", user).status()).isEqualTo(404);
        // an account that shares nothing with the user is still not there
        Account stranger = f.account();
        assertThat(f.call(user, "Email/query", "{\"accountId\":\"a" + stranger.id() + "\"}").path("type").asText()).isEqualTo("accountNotFound");
    }

    @Test
    void changesReportOnlyWhatTheUserReadsAndAnAclChangeCannotBeCalculated() throws Exception {
        put(inbox, "first");
        JsonNode q0 = call("Email/query", "{\"accountId\":\"$SHARED\"}");
        String state = q0.path("queryState").asText();
        String added = put(inbox, "second");
        put(hidden, "hidden one");
        String toArchive = put(inbox, "third");
        f.store.copy(inbox.id(), List.of(f.store.messages(inbox.id()).getLast().uid()), archive.id(), true);
        JsonNode ch = call("Email/changes", "{\"accountId\":\"$SHARED\",\"sinceState\":\"" + state + "\"}");
        assertThat(JmapFixture.ids(ch.path("created"))).as(ch.toString()).containsExactlyInAnyOrder(added, toArchive);
        assertThat(ch.path("updated")).isEmpty();
        assertThat(ch.path("destroyed")).isEmpty();
        JsonNode qc = call("Email/queryChanges", "{\"accountId\":\"$SHARED\",\"sinceQueryState\":\"" + state + "\"}");
        assertThat(JmapFixture.ids(qc.path("added").findValues("id").stream().map(JsonNode::asText).collect(
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance::arrayNode, com.fasterxml.jackson.databind.node.ArrayNode::add,
                com.fasterxml.jackson.databind.node.ArrayNode::addAll))).containsExactlyInAnyOrder(added, toArchive);
        JsonNode tc = call("Thread/changes", "{\"accountId\":\"$SHARED\",\"sinceState\":\"" + state + "\"}");
        assertThat(tc.path("updated")).hasSize(2);
        // moved where the user cannot read: gone for it
        String now = ch.path("newState").asText();
        f.store.copy(archive.id(), List.of(f.store.messages(archive.id()).getFirst().uid()), hidden.id(), true);
        JsonNode gone = call("Email/changes", "{\"accountId\":\"$SHARED\",\"sinceState\":\"" + now + "\"}");
        assertThat(JmapFixture.ids(gone.path("destroyed"))).as(gone.toString()).containsExactly(toArchive);
        // the owner grants Private: its Emails appear with no change of theirs, so the changes cannot be told
        f.store.forAccount(sales.id()).setRights(hidden.id(), user.address().toString(), Rights.parse("lr"));
        JsonNode acl = call("Email/changes", "{\"accountId\":\"$SHARED\",\"sinceState\":\"" + gone.path("newState").asText() + "\"}");
        assertThat(acl.path("type").asText()).isEqualTo("cannotCalculateChanges");
        assertThat(call("Email/query", "{\"accountId\":\"$SHARED\"}").path("ids")).hasSize(4); // Private's two now, INBOX's two
    }

    @Test
    void emailSetWithinTheRightsAndForbiddenBeyondThem() throws Exception {
        String one = put(inbox, "flag me");
        String filed = put(archive, "read only");
        String teamMail = put(team, "team work");
        String set = "{\"accountId\":\"$SHARED\",\"update\":{\"" + one + "\":{\"keywords/$flagged\":true,\"keywords/$seen\":true},\""
                + filed + "\":{\"keywords/$flagged\":true},\"" + teamMail + "\":{\"mailboxIds\":{\"m" + archive.id() + "\":true}}}}";
        JsonNode r = call("Email/set", set);
        assertThat(r.path("updated").has(one)).as(r.toString()).isTrue();
        // the owner's store (what IMAP shows sales@) has the flags
        assertThat(f.store.messages(inbox.id()).getFirst().flags()).contains("\\Flagged", "\\Seen");
        assertThat(r.path("notUpdated").path(filed).path("type").asText()).isEqualTo("forbidden"); // lr: no w
        assertThat(r.path("notUpdated").path(teamMail).path("type").asText()).isEqualTo("forbidden"); // Archive: no i
        assertThat(f.store.messages(archive.id()).getFirst().flags()).doesNotContain("\\Flagged");
        // moving out of INBOX needs t and e there
        JsonNode move = call("Email/set", "{\"accountId\":\"$SHARED\",\"update\":{\"" + one + "\":{\"mailboxIds\":{\"m" + team.id() + "\":true}}}}");
        assertThat(move.path("notUpdated").path(one).path("type").asText()).isEqualTo("forbidden");
        assertThat(f.store.messages(team.id())).hasSize(1);
        // a mailbox the user does not see is no mailbox at all
        JsonNode hiddenMove = call("Email/set", "{\"accountId\":\"$SHARED\",\"update\":{\"" + teamMail + "\":{\"mailboxIds/m" + hidden.id() + "\":true}}}");
        assertThat(hiddenMove.path("notUpdated").path(teamMail).path("type").asText()).isEqualTo("invalidProperties");
        // Team has i there and t e here: INBOX -> no; Team -> Team only; copy into INBOX (i) from Team keeps it in both
        JsonNode both = call("Email/set", "{\"accountId\":\"$SHARED\",\"update\":{\"" + teamMail + "\":{\"mailboxIds/m" + inbox.id() + "\":true}}}");
        assertThat(both.path("updated").has(teamMail)).as(both.toString()).isTrue();
        assertThat(f.store.messages(inbox.id())).hasSize(2);
        // destroy: needs t and e on every mailbox the Email is in
        JsonNode d = call("Email/set", "{\"accountId\":\"$SHARED\",\"destroy\":[\"" + one + "\",\"" + teamMail + "\"]}");
        assertThat(d.path("notDestroyed").path(one).path("type").asText()).isEqualTo("forbidden");
        assertThat(d.path("notDestroyed").path(teamMail).path("type").asText()).isEqualTo("forbidden"); // in INBOX too
        JsonNode back = call("Email/set", "{\"accountId\":\"$SHARED\",\"update\":{\"" + teamMail + "\":{\"mailboxIds/m" + inbox.id() + "\":null}}}");
        assertThat(back.path("notUpdated").path(teamMail).path("type").asText()).as(back.toString()).isEqualTo("forbidden");
        String teamOnly = put(team, "to destroy");
        JsonNode d2 = call("Email/set", "{\"accountId\":\"$SHARED\",\"destroy\":[\"" + teamOnly + "\"]}");
        assertThat(JmapFixture.ids(d2.path("destroyed"))).containsExactly(teamOnly);
        assertThat(f.store.messages(team.id())).hasSize(1);
    }

    @Test
    void createdEmailsAreChargedToTheOwnersQuota() throws Exception {
        long ownerBefore = f.store.quotaUsage(sales.id()).usedBytes();
        long userBefore = f.store.quotaUsage(user.id()).usedBytes();
        String email = "\"from\":[{\"email\":\"" + user.address() + "\"}],\"subject\":\"note for the team\",\"bodyValues\":{\"b\":{\"value\":\"hello\"}},"
                + "\"textBody\":[{\"partId\":\"b\",\"type\":\"text/plain\"}]";
        JsonNode r = call("Email/set", "{\"accountId\":\"$SHARED\",\"create\":{"
                + "\"ok\":{" + email + ",\"mailboxIds\":{\"m" + inbox.id() + "\":true},\"keywords\":{\"$seen\":true}},"
                + "\"ro\":{" + email.replace("note", "other note") + ",\"mailboxIds\":{\"m" + archive.id() + "\":true}},"
                + "\"no\":{" + email.replace("note", "third note") + ",\"mailboxIds\":{\"m" + hidden.id() + "\":true}}}}");
        assertThat(r.path("created").path("ok").path("id").asText()).as(r.toString()).startsWith("e");
        assertThat(r.path("notCreated").path("ro").path("type").asText()).isEqualTo("forbidden");
        assertThat(r.path("notCreated").path("no").path("type").asText()).isEqualTo("invalidProperties");
        assertThat(f.store.messages(inbox.id())).hasSize(1);
        assertThat(f.store.messages(inbox.id()).getFirst().flags()).contains("\\Seen");
        long size = r.path("created").path("ok").path("size").asLong();
        assertThat(f.store.quotaUsage(sales.id()).usedBytes()).isEqualTo(ownerBefore + size);
        assertThat(f.store.quotaUsage(user.id()).usedBytes()).isEqualTo(userBefore);
        // the owner's quota refuses what does not fit
        f.store.updateAccount(sales.address(), new org.twinmail.store.AccountChange(null, f.store.quotaUsage(sales.id()).usedBytes() + 10, null));
        JsonNode full = call("Email/set", "{\"accountId\":\"$SHARED\",\"create\":{\"big\":{" + email.replace("hello", "x".repeat(500))
                + ",\"mailboxIds\":{\"m" + inbox.id() + "\":true}}}}");
        assertThat(full.path("notCreated").path("big").path("type").asText()).as(full.toString()).isEqualTo("overQuota");
    }

    @Test
    void importAndParseOnTheSharedAccount() throws Exception {
        byte[] raw = JmapFixture.message("imported", "from the user's upload").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        // an upload to the shared account's id is the user's upload, usable there
        JsonNode up = f.http("POST", "/jmap/upload/" + acct + "/", JmapFixture.basic(user), raw, java.util.Map.of("Content-Type", "message/rfc822")).json();
        String blob = up.path("blobId").asText();
        JsonNode r = call("Email/import", "{\"accountId\":\"$SHARED\",\"emails\":{"
                + "\"in\":{\"blobId\":\"" + blob + "\",\"mailboxIds\":{\"m" + inbox.id() + "\":true}},"
                + "\"ro\":{\"blobId\":\"" + blob + "\",\"mailboxIds\":{\"m" + archive.id() + "\":true}},"
                + "\"del\":{\"blobId\":\"" + blob + "\",\"mailboxIds\":{\"m" + team.id() + "\":true},\"keywords\":{\"$flagged\":true}}}}");
        assertThat(r.path("created").path("in").path("id").asText()).as(r.toString()).startsWith("e");
        assertThat(r.path("notCreated").path("ro").path("type").asText()).isEqualTo("forbidden");
        assertThat(r.path("created").has("del")).as(r.toString()).isTrue(); // Team: lrswitekx
        assertThat(f.store.messages(inbox.id())).hasSize(1);
        assertThat(f.store.messages(team.id()).getFirst().flags()).contains("\\Flagged");
        String secret = put(hidden, "not for parsing");
        String secretBlob = "b" + f.store.messages(hidden.id()).getFirst().blobId();
        String readable = "b" + f.store.messages(inbox.id()).getFirst().blobId();
        JsonNode parsed = call("Email/parse", "{\"accountId\":\"$SHARED\",\"blobIds\":[\"" + readable + "\",\"" + secretBlob + "\"],\"properties\":[\"subject\"]}");
        assertThat(parsed.path("parsed").path(readable).path("subject").asText()).as(parsed.toString()).isEqualTo("imported");
        assertThat(JmapFixture.ids(parsed.path("notFound"))).containsExactly(secretBlob);
        assertThat(secret).startsWith("e");
    }

    @Test
    void mailboxSetWhereTheRightsAllow() throws Exception {
        JsonNode r = call("Mailbox/set", "{\"accountId\":\"$SHARED\",\"create\":{"
                + "\"sub\":{\"name\":\"Q4\",\"parentId\":\"m" + team.id() + "\"},"
                + "\"top\":{\"name\":\"Mine\"},"
                + "\"under\":{\"name\":\"No\",\"parentId\":\"m" + archive.id() + "\"}},"
                + "\"update\":{\"m" + archive.id() + "\":{\"name\":\"Old\"}},"
                + "\"destroy\":[\"m" + inbox.id() + "\"]}");
        assertThat(r.path("created").path("sub").path("id").asText()).as(r.toString()).startsWith("m");
        assertThat(f.store.mailbox(sales.id(), "Team/Q4")).isPresent();
        assertThat(r.path("notCreated").path("top").path("type").asText()).isEqualTo("forbidden");
        assertThat(r.path("notCreated").path("under").path("type").asText()).isEqualTo("forbidden");
        assertThat(r.path("notUpdated").path("m" + archive.id()).path("type").asText()).isEqualTo("forbidden");
        assertThat(r.path("notDestroyed").path("m" + inbox.id()).path("type").asText()).isEqualTo("forbidden");
        assertThat(f.store.mailbox(sales.id(), "Archive")).isPresent();
        // x without r: the Emails the user cannot read still make the mailbox one with Emails
        Mailbox drop = f.store.createMailbox(sales.id(), "Drop", null);
        f.store.forAccount(sales.id()).setRights(drop.id(), user.address().toString(), Rights.parse("lx"));
        put(drop, "unseen by the user");
        JsonNode kept = call("Mailbox/set", "{\"accountId\":\"$SHARED\",\"destroy\":[\"m" + drop.id() + "\"]}");
        assertThat(kept.path("notDestroyed").path("m" + drop.id()).path("type").asText()).as(kept.toString()).isEqualTo("mailboxHasEmail");
        JsonNode gone = call("Mailbox/set", "{\"accountId\":\"$SHARED\",\"onDestroyRemoveEmails\":true,\"destroy\":[\"m" + drop.id() + "\"]}");
        assertThat(JmapFixture.ids(gone.path("destroyed"))).as(gone.toString()).containsExactly("m" + drop.id());
        assertThat(f.store.mailbox(sales.id(), "Drop")).isEmpty();
    }

    /**
     * RFC 8620 7.1: a StateChange's {@code changed} names every account the user has access to
     * whose state changed. With {@code lr} on sales@'s INBOX, a message delivered there is pushed
     * on the user's EventSource (RFC 8620 7.3) as sales@'s Email, Thread, Mailbox and
     * EmailDelivery (not its Quota, the owner's) at the state Email/get then reports on that
     * account; a message in sales@'s Private, which the user does not see, names sales@ in no
     * StateChange.
     */
    @Test
    void pushNamesTheSharedAccountForChangesInMailboxesTheUserSees() throws Exception {
        f.store.forAccount(sales.id()).setRights(inbox.id(), user.address().toString(), Rights.parse("lr"));
        java.util.concurrent.BlockingQueue<String> events = new java.util.concurrent.LinkedBlockingQueue<>();
        java.io.OutputStream out = new java.io.OutputStream() {
            @Override
            public void write(int b) {
                throw new UnsupportedOperationException("events come whole");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                String event = new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8);
                if (event.startsWith("event: state\n")) events.add(event.substring(event.indexOf("data: ") + 6).trim());
            }
        };
        var es = new org.twinmail.jmap.push.EventSource(f.store, user.id(), null, false, java.time.Duration.ZERO, java.time.Duration.ZERO);
        Thread stream = Thread.ofVirtual().start(() -> {
            try {
                es.run(out);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            JsonNode first = next(events);
            assertThat(first.path("changed").path(acct).path("Email").isTextual()).as(first.toString()).isTrue();
            assertThat(first.path("changed").path(acct).has("Quota")).isFalse();

            f.deliver(sales, JmapFixture.message("for the team", "a customer writes"));
            JsonNode pushed = next(events);
            assertThat(pushed.path("@type").asText()).isEqualTo("StateChange");
            JsonNode changed = pushed.path("changed").path(acct);
            assertThat(iterable(changed.fieldNames())).as(pushed.toString())
                    .containsExactlyInAnyOrder("Email", "Thread", "Mailbox", "EmailDelivery");
            assertThat(pushed.path("changed").has("a" + user.id())).as(pushed.toString()).isFalse();
            JsonNode get = call("Email/get", "{\"accountId\":\"$SHARED\",\"ids\":[]}");
            assertThat(changed.path("Email").asText()).isEqualTo(get.path("state").asText());
            assertThat(changed.path("Mailbox").asText()).isEqualTo(call("Mailbox/get", "{\"accountId\":\"$SHARED\",\"ids\":[]}").path("state").asText());

            put(hidden, "salary list"); // not the user's to know: no StateChange names sales@ for it
            f.deliver(user, JmapFixture.message("own mail", "to the user itself"));
            JsonNode own = next(events);
            assertThat(own.path("changed").has("a" + user.id())).as(own.toString()).isTrue();
            assertThat(own.path("changed").has(acct)).as(own.toString()).isFalse();
            assertThat(events).isEmpty();
        } finally {
            stream.interrupt();
            stream.join(java.time.Duration.ofSeconds(30));
        }
    }

    /**
     * What {@code StateChanges.Watch} (the one place the three push channels ask) names for the
     * shared account, change by change: a mailbox seen with {@code l} only changes its Mailbox
     * when renamed but nothing when a message lands in it; a seen mailbox deleted by the owner is
     * still named (the rights seen before are kept for the batch); a mailbox never seen, nothing.
     */
    @Test
    void pushWatchNamesOnlyWhatTheRestrictedViewShows() {
        Mailbox listed = f.store.createMailbox(sales.id(), "Listed", null);
        f.store.forAccount(sales.id()).setRights(listed.id(), user.address().toString(), Rights.parse("l"));
        var watch = new org.twinmail.jmap.push.StateChanges.Watch(f.store, user.id());
        assertThat(watch.all()).containsEntry(sales.id(), org.twinmail.jmap.push.StateChanges.SHARED_TYPES);

        long at = f.store.lastChangePosition();
        put(listed, "listed only");
        assertThat(watch.changed(at, f.store.lastChangePosition())).isEmpty();

        at = f.store.lastChangePosition();
        f.store.renameMailbox(sales.id(), "Listed", "Listed2");
        assertThat(watch.changed(at, f.store.lastChangePosition())).containsExactly(java.util.Map.entry(sales.id(), Set.of("Mailbox")));

        at = f.store.lastChangePosition();
        f.store.deleteMailbox(sales.id(), "Team");
        assertThat(watch.changed(at, f.store.lastChangePosition())).containsExactly(java.util.Map.entry(sales.id(), Set.of("Mailbox")));

        at = f.store.lastChangePosition();
        f.store.deleteMailbox(sales.id(), "Private");
        put(inbox, "in the inbox"); // a message in a mailbox the user reads
        assertThat(watch.changed(at, f.store.lastChangePosition()))
                .containsExactly(java.util.Map.entry(sales.id(), Set.of("Email", "Thread", "Mailbox", "EmailDelivery")));
    }

    private static JsonNode next(java.util.concurrent.BlockingQueue<String> events) throws Exception {
        String data = events.poll(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(data).as("a StateChange within 30 s").isNotNull();
        return org.twinmail.jmap.core.Json.parse(data);
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> out = new java.util.ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }
}
