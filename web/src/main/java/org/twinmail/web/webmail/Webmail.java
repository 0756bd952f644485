package org.twinmail.web.webmail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.admin.AdminException;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.Printable;
import org.twinmail.admin.AdminOperations;
import org.twinmail.http.Exchange;
import org.twinmail.http.HttpService;
import org.twinmail.jmap.JmapService;
import org.twinmail.jmap.auth.JmapAuth;
import org.twinmail.jmap.auth.Principal;
import org.twinmail.store.Records;
import org.twinmail.web.session.BrowserSession;
import org.twinmail.web.session.BrowserSessions;
import org.twinmail.web.session.ContentSecurityPolicy;
import org.twinmail.web.session.SessionRefused;
import org.twinmail.web.session.SessionSettings;
import org.twinmail.web.session.StaticAssets;

/**
 * The webmail at {@code /mail/}: a page of plain ES modules (no build step) that talks JMAP,
 * and the few server routes it needs around JMAP:
 * <ul>
 *   <li>{@code GET /mail/}: the page, under the shared CSP with a fresh nonce;
 *       {@code /mail/static/...}: its files ({@link StaticAssets});</li>
 *   <li>{@code POST /mail/api/login} {@code {"username","password"}}: the password checked by
 *       JMAP's {@link JmapAuth} (through the node's AuthGuard: failures counted, clients banned
 *       as on every port), then a browser session ({@link BrowserSessions}, kind
 *       {@value #SESSION_KIND}); {@code GET /mail/api/session}: who, and the CSRF token;
 *       {@code POST /mail/api/logout} ({@code ?all=true}: every session and token of the account);</li>
 *   <li>{@code /mail/jmap/...}: JMAP's own routes (API, upload, download, EventSource) for the
 *       session's account, the CSRF token required on every POST;</li>
 *   <li>{@code GET /mail/message/{emailId}} ({@code ?images=1}: remote images too): the
 *       message's body as a document for a sandboxed frame, sanitised here
 *       ({@link MessageSanitizer}) and under a CSP of its own that allows no script and no
 *       remote request; {@code /mail/message/{emailId}/info}: how many remote images were held back.</li>
 * </ul>
 * JMAP runs on the active node only: on a standby every route but the static files is 503.
 */
public final class Webmail {
    private static final Logger log = LoggerFactory.getLogger(Webmail.class);
    public static final String PREFIX = "/mail/";
    /** The records' kind of webmail sessions. */
    public static final String SESSION_KIND = "web.session";
    /**
     * The records' kind of the senders whose remote images a user always loads ("always for this
     * sender"): scope the account, name the sender's address in lower case, value empty.
     */
    public static final String IMAGE_SENDERS_KIND = "web.image-senders";
    static final String COOKIE = "twinmail-mail";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_INLINE_IMAGE = 2 * 1024 * 1024;
    /** The frame's own policy: no script at all, styles of the message, images only inline unless asked. */
    private static final String FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; "
            + "form-action 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox; img-src data:";

    /**
     * What the webmail needs of the active node: its JMAP service, the store's records (for
     * sessions) and the admin operations the settings page calls on the user's own account.
     */
    public record Backend(JmapService jmap, Records records, AdminOperations admin) { }

    private final Supplier<Backend> active;
    private final SessionSettings settings;
    private final Clock clock;
    private final StaticAssets assets;
    private final String indexTemplate;
    private final ContentSecurityPolicy csp = ContentSecurityPolicy.pages();
    private final AtomicReference<Map.Entry<Records, BrowserSessions>> sessions = new AtomicReference<>();
    private final AtomicLong lastPurge = new AtomicLong();
    private volatile PushRoutes push;

