package org.twinmail.server;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;
import org.twinmail.http.HttpService;
import org.twinmail.sms.SmsService;
import org.twinmail.sms.gateway.http.HttpGateway;

/**
 * The HTTP SMS gateways' webhook on the node's HTTP server: {@code POST /sms/webhook/<gateway>}
 * carries a provider's receipts and replies to the active node's gateway of that name, which
 * checks the call's signature ({@link HttpGateway#webhook}). A node that does not serve answers
 * 503 (the provider retries, and reaches the active node through the service address).
 */
final class SmsHttp {
    static final String PREFIX = "/sms/webhook/";

    private SmsHttp() {
    }

    static void mount(HttpService http, Supplier<SmsService> active) {
        http.mount(PREFIX, "sms-webhook", ex -> {
            if (!ex.method().equals("POST")) {
                ex.setHeader("Allow", "POST");
                ex.send(405, "text/plain; charset=utf-8", "POST only\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            SmsService sms = active.get();
            if (sms == null) {
                ex.setHeader("Retry-After", "5");
                ex.send(503, "text/plain; charset=utf-8", "this node is not serving\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String name = ex.rawPath().substring(PREFIX.length());
            Optional<HttpGateway> g = sms.httpGateway(name);
            if (g.isEmpty()) {
                ex.send(404, "text/plain; charset=utf-8", "no such gateway\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            byte[] body = ex.readBody();
            HttpGateway.WebhookAnswer a = g.get().webhook(new HttpGateway.WebhookCall(ex.method(), ex::header, body));
            ex.send(a.status(), "text/plain; charset=utf-8", (a.text() + "\n").getBytes(StandardCharsets.UTF_8));
        });
    }
}
