package org.twinmail.jmap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.auth.Authenticator;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.jmap.auth.JmapAuth;
import org.twinmail.jmap.auth.Principal;
import org.twinmail.jmap.auth.Tokens;
import org.twinmail.jmap.core.JmapRequest;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.core.Methods;
import org.twinmail.jmap.core.Problem;
import org.twinmail.filter.Pipeline;
import org.twinmail.jmap.mail.AccountObjects;
import org.twinmail.jmap.mail.Blobs;
import org.twinmail.jmap.mail.DelayedSends;
import org.twinmail.jmap.mail.SharedAccounts;
import org.twinmail.jmap.submission.Submitter;
import org.twinmail.search.SearchIndex;
import org.twinmail.store.Postmaster;
import org.twinmail.jmap.mail.Ids;
import org.twinmail.jmap.mail.MailRead;
import org.twinmail.jmap.mail.MailWrite;
import org.twinmail.jmap.mail.Mdns;
import org.twinmail.jmap.mail.MessageCache;
import org.twinmail.jmap.mail.Views;
import org.twinmail.jmap.push.EventSource;
import org.twinmail.jmap.push.JmapSocket;
import org.twinmail.jmap.push.PushSubscriptionInput;
import org.twinmail.jmap.push.PushSubscriptionMethods;
import org.twinmail.jmap.push.PushSubscriptions;
import org.twinmail.jmap.push.StateChangePusher;
import org.twinmail.push.PushSettings;
import io.micrometer.core.instrument.MeterRegistry;
import org.twinmail.jmap.push.StateChanges;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.store.MailStore;

/**
 * JMAP over HTTP, independent of the web server: {@link #serve} answers one
 * {@link JmapExchange} under {@code /jmap/} or at {@code /.well-known/jmap}, and
 * {@link #openSocket} serves one RFC 8887 WebSocket. Routes:
 * <ul>
 *   <li>{@code GET /.well-known/jmap}, {@code GET /jmap/session}: the session object (RFC 8620 2);</li>
 *   <li>{@code POST /jmap/api}: a request (3.3), answered with a response or a problem (3.6.1);</li>
 *   <li>{@code POST /jmap/upload/{accountId}/}, {@code GET /jmap/download/{accountId}/{blobId}/{name}?accept=}: blobs (6);</li>
 *   <li>{@code GET /jmap/eventsource?types=&closeafter=&ping=}: push (7.3);</li>
 *   <li>{@code POST /jmap/token}: a bearer token for a username and password; {@code DELETE /jmap/token}: logout
 *       ({@code ?all=true}: every token of the account).</li>
 * </ul>
 */
public final class JmapService {
    private static final Logger log = LoggerFactory.getLogger(JmapService.class);
    public static final String PREFIX = "/jmap/";
    public static final String WELL_KNOWN = "/.well-known/jmap";
    public static final String WEBSOCKET_PATH = "/jmap/ws";
    private static final String JSON = "application/json";
    private static final List<String> EMAIL_SORTS = List.of("receivedAt", "size", "from", "to", "subject", "sentAt",
            "hasKeyword", "allInThreadHaveKeyword", "someInThreadHaveKeyword");

    private final MailStore store;
    private final JmapSettings settings;
    private final JmapAuth auth;
    private final Methods methods = new Methods();
    private final Set<String> capabilities;
    private final org.twinmail.jmap.sieve.SieveScriptMethods sieveScripts;
    private final Blobs blobs;
    private final Map<Long, Semaphore> requestSlots = new ConcurrentHashMap<>();
    private final Map<Long, Semaphore> uploadSlots = new ConcurrentHashMap<>();
    private final Clock clock;
    private final DelayedSends delayedSends;
    private final SharedAccounts shared;

    /**
     * @param submission the node's submission pipeline (the one SMTP submission uses, so limits are shared), or null:
     *                   then EmailSubmission is not offered
     */
    public JmapService(TwinmailConfig config, MailStore store, Authenticator authenticator, AuthGuard guard, Pipeline submission) {
        this(config, store, authenticator, guard, submission, null);
    }

    /** @param search the node's full-text index for Email/query's text conditions, or null */
    public JmapService(TwinmailConfig config, MailStore store, Authenticator authenticator, AuthGuard guard, Pipeline submission,
                       SearchIndex search) {
        this(config, store, authenticator, guard, submission, search, Clock.systemUTC());
    }

