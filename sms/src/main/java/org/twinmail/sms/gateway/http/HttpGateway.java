package org.twinmail.sms.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.sms.encoding.SmsText;
import org.twinmail.sms.gateway.SmsGateway;

/**
 * A cloud SMS provider's HTTP API (docs/sms.md, "HTTP gateway"): each SMS is one request written
 * from the configured templates (URL, method, header fields, a JSON or form body with
 * placeholders), authenticated with Basic, a bearer token or an HMAC signature
 * ({@link WebhookSignature}); a 2xx answer whose body matches the success pattern is taken, its
 * message id read with the message-id pattern. The provider splits long texts itself
 * ({@link #concatenates()}). {id} is the same for a retry of the same SMS: providers that take
 * a client reference use it to drop a repeated request.
 *
 * <p>Outcomes: no connection, 5xx or 429 is "not now" (retried with back-off, and the gateway is
 * left aside {@code downFor} so the next gateway sends meanwhile); another 4xx or a 2xx that does
 * not match the success pattern is "never"; no answer within the timeout is in doubt.
 *
 * <p>The provider calls back on the node's HTTP server ({@code /sms/webhook/<name>}) with
 * receipts and replies; {@link #webhook} checks the call's signature with the webhook secret
 * and hands what it says to the queue.
 */
