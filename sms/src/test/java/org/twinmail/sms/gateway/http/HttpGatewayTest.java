package org.twinmail.sms.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.sms.SmsRecords;
import org.twinmail.core.sms.SmsSettings;
import org.twinmail.sms.encoding.SmsText;
import org.twinmail.sms.gateway.SmsGateway;
import org.twinmail.sms.gateway.SmsGateway.Inbound;
import org.twinmail.sms.queue.NoticeConsumer;
import org.twinmail.sms.queue.QueueSettings;
import org.twinmail.sms.queue.SmsItem;
import org.twinmail.sms.queue.SmsMetrics;
import org.twinmail.sms.queue.SmsQueue;
import org.twinmail.sms.queue.SmsWorker;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/**
 * The HTTP gateway against a provider's API the test runs: the request as the templates write
 * it (JSON and form bodies, Basic, bearer and HMAC authentication), the success and message-id
 * patterns, the outcomes (5xx: not now, and the next gateway sends; 4xx or no success: never),
 * and the webhook: a signed receipt and a signed reply handed over, a bad or stale signature refused.
 */
class HttpGatewayTest {
    static final String PHONE = "+8613800138000";
    static final String SECRET = "webhook-secret";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    final List<AutoCloseable> closing = new ArrayList<>();
    final List<Inbound> seen = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    static HttpGateway.Settings settings(String name, String url, String body, boolean json, HttpGateway.Auth auth, String success,
                                         String messageId, int extensionDigits) {
        return new HttpGateway.Settings(name, url, "POST", Map.of("X-Client", "twinmail {id}"), body, json, auth, "acct", "p@ss", "tok-123",
                "sign-secret", success, messageId, "10690000", extensionDigits, Duration.ofSeconds(5), Duration.ofSeconds(30), SECRET,
                Duration.ofMinutes(5), "from", "to", "text", "messageId", "status", List.of("delivered"), List.of("failed", "undelivered"));
    }

