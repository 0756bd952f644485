package org.twinmail.jmap.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The method table: each JMAP method with the capability that brings it, and the request
 * loop of RFC 8620 3.6: calls run in order, result references resolved before each one, a
 * method error answers that call only, creation ids carried from one call to the next.
 */
public final class Methods {
    private static final Logger log = LoggerFactory.getLogger(Methods.class);

    private record Method(String capability, Function<Call, ObjectNode> handler) { }

    private final Map<String, Method> methods = new LinkedHashMap<>();

    public void add(String name, String capability, Function<Call, ObjectNode> handler) {
        if (methods.putIfAbsent(name, new Method(capability, handler)) != null) throw new IllegalArgumentException(name + " twice");
    }

    public Set<String> names() {
        return methods.keySet();
    }

    /** Runs a parsed request for {@code accountId}; returns the Response object (RFC 8620 3.4) without sessionState. */
    public ObjectNode run(JmapRequest request, long accountId, java.net.InetAddress client) {
        List<Invocation> responses = new ArrayList<>();
        Map<String, String> created = request.createdIds() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(request.createdIds());
        for (Invocation inv : request.calls()) {
            Method m = methods.get(inv.name());
            if (m == null || !request.using().contains(m.capability())) {
                responses.add(error(inv.callId(), new MethodError("unknownMethod", "unknown method " + inv.name()
                        + (m == null ? "" : " (capability " + m.capability() + " not in using)"))));
                continue;
            }
            Call call;
            try {
                call = new Call(inv.name(), ResultReferences.resolve(inv.arguments(), responses), inv.callId(), accountId, created, responses, client);
            } catch (MethodError e) {
                responses.add(error(inv.callId(), e));
                continue;
            }
            try {
                ObjectNode result = m.handler().apply(call);
                responses.add(new Invocation(inv.name(), result, inv.callId()));
                responses.addAll(call.pending());
            } catch (MethodError e) {
                responses.add(error(inv.callId(), e));
            } catch (RuntimeException e) {
                log.warn("{} failed: {}", inv.name(), e.toString(), e);
                responses.add(error(inv.callId(), MethodError.serverFail(e.getClass().getSimpleName())));
            }
        }
        ObjectNode r = Json.object();
        var list = r.putArray("methodResponses");
        for (Invocation i : responses) list.add(i.toJson());
        if (request.createdIds() != null) {
            ObjectNode ids = r.putObject("createdIds");
            created.forEach(ids::put);
        }
        return r;
    }

    private static Invocation error(String callId, MethodError e) {
        ObjectNode a = Json.object();
        a.put("type", e.type());
        if (e.getMessage() != null) a.put("description", e.getMessage());
        e.extra().forEach((k, v) -> a.set(k, Json.valueOf(v)));
        return new Invocation("error", a, callId);
    }
}
