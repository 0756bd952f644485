package org.twinmail.jmap.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.jmap.JmapService;
import org.twinmail.jmap.auth.Principal;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.core.Problem;
import org.twinmail.store.MailStore;

/**
 * One JMAP WebSocket (RFC 8887), transport-neutral: the web server hands in each text
 * message and gives a {@link Sender} for the way out. Requests ({@code "@type":"Request"})
 * are answered with Response or RequestError objects carrying the request's id;
 * {@code WebSocketPushEnable} starts StateChange pushes over the change log (with
 * {@code pushState}; for the user's own account and those it reaches, {@link StateChanges.Watch}), {@code WebSocketPushDisable} stops them.
 */
public final class JmapSocket implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JmapSocket.class);

    /** Sends one text message to the client. */
    @FunctionalInterface
    public interface Sender {
        void send(String text) throws IOException;
    }

    private final JmapService service;
    private final MailStore changes;
    private final Principal principal;
    private final Sender sender;
    private final Duration coalesce;
    private Thread pusher;
    private volatile boolean closed;

    private final java.net.InetAddress client;

    public JmapSocket(JmapService service, MailStore changes, Principal principal, java.net.InetAddress client, Sender sender, Duration coalesce) {
        this.client = client;
        this.service = service;
        this.changes = changes;
        this.principal = principal;
        this.sender = sender;
        this.coalesce = coalesce;
    }

    /** Handles one text message from the client. */
    public void onText(String text) {
        JsonNode msg;
        try {
            msg = Json.parse(text);
        } catch (IOException e) {
            error(null, new Problem(Problem.NOT_JSON, 400, "the message is not JSON"));
            return;
        }
        String type = msg == null ? "" : msg.path("@type").asText("");
        String id = msg == null ? null : msg.path("id").asText(null);
        switch (type) {
            case "Request" -> {
                try {
                    ObjectNode r = service.execute(text.getBytes(StandardCharsets.UTF_8), principal, client);
                    ObjectNode out = Json.object();
                    out.put("@type", "Response");
                    if (id != null) out.put("requestId", id);
                    out.setAll(r);
                    send(out);
                } catch (Problem p) {
                    error(id, p);
                }
            }
            case "WebSocketPushEnable" -> {
                Set<String> types = null;
                if (msg.path("dataTypes").isArray()) {
                    types = new LinkedHashSet<>();
                    for (JsonNode t : msg.get("dataTypes")) types.add(t.asText());
                }
                String pushState = msg.path("pushState").asText(null);
                startPush(types, pushState);
            }
            case "WebSocketPushDisable" -> stopPush();
            default -> error(id, new Problem(Problem.NOT_REQUEST, 400, "unknown @type " + type));
        }
    }

    private synchronized void startPush(Set<String> types, String pushState) {
        stopPush();
        long from;
        try {
            from = pushState == null ? changes.lastChangePosition() : Long.parseLong(pushState);
        } catch (NumberFormatException e) {
            from = changes.lastChangePosition();
        }
        long start = Math.min(from, changes.lastChangePosition());
        pusher = Thread.ofVirtual().name("jmap-ws-push").start(() -> push(types, start));
    }

    private synchronized void stopPush() {
        if (pusher != null) {
            pusher.interrupt();
            pusher = null;
        }
    }

    private void push(Set<String> types, long from) {
        long pos = from;
        StateChanges.Watch watch = new StateChanges.Watch(changes, principal.accountId());
        try {
            while (!closed && !Thread.currentThread().isInterrupted()) {
                long now = changes.awaitChange(pos, Duration.ofMinutes(1));
                if (now <= pos) continue;
                if (!coalesce.isZero()) {
                    Thread.sleep(coalesce);
                    now = Math.max(now, changes.lastChangePosition());
                }
                Map<Long, Set<String>> changed = StateChanges.wanted(watch.changed(pos, now), types);
                pos = now;
                if (changed.isEmpty()) continue;
                ObjectNode sc = StateChanges.stateChange(changed, pos);
                sc.put("pushState", String.valueOf(pos));
                send(sc);
            }
        } catch (InterruptedException e) {
            // stopped
        } catch (RuntimeException e) {
            if (!closed) log.debug("websocket push ended: {}", e.toString());
        }
    }

    private void error(String id, Problem p) {
        ObjectNode out = p.toJson();
        out.put("@type", "RequestError");
        if (id != null) out.put("requestId", id);
        send(out);
    }

    private void send(ObjectNode o) {
        try {
            synchronized (sender) {
                sender.send(o.toString());
            }
        } catch (IOException e) {
            close();
        }
    }

    @Override
    public void close() {
        closed = true;
        stopPush();
    }
}
