package org.twinmail.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.server.WebSocketCreator;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.Printable;
import org.twinmail.http.admin.AdminApi;
import org.twinmail.protocol.tls.PemFiles;
import org.twinmail.protocol.tls.Tls;

/**
 * The node's HTTP endpoints on every {@code http.listen} address (and, with TLS, every
 * {@code http.tlsListen} address):
 * <ul>
 *   <li>{@code GET /metrics}: Prometheus text format, unauthenticated (scrapers carry no tokens);</li>
 *   <li>{@code GET /health}: 200 {@code {"status":"UP"}} or 503 {@code {"status":"DOWN"}} with
 *       the checks, for load balancers and the HA probes;</li>
 *   <li>{@code /api/admin/...}: the admin REST API ({@link AdminApi}), bearer token required;</li>
 *   <li>WebSocket endpoints registered with {@link #webSocket}, and other endpoints mounted
 *       under a path prefix with {@link #mount}, both before {@link #start()}.</li>
 * </ul>
 * Built on Jetty 12's core handlers (no servlet API): HTTP/1.1 and h2c on plain addresses,
 * HTTP/1.1 and HTTP/2 (chosen by ALPN) over TLS, with the node's {@link Tls} context, so HTTPS
 * serves the same certificates as the mail ports, SNI included, and sees their reloads at
 * once. Jetty's selector threads do the I/O; every request runs on a virtual thread of its
 * own, so endpoints are plain blocking code ({@link Exchange}). Limits are the
 * {@code http.*} settings: body and header sizes, idle timeout, listen backlog. Every request
 * gets one line on the {@value #ACCESS_LOG} logger.
 */
