package org.twinmail.push.delivery;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.twinmail.push.PushSettings;
import org.twinmail.push.Subscriptions.Subscription;
import org.twinmail.push.crypto.WebPushEncryption;
import org.twinmail.push.vapid.Vapid;

/**
 * One push message to one push service (RFC 8030 5): the payload encrypted for the browser
 * (RFC 8291), POSTed to the subscription's endpoint with {@code TTL}, {@code Urgency},
 * {@code Content-Encoding: aes128gcm} and the VAPID {@code Authorization} (RFC 8292), with the
 * JDK's HTTP client (the one the project uses for outgoing HTTP). The answer is an
 * {@link Outcome}: the worker decides what follows.
 */
public final class PushSender {
    /** What the push service said. */
    public sealed interface Outcome {
        int status();
    }

    /** 2xx (201 Created: the service took the message). */
    public record Delivered(int status) implements Outcome { }

    /** 404 or 410: the subscription no longer exists; drop it. */
    public record Gone(int status) implements Outcome { }

    /** 429, 5xx or no answer (status 0): try again, not before {@code retryAfter} if the service said so. */
    public record Retry(int status, Optional<Duration> retryAfter, String reason) implements Outcome { }

    /** Any other answer: this message will not go, the subscription stays. */
    public record Failed(int status, String reason) implements Outcome { }

    private final HttpClient client;
    private final Vapid vapid;
    private final PushSettings settings;
    private final Clock clock;

    public PushSender(HttpClient client, Vapid vapid, PushSettings settings, Clock clock) {
        this.client = client;
        this.vapid = vapid;
        this.settings = settings;
        this.clock = clock;
    }

    /** The JDK client as we use it: no redirects (a push service answers, it does not send us elsewhere). */
    public static HttpClient newClient(Duration connectTimeout) {
        return HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(connectTimeout).build();
    }

    public Outcome send(Subscription s, byte[] payload) throws InterruptedException {
        return send(s.target(), payload);
    }

    /**
     * POSTs {@code payload} to {@code t}: encrypted for its keys when it has them (RFC 8291,
     * {@code Content-Encoding: aes128gcm}), else as it is with {@code Content-Type: application/json}
     * (RFC 8620 7.2's unencrypted push); {@code TTL}, {@code Urgency} and the VAPID
     * {@code Authorization} either way.
     */
    public Outcome send(PushTarget t, byte[] payload) throws InterruptedException {
        Instant exp = clock.instant().plus(settings.tokenValidity());
        HttpRequest.Builder b = HttpRequest.newBuilder(t.uri())
                .timeout(settings.requestTimeout())
                .header("TTL", Long.toString(settings.ttl().toSeconds()))
                .header("Urgency", settings.urgency())
                .header("Authorization", vapid.authorization(t.uri(), settings.subject(), exp));
        if (t.encrypted()) {
            b.header("Content-Encoding", "aes128gcm").header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(WebPushEncryption.encrypt(payload, t.p256dh(), t.auth())));
        } else {
            b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(payload));
        }
        HttpRequest request = b.build();
        HttpResponse<Void> r;
        try {
            r = client.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            return new Retry(0, Optional.empty(), e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
        int status = r.statusCode();
        if (status >= 200 && status < 300) return new Delivered(status);
        if (status == 404 || status == 410) return new Gone(status);
        if (status == 429 || status >= 500) {
            return new Retry(status, r.headers().firstValue("Retry-After").flatMap(v -> retryAfter(v, clock.instant())), "HTTP " + status);
        }
        return new Failed(status, "HTTP " + status);
    }

    /** Retry-After as seconds or an HTTP date (RFC 9110 10.2.3); empty when unreadable. */
    static Optional<Duration> retryAfter(String value, Instant now) {
        String v = value.strip();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException e2) {
                return Optional.empty();
            }
        }
    }
}
