package org.twinmail.sms.gateway.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cloud SMS provider's API in the test's process (the JDK's HTTP server): records every
 * request (method, path and query, header fields, body) and answers with the status and body
 * the test sets, {@code {n}} in the body replaced by the request's number.
 */
public final class TestProvider implements AutoCloseable {
    public record Request(String method, String uri, Map<String, String> headers, String body) { }

    public final List<Request> requests = new CopyOnWriteArrayList<>();
    public volatile int status = 200;
    public volatile String answer = "{\"ok\":true,\"id\":\"P{n}\"}";
    private final AtomicInteger n = new AtomicInteger();
    private final HttpServer server;

    public TestProvider() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            ex.getRequestHeaders().forEach((k, v) -> h.put(k, String.join(",", v)));
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().toString(), h, body));
            byte[] out = answer.replace("{n}", Integer.toString(n.incrementAndGet())).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