    public Webmail(Supplier<Backend> active, SessionSettings settings, Clock clock) throws IOException {
        this.active = Objects.requireNonNull(active, "active");
        this.settings = settings;
        this.clock = clock;
        this.assets = StaticAssets.fromClasspath(Webmail.class, "org/twinmail/web/webmail/static");
        try (InputStream in = Webmail.class.getResourceAsStream("index.html")) {
            this.indexTemplate = new String(Objects.requireNonNull(in, "index.html").readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Mounts the webmail on {@code http} under {@value #PREFIX}. */
    /** Adds the Web Push routes under {@code /mail/api/push} ({@link PushRoutes}); null: none. */
    public Webmail withPush(PushRoutes push) {
        this.push = push;
        return this;
    }

    public void mount(HttpService http) {
        http.mount(PREFIX, "webmail", this::handle);
    }

    public StaticAssets assets() {
        return assets;
    }

    void handle(Exchange ex) throws IOException {
        String path = ex.rawPath();
        String rest = path.substring(PREFIX.length());
        if (rest.startsWith("static/")) {
            if (!readOnly(ex)) return;
            if (!assets.serve(ex, rest.substring("static/".length()))) sendJson(ex, 404, error("no such file"));
            return;
        }
        if (rest.isEmpty() || rest.equals("index.html")) {
            if (!readOnly(ex)) return;
            page(ex);
            return;
        }
        if (rest.equals("manifest.webmanifest") || rest.equals("sw.js")) {
            if (!readOnly(ex)) return;
            if (!assets.serve(ex, rest)) sendJson(ex, 404, error("no such file"));
            return;
        }
        Backend backend = active.get();
        if (backend == null || backend.jmap() == null) {
            ex.setHeader("Retry-After", "5");
            sendJson(ex, 503, error("this node is not serving"));
            return;
        }
        BrowserSessions s = sessions(backend.records());
        try {
            if (rest.equals("api/login")) {
                login(ex, backend, s);
            } else if (rest.equals("api/session")) {
                BrowserSession bs = s.authorize(ex);
                sendJson(ex, 200, sessionInfo(bs));
            } else if (rest.equals("api/logout")) {
                if (!ex.method().equals("POST")) {
                    methodNotAllowed(ex, "POST");
                    return;
                }
                BrowserSession bs = s.authorize(ex);
                Principal p = principal(bs);
                boolean all = "all=true".equals(ex.rawQuery());
                int ended = 1;
                if (all) {
                    ended = s.endAll(bs.subject());
                    backend.jmap().auth().tokens().revokeAll(p.accountId());
                    if (push != null) push.forgetAll(backend.records(), p.accountId()); // no notices to browsers logged out
                }
                s.end(ex, bs);
                ObjectNode r = JSON.createObjectNode();
                r.put("ended", ended);
                sendJson(ex, 200, r);
            } else if (rest.equals("api/settings") || rest.startsWith("api/settings/")) {
                settings(ex, backend, s);
            } else if (rest.equals("api/images/always") || rest.equals("api/images/never")) {
                imageSender(ex, backend.records(), s, rest.endsWith("always"));
            } else if (push != null && (rest.equals("api/push") || rest.startsWith("api/push/"))) {
                push.handle(ex, backend.records(), principal(s.authorize(ex)), rest.substring("api/push".length()));
            } else if (rest.startsWith("jmap/")) {
                BrowserSession bs = s.authorize(ex);
                ContentSecurityPolicy.securityHeaders(ex);
                backend.jmap().serveAs(new JmapAdapter(ex, "/" + rest), principal(bs));
            } else if (rest.startsWith("message/")) {
                if (!readOnly(ex)) return;
                BrowserSession bs = s.authorize(ex);
                message(ex, backend.jmap(), backend.records(), principal(bs), rest.substring("message/".length()));
            } else {
                sendJson(ex, 404, error("no such page"));
            }
        } catch (SessionRefused e) {
            ContentSecurityPolicy.securityHeaders(ex);
            sendJson(ex, e.status(), error(e.getMessage()));
        }
    }

    private BrowserSessions sessions(Records records) {
        Map.Entry<Records, BrowserSessions> e = sessions.get();
        if (e == null || e.getKey() != records) {
            e = Map.entry(records, new BrowserSessions(records, SESSION_KIND, COOKIE, settings, clock));
            sessions.set(e);
        }
        return e.getValue();
    }

    private void page(Exchange ex) throws IOException {
        String nonce = csp.apply(ex);
        String lang = preferredLanguage(ex.header("Accept-Language"));
        String html = indexTemplate.replace("{{nonce}}", nonce).replace("{{lang}}", lang)
                .replace("{{app.js}}", PREFIX + "static/" + assets.url("app.js"))
                .replace("{{app.css}}", PREFIX + "static/" + assets.url("app.css"))
                .replace("{{icon.svg}}", PREFIX + "static/" + assets.url("icon.svg"));
        ex.setHeader("Cache-Control", "no-cache, no-store");
        ex.send(200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code zh} when the browser prefers Chinese over English, else {@code en} (the page can switch). */
    static String preferredLanguage(String acceptLanguage) {
        if (acceptLanguage == null) return "en";
        for (String part : acceptLanguage.split(",")) {
            String tag = part.split(";")[0].strip().toLowerCase(Locale.ROOT);
            if (tag.startsWith("zh")) return "zh";
            if (tag.startsWith("en")) return "en";
        }
        return "en";
    }

    private void login(Exchange ex, Backend backend, BrowserSessions s) throws IOException, SessionRefused {
        if (!ex.method().equals("POST")) {
            methodNotAllowed(ex, "POST");
            return;
        }
        BrowserSessions.requireSameOrigin(ex);
        String type = ex.header("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            // a cross-site form cannot send JSON without a preflight we never grant
            sendJson(ex, 415, error("the login is application/json"));
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(ex.readBody());
        } catch (IOException e) {
            sendJson(ex, 400, error("the body is {\"username\":..., \"password\":...}"));
            return;
        }
        if (body == null || !body.path("username").isTextual() || !body.path("password").isTextual()) {
            sendJson(ex, 400, error("the body is {\"username\":..., \"password\":...}"));
            return;
        }
        char[] password = body.get("password").asText().toCharArray();
        Principal p;
        try {
            p = backend.jmap().auth().password(body.get("username").asText(), password, clientAddress(ex), ex.isSecure());
        } catch (JmapAuth.Refused e) {
            sendJson(ex, e.status(), error(e.status() == 403 ? "passwords are accepted only over HTTPS" : "wrong username or password"));
            return;
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
        ObjectNode data = JSON.createObjectNode();
        data.put("accountId", p.accountId());
        data.put("username", p.username());
        BrowserSession bs = s.start(ex, "account:" + p.accountId(), data.toString());
        purgeNowAndThen(s);
        ex.setHeader("Cache-Control", "no-store");
        sendJson(ex, 200, sessionInfo(bs));
    }

    /**
     * The settings page's routes ({@link SelfService}), on the session's own account. Each change
     * (every POST: password, forwarding, vacation and rules, sender allow/block lists, SMS, app
     * passwords) goes into the admin audit log like an administrator's, the user as the actor
     * ({@link #audit}).
     */
    private void settings(Exchange ex, Backend backend, BrowserSessions s) throws IOException, SessionRefused {
        BrowserSession bs = s.authorize(ex);
        Principal p = principal(bs);
        ContentSecurityPolicy.securityHeaders(ex);
        ex.setHeader("Cache-Control", "no-store");
        String path = ex.rawPath().substring((PREFIX + "api/").length());
        int status = 500;
        String outcome = "failed";
        try {
            byte[] body = ex.method().equals("POST") ? ex.readBody() : new byte[0];
            if (path.equals(RulesSettings.PATH)) {
                sendJson(ex, 200, RulesSettings.execute(RulesSettings.parse(ex.method(), body), p.accountId(), backend.jmap().sieveScripts()));
                status = 200;
                outcome = "ok";
                return;
            }
            SelfService.Request r = SelfService.parse(path, ex.method(), body);
            AtomicReference<BrowserSession> renewed = new AtomicReference<>();
            ObjectNode answer = SelfService.execute(r, p, backend.admin(),
                    (address, password) -> backend.jmap().auth().password(address, password, clientAddress(ex), ex.isSecure()),
                    () -> {
                        // a new password ends every other session and token of the account; this browser stays signed in
                        s.endAll(bs.subject());
                        backend.jmap().auth().tokens().revokeAll(p.accountId());
                        renewed.set(s.start(ex, bs.subject(), bs.data()));
                    });
            if (renewed.get() != null) answer.put("csrfToken", renewed.get().csrfToken());
            sendJson(ex, 200, answer);
            status = 200;
            outcome = "ok";
        } catch (SelfService.BadRequest e) {
            if (e.status == 405) ex.setHeader("Allow", "GET".equals(ex.method()) ? "POST" : "GET");
            sendJson(ex, status = e.status, error(outcome = e.getMessage()));
        } catch (AdminException e) {
            sendJson(ex, status = SelfService.status(e), error(outcome = e.getMessage()));
        } catch (JmapAuth.Refused e) {
            sendJson(ex, status = e.status(), error(outcome = e.status() == 403 ? "passwords are accepted only over HTTPS" : "refused"));
        } finally {
            if (ex.method().equals("POST")) audit(ex, backend, p, path, status, outcome);
        }
    }

    /**
     * A user's change to their own settings, into the admin audit log (docs/console.md): actor the
     * user's address, via {@code webmail}, the client's address, action {@code POST /mail/api/<path>},
     * target {@code users/<address>}, the domain, the status and the outcome. Never the body (it may
     * hold a password). The log is the admin operations' ({@code recordAudit}); where the node keeps
     * none, nothing is written.
     */
    private static void audit(Exchange ex, Backend backend, Principal p, String path, int status, String outcome) {
        String me = p.username();
        int at = me.lastIndexOf('@');
        try {
            backend.admin().recordAudit(new AdminOperations.AuditEntry(null, me, "webmail", ex.client(),
                    "POST " + PREFIX + "api/" + Printable.of(path), "users/" + me, at < 0 ? null : me.substring(at + 1), status,
                    outcome == null ? "failed" : Printable.of(outcome)));
        } catch (AdminException e) {
            if (e.kind() != AdminException.Kind.UNAVAILABLE) log.warn("webmail: the audit log did not take {}'s change of {}: {}", me, Printable.of(path), e.getMessage());
        } catch (RuntimeException e) {
            log.warn("webmail: the audit log did not take {}'s change of {}: {}", me, Printable.of(path), e.toString());
        }
    }

    private void purgeNowAndThen(BrowserSessions s) {
        long now = clock.millis();
        long last = lastPurge.get();
        if (now - last >= s.touchInterval().toMillis() && lastPurge.compareAndSet(last, now)) {
            try {
                s.purgeExpired();
            } catch (RuntimeException e) {
                log.warn("purging expired sessions failed: {}", e.toString());
            }
        }
    }

    private static ObjectNode sessionInfo(BrowserSession bs) throws IOException {
        JsonNode data = JSON.readTree(bs.data());
        ObjectNode r = JSON.createObjectNode();
        r.put("username", data.path("username").asText());
        r.put("accountId", "a" + data.path("accountId").asLong());
        r.put("csrfToken", bs.csrfToken());
        return r;
    }

    static Principal principal(BrowserSession bs) throws SessionRefused {
        try {
            JsonNode data = JSON.readTree(bs.data());
            return new Principal(data.path("accountId").asLong(), data.path("username").asText());
        } catch (IOException e) {
            throw new SessionRefused(401, "unreadable session");
        }
    }

    // ---- the message frame ----

    /** {@code POST api/images/always|never {"sender"}}: remote images of that sender always loaded for this user, or no longer. */
    private void imageSender(Exchange ex, Records records, BrowserSessions s, boolean always) throws IOException, SessionRefused {
        if (!ex.method().equals("POST")) {
            methodNotAllowed(ex, "POST");
            return;
        }
        BrowserSession bs = s.authorize(ex);
        Principal p = principal(bs);
        String sender;
        try {
            JsonNode body = JSON.readTree(ex.readBody());
            sender = EmailAddress.parse(body.path("sender").asText("")).toString().toLowerCase(Locale.ROOT);
        } catch (IOException | IllegalArgumentException e) {
            sendJson(ex, 400, error("the body is {\"sender\": an address}"));
            return;
        }
        String scope = "account:" + p.accountId();
        if (always) records.putRecord(IMAGE_SENDERS_KIND, scope, sender, new byte[0], 0);
        else records.deleteRecord(IMAGE_SENDERS_KIND, scope, sender);
        ObjectNode r = JSON.createObjectNode();
        r.put("sender", sender);
        r.put("always", always);
        sendJson(ex, 200, r);
    }

    private void message(Exchange ex, JmapService jmap, Records records, Principal p, String rest) throws IOException {
        boolean info = rest.endsWith("/info");
        String emailId = info ? rest.substring(0, rest.length() - 5) : rest;
        if (!emailId.matches("[A-Za-z0-9_-]{1,255}")) {
            sendJson(ex, 404, error("no such message"));
            return;
        }
        boolean images = "images=1".equals(ex.rawQuery());
        ObjectNode request = JSON.createObjectNode();
        request.putArray("using").add("urn:ietf:params:jmap:core").add("urn:ietf:params:jmap:mail");
        ArrayNode call = request.putArray("methodCalls").addArray();
        call.add("Email/get");
        ObjectNode args = call.addObject();
        args.put("accountId", "a" + p.accountId());
        args.putArray("ids").add(emailId);
        args.putArray("properties").add("from").add("htmlBody").add("bodyValues").add("attachments");
        args.put("fetchHTMLBodyValues", true);
        call.add("m");
        JsonNode response = jmap.execute(JSON.writeValueAsBytes(request), p, clientAddress(ex));
        JsonNode email = response.path("methodResponses").path(0).path(1).path("list").path(0);
        if (email.isMissingNode()) {
            sendJson(ex, 404, error("no such message"));
            return;
        }
        // "always for this sender": the first From address, as the reader shows it
        String sender = email.path("from").path(0).path("email").asText("").toLowerCase(Locale.ROOT);
        boolean trusted = !sender.isEmpty() && sender.length() <= 512
                && records.record(IMAGE_SENDERS_KIND, "account:" + p.accountId(), sender).isPresent();
        images |= trusted;
        Map<String, String> inline = new HashMap<>();
        for (JsonNode a : email.path("attachments")) {
            String cid = a.path("cid").asText("");
            String type = a.path("type").asText("").toLowerCase(Locale.ROOT);
            if (cid.isEmpty() || !type.matches("image/(png|gif|jpeg|jpg|webp|bmp)") || a.path("size").asLong() > MAX_INLINE_IMAGE) continue;
            byte[] bytes = jmap.blob(p, a.path("blobId").asText());
            if (bytes != null) inline.put(cid.toLowerCase(Locale.ROOT), "data:" + type + ";base64," + Base64.getEncoder().encodeToString(bytes));
        }
        StringBuilder body = new StringBuilder();
        int blocked = 0;
        for (JsonNode part : email.path("htmlBody")) {
            String value = email.path("bodyValues").path(part.path("partId").asText()).path("value").asText("");
            if (part.path("type").asText("").equalsIgnoreCase("text/html")) {
                MessageSanitizer.Result r = MessageSanitizer.sanitize(value, inline, images);
                blocked += r.blockedImages();
                body.append(r.html());
            } else if (part.path("type").asText("").toLowerCase(Locale.ROOT).startsWith("text/")) {
                body.append(MessageSanitizer.text(value));
            }
        }
        ContentSecurityPolicy.securityHeaders(ex);
        ex.setHeader("Cache-Control", "private, no-cache");
        if (info) {
            ObjectNode r = JSON.createObjectNode();
            r.put("blockedImages", blocked);
            r.put("sender", sender);
            r.put("alwaysImages", trusted);
            sendJson(ex, 200, r);
            return;
        }
        ex.setHeader("X-Frame-Options", "SAMEORIGIN");
        ex.setHeader("Content-Security-Policy", images ? FRAME_CSP + " http: https:" : FRAME_CSP);
        String doc = "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">"
                + "<style>body{margin:0;padding:12px 16px;font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",\"Noto Sans CJK SC\",sans-serif;"
                + "color:#1d2330;word-wrap:break-word;overflow-wrap:anywhere}img{max-width:100%;height:auto}"
                + ".tm-text{white-space:pre-wrap}blockquote{margin:0 0 0 .5em;padding-left:.8em;border-left:3px solid #c9d1e0;color:#4a5568}"
                + "a{color:#1a5fd0}</style></head><body>" + body + "</body></html>";
        ex.send(200, "text/html; charset=utf-8", doc.getBytes(StandardCharsets.UTF_8));
    }

    // ---- helpers ----

    static InetAddress clientAddress(Exchange ex) {
        try {
            return InetAddress.getByName(ex.client()); // an address literal: no lookup
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean readOnly(Exchange ex) throws IOException {
        if (ex.method().equals("GET") || ex.method().equals("HEAD")) return true;
        methodNotAllowed(ex, "GET");
        return false;
    }

    private static void methodNotAllowed(Exchange ex, String allowed) throws IOException {
        ex.setHeader("Allow", allowed);
        sendJson(ex, 405, error(ex.method() + " is not allowed here"));
    }

    private static ObjectNode error(String message) {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", message);
        return o;
    }

    private static void sendJson(Exchange ex, int status, JsonNode body) throws IOException {
        if (status >= 400 || !ex.method().equals("GET")) ex.setHeader("Cache-Control", "no-store");
        ex.send(status, "application/json", JSON.writeValueAsBytes(body));
    }
}