public final class HttpService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpService.class);
    /** The access log: one line per request (client, method, path with query values hidden, status, bytes, time, protocol). */
    public static final String ACCESS_LOG = "twinmail.http.access";
    private static final Logger access = LoggerFactory.getLogger(ACCESS_LOG);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Prometheus text exposition format, which every Prometheus-compatible scraper reads. */
    static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** A health check that has not answered by then counts as failed: a hung store must read as DOWN, not as a probe timeout. */
    static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(5);
    /** How long close() lets running exchanges finish. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    /**
     * Jetty refuses percent-encoded '/' and '%' in paths by default (they are ambiguous for servlet
     * path mapping). Our routes split the raw path themselves, and addresses may contain both.
     */
    private static final UriCompliance URI_COMPLIANCE = UriCompliance.DEFAULT.with("twinmail",
            UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR, UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
            UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT);

    private final List<Listen> listen;
    private final List<Listen> tlsListen;
    private final TwinmailConfig.Http limits;
    private final Tls tls;
    private final PrometheusMeterRegistry registry;
    private final Supplier<Health> health;
    private final Duration healthTimeout;
    private final AdminApi adminApi;
    private final Map<String, WebSocketCreator> webSockets = new LinkedHashMap<>();
    /** Endpoints mounted under a path prefix or on one path (longest first), by {@link #mount}. */
    private final java.util.TreeMap<String, Mounted> mounts = new java.util.TreeMap<>(
            java.util.Comparator.comparingInt(String::length).reversed().thenComparing(java.util.Comparator.naturalOrder()));

    private record Mounted(String name, Endpoint endpoint) { }
    private final List<ServerConnector> plain = new ArrayList<>();
    private final List<ServerConnector> secure = new ArrayList<>();
    private Server server;
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
        this.limits = config.http;
        if (limits.maxRequestBodySize.bytes() < 0) throw new IllegalArgumentException("http.maxRequestBodySize must not be negative");
        if (limits.maxRequestHeaderSize.bytes() < 1024) throw new IllegalArgumentException("http.maxRequestHeaderSize must be at least 1K");
        if (!limits.idleTimeout.isPositive()) throw new IllegalArgumentException("http.idleTimeout must be positive");
        if (limits.backlog < 1) throw new IllegalArgumentException("http.backlog must be at least 1");
        this.listen = List.copyOf(limits.listen);
        for (Listen l : listen) requireLoopback(l);
        this.tls = tls;
        this.tlsListen = tls == null ? List.of() : List.copyOf(limits.tlsListen);
        this.registry = Objects.requireNonNull(registry, "registry");
        this.health = Objects.requireNonNull(health, "health");
        this.healthTimeout = healthTimeout;
        this.adminApi = tls == null ? new AdminApi(admin, adminToken) : new AdminApi(admin, adminToken, () -> reloadTls(tls),
                () -> new AdminOperations.TlsInfo(tls.current().certificates()));
    }

    /**
     * Plain HTTP carries the admin API's bearer token and the metrics in clear: it is served on
     * loopback only, and anything reachable from elsewhere is HTTPS ({@code http.tlsListen}).
     */
    private static void requireLoopback(Listen l) {
        InetAddress address;
        try {
            address = InetAddress.getByName(l.host());
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("http.listen: unknown host " + l.host());
        }
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("http.listen " + l + " is not a loopback address: plain HTTP is served on loopback"
                    + " only (127.0.0.1, ::1); put other addresses in http.tlsListen (HTTPS)");
        }
    }

    /**
     * Lets the admin API recognise administrators by another credential than its bearer token
     * (the console's session cookie). Before {@link #start()} only.
     */
    public synchronized void adminAuthenticator(AdminApi.Authenticator authenticator) {
        if (started) throw new IllegalStateException("authenticators are added before start()");
        adminApi.addAuthenticator(authenticator);
    }

    /**
     * Serves WebSocket upgrades on {@code path} (exact, or a Jetty path spec such as
     * {@code /jmap/ws/*}); the creator returns the endpoint for each accepted upgrade. Before
     * {@link #start()} only.
     */
    public synchronized void webSocket(String path, WebSocketCreator creator) {
        if (started) throw new IllegalStateException("WebSocket endpoints are registered before start()");
        webSockets.put(Objects.requireNonNull(path, "path"), Objects.requireNonNull(creator, "creator"));
    }

    /**
     * Serves every path under {@code prefix} (which starts and ends with '/'), or the one path
     * {@code prefix} when it does not end with '/' (a well-known file such as
     * {@code /.well-known/mta-sts.txt}), with {@code endpoint}, counted in
     * {@code twinmail_http_requests_total} as {@code name}. The longest match wins. For the
     * services built on this server (JMAP, webmail, the admin console, client autoconfiguration);
     * {@code /metrics}, {@code /health} and {@code /api/admin/} stay as they are. Before
     * {@link #start()} only.
     */
    public synchronized void mount(String prefix, String name, Endpoint endpoint) {
        if (started) throw new IllegalStateException("endpoints are mounted before start()");
        if (prefix == null || !prefix.startsWith("/") || prefix.equals("/")) {
            throw new IllegalArgumentException("a mount path starts with '/' and is not the root: " + prefix);
        }
        if (prefix.startsWith(AdminApi.PREFIX) || AdminApi.PREFIX.startsWith(prefix)) {
            throw new IllegalArgumentException(prefix + " overlaps the admin API");
        }
        if (mounts.putIfAbsent(prefix, new Mounted(Objects.requireNonNull(name, "name"), Objects.requireNonNull(endpoint, "endpoint"))) != null) {
            throw new IllegalArgumentException(prefix + " is mounted already");
        }
    }

    /** Binds every address (all or none: a taken port fails the start with an IOException naming it) and starts serving. */
    public synchronized void start() throws IOException {
        if (started) throw new IllegalStateException("already started");
        started = true;
        QueuedThreadPool threads = new QueuedThreadPool(32, 2);
        threads.setName("http");
        threads.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("http-", 0).factory()));
        server = new Server(threads);
        server.setStopTimeout(0); // close() drains requests itself (see there)
        server.setRequestLog(this::accessLog);
        HttpConfiguration http = httpConfiguration();
        for (Listen l : listen) plain.add(connector(l, plainFactories(http)));
        if (!tlsListen.isEmpty()) {
            HttpConfiguration https = new HttpConfiguration(http);
            // No SNI requirement and no Host-versus-certificate check: as on the mail ports, a
            // client without SNI gets the default certificate, and any Host is answered.
            https.addCustomizer(new SecureRequestCustomizer(false, false, -1, false));
            SslContextFactory.Server ssl = sslContextFactory(tls);
            for (Listen l : tlsListen) secure.add(connector(l, tlsFactories(https, ssl)));
        }
        List<ServerConnector> all = new ArrayList<>(plain);
        all.addAll(secure);
        List<Listen> addresses = new ArrayList<>(listen);
        addresses.addAll(tlsListen);
        Handler endpoints = new Endpoints();
        if (!webSockets.isEmpty()) {
            WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, c -> webSockets.forEach(c::addMapping));
            ws.setHandler(endpoints); // what is not an upgrade on a mapped path goes on to our endpoints
            endpoints = ws;
        }
        server.setHandler(endpoints);
        for (int i = 0; i < all.size(); i++) {
            try {
                all.get(i).open(); // bind here, one by one, to name the address that failed
            } catch (IOException e) {
                stopAll();
                throw new IOException("http: cannot listen on " + addresses.get(i) + ": " + e.getMessage(), e);
            }
        }
        try {
            server.start();
        } catch (Exception e) {
            stopAll();
            throw new IOException("http: cannot start: " + e.getMessage(), e);
        }
        log.info("HTTP listening on {}{}", boundAddresses(), tlsListen.isEmpty() ? "" : ", HTTPS on " + httpsAddresses());
    }

    private HttpConfiguration httpConfiguration() {
        HttpConfiguration c = new HttpConfiguration();
        c.setRequestHeaderSize(limits.maxRequestHeaderSize.asInt());
        c.setSendServerVersion(false);
        c.setSendXPoweredBy(false);
        c.setUriCompliance(URI_COMPLIANCE);
        // Jetty's HTTP/1.1 parser reuses header fields it has seen before, matched case-insensitively
        // by default: "Bearer s3cr3t-token" would come out as an earlier "Bearer s3cr3t-tokeN".
        // Tokens and passwords are case-sensitive, so the cache must be too.
        c.setHeaderCacheCaseSensitive(true);
        return c;
    }

    /** HTTP/1.1, and HTTP/2 without TLS (h2c, by upgrade or prior knowledge) for proxies that speak it. */
    private static org.eclipse.jetty.server.ConnectionFactory[] plainFactories(HttpConfiguration c) {
        return new org.eclipse.jetty.server.ConnectionFactory[] {new HttpConnectionFactory(c), new HTTP2CServerConnectionFactory(c)};
    }

    /** TLS, then ALPN chooses h2 or HTTP/1.1 (the default for clients that send no ALPN). */
    private org.eclipse.jetty.server.ConnectionFactory[] tlsFactories(HttpConfiguration c, SslContextFactory.Server ssl) {
        HttpConnectionFactory http1 = new HttpConnectionFactory(c);
        HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(c);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(h2.getProtocol(), http1.getProtocol());
        alpn.setDefaultProtocol(http1.getProtocol());
        return new org.eclipse.jetty.server.ConnectionFactory[] {
                new BoundedHandshake(ssl, alpn.getProtocol(), tls.handshakeTimeout()), alpn, h2, http1};
    }

    /**
     * TLS whose handshake must finish within {@code tls.handshakeTimeout} as a whole, as on the
     * implicit-TLS mail ports: without it a client that connects and never (or only very
     * slowly) handshakes would hold the connection for the idle timeout, renewed by every byte.
     */
    private static final class BoundedHandshake extends SslConnectionFactory {
        private final Duration timeout;

        BoundedHandshake(SslContextFactory.Server ssl, String next, Duration timeout) {
            super(ssl, next);
            this.timeout = timeout;
        }

        @Override
        protected SslConnection newSslConnection(Connector connector, EndPoint endPoint, SSLEngine engine) {
            SslConnection connection = super.newSslConnection(connector, endPoint, engine);
            Scheduler.Task deadline = connector.getScheduler().schedule(() -> {
                if (endPoint.isOpen()) {
                    log.info("https: TLS handshake from {} not done within {} ms; closed", endPoint.getRemoteSocketAddress(), timeout.toMillis());
                    endPoint.close();
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            connection.addHandshakeListener(new SslHandshakeListener() {
                @Override
                public void handshakeSucceeded(Event event) {
                    deadline.cancel();
                }

                @Override
                public void handshakeFailed(Event event, Throwable failure) {
                    deadline.cancel();
                }
            });
            return connection;
        }
    }

    /**
     * Jetty's TLS on the node's own context: the key manager inside it picks the certificate by
     * SNI and is swapped on reload, so HTTPS needs nothing of its own to follow a renewal. The
     * protocol and cipher-suite policy is {@link Tls#parameters()}, as on the mail ports.
     */
    private static SslContextFactory.Server sslContextFactory(Tls tls) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setSslContext(tls.context());
        SSLParameters p = tls.parameters();
        ssl.setIncludeProtocols(p.getProtocols());
        ssl.setIncludeCipherSuites(p.getCipherSuites());
        ssl.setUseCipherSuitesOrder(true);
        ssl.setSniRequired(false);
        return ssl;
    }

    private ServerConnector connector(Listen l, org.eclipse.jetty.server.ConnectionFactory[] factories) {
        ServerConnector c = new ServerConnector(server, 1, 1, factories);
        c.setHost(l.host());
        c.setPort(l.port());
        c.setAcceptQueueSize(limits.backlog);
        c.setIdleTimeout(limits.idleTimeout.toMillis());
        server.addConnector(c);
        return c;
    }

    /** The plain-HTTP addresses actually bound (port 0 in the configuration becomes a real port here). */
    public synchronized List<InetSocketAddress> boundAddresses() {
        return addresses(plain);
    }

    /** The HTTPS addresses actually bound; empty without TLS. */
    public synchronized List<InetSocketAddress> httpsAddresses() {
        return addresses(secure);
    }

    private static List<InetSocketAddress> addresses(List<ServerConnector> connectors) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (ServerConnector c : connectors) {
            if (!(c.getTransport() instanceof ServerSocketChannel ch) || !ch.isOpen()) continue;
            try {
                out.add((InetSocketAddress) ch.getLocalAddress());
            } catch (IOException e) {
                // closed meanwhile: not bound any more
            }
        }
        return out;
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
     * <p>The draining is ours rather than Jetty's graceful stop: that one closes the listening
     * sockets first, so a client arriving during the drain would see its connection refused
     * instead of a 503 that says why.
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
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                log.warn("http: stopping the server: {}", e.toString());
            }
        }
        for (ServerConnector c : plain) c.close();
        for (ServerConnector c : secure) c.close();
        plain.clear();
        secure.clear();
    }

    // ---- endpoints ----

    /** The one handler: routes by path, counts, tracks in-flight requests for close(). Runs on a virtual thread (Jetty's default for blocking handlers). */
    private final class Endpoints extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Exchange ex = new Exchange(request, response, limits.maxRequestBodySize.bytes());
            String path = ex.rawPath();
            String endpoint;
            Endpoint handler;
            if (path.equals("/metrics")) {
                endpoint = "metrics";
                handler = HttpService.this::metrics;
            } else if (path.equals("/health")) {
                endpoint = "health";
                handler = HttpService.this::health;
            } else if (path.startsWith(AdminApi.PREFIX)) {
                endpoint = "admin";
                handler = adminApi::handle;
            } else {
                endpoint = "other";
                handler = e -> sendJson(e, 404, Map.of("error", "not found"));
                for (Map.Entry<String, Mounted> m : mounts.entrySet()) { // longest prefix first
                    String key = m.getKey();
                    if (key.endsWith("/") ? path.startsWith(key) : path.equals(key)) {
                        endpoint = m.getValue().name();
                        handler = m.getValue().endpoint();
                        break;
                    }
                }
            }
            counted(endpoint, handler, ex, callback);
            return true;
        }
    }

    /** One endpoint: plain blocking code on a virtual thread, answering through its {@link Exchange}. */
    @FunctionalInterface
    public interface Endpoint {
        void handle(Exchange ex) throws IOException;
    }

    private void metrics(Exchange ex) throws IOException {
        if (!readOnly(ex)) return;
        byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
        ex.send(200, METRICS_CONTENT_TYPE, body);
    }

    private void health(Exchange ex) throws IOException {
        if (!readOnly(ex)) return;
        Health h = checkHealth();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", h.up() ? "UP" : "DOWN");
        body.put("checks", h.checks());
        ex.setHeader("Cache-Control", "no-store");
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

    /**
     * Counts requests by endpoint and status, tracks them for a graceful close, and makes
     * sure every exchange is answered and completed whatever the handler did.
     */
    private void counted(String endpoint, Endpoint handler, Exchange ex, Callback callback) {
        inFlight.incrementAndGet(); // before the check, so close() either sees this request or it sees closing
        Throwable failure = null;
        try {
            if (closing) {
                ex.setHeader("Connection", "close");
                sendJson(ex, 503, Map.of("error", "the server is stopping"));
            } else {
                handler.handle(ex);
            }
            if (ex.status() == -1) throw new IllegalStateException("endpoint " + endpoint + " sent no response");
        } catch (IOException e) {
            log.debug("http {} {}: {}", Printable.of(ex.method()), Printable.of(ex.rawPath()), e.toString());
            failure = e;
        } catch (RuntimeException e) {
            log.error("http {} {} failed", Printable.of(ex.method()), Printable.of(ex.rawPath()), e);
            if (ex.status() == -1) {
                try {
                    sendJson(ex, 500, Map.of("error", "internal error"));
                } catch (IOException | RuntimeException again) {
                    failure = again;
                }
            }
        } finally {
            if (failure == null) callback.succeeded();
            else callback.failed(failure);
            int status = ex.status();
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
    }

    /**
     * The access log line, written once the response is complete: client, method, path (the
     * query's values are replaced by {@code *}: they may carry names or tokens), status,
     * bytes of body sent, milliseconds, and protocol.
     */
    private void accessLog(Request request, Response response) {
        if (!access.isInfoEnabled()) return;
        long nanos = System.nanoTime() - request.getBeginNanoTime();
        access.info(String.format(Locale.ROOT, "%s %s %s %d %d %d ms %s", Request.getRemoteAddr(request),
                Printable.of(request.getMethod()), Printable.of(loggedPath(request.getHttpURI().getPath(), request.getHttpURI().getQuery())),
                response.getStatus(), Response.getContentBytesWritten(response), TimeUnit.NANOSECONDS.toMillis(nanos),
                request.getConnectionMetaData().getProtocol()));
    }

    /** The path, and the query's parameter names with every value hidden: {@code /a?domain=*&limit=*}. */
    static String loggedPath(String path, String query) {
        if (query == null || query.isEmpty()) return path;
        StringBuilder b = new StringBuilder(path).append('?');
        String[] pairs = query.split("&", -1);
        for (int i = 0; i < pairs.length; i++) {
            if (i > 0) b.append('&');
            int eq = pairs[i].indexOf('=');
            b.append(eq < 0 ? pairs[i] : pairs[i].substring(0, eq) + "=*");
        }
        return b.toString();
    }

    /** GET and HEAD only; anything else gets 405 with Allow. */
    private static boolean readOnly(Exchange ex) throws IOException {
        String m = ex.method();
        if (m.equals("GET") || m.equals("HEAD")) return true;
        ex.setHeader("Allow", "GET, HEAD");
        sendJson(ex, 405, Map.of("error", "method " + Printable.of(m) + " not allowed here; use GET"));
        return false;
    }

    private static void sendJson(Exchange ex, int status, Object body) throws IOException {
        ex.send(status, "application/json", JSON.writeValueAsBytes(body));
    }
}