    /** @param clock the time of EmailSubmission's sendAt and of the held submissions' release */
    public JmapService(TwinmailConfig config, MailStore store, Authenticator authenticator, AuthGuard guard, Pipeline submission,
                       SearchIndex search, Clock clock) {
        this(JmapSettings.from(config), store, new JmapAuth(authenticator, guard, config.auth.plaintextAuth,
                new Tokens(config.jmap.tokenLifetime, Clock.systemUTC())),
                submission == null ? null : new Submitter(submission, store, new Postmaster(store, config.smtp.postmaster), config.hostname),
                search, clock);
    }

    public JmapService(JmapSettings settings, MailStore store, JmapAuth auth, Submitter submitter, SearchIndex search) {
        this(settings, store, auth, submitter, search, Clock.systemUTC());
    }

    public JmapService(JmapSettings settings, MailStore store, JmapAuth auth, Submitter submitter, SearchIndex search, Clock clock) {
        this.clock = clock;
        this.settings = settings;
        this.store = store;
        this.auth = auth;
        Views views = new Views(store, store);
        MessageCache cache = new MessageCache(store, 200_000, 64);
        this.blobs = new Blobs(store, views);
        SharedAccounts shared = new SharedAccounts(store, views);
        this.shared = shared;
        MailRead read = new MailRead(store, store, views, cache,
                new MailRead.Limits(settings.maxObjectsInGet(), settings.maxObjectsInSet(), settings.maxQueryLimit()), search, shared);
        methods.add("Core/echo", Capabilities.CORE, c -> c.args());
        // RFC 8620 7.2: the user's push subscriptions, core methods (nothing new is advertised); StateChangePusher sends
        PushSubscriptionMethods pushSubscriptions = new PushSubscriptionMethods(new PushSubscriptions(store),
                new PushSubscriptionInput.UrlPolicy(settings.pushSubscriptions().allowLoopbackHttp(), settings.pushSubscriptions().endpointHosts()),
                settings.pushSubscriptions().maxLifetime(), settings.pushSubscriptions().maxPerUser(), settings.maxObjectsInGet(), settings.maxObjectsInSet(), clock);
        methods.add("PushSubscription/get", Capabilities.CORE, pushSubscriptions::get);
        methods.add("PushSubscription/set", Capabilities.CORE, pushSubscriptions::set);
        methods.add("Mailbox/get", Capabilities.MAIL, read::mailboxGet);
        methods.add("Mailbox/changes", Capabilities.MAIL, read::mailboxChanges);
        methods.add("Mailbox/query", Capabilities.MAIL, read::mailboxQuery);
        methods.add("Mailbox/queryChanges", Capabilities.MAIL, read::mailboxQueryChanges);
        methods.add("Thread/get", Capabilities.MAIL, read::threadGet);
        methods.add("Thread/changes", Capabilities.MAIL, read::threadChanges);
        methods.add("Email/get", Capabilities.MAIL, read::emailGet);
        methods.add("Email/changes", Capabilities.MAIL, read::emailChanges);
        methods.add("Email/query", Capabilities.MAIL, read::emailQuery);
        methods.add("Email/queryChanges", Capabilities.MAIL, read::emailQueryChanges);
        methods.add("SearchSnippet/get", Capabilities.MAIL, read::searchSnippetGet);
        MailWrite write = new MailWrite(store, views, cache, blobs, settings.maxObjectsInSet(), settings.hostname(), shared);
        methods.add("Mailbox/set", Capabilities.MAIL, write::mailboxSet);
        methods.add("Email/set", Capabilities.MAIL, write::emailSet);
        methods.add("Email/import", Capabilities.MAIL, write::emailImport);
        methods.add("Email/copy", Capabilities.MAIL, write::emailCopy);
        methods.add("Email/parse", Capabilities.MAIL, write::emailParse);
        AccountObjects objects = new AccountObjects(store, views, cache, write, submitter, settings.maxObjectsInSet(), clock,
                settings.maxDelayedSend());
        this.delayedSends = submitter == null ? null : objects.delayedSends();
        this.capabilities = new LinkedHashSet<>(List.of(Capabilities.CORE, Capabilities.MAIL));
        if (submitter != null) {
            methods.add("Identity/get", Capabilities.SUBMISSION, objects::identityGet);
            methods.add("Identity/set", Capabilities.SUBMISSION, objects::identitySet);
            methods.add("Identity/changes", Capabilities.SUBMISSION, objects::identityChanges);
            methods.add("EmailSubmission/get", Capabilities.SUBMISSION, objects::submissionGet);
            methods.add("EmailSubmission/set", Capabilities.SUBMISSION, c -> objects.submissionSet(c, c.client()));
            methods.add("EmailSubmission/changes", Capabilities.SUBMISSION, objects::submissionChanges);
            methods.add("EmailSubmission/query", Capabilities.SUBMISSION, objects::submissionQuery);
            capabilities.add(Capabilities.SUBMISSION);
            Mdns mdns = new Mdns(store, views, cache, blobs, write, objects, submitter, settings.maxObjectsInSet(), settings.hostname());
            methods.add("MDN/send", Capabilities.MDN, c -> mdns.send(c, c.client()));
            methods.add("MDN/parse", Capabilities.MDN, mdns::parse);
            capabilities.add(Capabilities.MDN);
        }
        methods.add("VacationResponse/get", Capabilities.VACATION, objects::vacationGet);
        methods.add("VacationResponse/set", Capabilities.VACATION, objects::vacationSet);
        methods.add("Quota/get", Capabilities.QUOTA, objects::quotaGet);
        methods.add("Quota/changes", Capabilities.QUOTA, objects::quotaChanges);
        methods.add("Quota/query", Capabilities.QUOTA, objects::quotaQuery);
        // JMAP for Sieve Scripts (RFC 9661), over the records ManageSieve and delivery use
        this.sieveScripts = new org.twinmail.jmap.sieve.SieveScriptMethods(new org.twinmail.filter.sieve.SieveScripts(store), blobs, settings.sieve());
        methods.add("SieveScript/get", Capabilities.SIEVE, sieveScripts::get);
        methods.add("SieveScript/set", Capabilities.SIEVE, sieveScripts::set);
        methods.add("SieveScript/query", Capabilities.SIEVE, sieveScripts::query);
        methods.add("SieveScript/validate", Capabilities.SIEVE, sieveScripts::validate);
        capabilities.add(Capabilities.SIEVE);
        capabilities.addAll(List.of(Capabilities.VACATION, Capabilities.QUOTA, Capabilities.WEBSOCKET));
    }

