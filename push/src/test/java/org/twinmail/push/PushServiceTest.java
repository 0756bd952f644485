package org.twinmail.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.push.vapid.Vapid;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/**
 * The push path over a real store and a push service in the process: subscriptions as records,
 * the consumer on the change log, the sender's headers, VAPID and encryption as a push service
 * and a browser check them, 410 dropping the subscription, 503 and 429 retried.
 */
class PushServiceTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir
    Path dir;
    EmbeddedMailStore store;
    Account ann;
    long inbox;
    TestPushService service;
    PushService push;
    Subscriptions subscriptions;
    final PushSettings settings = new PushSettings("mailto:ops@example.com", Duration.ofHours(2), "high", Duration.ofSeconds(5),
            List.of(Duration.ofMillis(50), Duration.ofMillis(50)), 3, new Subscriptions.EndpointPolicy(true, List.of()),
            Duration.ofHours(12), Duration.ofHours(1));

    @BeforeEach
    void setUp() throws Exception {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dir));
        store.addDomain("example.com");
        ann = store.addAccount(EmailAddress.parse("ann@example.com"), "x", 0, 0);
        inbox = store.mailbox(ann.id(), "INBOX").orElseThrow().id();
        service = new TestPushService();
        subscriptions = new Subscriptions(store, settings.maxSubscriptionsPerAccount());
    }

    @AfterEach
    void tearDown() {
        if (push != null) push.close();
        service.close();
        store.close();
    }

    TestPushService.Browser subscribe(String path) throws Exception {
        TestPushService.Browser b = service.newBrowser(path);
        subscriptions.add(ann.id(), Subscriptions.parse(b.subscriptionJson().getBytes(StandardCharsets.UTF_8), settings.endpoints(), 1));
        return b;
    }

    void deliver(long mailbox, String subject, Set<String> flags) {
        String m = "From: =?UTF-8?B?546L6Iqz?= <wang@remote.example>\r\nTo: ann@example.com\r\nSubject: " + subject + "\r\n\r\nhello\r\n";
        store.append(mailbox, MessageSpool.of(m.getBytes(StandardCharsets.UTF_8)), flags, Instant.now());
    }

    @Test
    void newInboxMailReachesEverySubscriptionEncryptedAndSigned() throws Exception {
        TestPushService.Browser phone = subscribe("/push/phone");
        TestPushService.Browser laptop = subscribe("/push/laptop");
        push = PushService.start(settings, store, new SimpleMeterRegistry());
        deliver(inbox, "Lunch at noon", Set.of());
        TestPushService.await(() -> service.received.size() == 2, WAIT);
        for (TestPushService.Browser b : List.of(phone, laptop)) {
            TestPushService.Received r = service.to(b.endpoint().substring(service.origin().length())).getFirst();
            assertThat(r.header("TTL")).isEqualTo("7200");
            assertThat(r.header("Urgency")).isEqualTo("high");
            assertThat(r.header("Content-Encoding")).isEqualTo("aes128gcm");
            TestPushService.Vapid v = TestPushService.verifyVapid(r.header("Authorization"));
            assertThat(v.key()).isEqualTo(Vapid.load(store).publicKeyBase64());
            assertThat(v.claims().path("aud").asText()).isEqualTo(service.origin());
            assertThat(v.claims().path("sub").asText()).isEqualTo("mailto:ops@example.com");
            long exp = v.claims().path("exp").asLong();
            assertThat(exp).isBetween(Instant.now().plus(Duration.ofHours(11)).getEpochSecond(), Instant.now().plus(Duration.ofHours(13)).getEpochSecond());
            JsonNode payload = JSON.readTree(b.decrypt(r.body()));
            assertThat(payload.path("type").asText()).isEqualTo("mail");
            assertThat(payload.path("from").asText()).isEqualTo("王芳");
            assertThat(payload.path("subject").asText()).isEqualTo("Lunch at noon");
            assertThat(payload.path("accountId").asText()).isEqualTo("a" + ann.id());
            assertThat(payload.path("emailId").asText()).matches("e[0-9a-f]{24}");
        }
        // the wrong browser's keys do not open it
        TestPushService.Received first = service.received.getFirst();
        TestPushService.Browser stranger = service.newBrowser("/x");
        assertThatThrownBy(() -> stranger.decrypt(first.body())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mailOutsideTheInboxReadOrJunkPushesNothing() throws Exception {
        List<TestPushService.Browser> browsers = List.of(subscribe("/push/phone"));
        push = PushService.start(settings, store, new SimpleMeterRegistry());
        long sent = store.mailbox(ann.id(), "Sent").orElseThrow().id();
        deliver(sent, "my own", Set.of());
        deliver(inbox, "seen already", Set.of("\\Seen"));
        deliver(inbox, "junk", Set.of("$Junk"));
        deliver(inbox, "the one", Set.of());
        TestPushService.await(() -> service.received.size() == 1, WAIT);
        TestPushService.Browser phone = browsers.getFirst();
        assertThat(JSON.readTree(phone.decrypt(service.received.getFirst().body())).path("subject").asText()).isEqualTo("the one");
        // the consumer has passed all four changes by now: nothing else comes
        long last = store.lastChangePosition();
        TestPushService.await(() -> store.consumerPosition(NewMailConsumer.CONSUMER) >= last, WAIT);
        assertThat(service.received).hasSize(1);
    }

    @Test
    void goneSubscriptionsAreDroppedAndRefusalsForNowRetried() throws Exception {
        TestPushService.Browser gone = subscribe("/push/gone");
        TestPushService.Browser busy = subscribe("/push/busy");
        TestPushService.Browser limited = subscribe("/push/limited");
        service.answer("/push/gone", new int[] {410});
        service.answer("/push/busy", new int[] {503}, new int[] {502});
        service.answer("/push/limited", new int[] {429, 1});
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        push = PushService.start(settings, store, registry);
        deliver(inbox, "retry me", Set.of());
        TestPushService.await(() -> service.to("/push/busy").size() == 3 && service.to("/push/limited").size() == 2, WAIT);
        TestPushService.await(() -> subscriptions.of(ann.id()).size() == 2, WAIT);
        assertThat(subscriptions.of(ann.id())).extracting(Subscriptions.Subscription::endpoint)
                .containsExactlyInAnyOrder(busy.endpoint(), limited.endpoint());
        assertThat(service.to("/push/gone")).hasSize(1);
        List<TestPushService.Received> l = service.to("/push/limited");
        assertThat(Duration.ofNanos(l.get(1).nanos() - l.get(0).nanos())).as("Retry-After: 1 outweighs the 50 ms schedule")
                .isGreaterThanOrEqualTo(Duration.ofMillis(900));
        // each attempt is encrypted afresh, and every one decrypts to the same message
        List<TestPushService.Received> b = service.to("/push/busy");
        assertThat(b.get(0).body()).isNotEqualTo(b.get(2).body());
        assertThat(busy.decrypt(b.get(2).body())).isEqualTo(busy.decrypt(b.get(0).body()));
        TestPushService.await(() -> registry.find("twinmail.push.messages").tag("outcome", "gone").counter() != null
                && registry.find("twinmail.push.messages").tag("outcome", "delivered").counter().count() == 2, WAIT);
    }

    @Test
    void subscriptionsAreCheckedAndBounded() throws Exception {
        Subscriptions.EndpointPolicy strict = new Subscriptions.EndpointPolicy(false, List.of("push.example", "fcm.googleapis.com"));
        TestPushService.Browser b = service.newBrowser("/p");
        String json = b.subscriptionJson();
        assertThatThrownBy(() -> Subscriptions.parse(json.getBytes(StandardCharsets.UTF_8), strict, 1))
                .isInstanceOf(Subscriptions.Invalid.class).hasMessageContaining("https");
        String https = json.replace(service.origin(), "https://fcm.googleapis.com");
        assertThat(Subscriptions.parse(https.getBytes(StandardCharsets.UTF_8), strict, 1).endpoint()).isEqualTo("https://fcm.googleapis.com/p");
        String elsewhere = json.replace(service.origin(), "https://internal.corp.example");
        assertThatThrownBy(() -> Subscriptions.parse(elsewhere.getBytes(StandardCharsets.UTF_8), strict, 1))
                .isInstanceOf(Subscriptions.Invalid.class).hasMessageContaining("not allowed");
        String badKey = https.replaceAll("\"p256dh\":\"[^\"]+\"", "\"p256dh\":\"AAAA\"");
        assertThatThrownBy(() -> Subscriptions.parse(badKey.getBytes(StandardCharsets.UTF_8), strict, 1)).isInstanceOf(Subscriptions.Invalid.class);
        String expired = https.replace("\"expirationTime\":null", "\"expirationTime\":5");
        assertThatThrownBy(() -> Subscriptions.parse(expired.getBytes(StandardCharsets.UTF_8), strict, 10)).isInstanceOf(Subscriptions.Invalid.class);
        assertThatThrownBy(() -> Subscriptions.parse("[1]".getBytes(StandardCharsets.UTF_8), strict, 1)).isInstanceOf(Subscriptions.Invalid.class);

        for (int i = 0; i < 3; i++) subscribe("/b" + i);
        subscribe("/b1"); // the same browser again replaces its record
        assertThat(subscriptions.of(ann.id())).hasSize(3);
        assertThatThrownBy(() -> subscribe("/b3")).isInstanceOf(Subscriptions.Invalid.class).hasMessageContaining("at most 3");
        assertThat(subscriptions.remove(ann.id(), service.origin() + "/b0")).isTrue();
        assertThat(subscriptions.of(ann.id())).hasSize(2);
    }

    @Test
    void thePairSharesOneVapidKey() {
        Vapid first = Vapid.load(store);
        Vapid again = Vapid.load(store);
        assertThat(again.publicKeyBase64()).isEqualTo(first.publicKeyBase64());
        assertThat(first.publicKey()).hasSize(65);
        TestPushService.Vapid v = TestPushService.verifyVapid(first.authorization(java.net.URI.create("https://push.example:443/x/y"),
                "mailto:a@b", Instant.ofEpochSecond(2_000_000_000L)));
        assertThat(v.claims().path("aud").asText()).isEqualTo("https://push.example");
        assertThat(v.claims().path("exp").asLong()).isEqualTo(2_000_000_000L);
    }
}
