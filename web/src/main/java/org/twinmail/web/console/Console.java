package org.twinmail.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations;
import org.twinmail.admin.AdminOperations.AuditEntry;
import org.twinmail.admin.AdminPrincipal;
import org.twinmail.core.mail.Printable;
import org.twinmail.http.Exchange;
import org.twinmail.http.admin.AdminApi;
import org.twinmail.web.session.BrowserSession;
import org.twinmail.web.session.BrowserSessions;
import org.twinmail.web.session.ContentSecurityPolicy;
import org.twinmail.web.session.SessionRefused;
import org.twinmail.web.session.StaticAssets;

/**
 * The admin console under {@value #PREFIX} (docs/console.md): its page and scripts (plain ES
 * modules), uPlot from its WebJar under {@code vendor/}, and the login that makes a browser
 * session ({@code web.session}'s {@link BrowserSessions}, kind {@value #SESSION_KIND}). The
 * pages do everything else through the admin REST API, which recognises the session through
 * {@link #authenticator()}: the session cookie, the CSRF token on every change, and the
 * administrator as stored now (a removed or disabled one is out at their next request).
 *
 * <pre>
 * GET  /console/                 the page (CSP with a nonce)
 * POST /console/session {"name","password","code"}  200 {"name","role","domains","csrf"}: logs in (password + TOTP)
 * GET  /console/session          200 the same, for the page's reload; 401 when not logged in
 * POST /console/logout           204
 * GET  /console/&lt;file&gt;, /console/vendor/&lt;file&gt;  the scripts, styles, uPlot
 * </pre>
 */