public final class HttpGateway implements SmsGateway {
    private static final Logger log = LoggerFactory.getLogger(HttpGateway.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Auth { NONE, BASIC, BEARER, HMAC }

    /** The gateway's settings, from {@code sms.http[]} (docs/configuration.md). */
    public record Settings(String name, String url, String method, Map<String, String> headers, String body, boolean json, Auth auth,
                           String username, String password, String token, String secret, String successPattern, String messageIdPattern,
                           String sourceAddress, int extensionDigits, Duration timeout, Duration downFor, String webhookSecret,
                           Duration webhookMaxSkew, String fromField, String toField, String textField, String messageIdField,
                           String statusField, List<String> deliveredStatuses, List<String> failedStatuses) {
        public Settings {
            Objects.requireNonNull(name);
            headers = Map.copyOf(headers);
            deliveredStatuses = deliveredStatuses.stream().map(x -> x.toLowerCase(Locale.ROOT)).toList();
            failedStatuses = failedStatuses.stream().map(x -> x.toLowerCase(Locale.ROOT)).toList();
            if (url == null || url.isBlank()) throw new IllegalArgumentException("sms.http " + name + ": url is required");
            if (auth == Auth.HMAC && (secret == null || secret.isEmpty())) throw new IllegalArgumentException("sms.http " + name + ": hmac needs a secret");
        }
    }

    /** A webhook call as the HTTP server hands it over, transport-neutral. */
    public record WebhookCall(String method, Function<String, String> header, byte[] body) { }

    /** The answer to a webhook call. */
    public record WebhookAnswer(int status, String text) { }

    private final Settings settings;
    private final HttpTemplate url;
    private final HttpTemplate body;
    private final Map<String, HttpTemplate> headers = new LinkedHashMap<>();
    private final Pattern success;
    private final Pattern messageId;
    private final HttpClient client;
    private final Clock clock;
    private volatile Consumer<Inbound> inbound = i -> { };
    private volatile long downUntil;

    public HttpGateway(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.url = new HttpTemplate(settings.url(), HttpTemplate.Escape.URL);
        this.body = new HttpTemplate(settings.body(), settings.json() ? HttpTemplate.Escape.JSON : HttpTemplate.Escape.URL);
        settings.headers().forEach((k, v) -> headers.put(k, new HttpTemplate(v, HttpTemplate.Escape.HEADER)));
        this.success = settings.successPattern().isEmpty() ? null : Pattern.compile(settings.successPattern());
        this.messageId = settings.messageIdPattern().isEmpty() ? null : Pattern.compile(settings.messageIdPattern());
        this.client = HttpClient.newBuilder().connectTimeout(settings.timeout()).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public boolean available() {
        return clock.millis() >= downUntil;
    }

    @Override
    public boolean sourceExtension() {
        return settings.extensionDigits() > 0;
    }

    @Override
    public boolean concatenates() {
        return true;
    }

    public int extensionDigits() {
        return settings.extensionDigits();
    }

    @Override
    public void onInbound(Consumer<Inbound> listener) {
        this.inbound = listener;
    }

    /** The request for {@code values}: the templates filled, the authentication added. */
    HttpRequest request(Map<String, String> values) {
        String b = body.fill(values);
        byte[] octets = b.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url.fill(values))).timeout(settings.timeout());
        String method = settings.method().toUpperCase(Locale.ROOT);
        boolean hasBody = !method.equals("GET") && !method.equals("DELETE") && !settings.body().isEmpty();
        r.method(method, hasBody ? HttpRequest.BodyPublishers.ofByteArray(octets) : HttpRequest.BodyPublishers.noBody());
        if (hasBody) r.header("Content-Type", settings.json() ? "application/json; charset=utf-8" : "application/x-www-form-urlencoded");
        headers.forEach((k, t) -> r.header(k, t.fill(values)));
        switch (settings.auth()) {
            case NONE -> { }
            case BASIC -> r.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (settings.username() + ":" + settings.password()).getBytes(StandardCharsets.UTF_8)));
            case BEARER -> r.header("Authorization", "Bearer " + settings.token());
            case HMAC -> {
                long ts = clock.instant().getEpochSecond();
                r.header(WebhookSignature.TIMESTAMP, Long.toString(ts));
                r.header(WebhookSignature.SIGNATURE, WebhookSignature.sign(settings.secret(), ts, hasBody ? octets : new byte[0]));
            }
        }
        return r.build();
    }

    @Override
    public String submit(String smsId, String phone, String extension, SmsText text, int part) throws SubmitException {
        String to = phone.startsWith("+") ? phone : "+" + phone;
        String id = smsId.replaceAll("[^A-Za-z0-9.]", "-") + "-" + part;
        Map<String, String> values = new HashMap<>();
        values.put("to", to);
        values.put("toDigits", to.substring(1));
        values.put("from", settings.sourceAddress() + (extension == null ? "" : extension));
        values.put("text", text.texts().get(part));
        values.put("id", id);
        values.put("ref", extension == null ? "" : extension);
        HttpResponse<String> answer;
        try {
            answer = client.send(request(values), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException | ConnectException e) {
            down();
            throw new SubmitException.Refused("no connection to " + settings.name() + ": " + e.getMessage(), false);
        } catch (HttpTimeoutException e) {
            throw new SubmitException.InDoubt("no answer from " + settings.name() + " within " + settings.timeout());
        } catch (IOException e) {
            // the request may have reached the provider: the connection broke during the exchange
            throw new SubmitException.InDoubt("the exchange with " + settings.name() + " broke: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SubmitException.InDoubt("interrupted");
        }
        int status = answer.statusCode();
        String reply = answer.body() == null ? "" : answer.body();
        if (status == 429 || status >= 500) {
            down();
            throw new SubmitException.Refused("HTTP " + status + " from " + settings.name(), false);
        }
        if (status < 200 || status > 299) throw new SubmitException.Refused("HTTP " + status + " from " + settings.name() + ": " + cut(reply), true);
        if (success != null && !success.matcher(reply).find()) {
            throw new SubmitException.Refused(settings.name() + " answered without success: " + cut(reply), true);
        }
        if (messageId != null) {
            Matcher m = messageId.matcher(reply);
            if (m.find() && m.groupCount() >= 1 && m.group(1) != null) return m.group(1);
        }
        return id;
    }

    private void down() {
        downUntil = clock.millis() + settings.downFor().toMillis();
    }

    private static String cut(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /**
     * A call of the provider's webhook: 401 unless its signature checks out with the webhook
     * secret; a receipt (message id and status) or a reply (from and text) goes to the queue;
     * 400 for a call that is neither.
     */
    public WebhookAnswer webhook(WebhookCall call) {
        String why = WebhookSignature.check(settings.webhookSecret(), call.header().apply(WebhookSignature.TIMESTAMP),
                call.header().apply(WebhookSignature.SIGNATURE), call.body(), clock.instant(), settings.webhookMaxSkew());
        if (why != null) {
            log.warn("sms {}: a webhook call refused: {}", settings.name(), why);
            return new WebhookAnswer(401, why);
        }
        Map<String, String> fields;
        try {
            fields = fields(call.header().apply("Content-Type"), call.body());
        } catch (IOException | RuntimeException e) {
            return new WebhookAnswer(400, "unreadable body");
        }
        String id = fields.get(settings.messageIdField());
        String status = fields.get(settings.statusField());
        if (id != null && status != null && !id.isEmpty()) {
            String s = status.toLowerCase(Locale.ROOT);
            if (settings.deliveredStatuses().contains(s)) inbound.accept(new Inbound.Receipt(settings.name(), id, true, status));
            else if (settings.failedStatuses().contains(s)) inbound.accept(new Inbound.Receipt(settings.name(), id, false, status));
            return new WebhookAnswer(200, "ok");
        }
        String from = fields.get(settings.fromField());
        String text = fields.get(settings.textField());
        if (from != null && text != null && !from.isBlank()) {
            String to = fields.getOrDefault(settings.toField(), "");
            String phone = from.strip().startsWith("+") ? from.strip() : "+" + from.strip();
            String base = settings.sourceAddress();
            String ext = sourceExtension() && !base.isEmpty() && to.startsWith(base) ? to.substring(base.length()) : "";
            // the provider's id of the message, when it gives one, makes a redelivery known as one
            inbound.accept(new Inbound.Mo(settings.name(), phone, to, ext, text, fields.getOrDefault(settings.messageIdField(), "")));
            return new WebhookAnswer(200, "ok");
        }
        return new WebhookAnswer(400, "neither a receipt nor a reply");
    }

    /** The call's fields: a JSON object's top-level strings and numbers, or a form's fields. */
    static Map<String, String> fields(String contentType, byte[] body) throws IOException {
        Map<String, String> out = new HashMap<>();
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (type.startsWith("application/x-www-form-urlencoded")) {
            for (String pair : new String(body, StandardCharsets.US_ASCII).split("&")) {
                if (pair.isEmpty()) continue;
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.putIfAbsent(k, v);
            }
            return out;
        }
        JsonNode n = JSON.readTree(body);
        if (n == null || !n.isObject()) throw new IOException("not a JSON object");
        n.fields().forEachRemaining(e -> {
            if (e.getValue().isValueNode()) out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }

    @Override
    public void close() {
        client.close();
    }
}