    /** JMAP for Sieve Scripts (RFC 9661), for the server's own script writers (the webmail's rules). */
    public org.twinmail.jmap.sieve.SieveScriptMethods sieveScripts() {
        return sieveScripts;
    }

    public JmapAuth auth() {
        return auth;
    }

    /**
     * The EmailSubmissions held until their sendAt (null without submission): the server
     * {@link DelayedSends#start starts} their runner on the active node and closes it with the node;
     * {@link DelayedSends#sendDue} sends what is due now.
     */
    public DelayedSends delayedSends() {
        return delayedSends;
    }

    /**
     * Starts the push to the users' PushSubscriptions (RFC 8620 7.2) on this node, with push's
     * sender and {@code push.*} settings; the server starts it on the active node and closes it with the node.
     */
    public StateChangePusher startPush(PushSettings push, MeterRegistry registry) {
        return StateChangePusher.start(store, push, registry, settings.pushCoalesce(), clock);
    }

    /** The capabilities advertised in the session object. */
    public Set<String> capabilities() {
        return capabilities;
    }

    /** Answers one HTTP exchange under {@link #PREFIX} or at {@link #WELL_KNOWN}. */
    public void serve(JmapExchange ex) throws IOException {
        serve(ex, null);
    }

    /**
     * Answers one exchange for {@code p}, whom the caller has authenticated its own way (the
     * webmail, by its browser session): the same routes, with no {@code Authorization} read;
     * {@code /jmap/token} is not among them.
     */
    public void serveAs(JmapExchange ex, Principal p) throws IOException {
        serve(ex, java.util.Objects.requireNonNull(p, "principal"));
    }

