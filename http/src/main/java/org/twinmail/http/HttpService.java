package org.twinmail.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.Printable;
import org.twinmail.http.admin.AdminApi;
import org.twinmail.http.admin.AdminException;
import org.twinmail.protocol.tls.PemFiles;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.http.admin.AdminOperations;

/**
 * The node's HTTP endpoints on every {@code http.listen} address:
 * <ul>
 *   <li>{@code GET /metrics}: Prometheus text format, unauthenticated (scrapers carry no tokens);</li>
 *   <li>{@code GET /health}: 200 {@code {"status":"UP"}} or 503 {@code {"status":"DOWN"}} with
 *       the checks, for load balancers and the HA probes;</li>
 *   <li>{@code /api/admin/...}: the admin REST API ({@link AdminApi}), bearer token required.</li>
 * </ul>
 * Built on the JDK's own HTTP server with one virtual thread per exchange: handlers are
 * plain blocking code, and a slow client or a slow store call parks a virtual thread
 * instead of holding a pool thread.
 */
public final class HttpService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Prometheus text exposition format, which every Prometheus-compatible scraper reads. */
    static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** A health check that has not answered by then counts as failed: a hung store must read as DOWN, not as a probe timeout. */
    static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(5);
    /** How long close() lets running exchanges finish. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    private static final int BACKLOG = 128;

    private final List<Listen> listen;
    private final List<Listen> tlsListen;
    private final Tls tls;
    private final PrometheusMeterRegistry registry;
    private final Supplier<Health> health;
    private final Duration healthTimeout;
    private final AdminApi adminApi;
    private final List<HttpServer> servers = new ArrayList<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    /** The health check in progress, shared by concurrent probes so a hung check never piles up threads. */
    private final AtomicReference<CompletableFuture<Health>> healthInFlight = new AtomicReference<>();
    /** Exchanges being handled now; close() waits for them (up to {@link #STOP_GRACE}) before it cuts connections. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ReentrantLock idleLock = new ReentrantLock();
    private final Condition idle = idleLock.newCondition();
    private volatile boolean closing;
    private boolean started;
    private boolean closed;

    public HttpService(TwinmailConfig config, AdminOperations admin, PrometheusMeterRegistry registry,
                       Supplier<Health> health, String adminToken) {
        this(config, admin, registry, health, adminToken, DEFAULT_HEALTH_TIMEOUT, null);
    }

    /**
     * With {@code tls}: HTTPS on every {@code http.tlsListen} address (the same endpoints), and
     * {@code POST /api/admin/tls/reload} reloads these certificates for every service.
     */
    public HttpService(TwinmailConfig config, AdminOperations admin, PrometheusMeterRegistry registry,
                       Supplier<Health> health, String adminToken, Tls tls) {
        this(config, admin, registry, health, adminToken, DEFAULT_HEALTH_TIMEOUT, tls);
    }

    HttpService(TwinmailConfig config, AdminOperations admin, PrometheusMeterRegistry registry,
                Supplier<Health> health, String adminToken, Duration healthTimeout) {
        this(config, admin, registry, health, adminToken, healthTimeout, null);
    }

    HttpService(TwinmailConfig config, AdminOperations admin, PrometheusMeterRegistry registry,
                Supplier<Health> health, String adminToken, Duration healthTimeout, Tls tls) {
        this.listen = List.copyOf(config.http.listen);
        this.tls = tls;
        this.tlsListen = tls == null ? List.of() : List.copyOf(config.http.tlsListen);
        this.registry = Objects.requireNonNull(registry, "registry");
        this.health = Objects.requireNonNull(health, "health");
        this.healthTimeout = healthTimeout;
        this.adminApi = tls == null ? new AdminApi(admin, adminToken) : new AdminApi(admin, adminToken, () -> reloadTls(tls));
    }

    /** Binds every address (all or none: a taken port fails the start with an IOException naming it) and starts serving. */
    public synchronized void start() throws IOException {
        if (started) throw new IllegalStateException("already started");
        started = true;
        List<Listen> all = new ArrayList<>(listen);
        all.addAll(tlsListen);
        for (int i = 0; i < all.size(); i++) {
            Listen l = all.get(i);
            boolean https = i >= listen.size();
            HttpServer server;
            try {
                if (https) {
                    HttpsServer s = HttpsServer.create(l.socketAddress(), BACKLOG);
                    s.setHttpsConfigurator(new HttpsConfigurator(tls.context()) {
                        @Override
                        public void configure(HttpsParameters params) {
                            params.setSSLParameters(tls.parameters()); // TLS 1.2/1.3 and our suites, as on the mail ports
                        }
                    });
                    server = s;
                } else {
                    server = HttpServer.create(l.socketAddress(), BACKLOG);
                }
            } catch (IOException e) {
                stopAll();
                throw new IOException("http: cannot listen on " + l + ": " + e.getMessage(), e);
            }
            server.setExecutor(executor);
            server.createContext("/metrics", counted("metrics", exact("/metrics", this::metrics)));
            server.createContext("/health", counted("health", exact("/health", this::health)));
            server.createContext(AdminApi.PREFIX, counted("admin", adminApi));
            server.createContext("/", counted("other", ex -> sendJson(ex, 404, Map.of("error", "not found"))));
            servers.add(server);
        }
        servers.forEach(HttpServer::start);
        log.info("HTTP listening on {}{}", boundAddresses(), tlsListen.isEmpty() ? "" : ", HTTPS on " + httpsAddresses());
    }

    /** The plain-HTTP addresses actually bound (port 0 in the configuration becomes a real port here). */
    public synchronized List<InetSocketAddress> boundAddresses() {
        return servers.stream().filter(s -> !(s instanceof HttpsServer)).map(HttpServer::getAddress).toList();
    }

    /** The HTTPS addresses actually bound; empty without TLS. */
    public synchronized List<InetSocketAddress> httpsAddresses() {
        return servers.stream().filter(s -> s instanceof HttpsServer).map(HttpServer::getAddress).toList();
    }

    private static AdminOperations.TlsInfo reloadTls(Tls tls) {
        try {
            return new AdminOperations.TlsInfo(tls.reload().certificates());
        } catch (PemFiles.PemException e) {
            throw new AdminException(AdminException.Kind.INVALID, "certificates not reloaded, still serving the old ones: " + e.getMessage());
        }
    }

    /**
     * Answers new requests with 503, lets running ones finish (for at most {@link #STOP_GRACE}),
     * then closes every connection; idempotent.
     *
     * <p>The draining is ours rather than HttpServer.stop(delay)'s: the JDK waits the whole
     * delay whenever a keep-alive connection happens to be mid-request (even one the client
     * just closed), which would make every shutdown and failover slower for nothing.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        closing = true;
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        idleLock.lock();
        try {
            long left;
            while (inFlight.get() > 0 && (left = deadline - System.nanoTime()) > 0) idle.awaitNanos(left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            idleLock.unlock();
        }
        stopAll();
        executor.shutdownNow();
    }

    private void stopAll() {
        for (HttpServer s : servers) s.stop(0);
        servers.clear();
    }

    // ---- endpoints ----

    private void metrics(HttpExchange ex) throws IOException {
        if (!readOnly(ex)) return;
        byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", METRICS_CONTENT_TYPE);
        send(ex, 200, body);
    }

    private void health(HttpExchange ex) throws IOException {
        if (!readOnly(ex)) return;
        Health h = checkHealth();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", h.up() ? "UP" : "DOWN");
        body.put("checks", h.checks());
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        sendJson(ex, h.up() ? 200 : 503, body);
    }

    /** Runs the health supplier with a deadline; an exception or a timeout is a failed check, never a failed request. */
    Health checkHealth() {
        CompletableFuture<Health> mine = new CompletableFuture<>();
        CompletableFuture<Health> running = healthInFlight.compareAndExchange(null, mine);
        if (running == null) {
            running = mine;
            try {
                executor.execute(() -> {
                    try {
                        mine.complete(health.get());
                    } catch (Throwable t) {
                        mine.completeExceptionally(t);
                    } finally {
                        healthInFlight.compareAndSet(mine, null);
                    }
                });
            } catch (RuntimeException e) { // executor shut down while closing
                healthInFlight.compareAndSet(mine, null);
                return new Health(false, Map.of("health", "the server is stopping"));
            }
        }
        try {
            Health h = running.get(healthTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return h != null ? h : new Health(false, Map.of("health", "no result"));
        } catch (TimeoutException e) {
            return new Health(false, Map.of("health", "checks did not finish within " + healthTimeout.toMillis() + " ms"));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return new Health(false, Map.of("health", "check failed: " + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Health(false, Map.of("health", "interrupted"));
        }
    }

    // ---- plumbing ----

    /** The JDK matches contexts by prefix ("/metricsX" would reach /metrics); endpoints here are exact paths. */
    private static HttpHandler exact(String path, HttpHandler handler) {
        return ex -> {
            if (ex.getRequestURI().getPath().equals(path)) handler.handle(ex);
            else sendJson(ex, 404, Map.of("error", "not found"));
        };
    }

    /**
     * Counts requests by endpoint and status, tracks them for a graceful close, and makes
     * sure every exchange is closed whatever the handler did.
     */
    private HttpHandler counted(String endpoint, HttpHandler handler) {
        return ex -> {
            inFlight.incrementAndGet(); // before the check, so close() either sees this request or it sees closing
            try {
                if (closing) {
                    ex.getResponseHeaders().set("Connection", "close");
                    sendJson(ex, 503, Map.of("error", "the server is stopping"));
                } else {
                    handler.handle(ex);
                }
            } catch (IOException e) {
                log.debug("http {} {}: {}", Printable.of(ex.getRequestMethod()), Printable.of(ex.getRequestURI().getRawPath()), e.toString());
                throw e;
            } catch (RuntimeException e) {
                log.error("http {} {} failed", Printable.of(ex.getRequestMethod()), Printable.of(ex.getRequestURI().getRawPath()), e);
                if (ex.getResponseCode() == -1) sendJson(ex, 500, Map.of("error", "internal error"));
            } finally {
                ex.close();
                int status = ex.getResponseCode();
                Counter.builder("twinmail.http.requests").description("HTTP requests answered")
                        .tag("endpoint", endpoint).tag("status", status < 0 ? "none" : Integer.toString(status))
                        .register(registry).increment();
                if (inFlight.decrementAndGet() == 0 && closing) {
                    idleLock.lock();
                    try {
                        idle.signalAll();
                    } finally {
                        idleLock.unlock();
                    }
                }
            }
        };
    }

    /** GET and HEAD only; anything else gets 405 with Allow. */
    private static boolean readOnly(HttpExchange ex) throws IOException {
        String m = ex.getRequestMethod();
        if (m.equals("GET") || m.equals("HEAD")) return true;
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        sendJson(ex, 405, Map.of("error", "method " + Printable.of(m) + " not allowed here; use GET"));
        return false;
    }

    private static void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, status, JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
