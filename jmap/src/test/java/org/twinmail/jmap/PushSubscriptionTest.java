package org.twinmail.jmap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.Account;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.push.StateChangePusher;
import org.twinmail.push.PushSettings;
import org.twinmail.push.TestPushService;
import org.twinmail.push.crypto.P256;

/**
 * RFC 8620 7.2: PushSubscription/get and /set with each SetError, the PushVerification, and the
 * StateChanges that follow verification (encrypted with RFC 8291 when keys were given, plain JSON
 * otherwise), coalesced, retried, and a 404/410 that destroys the subscription.
 */
class PushSubscriptionTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;
    JmapFixture f;
    TestPushService service;
    Account a;
    Account b;

    @BeforeEach
    void setUp() throws Exception {
        service = new TestPushService();
        f = new JmapFixture(dir, c -> {
            c.jmap.pushAllowLoopbackHttp = true;
            c.jmap.maxPushSubscriptions = 3;
            c.jmap.pushSubscriptionMaxLifetime = Duration.ofDays(2);
        });
        a = f.account();
        b = f.account();
    }

    @AfterEach
    void tearDown() {
        f.close();
        service.close();
    }

    JsonNode call(Account who, String name, String args) throws Exception {
        JsonNode r = f.api(who, "[[\"" + name + "\"," + args + ",\"c\"]]").get("methodResponses").get(0);
        return r.get(0).asText().equals("error") ? Json.object().put("error", r.get(1).path("type").asText()) : r.get(1);
    }

    JsonNode set(Account who, String args) throws Exception {
        return call(who, "PushSubscription/set", args);
    }

    static String create(String key, String url, String more) {
        return "{\"create\":{\"" + key + "\":{\"deviceClientId\":\"phone-" + key + "\",\"url\":\"" + url + "\"" + more + "}}}";
    }

    String keys(TestPushService.Browser br) {
        return ",\"keys\":{\"p256dh\":\"" + P256.base64url(P256.encode((ECPublicKey) br.keys().getPublic())) + "\",\"auth\":\""
                + P256.base64url(br.auth()) + "\"}";
    }

    StateChangePusher pusher() {
        TwinmailConfig.Push p = new TwinmailConfig.Push();
        p.allowHttpEndpoints = true;
        p.retrySchedule = List.of(Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofMillis(200));
        p.ttl = Duration.ofMinutes(5);
        return f.jmap.startPush(PushSettings.from(p, "mail.example.com"), new SimpleMeterRegistry());
    }

    @Test
    void createGetUpdateDestroyAsRfc8620Says() throws Exception {
        Instant before = Instant.now();
        JsonNode r = set(a, create("k", "https://push.example/p/1", ",\"types\":[\"Email\",\"Mailbox\"],\"expires\":\"2099-01-01T00:00:00Z\""));
        assertThat(r.has("accountId")).as("no accountId, oldState or newState (RFC 8620 7.2.2)").isFalse();
        assertThat(r.has("oldState")).isFalse();
        assertThat(r.has("newState")).isFalse();
        String id = r.path("created").path("k").path("id").asText();
        assertThat(id).matches("[A-Za-z0-9_-]{1,255}");
        Instant expires = Instant.parse(r.path("created").path("k").path("expires").asText());
        assertThat(expires).as("cut to jmap.pushSubscriptionMaxLifetime").isBetween(before.plus(Duration.ofDays(2)).minusSeconds(1),
                Instant.now().plus(Duration.ofDays(2)));

        JsonNode got = call(a, "PushSubscription/get", "{\"ids\":null}");
        assertThat(got.has("accountId")).isFalse();
        assertThat(got.has("state")).isFalse();
        JsonNode s = got.path("list").get(0);
        assertThat(s.path("id").asText()).isEqualTo(id);
        assertThat(s.path("deviceClientId").asText()).isEqualTo("phone-k");
        assertThat(s.path("verificationCode").isNull()).isTrue();
        assertThat(s.path("types")).hasSize(2);
        assertThat(s.has("url")).as("url and keys are never returned").isFalse();
        assertThat(s.has("keys")).isFalse();
        assertThat(call(a, "PushSubscription/get", "{\"ids\":null,\"properties\":[\"url\"]}").path("error").asText()).isEqualTo("forbidden");
        assertThat(call(a, "PushSubscription/get", "{\"ids\":null,\"properties\":[\"keys\"]}").path("error").asText()).isEqualTo("forbidden");
        assertThat(call(a, "PushSubscription/get", "{\"ids\":null,\"properties\":[\"nope\"]}").path("error").asText()).isEqualTo("invalidArguments");
        JsonNode some = call(a, "PushSubscription/get", "{\"ids\":[\"" + id + "\",\"pnope\"],\"properties\":[\"types\"]}");
        assertThat(some.path("list").get(0).has("deviceClientId")).isFalse();
        assertThat(some.path("list").get(0).path("id").asText()).isEqualTo(id);
        assertThat(JmapFixture.ids(some.path("notFound"))).containsExactly("pnope");
        // per user: another user neither sees nor changes it
        assertThat(call(b, "PushSubscription/get", "{\"ids\":null}").path("list")).isEmpty();
        assertThat(set(b, "{\"update\":{\"" + id + "\":{\"types\":null}}}").path("notUpdated").path(id).path("type").asText()).isEqualTo("notFound");
        assertThat(set(b, "{\"destroy\":[\"" + id + "\"]}").path("notDestroyed").path(id).path("type").asText()).isEqualTo("notFound");

        // update: types and an expiry within the limit (kept as asked: updated null), one beyond it (cut: updated says so)
        String soon = Instant.now().plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        JsonNode u = set(a, "{\"update\":{\"" + id + "\":{\"types\":null,\"expires\":\"" + soon + "\"}}}");
        assertThat(u.path("updated").has(id)).isTrue();
        assertThat(u.path("updated").path(id).isNull()).isTrue();
        s = call(a, "PushSubscription/get", "{\"ids\":[\"" + id + "\"]}").path("list").get(0);
        assertThat(s.path("types").isNull()).isTrue();
        assertThat(s.path("expires").asText()).isEqualTo(soon);
        JsonNode far = set(a, "{\"update\":{\"" + id + "\":{\"expires\":\"2099-01-01T00:00:00Z\"}}}");
        assertThat(Instant.parse(far.path("updated").path(id).path("expires").asText())).isBefore(Instant.now().plus(Duration.ofDays(2)).plusSeconds(1));

        // in the Records role: another service on the same store (a restart, a takeover) has it
        try (JmapFixture again = f.with(new JmapService(f.config, f.store, new org.twinmail.store.embedded.StoreAuthenticator(f.store,
                Duration.ofMinutes(5)), org.twinmail.protocol.auth.AuthGuard.disabled(), null))) {
            JsonNode r2 = again.api(a, "[[\"PushSubscription/get\",{},\"c\"]]").get("methodResponses").get(0).get(1);
            assertThat(r2.path("list").get(0).path("id").asText()).isEqualTo(id);
        }

        JsonNode d = set(a, "{\"destroy\":[\"" + id + "\"]}");
        assertThat(JmapFixture.ids(d.path("destroyed"))).containsExactly(id);
        assertThat(call(a, "PushSubscription/get", "{}").path("list")).isEmpty();
        assertThat(set(a, "{\"destroy\":[\"" + id + "\"]}").path("notDestroyed").path(id).path("type").asText()).isEqualTo("notFound");
    }

    @Test
    void eachSetError() throws Exception {
        record Case(String what, String create, String property) { }
        TestPushService.Browser br = service.newBrowser("/p/e");
        String good = keys(br);
        List<Case> cases = List.of(
                new Case("http elsewhere than loopback", create("x", "http://push.example/p", ""), "url"),
                new Case("not a URL", create("x", "https://bad host/", ""), "url"),
                new Case("relative", create("x", "/p/1", ""), "url"),
                new Case("another scheme", create("x", "ftp://push.example/p", ""), "url"),
                new Case("verificationCode on create", create("x", "https://push.example/p", ",\"verificationCode\":\"abc\""), "verificationCode"),
                new Case("id is server-set", create("x", "https://push.example/p", ",\"id\":\"mine\""), "id"),
                new Case("unknown property", create("x", "https://push.example/p", ",\"colour\":\"red\""), "colour"),
                new Case("no deviceClientId", "{\"create\":{\"x\":{\"url\":\"https://push.example/p\"}}}", "deviceClientId"),
                new Case("keys not a point", create("x", "https://push.example/p", ",\"keys\":{\"p256dh\":\"AAAA\",\"auth\":\"AAAAAAAAAAAAAAAAAAAAAA\"}"), "keys"),
                new Case("auth not 16 octets", create("x", "https://push.example/p", good.replace(P256.base64url(br.auth()), "AAAA")), "keys"),
                new Case("keys half given", create("x", "https://push.example/p", ",\"keys\":{\"auth\":\"AAAAAAAAAAAAAAAAAAAAAA\"}"), "keys"),
                new Case("a type we do not push", create("x", "https://push.example/p", ",\"types\":[\"Calendar\"]"), "types"),
                new Case("types not a list", create("x", "https://push.example/p", ",\"types\":\"Email\""), "types"),
                new Case("expires in the past", create("x", "https://push.example/p", ",\"expires\":\"2001-01-01T00:00:00Z\""), "expires"),
                new Case("expires not a UTCDate", create("x", "https://push.example/p", ",\"expires\":\"2099-01-01T00:00:00+01:00\""), "expires"));
        for (Case c : cases) {
            JsonNode e = set(a, c.create()).path("notCreated").path("x");
            assertThat(e.path("type").asText()).as(c.what()).isEqualTo("invalidProperties");
            assertThat(JmapFixture.ids(e.path("properties"))).as(c.what()).containsExactly(c.property());
        }
        assertThat(call(a, "PushSubscription/get", "{}").path("list")).as("nothing was created").isEmpty();

        // loopback http is allowed by jmap.pushAllowLoopbackHttp only
        try (JmapFixture strict = new JmapFixture(dir.resolve("strict"), c -> { })) {
            Account s = strict.account();
            JsonNode e = strict.api(s, "[[\"PushSubscription/set\"," + create("x", service.origin() + "/p", "") + ",\"c\"]]")
                    .get("methodResponses").get(0).get(1).path("notCreated").path("x");
            assertThat(e.path("type").asText()).isEqualTo("invalidProperties");
            assertThat(e.path("description").asText()).contains("https://");
        }

        // overQuota beyond jmap.maxPushSubscriptions (3), in one /set
        JsonNode q = set(a, "{\"create\":{\"1\":{\"deviceClientId\":\"d\",\"url\":\"https://push.example/1\"},\"2\":{\"deviceClientId\":\"d\",\"url\":\"https://push.example/2\"},"
                + "\"3\":{\"deviceClientId\":\"d\",\"url\":\"https://push.example/3\"},\"4\":{\"deviceClientId\":\"d\",\"url\":\"https://push.example/4\"}}}");
        assertThat(q.path("created")).hasSize(3);
        assertThat(q.path("notCreated").path("4").path("type").asText()).isEqualTo("overQuota");
        String id = q.path("created").path("1").path("id").asText();

        // updates: immutable properties, an unknown one, a patch path, a wrong code, an unknown id
        for (String immutable : List.of("url", "keys", "deviceClientId", "id")) {
            JsonNode e = set(a, "{\"update\":{\"" + id + "\":{\"" + immutable + "\":null}}}").path("notUpdated").path(id);
            assertThat(e.path("type").asText()).as(immutable).isEqualTo("invalidProperties");
            assertThat(JmapFixture.ids(e.path("properties"))).containsExactly(immutable);
        }
        assertThat(set(a, "{\"update\":{\"" + id + "\":{\"types/0\":\"Email\"}}}").path("notUpdated").path(id).path("type").asText()).isEqualTo("invalidPatch");
        JsonNode wrong = set(a, "{\"update\":{\"" + id + "\":{\"verificationCode\":\"guess\"}}}").path("notUpdated").path(id);
        assertThat(wrong.path("type").asText()).isEqualTo("invalidProperties");
        assertThat(JmapFixture.ids(wrong.path("properties"))).containsExactly("verificationCode");
        assertThat(call(a, "PushSubscription/get", "{\"ids\":[\"" + id + "\"]}").path("list").get(0).path("verificationCode").isNull()).isTrue();
        assertThat(set(a, "{\"update\":{\"pnope\":{\"types\":null}}}").path("notUpdated").path("pnope").path("type").asText()).isEqualTo("notFound");
        // maxObjectsInSet and the method's shape
        assertThat(call(a, "PushSubscription/get", "{\"ids\":\"x\"}").path("error").asText()).isEqualTo("invalidArguments");
        assertThat(call(a, "PushSubscription/set", "{\"create\":[]}").path("error").asText()).isEqualTo("invalidArguments");
    }

    @Test
    void verificationThenEncryptedStateChangesCoalescedRetriedAndA410Destroys() throws Exception {
        try (StateChangePusher pusher = pusher()) {
            TestPushService.Browser phone = service.newBrowser("/p/phone");
            JsonNode r = set(a, create("k", phone.endpoint(), keys(phone)));
            String id = r.path("created").path("k").path("id").asText();
            TestPushService.await(() -> service.to("/p/phone").size() == 1, WAIT);
            TestPushService.Received v = service.to("/p/phone").getFirst();
            assertThat(v.header("Content-Encoding")).isEqualTo("aes128gcm");
            assertThat(v.header("TTL")).isEqualTo("300");
            assertThat(v.header("Urgency")).isEqualTo("normal");
            JsonNode verification = Json.parse(phone.decrypt(v.body()));
            assertThat(verification.path("@type").asText()).isEqualTo("PushVerification");
            assertThat(verification.path("pushSubscriptionId").asText()).isEqualTo(id);
            String code = verification.path("verificationCode").asText();
            assertThat(code).isNotEmpty();

            // not verified yet: mail arrives, nothing is pushed
            f.deliver(a, JmapFixture.message("before verification", "x"));
            long last = f.store.lastChangePosition();
            TestPushService.await(() -> f.store.consumerPosition(StateChangePusher.CONSUMER) >= last, WAIT);
            assertThat(service.to("/p/phone")).hasSize(1);

            assertThat(set(a, "{\"update\":{\"" + id + "\":{\"verificationCode\":\"" + code + "\"}}}").path("updated").has(id)).isTrue();
            assertThat(call(a, "PushSubscription/get", "{}").path("list").get(0).path("verificationCode").asText()).isEqualTo(code);
            // the verification itself pushes nothing (a PushSubscription is no account data)
            long verified = f.store.lastChangePosition();
            TestPushService.await(() -> f.store.consumerPosition(StateChangePusher.CONSUMER) >= verified, WAIT);
            assertThat(service.to("/p/phone")).hasSize(1);

            // a 503 with Retry-After for the first StateChange: what arrives meanwhile goes with the retry, in one message
            service.answer("/p/phone", new int[] {503, 3});
            f.deliver(a, JmapFixture.message("first", "x"));
            TestPushService.await(() -> service.to("/p/phone").size() >= 2, WAIT);
            f.deliver(a, JmapFixture.message("second", "x"));
            long newest = f.store.lastChangePosition();
            TestPushService.await(() -> f.store.consumerPosition(StateChangePusher.CONSUMER) >= newest, WAIT);
            assertThat(service.to("/p/phone")).as("the retry waits for Retry-After").hasSize(2);
            TestPushService.await(() -> service.to("/p/phone").size() >= 3, WAIT);
            assertThat(service.to("/p/phone")).as("both deliveries in the one retry").hasSize(3);
            JsonNode changed = state(phone, service.to("/p/phone").getLast());
            assertThat(changed.path("Email").asText()).isEqualTo(String.valueOf(newest));
            assertThat(changed.fieldNames()).toIterable().contains("Email", "EmailDelivery", "Mailbox", "Thread");
            JsonNode changes = call(a, "Email/changes", "{\"accountId\":\"" + JmapFixture.accountId(a) + "\",\"sinceState\":\"" + changed.path("Email").asText() + "\"}");
            assertThat(changes.path("created")).as("the pushed state is current").isEmpty();

            // types: a flag change is Email and Mailbox; a subscription for Mailbox only hears of it
            set(a, "{\"update\":{\"" + id + "\":{\"types\":[\"Quota\"]}}}");
            int before = service.to("/p/phone").size();
            f.deliver(b, JmapFixture.message("for b", "x")); // another account: nothing
            long afterB = f.store.lastChangePosition();
            TestPushService.await(() -> f.store.consumerPosition(StateChangePusher.CONSUMER) >= afterB, WAIT);
            f.deliver(a, JmapFixture.message("third", "x"));
            TestPushService.await(() -> service.to("/p/phone").size() == before + 1, WAIT);
            assertThat(state(phone, service.to("/p/phone").getLast()).fieldNames()).toIterable().containsExactly("Quota");

            // a 410: the subscription is destroyed
            service.answer("/p/phone", new int[] {410});
            f.deliver(a, JmapFixture.message("fourth", "x"));
            TestPushService.await(() -> {
                try {
                    return call(a, "PushSubscription/get", "{}").path("list").isEmpty();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, WAIT);
        }
    }

    /**
     * RFC 8620 7.1 over a PushSubscription: with {@code lr} on b's INBOX, user a's subscription
     * gets a StateChange naming b's account for mail delivered there, at the state Email/get then
     * reports on it, and none naming b for mail in a mailbox of b that a does not see.
     */
    @Test
    void aSharedAccountsMailIsPushedToTheUserWhoSeesIt() throws Exception {
        var hidden = f.store.createMailbox(b.id(), "Private", null);
        f.store.forAccount(b.id()).setRights(f.inbox(b).id(), a.address().toString(), org.twinmail.store.Rights.parse("lr"));
        try (StateChangePusher pusher = pusher()) {
            TestPushService.Browser phone = service.newBrowser("/p/shared");
            String id = set(a, create("k", phone.endpoint(), keys(phone))).path("created").path("k").path("id").asText();
            TestPushService.await(() -> service.to("/p/shared").size() == 1, WAIT);
            String code = Json.parse(phone.decrypt(service.to("/p/shared").getFirst().body())).path("verificationCode").asText();
            assertThat(set(a, "{\"update\":{\"" + id + "\":{\"verificationCode\":\"" + code + "\"}}}").path("updated").has(id)).isTrue();

            f.store.append(hidden.id(), org.twinmail.core.mail.MessageSpool.of(JmapFixture.message("salary", "x").getBytes(StandardCharsets.UTF_8)),
                    java.util.Set.of(), Instant.parse("2024-03-05T10:20:30Z"));
            long unseen = f.store.lastChangePosition();
            TestPushService.await(() -> f.store.consumerPosition(StateChangePusher.CONSUMER) >= unseen, WAIT);
            assertThat(service.to("/p/shared")).as("nothing for a mailbox a does not see").hasSize(1);

            f.deliver(b, JmapFixture.message("for the team", "x"));
            TestPushService.await(() -> service.to("/p/shared").size() == 2, WAIT);
            JsonNode sc = Json.parse(phone.decrypt(service.to("/p/shared").getLast().body()));
            JsonNode shared = sc.path("changed").path(JmapFixture.accountId(b));
            assertThat(shared.fieldNames()).toIterable().as(sc.toString()).containsExactlyInAnyOrder("Email", "Thread", "Mailbox", "EmailDelivery");
            assertThat(sc.path("changed").has(JmapFixture.accountId(a))).as(sc.toString()).isFalse();
            JsonNode get = call(a, "Email/get", "{\"accountId\":\"" + JmapFixture.accountId(b) + "\",\"ids\":[]}");
            assertThat(shared.path("Email").asText()).isEqualTo(get.path("state").asText());
        }
    }

    @Test
    void withoutKeysThePushIsPlainJson() throws Exception {
        try (StateChangePusher pusher = pusher()) {
            JsonNode r = set(a, create("k", service.origin() + "/p/plain", ",\"types\":[\"Email\"]"));
            String id = r.path("created").path("k").path("id").asText();
            TestPushService.await(() -> service.to("/p/plain").size() == 1, WAIT);
            TestPushService.Received v = service.to("/p/plain").getFirst();
            assertThat(v.header("Content-Type")).isEqualTo("application/json");
            assertThat(v.header("Content-Encoding")).isNull();
            JsonNode verification = Json.parse(v.body());
            assertThat(verification.path("@type").asText()).isEqualTo("PushVerification");
            set(a, "{\"update\":{\"" + id + "\":{\"verificationCode\":\"" + verification.path("verificationCode").asText() + "\"}}}");
            f.deliver(a, JmapFixture.message("plain", "x"));
            TestPushService.await(() -> service.to("/p/plain").size() == 2, WAIT);
            JsonNode sc = Json.parse(service.to("/p/plain").getLast().body());
            assertThat(sc.path("@type").asText()).isEqualTo("StateChange");
            assertThat(sc.path("changed").path(JmapFixture.accountId(a)).fieldNames()).toIterable().containsExactly("Email");
        }
    }

    JsonNode state(TestPushService.Browser br, TestPushService.Received r) {
        try {
            JsonNode sc = Json.parse(br.decrypt(r.body()));
            assertThat(sc.path("@type").asText()).isEqualTo("StateChange");
            return sc.path("changed").path(JmapFixture.accountId(a));
        } catch (java.io.IOException e) {
            throw new AssertionError(new String(r.body(), StandardCharsets.ISO_8859_1), e);
        }
    }
}
