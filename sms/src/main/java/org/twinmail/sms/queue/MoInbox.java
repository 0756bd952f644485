package org.twinmail.sms.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.twinmail.sms.gateway.SmsGateway.Inbound;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * Mobile-originated messages (replies by SMS), kept durably from their receipt until they are
 * handled, and known for {@code window} so that a redelivery is dropped (docs/sms.md, "Replies
 * by SMS"): records {@value #KIND}, scope "", named by what identifies the message.
 *
 * <ul>
 *   <li>{@code i.<sha-256 of gateway and the SMSC's message id>} when the gateway gives one;</li>
 *   <li>else {@code t.<sha-256 of gateway, source, destination and text>}: the same text from the
 *       same phone to the same number within the window is the same message (an SMSC that did
 *       not hear our deliver_sm_resp sends it again; SMPP's deliver_sm carries no id).</li>
 * </ul>
 *
 * States: {@code received} (stored before the gateway acknowledges it: a node that dies then
 * still has it), {@code handling} (written before the reply is submitted as mail), {@code handled}
 * (kept until {@code window} after its receipt, then purged with the expired records). A message
 * found {@code handling} after a restart is in doubt and not handled again: a reply never becomes
 * two mails.
 */
public final class MoInbox {
    public static final String KIND = "sms.mo";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The states of a stored message. */
    public enum State { RECEIVED, HANDLING, HANDLED }

    /** A stored message: its record's name and what it says. */
    public record Received(String name, Inbound.Mo mo, long received) { }

    private final Records records;
    private final Duration window;
    private final Clock clock;

    public MoInbox(Records records, Duration window, Clock clock) {
        this.records = records;
        this.window = window;
        this.clock = clock;
    }

    /** The record name of {@code mo}: what makes two deliveries one message. */
    static String name(Inbound.Mo mo) {
        return mo.messageId().isEmpty() ? "t." + sha256(mo.gateway(), mo.from(), mo.to(), mo.text()) : "i." + sha256(mo.gateway(), mo.messageId());
    }

    /**
     * Stores {@code mo} durably, before the gateway acknowledges it; empty when it is a
     * redelivery (the same message received within the window, or not handled yet).
     */
    public Optional<Received> receive(Inbound.Mo mo) {
        String name = name(mo);
        long now = clock.millis();
        Optional<StoredRecord> old = records.record(KIND, "", name);
        if (old.isPresent()) {
            StoredRecord r = old.get();
            boolean live = state(r) != State.HANDLED || r.expiresMillis() == 0 || r.expiresMillis() > now;
            if (live) return Optional.empty();
        }
        Received received = new Received(name, mo, now);
        return records.putRecordIf(KIND, "", name, old.map(StoredRecord::version).orElse(0L), encode(received, State.RECEIVED), 0)
                .map(r -> received);
    }

    /** Every message received and not handled, in the order received, and those in doubt (found {@code handling}). */
    public List<Map.Entry<Received, State>> unhandled() {
        return records.records(KIND, "").stream().filter(r -> state(r) != State.HANDLED)
                .map(r -> Map.entry(decode(r), state(r)))
                .sorted(Comparator.comparingLong(e -> e.getKey().received())).toList();
    }

    /** Moves a received message to {@code handling}; false when it is not {@code received} any more (handled, or in doubt). */
    public boolean begin(Received m) {
        Optional<StoredRecord> r = records.record(KIND, "", m.name());
        if (r.isEmpty() || state(r.get()) != State.RECEIVED) return false;
        return records.putRecordIf(KIND, "", m.name(), r.get().version(), encode(m, State.HANDLING), 0).isPresent();
    }

    /** The message is done with: kept until {@code window} after its receipt, so a redelivery meanwhile is dropped. */
    public void handled(Received m) {
        records.putRecord(KIND, "", m.name(), encode(m, State.HANDLED), Math.max(1, m.received() + window.toMillis()));
    }

    private static State state(StoredRecord r) {
        try {
            return State.valueOf(JSON.readTree(r.value()).path("state").asText("received").toUpperCase(Locale.ROOT));
        } catch (IOException | IllegalArgumentException e) {
            return State.HANDLED; // unreadable: never handled
        }
    }

    private static byte[] encode(Received m, State state) {
        ObjectNode n = JSON.createObjectNode();
        n.put("gateway", m.mo().gateway()).put("from", m.mo().from()).put("to", m.mo().to()).put("extension", m.mo().extension())
                .put("text", m.mo().text()).put("messageId", m.mo().messageId()).put("received", m.received())
                .put("state", state.name().toLowerCase(Locale.ROOT));
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Received decode(StoredRecord r) {
        try {
            JsonNode n = JSON.readTree(r.value());
            return new Received(r.name(), new Inbound.Mo(n.path("gateway").asText(""), n.path("from").asText(""), n.path("to").asText(""),
                    n.path("extension").asText(""), n.path("text").asText(""), n.path("messageId").asText("")), n.path("received").asLong());
        } catch (IOException e) {
            throw new IllegalArgumentException("not a stored SMS: " + e.getMessage(), e);
        }
    }

    private static String sha256(String... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                d.update(p.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
