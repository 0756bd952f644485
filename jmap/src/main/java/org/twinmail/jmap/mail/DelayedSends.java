package org.twinmail.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.jmap.core.Json;
import org.twinmail.store.MailStore;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * EmailSubmissions held until their {@code sendAt} (RFC 8621 7 with FUTURERELEASE, RFC 4865):
 * the submission record ({@code jmap.submission}) says {@code undoStatus: pending} and keeps the
 * envelope in a private {@code _hold} field; the message itself is kept beside it in records
 * of kind {@code jmap.submission.body} (name {@code <id>.<n>}, chunks under the 1 MiB record
 * limit), so it goes out as it was when submitted, even if the Email is changed or destroyed
 * meanwhile, and survives a restart and a failover (records are in the store and its change log).
 *
 * <p>State changes are compare-and-set on the record's version, so a cancel and the send cannot
 * both win: {@link #cancel} turns {@code pending} into {@code canceled}; {@link #sendDue} turns a
 * due {@code pending} into {@code final} with {@code _sending} set, sends, then writes the
 * delivery status and drops {@code _sending} and the body. A node that stopped between the two
 * sends again what it finds with {@code _sending} at its first run (at least once, as mail is).
 * Time is the injected {@link Clock}: tests move it instead of sleeping.
 */
public final class DelayedSends implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DelayedSends.class);
    static final String KIND = "jmap.submission";
    static final String BODY = "jmap.submission.body";
    private static final int CHUNK = 960 * 1024;
    /** The longest the runner sleeps without looking (a record written by another node's JMAP before a failover). */
    private static final Duration MAX_NAP = Duration.ofSeconds(60);

    /** A held message at its send time. */
    record Held(long accountId, String id, JsonNode hold, byte[] message) { }

    /** Sends a held message; returns the deliveryStatus to store. */
    interface Sender {
        ObjectNode send(Held held);
    }

    private final MailStore store;
    private final Clock clock;
    private final Sender sender;
    private final Object wake = new Object();
    private boolean recovered;
    private volatile boolean running;
    private Thread runner;

    DelayedSends(MailStore store, Clock clock, Sender sender) {
        this.store = store;
        this.clock = clock;
        this.sender = sender;
    }

    /** Keeps {@code message} for submission {@code id} (before its record says pending, so a pending record always has its body). */
    void keepBody(long accountId, String id, byte[] message) {
        String scope = Records.accountScope(accountId);
        int n = 0;
        for (int off = 0; off < message.length || n == 0; off += CHUNK, n++) {
            store.putRecord(BODY, scope, id + "." + n, Arrays.copyOfRange(message, off, Math.min(message.length, off + CHUNK)), 0);
        }
    }

    private byte[] body(long accountId, String id) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        String scope = Records.accountScope(accountId);
        for (int n = 0; ; n++) {
            Optional<StoredRecord> r = store.record(BODY, scope, id + "." + n);
            if (r.isEmpty()) return n == 0 ? null : b.toByteArray();
            b.writeBytes(r.get().value());
        }
    }

    private void dropBody(long accountId, String id) {
        String scope = Records.accountScope(accountId);
        for (int n = 0; store.deleteRecord(BODY, scope, id + "." + n); n++) {
            // every chunk
        }
    }

    /** What a cancel came to. */
    enum Cancel { CANCELED, NOT_PENDING, NOT_FOUND }

    /** {@code undoStatus: canceled} for a pending submission; its body goes. */
    Cancel cancel(long accountId, String id, long keepMillis) {
        String scope = Records.accountScope(accountId);
        while (true) {
            Optional<StoredRecord> r = store.record(KIND, scope, id);
            if (r.isEmpty()) return Cancel.NOT_FOUND;
            ObjectNode o = parse(r.get());
            if (!"pending".equals(o.path("undoStatus").asText())) return Cancel.NOT_PENDING;
            o.put("undoStatus", "canceled");
            o.remove("_hold");
            if (store.putRecordIf(KIND, scope, id, r.get().version(), Json.bytes(o), clock.millis() + keepMillis).isPresent()) {
                dropBody(accountId, id);
                return Cancel.CANCELED;
            }
        }
    }

    /**
     * Sends every pending submission whose {@code sendAt} has come (and, at the first run, any a
     * stopped node left half sent); returns how many went.
     */
    public synchronized int sendDue() {
        Instant now = clock.instant();
        int sent = 0;
        for (StoredRecord r : store.records(KIND)) {
            if (r.expiresMillis() != 0 && r.expiresMillis() <= now.toEpochMilli()) continue;
            ObjectNode o = parse(r);
            boolean due = "pending".equals(o.path("undoStatus").asText()) && !Instant.parse(o.path("sendAt").asText()).isAfter(now);
            boolean halfSent = !recovered && o.path("_sending").asBoolean(false);
            if (!due && !halfSent) continue;
            long accountId = Long.parseLong(r.scope().substring("account:".length()));
            JsonNode hold = o.get("_hold");
            if (due) {
                o.put("undoStatus", "final");
                o.put("_sending", true);
                if (store.putRecordIf(KIND, r.scope(), r.name(), r.version(), Json.bytes(o), 0).isEmpty()) continue; // canceled meanwhile
            }
            byte[] message = body(accountId, r.name());
            ObjectNode status;
            if (message == null || hold == null) {
                status = Json.object();
                log.warn("jmap: held submission {} of account {} has no message any more; not sent", r.name(), accountId);
            } else {
                try {
                    status = sender.send(new Held(accountId, r.name(), hold, message));
                    sent++;
                } catch (RuntimeException e) {
                    log.warn("jmap: sending held submission {} failed: {}", r.name(), e.toString(), e);
                    continue; // left as _sending: the next start tries again
                }
            }
            o.remove("_sending");
            o.remove("_hold");
            o.set("deliveryStatus", status);
            store.putRecord(KIND, r.scope(), r.name(), Json.bytes(o), clock.millis() + AccountObjects.SUBMISSION_KEPT_MILLIS);
            dropBody(accountId, r.name());
        }
        recovered = true;
        return sent;
    }

    /** The earliest sendAt of a pending submission, or null. */
    Instant nextDue() {
        Instant next = null;
        for (StoredRecord r : store.records(KIND)) {
            ObjectNode o = parse(r);
            if (!"pending".equals(o.path("undoStatus").asText())) continue;
            Instant at = Instant.parse(o.path("sendAt").asText());
            if (next == null || at.isBefore(next)) next = at;
        }
        return next;
    }

    /** Tells the runner a new submission is held. */
    void wake() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /** Starts the runner (on the active node): sends what is due, then waits for the next sendAt or a new hold. */
    public DelayedSends start() {
        running = true;
        runner = Thread.ofVirtual().name("jmap-delayed-sends").start(() -> {
            while (running) {
                try {
                    sendDue();
                    Instant next = nextDue();
                    long nap = next == null ? MAX_NAP.toMillis()
                            : Math.clamp(Duration.between(clock.instant(), next).toMillis(), 1, MAX_NAP.toMillis());
                    synchronized (wake) {
                        if (running) wake.wait(nap);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.warn("jmap: delayed sends: {}", e.toString(), e);
                    try {
                        Thread.sleep(MAX_NAP.toMillis()); // a broken store: do not spin
                    } catch (InterruptedException stop) {
                        return;
                    }
                }
            }
        });
        return this;
    }

    @Override
    public void close() {
        running = false;
        Thread t = runner;
        if (t != null) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static List<String> strings(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.forEach(x -> out.add(x.asText()));
        return out;
    }

    private static ObjectNode parse(StoredRecord r) {
        try {
            return (ObjectNode) Json.parse(r.value());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