    private void serve(JmapExchange ex, Principal authenticated) throws IOException {
        String path = ex.path();
        try {
            if (path.equals(WELL_KNOWN) || path.equals(PREFIX + "session")) {
                if (!method(ex, "GET")) return;
                Principal p = authenticated != null ? authenticated : authenticate(ex);
                if (p == null) return;
                sendJson(ex, 200, session(p, baseUrl(ex)));
            } else if (path.equals(PREFIX + "api") || path.equals(PREFIX + "api/")) {
                if (!method(ex, "POST")) return;
                Principal p = authenticated != null ? authenticated : authenticate(ex);
                if (p != null) api(ex, p);
            } else if (path.startsWith(PREFIX + "upload/")) {
                if (!method(ex, "POST")) return;
                Principal p = authenticated != null ? authenticated : authenticate(ex);
                if (p != null) upload(ex, p, segment(path, PREFIX.length() + "upload/".length()));
            } else if (path.startsWith(PREFIX + "download/")) {
                if (!method(ex, "GET")) return;
                Principal p = authenticated != null ? authenticated : authenticate(ex);
                if (p != null) download(ex, p, path.substring(PREFIX.length() + "download/".length()));
            } else if (path.equals(PREFIX + "eventsource") || path.equals(PREFIX + "eventsource/")) {
                if (!method(ex, "GET")) return;
                Principal p = authenticated != null ? authenticated : authenticate(ex);
                if (p != null) eventSource(ex, p);
            } else if (path.equals(PREFIX + "token") && authenticated == null) {
                token(ex);
            } else {
                sendProblem(ex, new Problem("about:blank", 404, "no such JMAP resource"));
            }
        } catch (Problem e) {
            sendProblem(ex, e);
        }
    }

    private static boolean method(JmapExchange ex, String allowed) throws IOException {
        if (ex.method().equals(allowed) || (allowed.equals("GET") && ex.method().equals("HEAD"))) return true;
        ex.setHeader("Allow", allowed);
        sendProblem(ex, new Problem("about:blank", 405, ex.method() + " is not allowed here"));
        return false;
    }

    private Principal authenticate(JmapExchange ex) throws IOException {
        try {
            return auth.authenticate(ex.header("Authorization"), ex.client(), ex.secure());
        } catch (JmapAuth.Refused e) {
            if (e.status() == 401) ex.setHeader("WWW-Authenticate", "Basic realm=\"jmap\", charset=\"UTF-8\"");
            sendProblem(ex, new Problem("about:blank", e.status(), e.getMessage()));
            return null;
        }
    }

    /** The scheme and authority the client used, for the URLs in the session object. */
    private static String baseUrl(JmapExchange ex) {
        String host = ex.header("Host");
        if (host == null || host.isBlank() || !host.matches("[A-Za-z0-9.:\\[\\]-]+")) host = "localhost";
        return (ex.secure() ? "https://" : "http://") + host;
    }

    // ---- session ----