public final class Console {
    public static final String PREFIX = "/console/";
    public static final String SESSION_KIND = "console.session";
    public static final String COOKIE = "twinmail-console";
    /** Failed logins a client may make in {@link #FAILURE_WINDOW} before it is refused (429) without a check. */
    static final int MAX_FAILURES = 5;
    static final Duration FAILURE_WINDOW = Duration.ofMinutes(15);
    private static final Logger log = LoggerFactory.getLogger(Console.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AdminOperations admin;
    private final BrowserSessions sessions;
    private final StaticAssets assets;
    private final StaticAssets vendor;
    private final ContentSecurityPolicy csp = ContentSecurityPolicy.pages();
    private final Clock clock;
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    public Console(AdminOperations admin, BrowserSessions sessions, Clock clock) throws IOException {
        this.admin = admin;
        this.sessions = sessions;
        this.clock = clock;
        this.assets = StaticAssets.fromClasspath(Console.class, "org/twinmail/web/console/static");
        this.vendor = vendor("META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/", "uPlot.esm.js", "uPlot.min.css");
    }

    /** Files of a WebJar (whose jar lists no directories, so they are named one by one). */
    private static StaticAssets vendor(String dir, String... names) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String n : names) {
            try (InputStream in = Console.class.getClassLoader().getResourceAsStream(dir + n)) {
                if (in == null) throw new IOException("missing from the classpath: " + dir + n);
                files.put(n, in.readAllBytes());
            }
        }
        return StaticAssets.of(files);
    }

    private static String uplotVersion() throws IOException {
        try (InputStream in = Console.class.getClassLoader().getResourceAsStream("META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            if (in == null) throw new IOException("the uPlot WebJar is missing from the classpath");
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        }
    }

    /** The admin API's way to recognise a console session (register with {@code HttpService.adminAuthenticator}). */
    public AdminApi.Authenticator authenticator() {
        return ex -> {
            Optional<BrowserSession> s = sessions.current(ex);
            if (s.isEmpty()) return Optional.empty();
            try {
                sessions.authorize(ex); // CSRF token and origin on every change
            } catch (SessionRefused e) {
                throw new AdminException(AdminException.Kind.FORBIDDEN, e.getMessage());
            }
            return admin.currentAdmin(s.get().subject());
        };
    }

    /** Answers one request under {@value #PREFIX}. */
    public void handle(Exchange ex) throws IOException {
        String rest = ex.rawPath().substring(PREFIX.length() - 1);
        rest = rest.startsWith("/") ? rest.substring(1) : rest;
        String method = ex.method();
        try {
            switch (rest) {
                case "", "index.html" -> {
                    if (!method.equals("GET") && !method.equals("HEAD")) throw new SessionRefused(405, "GET only");
                    page(ex);
                }
                case "session" -> {
                    if (method.equals("POST")) login(ex);
                    else if (method.equals("GET")) whoAmI(ex);
                    else throw new SessionRefused(405, "GET or POST");
                }
                case "logout" -> {
                    if (!method.equals("POST")) throw new SessionRefused(405, "POST only");
                    logout(ex);
                }
                default -> {
                    if (!method.equals("GET") && !method.equals("HEAD")) throw new SessionRefused(405, "GET only");
                    boolean served = rest.startsWith("vendor/") ? vendor.serve(ex, rest.substring(7)) : assets.serve(ex, rest);
                    if (!served) json(ex, 404, Map.of("error", "not found"));
                }
            }
        } catch (SessionRefused e) {
            json(ex, e.status(), Map.of("error", e.getMessage()));
        } catch (AdminException e) {
            json(ex, e.kind() == AdminException.Kind.UNAVAILABLE ? 503 : 400, Map.of("error", e.getMessage()));
        }
    }

    private void page(Exchange ex) throws IOException {
        String nonce = csp.apply(ex);
        String html = """
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>TwinMail console</title>
                <link rel="stylesheet" href="%s">
                <link rel="stylesheet" href="%s">
                <script type="module" nonce="%s" src="%s"></script>
                </head>
                <body><div id="app"><p class="loading">Loading…</p></div></body>
                </html>
                """.formatted(PREFIX + assets.url("console.css"), PREFIX + "vendor/" + vendor.url("uPlot.min.css"), nonce,
                PREFIX + assets.url("app.js"));
        ex.setHeader("Cache-Control", "no-store");
        ex.send(200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    private void login(Exchange ex) throws IOException, SessionRefused {
        BrowserSessions.requireSameOrigin(ex); // login CSRF
        String client = ex.client();
        if (tooManyFailures(client)) throw new SessionRefused(429, "too many failed logins from this address; try again later");
        JsonNode body;
        try {
            body = JSON.readTree(ex.readBody());
        } catch (IOException e) {
            throw new SessionRefused(400, "send {\"name\",\"password\",\"code\"} as JSON");
        }
        if (body == null || !body.isObject()) throw new SessionRefused(400, "send {\"name\",\"password\",\"code\"} as JSON");
        String name = body.path("name").asText("");
        char[] password = body.path("password").asText("").toCharArray();
        String code = body.path("code").asText("");
        Optional<AdminPrincipal> p;
        try {
            p = admin.verifyAdmin(name, password, code);
        } finally {
            Arrays.fill(password, '\0');
        }
        String actor = name.isBlank() ? "?" : Printable.of(name.strip().length() > 64 ? name.strip().substring(0, 64) : name.strip());
        if (p.isEmpty()) {
            failed(client);
            audit(actor, client, "login", 401, "wrong name, password or code");
            throw new SessionRefused(401, "wrong name, password or code");
        }
        failures.remove(client);
        BrowserSession s = sessions.start(ex, p.get().name(), "");
        audit(p.get().name(), client, "login", 200, "ok");
        json(ex, 200, describe(p.get(), s));
    }

    private void whoAmI(Exchange ex) throws IOException, SessionRefused {
        BrowserSession s = sessions.current(ex).orElseThrow(() -> new SessionRefused(401, "not logged in"));
        AdminPrincipal p = admin.currentAdmin(s.subject()).orElseThrow(() -> new SessionRefused(401, "not logged in"));
        json(ex, 200, describe(p, s));
    }

    private void logout(Exchange ex) throws IOException, SessionRefused {
        BrowserSession s = sessions.authorize(ex);
        sessions.end(ex, s);
        audit(s.subject(), ex.client(), "logout", 204, "ok");
        ex.setHeader("Cache-Control", "no-store");
        ex.send(204, null, null);
    }

    private static Map<String, Object> describe(AdminPrincipal p, BrowserSession s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("role", p.role());
        m.put("domains", p.domains().stream().sorted().toList());
        m.put("csrf", s.csrfToken());
        return m;
    }

    private void audit(String actor, String client, String action, int status, String outcome) {
        try {
            admin.recordAudit(new AuditEntry(null, actor, "console", client, action, null, null, status, outcome));
        } catch (RuntimeException e) {
            log.warn("console: the audit log did not take {} of {}: {}", action, actor, e.toString());
        }
    }

    private boolean tooManyFailures(String client) {
        Deque<Long> d = failures.get(client);
        if (d == null) return false;
        synchronized (d) {
            long cutoff = clock.millis() - FAILURE_WINDOW.toMillis();
            while (!d.isEmpty() && d.peekFirst() < cutoff) d.pollFirst();
            return d.size() >= MAX_FAILURES;
        }
    }

    private void failed(String client) {
        if (failures.size() > 10_000) failures.clear(); // a flood of addresses must not grow this without bound
        Deque<Long> d = failures.computeIfAbsent(client, c -> new ArrayDeque<>());
        synchronized (d) {
            d.addLast(clock.millis());
        }
    }

    private static void json(Exchange ex, int status, Object body) throws IOException {
        ContentSecurityPolicy.securityHeaders(ex);
        ex.setHeader("Cache-Control", "no-store");
        ex.send(status, "application/json", JSON.writeValueAsBytes(body));
    }
}