    static void await(BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not reached in 30 s");
            Thread.sleep(20);
        }
    }

    <T extends AutoCloseable> T closing(T c) {
        closing.add(c);
        return c;
    }

    @Test
    void aNoticeGoesOutAsTheJsonTemplateSaysWithABearerTokenAndItsReceiptComesBackSigned() throws Exception {
        TestProvider provider = closing(new TestProvider());
        HttpGateway g = new HttpGateway(settings("cloud", provider.url() + "/v1/sms?dest={toDigits}",
                "{\"to\":\"{to}\",\"from\":\"{from}\",\"text\":\"{text}\",\"ref\":\"{id}\"}", true, HttpGateway.Auth.BEARER,
                "\"ok\":true", "\"id\":\"([^\"]+)\"", 4), Clock.systemUTC());
        EmbeddedMailStore store = closing(EmbeddedMailStore.open(StoreOptions.defaults(dir)));
        store.addDomain("example.com");
        Account ann = store.addAccount(EmailAddress.parse("ann@example.com"), "x", 0, 0);
        store.putRecord(SmsRecords.SETTINGS, SmsRecords.scope(ann.id()), SmsRecords.NAME,
                new SmsSettings(PHONE, PHONE, true, SmsSettings.Trigger.ALL, List.of(), "", null, null, "Asia/Shanghai", 0, "zh").encode(), 0);
        QueueSettings qs = new QueueSettings(1, List.of(Duration.ofMillis(200)), Duration.ofHours(1), Duration.ofDays(7), Duration.ofHours(1),
                Duration.ofMinutes(15), Duration.ofMillis(50), 4);
        SmsQueue queue = new SmsQueue(store);
        SmsMetrics metrics = new SmsMetrics(new SimpleMeterRegistry());
        SmsWorker worker = closing(new SmsWorker(queue, List.of(g), qs, metrics, Clock.systemUTC()).moHandler(seen::add).start());
        closing(new NoticeConsumer(queue, store, qs, metrics, Clock.systemUTC(), worker::wake).start(store));
        String mail = "From: =?UTF-8?B?5byg5Lyf?= <zhang@example.org>\r\nSubject: =?UTF-8?B?5piO5aSp5byA5Lya?=\r\n"
                + "Message-ID: <m1@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\"明天\" 上午十点\\开会。\r\n";
        store.append(store.mailbox(ann.id(), "INBOX").orElseThrow().id(), MessageSpool.of(mail.getBytes(StandardCharsets.UTF_8)), Set.of(),
                Instant.now());
        await(() -> provider.requests.size() == 1);
        TestProvider.Request r = provider.requests.getFirst();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.uri()).isEqualTo("/v1/sms?dest=8613800138000");
        assertThat(r.headers().get("Authorization")).isEqualTo("Bearer tok-123");
        assertThat(r.headers().get("Content-Type")).isEqualTo("application/json; charset=utf-8");
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("to").asText()).isEqualTo(PHONE);
        assertThat(body.get("from").asText()).matches("10690000[0-9]{4}");
        assertThat(body.get("text").asText()).matches("新邮件 张伟 [0-9]+月[0-9]+日 [0-9:]{5}\n明天开会\n\"明天\" 上午十点\\\\开会。");
        String ref = body.get("ref").asText();
        assertThat(ref).matches("account-[0-9]+-n\\..+-0");
        assertThat(r.headers().get("X-Client")).isEqualTo("twinmail " + ref);
        await(() -> store.records(SmsQueue.DONE).size() == 1);
        SmsItem sent = SmsItem.decode(store.records(SmsQueue.DONE).getFirst().value());
        assertThat(sent.state()).isEqualTo(SmsItem.State.SENT);
        assertThat(sent.messageIds()).containsExactly("P1"); // read with the message-id pattern

        // the provider's receipt, signed: the notice is delivered
        byte[] receipt = "{\"messageId\":\"P1\",\"status\":\"DELIVERED\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(g.webhook(call(receipt, "application/json", Instant.now().getEpochSecond(), SECRET))).isEqualTo(new HttpGateway.WebhookAnswer(200, "ok"));
        await(() -> SmsItem.decode(store.records(SmsQueue.DONE).getFirst().value()).state() == SmsItem.State.DELIVERED);
        // a reply, as a form, to the notice's number with its extension
        String from = body.get("from").asText();
        byte[] mo = ("from=%2B8613800138000&to=" + from + "&text=" + java.net.URLEncoder.encode("好的", StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(g.webhook(call(mo, "application/x-www-form-urlencoded", Instant.now().getEpochSecond(), SECRET)).status()).isEqualTo(200);
        await(() -> !seen.isEmpty());
        assertThat(seen).containsExactly(new Inbound.Mo("cloud", PHONE, from, from.substring(8), "好的"));
    }

    static HttpGateway.WebhookCall call(byte[] body, String type, long ts, String secret) {
        String sig = WebhookSignature.sign(secret, ts, body);
        return new HttpGateway.WebhookCall("POST", h -> switch (h) {
            case "Content-Type" -> type;
            case WebhookSignature.TIMESTAMP -> Long.toString(ts);
            case WebhookSignature.SIGNATURE -> sig;
            default -> null;
        }, body);
    }

    @Test
    void aWebhookCallWithABadStaleOrMissingSignatureIsRefusedAndHandsNothingOver() {
        HttpGateway g = new HttpGateway(settings("cloud", "http://127.0.0.1:9/", "", true, HttpGateway.Auth.NONE, "", "", 4), Clock.systemUTC());
        g.onInbound(seen::add);
        byte[] mo = "{\"from\":\"+8613800138000\",\"to\":\"106900001234\",\"text\":\"hi\"}".getBytes(StandardCharsets.UTF_8);
        long now = Instant.now().getEpochSecond();
        assertThat(g.webhook(call(mo, "application/json", now, "wrong-secret"))).isEqualTo(new HttpGateway.WebhookAnswer(401, "bad signature"));
        assertThat(g.webhook(call(mo, "application/json", now - 600, SECRET)).status()).isEqualTo(401);
        assertThat(g.webhook(new HttpGateway.WebhookCall("POST", h -> null, mo))).isEqualTo(new HttpGateway.WebhookAnswer(401, "unsigned"));
        // the body changed after signing
        HttpGateway.WebhookCall signed = call(mo, "application/json", now, SECRET);
        byte[] forged = "{\"from\":\"+8613900000000\",\"to\":\"106900001234\",\"text\":\"hi\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(g.webhook(new HttpGateway.WebhookCall("POST", signed.header(), forged)).status()).isEqualTo(401);
        assertThat(seen).isEmpty();
        assertThat(g.webhook(call(mo, "application/json", now, SECRET)).status()).isEqualTo(200);
        assertThat(seen).containsExactly(new Inbound.Mo("cloud", PHONE, "106900001234", "1234", "hi"));
        assertThat(g.webhook(call("{\"x\":1}".getBytes(StandardCharsets.UTF_8), "application/json", now, SECRET)).status()).isEqualTo(400);
    }

    @Test
    void formBodiesBasicAndHmacAuthenticationAndTheOutcomes() throws Exception {
        TestProvider provider = closing(new TestProvider());
        provider.answer = "OK id=F{n}";
        HttpGateway basic = closing(new HttpGateway(settings("form", provider.url() + "/send", "to={toDigits}&msg={text}&sender={from}", false,
                HttpGateway.Auth.BASIC, "^OK", "id=(\\w+)", 0), Clock.systemUTC()));
        SmsText text = SmsText.whole("Price: 10€ & more ".repeat(12));
        assertThat(basic.submit("account:1/c.5", PHONE, "", text, 0)).isEqualTo("F1");
        TestProvider.Request r = provider.requests.getLast();
        assertThat(r.headers().get("Authorization")).isEqualTo("Basic " + Base64.getEncoder().encodeToString("acct:p@ss".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.headers().get("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
        Map<String, String> form = new java.util.HashMap<>();
        for (String kv : r.body().split("&")) form.put(kv.substring(0, kv.indexOf('=')), URLDecoder.decode(kv.substring(kv.indexOf('=') + 1), StandardCharsets.UTF_8));
        assertThat(form).containsEntry("to", "8613800138000").containsEntry("sender", "10690000").containsEntry("msg", text.text());
        assertThat(text.text()).hasSizeGreaterThan(160); // one request: the provider splits it

        HttpGateway hmac = closing(new HttpGateway(settings("signed", provider.url() + "/send", "{\"to\":\"{to}\",\"text\":\"{text}\"}", true,
                HttpGateway.Auth.HMAC, "", "", 0), Clock.systemUTC()));
        assertThat(hmac.submit("account:1/a.x", PHONE, "", SmsText.whole("hi"), 0)).isEqualTo("account-1-a.x-0"); // no id pattern: ours
        r = provider.requests.getLast();
        assertThat(WebhookSignature.check("sign-secret", r.headers().get("X-Timestamp"), r.headers().get("X-Signature"),
                r.body().getBytes(StandardCharsets.UTF_8), Instant.now(), Duration.ofMinutes(1))).isNull();
        assertThat(r.headers().get("X-Signature")).startsWith("sha256=");

        // 2xx without the success pattern: never; 4xx: never; 5xx: not now, and the gateway steps aside
        provider.answer = "ERROR no credit";
        assertThat(refused(basic, text)).isEqualTo("permanent");
        provider.answer = "bad number";
        provider.status = 400;
        assertThat(refused(basic, text)).isEqualTo("permanent");
        assertThat(basic.available()).isTrue();
        provider.status = 503;
        assertThat(refused(basic, text)).isEqualTo("transient");
        assertThat(basic.available()).isFalse();
        // no connection at all: not now
        HttpGateway nowhere = closing(new HttpGateway(settings("nowhere", "http://127.0.0.1:9/", "x", false, HttpGateway.Auth.NONE, "", "", 0),
                Clock.systemUTC()));
        assertThat(refused(nowhere, text)).isEqualTo("transient");
    }

    private static String refused(SmsGateway g, SmsText text) {
        try {
            g.submit("account:1/n.x", PHONE, "", text, 0);
            return "taken";
        } catch (SmsGateway.SubmitException.Refused e) {
            return e.permanent() ? "permanent" : "transient";
        } catch (SmsGateway.SubmitException e) {
            return "in doubt";
        }
    }

    @Test
    void aPlaceholderThatDoesNotExistIsRefusedAtTheStart() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new HttpTemplate("{to} {phone}", HttpTemplate.Escape.URL))
                .hasMessageContaining("{phone}");
        assertThat(new HttpTemplate("{\"t\":\"{text}\"}", HttpTemplate.Escape.JSON).fill(Map.of("text", "a\"b\\c\nd\u0001")))
                .isEqualTo("{\"t\":\"a\\\"b\\\\c\\nd\\u0001\"}");
    }
}
