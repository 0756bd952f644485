package org.twinmail.jmap.push;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.twinmail.jmap.core.Json;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.MailStore;

/**
 * One EventSource connection (RFC 8620 7.3): a StateChange for the user's accounts (its own and
 * those it reaches through ACLs, {@link StateChanges.Watch}) whenever the change log moves them, pings at the asked interval, closed by the client (a failed write) or after the
 * first state with {@code closeafter=state}. Runs on the request's virtual thread, waiting in
 * {@link ChangeLog#awaitChange} (no polling).
 */
public final class EventSource {
    private final MailStore log;
    private final StateChanges.Watch watch;
    private final Set<String> types;
    private final boolean closeAfterState;
    private final Duration ping;
    private final Duration coalesce;

    public EventSource(MailStore log, long accountId, Set<String> types, boolean closeAfterState, Duration ping, Duration coalesce) {
        this.log = log;
        this.watch = new StateChanges.Watch(log, accountId);
        this.types = types;
        this.closeAfterState = closeAfterState;
        this.ping = ping;
        this.coalesce = coalesce;
    }

    /** Writes events to {@code out} until the client goes or the stream is done. */
    public void run(OutputStream out) throws IOException {
        long pos = log.lastChangePosition();
        // The current state first, so a client knows where it stands.
        write(out, "state", StateChanges.stateChange(StateChanges.wanted(watch.all(), types), pos));
        if (closeAfterState) return;
        long nextPing = System.nanoTime() + ping.toNanos();
        try {
            while (true) {
                long waitNanos = ping.isZero() ? Duration.ofMinutes(5).toNanos() : Math.max(1, nextPing - System.nanoTime());
                long now = log.awaitChange(pos, Duration.ofNanos(waitNanos));
                if (now > pos) {
                    if (!coalesce.isZero()) {
                        Thread.sleep(coalesce);
                        now = Math.max(now, log.lastChangePosition());
                    }
                    Map<Long, Set<String>> changed = StateChanges.wanted(watch.changed(pos, now), types);
                    pos = now;
                    if (!changed.isEmpty()) {
                        write(out, "state", StateChanges.stateChange(changed, pos));
                        if (closeAfterState) return;
                    }
                }
                if (!ping.isZero() && System.nanoTime() - nextPing >= 0) {
                    ObjectNode p = Json.object();
                    p.put("interval", ping.toSeconds());
                    write(out, "ping", p);
                    nextPing = System.nanoTime() + ping.toNanos();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void write(OutputStream out, String event, ObjectNode data) throws IOException {
        out.write(("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