    /** The session object (RFC 8620 2) for {@code p}. */
    public ObjectNode session(Principal p, String baseUrl) {
        ObjectNode s = Json.object();
        ObjectNode caps = s.putObject("capabilities");
        ObjectNode core = caps.putObject(Capabilities.CORE);
        core.put("maxSizeUpload", settings.maxSizeUpload());
        core.put("maxConcurrentUpload", settings.maxConcurrentUpload());
        core.put("maxSizeRequest", settings.maxSizeRequest());
        core.put("maxConcurrentRequests", settings.maxConcurrentRequests());
        core.put("maxCallsInRequest", settings.maxCallsInRequest());
        core.put("maxObjectsInGet", settings.maxObjectsInGet());
        core.put("maxObjectsInSet", settings.maxObjectsInSet());
        core.set("collationAlgorithms", Json.array(List.of("i;ascii-casemap", "i;unicode-casemap")));
        for (String c : capabilities) {
            if (c.equals(Capabilities.CORE)) continue;
            ObjectNode o = caps.putObject(c);
            if (c.equals(Capabilities.WEBSOCKET)) {
                o.put("url", baseUrl.replaceFirst("^http", "ws") + WEBSOCKET_PATH);
                o.put("supportsPush", true);
            }
        }
        String account = Ids.account(p.accountId());
        ObjectNode accounts = s.putObject("accounts");
        ObjectNode a = accounts.putObject(account);
        a.put("name", p.username());
        a.put("isPersonal", true);
        a.put("isReadOnly", false);
        ObjectNode ac = a.putObject("accountCapabilities");
        for (String c : capabilities) {
            if (c.equals(Capabilities.CORE) || c.equals(Capabilities.WEBSOCKET)) continue;
            ObjectNode o = ac.putObject(c);
            if (c.equals(Capabilities.MAIL)) {
                o.putNull("maxMailboxesPerEmail");
                o.putNull("maxMailboxDepth");
                o.put("maxSizeMailboxName", 1000);
                o.put("maxSizeAttachmentsPerEmail", settings.maxSizeUpload());
                o.set("emailQuerySortOptions", Json.array(EMAIL_SORTS));
                o.put("mayCreateTopLevelMailbox", true);
            } else if (c.equals(Capabilities.SIEVE)) {
                o.setAll(sieveScripts.accountCapability());
            } else if (c.equals(Capabilities.SUBMISSION)) {
                long max = settings.maxDelayedSend().toSeconds();
                o.put("maxDelayedSend", max);
                ObjectNode ext = o.putObject("submissionExtensions");
                if (max > 0) { // RFC 4865: the longest interval and the latest time a message may be held to
                    ext.set("FUTURERELEASE", Json.array(List.of(String.valueOf(max),
                            java.time.format.DateTimeFormatter.ISO_INSTANT.format(clock.instant().plusSeconds(max).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)))));
                }
            }
        }
        // accounts reached through mailbox ACLs (a shared sales@, a colleague's folder): every mail method, within the user's rights
        for (var e : shared.of(p.accountId()).entrySet()) {
            ObjectNode o = accounts.putObject(Ids.account(e.getKey()));
            o.put("name", e.getValue().getFirst().owner().toString());
            o.put("isPersonal", false);
            o.put("isReadOnly", e.getValue().stream().noneMatch(x -> x.rights().has('i')));
            ObjectNode mail = o.putObject("accountCapabilities").putObject(Capabilities.MAIL);
            mail.putNull("maxMailboxesPerEmail");
            mail.putNull("maxMailboxDepth");
            mail.put("maxSizeMailboxName", 1000);
            mail.put("maxSizeAttachmentsPerEmail", settings.maxSizeUpload());
            mail.set("emailQuerySortOptions", Json.array(EMAIL_SORTS));
            mail.put("mayCreateTopLevelMailbox", false);
        }
        ObjectNode primary = s.putObject("primaryAccounts");
        for (String c : capabilities) if (!c.equals(Capabilities.CORE) && !c.equals(Capabilities.WEBSOCKET)) primary.put(c, account);
        s.put("username", p.username());
        s.put("apiUrl", baseUrl + PREFIX + "api");
        s.put("downloadUrl", baseUrl + PREFIX + "download/{accountId}/{blobId}/{name}?accept={type}");
        s.put("uploadUrl", baseUrl + PREFIX + "upload/{accountId}/");
        s.put("eventSourceUrl", baseUrl + PREFIX + "eventsource?types={types}&closeafter={closeafter}&ping={ping}");
        s.put("state", sessionState(p));
        return s;
    }

    private String sessionState(Principal p) {
        return Ids.sha256Hex(p.accountId() + " " + p.username() + " " + capabilities).substring(0, 16);
    }

    // ---- API ----

    private void api(JmapExchange ex, Principal p) throws IOException {
        String type = ex.header("Content-Type");
        if (type != null && !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new Problem(Problem.NOT_REQUEST, 400, "the request must be application/json");
        }
        byte[] body = readBody(ex, settings.maxSizeRequest(), "maxSizeRequest");
        Semaphore slots = requestSlots.computeIfAbsent(p.accountId(), k -> new Semaphore(settings.maxConcurrentRequests()));
        if (!slots.tryAcquire()) {
            throw Problem.limit("maxConcurrentRequests", 429, "at most " + settings.maxConcurrentRequests() + " requests at once");
        }
        try {
            sendJson(ex, 200, execute(body, p, ex.client()));
        } finally {
            slots.release();
        }
    }

    /** Parses and runs one request body for {@code p}: the Response object, or a {@link Problem}. */
    public ObjectNode execute(byte[] body, Principal p, java.net.InetAddress client) {
        JmapRequest request = JmapRequest.parse(body, capabilities, settings.maxCallsInRequest());
        ObjectNode response = methods.run(request, p.accountId(), client);
        response.put("sessionState", sessionState(p));
        return response;
    }

    private static byte[] readBody(JmapExchange ex, long max, String limitName) throws IOException {
        String declared = ex.header("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.strip()) > max) throw Problem.limit(limitName, 413, "larger than " + max + " bytes");
            } catch (NumberFormatException e) {
                throw new Problem("about:blank", 400, "bad Content-Length");
            }
        }
        try (InputStream in = ex.body()) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (b.length > max) throw Problem.limit(limitName, 413, "larger than " + max + " bytes");
            return b;
        }
    }

    // ---- blobs ----

    private void upload(JmapExchange ex, Principal p, String accountId) throws IOException {
        if (!reaches(p, accountId)) throw new Problem("about:blank", 404, "no such account");
        Semaphore slots = uploadSlots.computeIfAbsent(p.accountId(), k -> new Semaphore(settings.maxConcurrentUpload()));
        if (!slots.tryAcquire()) throw Problem.limit("maxConcurrentUpload", 429, "at most " + settings.maxConcurrentUpload() + " uploads at once");
        try {
            byte[] body = readBody(ex, settings.maxSizeUpload(), "maxSizeUpload");
            String type = ex.header("Content-Type");
            if (type == null || type.isBlank()) type = "application/octet-stream";
            String sha = blobs.upload(p.accountId(), body);
            ObjectNode r = Json.object();
            r.put("accountId", accountId);
            r.put("blobId", Ids.blob(sha));
            r.put("type", type);
            r.put("size", body.length);
            sendJson(ex, 201, r);
        } finally {
            slots.release();
        }
    }

    private void download(JmapExchange ex, Principal p, String rest) throws IOException {
        String[] parts = rest.split("/", 3);
        if (parts.length < 2 || !reaches(p, parts[0])) throw new Problem("about:blank", 404, "no such blob");
        String name = parts.length == 3 ? decode(parts[2]) : "blob";
        Map<String, String> q = query(ex.query());
        String type = q.getOrDefault("accept", "application/octet-stream");
        if (!type.matches("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\\s*;.*)?") || type.contains("\r") || type.contains("\n")) {
            type = "application/octet-stream";
        }
        byte[] data = blobs.download(shared.scope(p.accountId(), parts[0]), decode(parts[1]));
        if (data == null) throw new Problem("about:blank", 404, "no such blob");
        ex.setHeader("Content-Disposition", "attachment; filename*=UTF-8''" + encodeRfc5987(name));
        ex.setHeader("Cache-Control", "private, immutable, max-age=31536000");
        ex.setHeader("X-Content-Type-Options", "nosniff");
        ex.send(200, type, data);
    }

    /** Whether {@code accountId} is the user's account or one it reaches through mailbox ACLs. */
    private boolean reaches(Principal p, String accountId) {
        try {
            shared.scope(p.accountId(), accountId);
            return true;
        } catch (org.twinmail.jmap.core.MethodError notFound) {
            return false;
        }
    }

    private static String encodeRfc5987(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$&+-.^_`|~".indexOf(c) >= 0) b.append((char) c);
            else b.append('%').append(String.format("%02X", c));
        }
        return b.toString();
    }

    // ---- push ----

    private void eventSource(JmapExchange ex, Principal p) throws IOException {
        Map<String, String> q = query(ex.query());
        String t = q.getOrDefault("types", "*");
        Set<String> types = t.equals("*") ? null : new LinkedHashSet<>(List.of(t.split(",")));
        boolean closeAfter = "state".equals(q.get("closeafter"));
        long ping;
        try {
            ping = Long.parseLong(q.getOrDefault("ping", "0"));
        } catch (NumberFormatException e) {
            throw new Problem("about:blank", 400, "ping must be a number of seconds");
        }
        if (ping < 0) throw new Problem("about:blank", 400, "ping must not be negative");
        if (ping > 0) ping = Math.max(ping, 5); // RFC 8620 7.3: the server may raise a small interval
        ex.setHeader("Cache-Control", "no-cache");
        EventSource es = new EventSource(store, p.accountId(), types, closeAfter, Duration.ofSeconds(ping), settings.pushCoalesce());
        try (OutputStream out = ex.openBody(200, "text/event-stream; charset=utf-8")) {
            es.run(out);
        } catch (IOException gone) {
            log.debug("event source closed: {}", gone.toString());
        }
    }

    /** The bytes of a blob {@code p} may read (a message, a part, an upload), or null. */
    public byte[] blob(Principal p, String blobId) {
        return blobs.download(p.accountId(), blobId);
    }

    /** An RFC 8887 WebSocket for {@code p}: text frames in through {@link JmapSocket#onText}, out through {@code send}. */
    public JmapSocket openSocket(Principal p, java.net.InetAddress client, JmapSocket.Sender send) {
        return new JmapSocket(this, store, p, client, send, settings.pushCoalesce());
    }

    // ---- tokens ----

    private void token(JmapExchange ex) throws IOException {
        switch (ex.method()) {
            case "POST" -> {
                byte[] body = readBody(ex, 64 * 1024, "maxSizeRequest");
                JsonNode j;
                try {
                    j = Json.parse(body);
                } catch (IOException e) {
                    throw new Problem(Problem.NOT_JSON, 400, "the body is {\"username\":..., \"password\":...}");
                }
                if (j == null || !j.path("username").isTextual() || !j.path("password").isTextual()) {
                    throw new Problem(Problem.NOT_REQUEST, 400, "the body is {\"username\":..., \"password\":...}");
                }
                char[] password = j.get("password").asText().toCharArray();
                Principal p;
                try {
                    p = auth.password(j.get("username").asText(), password, ex.client(), ex.secure());
                } catch (JmapAuth.Refused e) {
                    sendProblem(ex, new Problem("about:blank", e.status(), e.getMessage()));
                    return;
                } finally {
                    java.util.Arrays.fill(password, '\0');
                }
                Tokens.Issued t = auth.tokens().issue(p);
                ObjectNode r = Json.object();
                r.put("accessToken", t.token());
                r.put("tokenType", "Bearer");
                r.put("expiresIn", Math.max(0, t.expires().getEpochSecond() - java.time.Instant.now().getEpochSecond()));
                r.put("accountId", Ids.account(p.accountId()));
                r.put("username", p.username());
                ex.setHeader("Cache-Control", "no-store");
                sendJson(ex, 200, r);
            }
            case "DELETE" -> {
                Principal p = authenticate(ex);
                if (p == null) return;
                String h = ex.header("Authorization");
                boolean all = "true".equals(query(ex.query()).get("all"));
                int n = all ? auth.tokens().revokeAll(p.accountId())
                        : h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) && auth.tokens().revoke(h.substring(7).strip()) ? 1 : 0;
                ObjectNode r = Json.object();
                r.put("revoked", n);
                sendJson(ex, 200, r);
            }
            default -> {
                ex.setHeader("Allow", "POST, DELETE");
                sendProblem(ex, new Problem("about:blank", 405, ex.method() + " is not allowed here"));
            }
        }
    }

    // ---- helpers ----

    private static String segment(String path, int from) {
        int slash = path.indexOf('/', from);
        return slash < 0 ? path.substring(from) : path.substring(from, slash);
    }

    static Map<String, String> query(String q) {
        Map<String, String> out = new HashMap<>();
        if (q == null) return out;
        for (String kv : q.split("&")) {
            int eq = kv.indexOf('=');
            if (eq < 0) out.put(decode(kv), "");
            else out.put(decode(kv.substring(0, eq)), decode(kv.substring(eq + 1)));
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    private static void sendJson(JmapExchange ex, int status, JsonNode body) throws IOException {
        ex.setHeader("Cache-Control", "no-cache, no-store");
        ex.send(status, JSON, Json.bytes(body));
    }

    private static void sendProblem(JmapExchange ex, Problem p) throws IOException {
        ex.send(p.status(), "application/problem+json", Json.bytes(p.toJson()));
    }

    /** The methods this service answers (for the docs and tests). */
    public Set<String> methodNames() {
        return methods.names();
    }
}
