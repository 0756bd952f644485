package org.twinmail.admin;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.twinmail.admin.AdminException.Kind;

/**
 * {@link AdminOperations} sent to a running server's admin API (http's {@code AdminApi}), so
 * the CLI can administer a live node without touching its store. It lives here, beside the
 * interface and {@link AdminService}, rather than in http: it needs only the JDK's HTTP client
 * and Jackson, the contract test holds both implementations to the same results, and the CLI
 * picks one without reaching for the web server. Failures come back
 * as the same {@link AdminException} kinds and messages {@link AdminService} raises on
 * the server; a server that cannot be reached is {@link Kind#UNAVAILABLE}, which lets
 * the CLI fall back to opening the store itself.
 */
public final class AdminClient implements AdminOperations, AutoCloseable {
    /** Where the admin API lives on a server; http's AdminApi serves this prefix. */
    public static final String API_PREFIX = "/api/admin/";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Long enough for a forced domain removal that deletes a lot of mail. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);
    /** A backup copies the whole store: it may take far longer than any other call. */
    private static final Duration BACKUP_TIMEOUT = Duration.ofHours(12);

    private static final ObjectMapper JSON = new ObjectMapper()
            // A newer server may add fields to its answers; an older CLI must still read them.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final String base;
    private final String token;
    private final HttpClient http;

    /**
     * @param baseUrl the server's HTTP address, e.g. {@code http://127.0.0.1:8080} (a path
     *                prefix, as behind a reverse proxy, is kept)
     */
    public AdminClient(URI baseUrl, String token) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String b = baseUrl.toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.token = Objects.requireNonNull(token, "token");
        this.http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1) // plain http: skip the h2c upgrade attempt, one request per call needs no HTTP/2
                .followRedirects(HttpClient.Redirect.NEVER) // never resend the token to wherever a redirect points
                .build();
    }

    @Override
    public DomainInfo addDomain(String name) {
        return send("POST", "domains", body().put("name", name), DomainInfo.class);
    }

    @Override
    public void removeDomain(String name, boolean force) {
        send("DELETE", "domains/" + encodeSegment(name, "domain name") + (force ? "?force=true" : ""), null, Void.class);
    }

    @Override
    public List<DomainInfo> listDomains() {
        return send("GET", "domains", null, new TypeReference<List<DomainInfo>>() { });
    }

    @Override
    public PostmasterInfo postmaster(String domain) {
        return send("GET", "domains/" + encodeSegment(domain, "domain name") + "/postmaster", null, PostmasterInfo.class);
    }

    @Override
    public DomainInfo setDomainQuota(String name, long quotaBytes) {
        return send("PUT", "domains/" + encodeSegment(name, "domain name") + "/quota", body().put("quotaBytes", quotaBytes), DomainInfo.class);
    }

    @Override
    public DomainInfo setDomainMessageLimit(String name, long maxMessages) {
        return send("PUT", "domains/" + encodeSegment(name, "domain name") + "/quota", body().put("maxMessages", maxMessages), DomainInfo.class);
    }

    @Override
    public UserInfo addUser(String address, char[] password, long quotaBytes, long maxMessageBytes) {
        ObjectNode b = body().put("address", address)
                .put("password", password == null ? null : new String(password))
                .put("quotaBytes", quotaBytes)
                .put("maxMessageBytes", maxMessageBytes);
        return send("POST", "users", b, UserInfo.class);
    }

    @Override
    public UserInfo updateUser(String address, char[] password, Long quotaBytes, Long maxMessageBytes, Long maxMessages) {
        ObjectNode b = body();
        // Absent fields stay unchanged on the server, so only the given ones are sent.
        if (password != null) b.put("password", new String(password));
        if (quotaBytes != null) b.put("quotaBytes", quotaBytes);
        if (maxMessageBytes != null) b.put("maxMessageBytes", maxMessageBytes);
        if (maxMessages != null) b.put("maxMessages", maxMessages);
        return send("PATCH", "users/" + encodeSegment(address, "address"), b, UserInfo.class);
    }

    @Override
    public void removeUser(String address) {
        send("DELETE", "users/" + encodeSegment(address, "address"), null, Void.class);
    }

    @Override
    public String exportUsers(String domain) {
        return sendText("GET", "export/users" + domainQuery(domain), null);
    }

    @Override
    public ImportResult importUsers(String csv, String domain) {
        String text = sendText("POST", "import/users" + domainQuery(domain), csv);
        try {
            return JSON.readValue(text, ImportResult.class);
        } catch (IOException e) {
            throw new AdminException(Kind.UNAVAILABLE, "the server at " + base + " sent an answer this client cannot read");
        }
    }

    @Override
    public UserInfo setUserEnabled(String address, boolean enabled) {
        return send("PATCH", "users/" + encodeSegment(address, "address"), body().put("enabled", enabled), UserInfo.class);
    }

    @Override
    public List<AppPasswordInfo> appPasswords(String address) {
        return send("GET", "users/" + encodeSegment(address, "address") + "/app-passwords", null, new TypeReference<List<AppPasswordInfo>>() { });
    }

    @Override
    public AppPasswordCreated addAppPassword(String address, String name) {
        return send("POST", "users/" + encodeSegment(address, "address") + "/app-passwords", body().put("name", name), AppPasswordCreated.class);
    }

    @Override
    public void removeAppPassword(String address, String name) {
        send("DELETE", "users/" + encodeSegment(address, "address") + "/app-passwords/" + encodeSegment(name, "app password name"), null, Void.class);
    }

    @Override
    public List<UserInfo> listUsers(String domain) {
        return send("GET", "users" + domainQuery(domain), null, new TypeReference<List<UserInfo>>() { });
    }

    @Override
    public AliasInfo addAlias(String source, List<String> targets) {
        ObjectNode b = body().put("source", source);
        if (targets != null) targets.forEach(b.putArray("targets")::add);
        return send("POST", "aliases", b, AliasInfo.class);
    }

    @Override
    public void removeAlias(String source) {
        send("DELETE", "aliases/" + encodeSegment(source, "alias source"), null, Void.class);
    }

    @Override
    public List<AliasInfo> listAliases(String domain) {
        return send("GET", "aliases" + domainQuery(domain), null, new TypeReference<List<AliasInfo>>() { });
    }

    @Override
    public List<QueueInfo> listQueue(int limit) {
        return send("GET", "queue?limit=" + limit, null, new TypeReference<List<QueueInfo>>() { });
    }

    @Override
    public int retryQueue(long id) {
        String path = id == 0 ? "queue/retry" : "queue/" + id + "/retry";
        return send("POST", path, null, RetryReply.class).recipients();
    }

    @Override
    public int bounceQueued(long id, String reason) {
        ObjectNode b = body();
        if (reason != null) b.put("reason", reason);
        return send("POST", "queue/" + id + "/bounce", b, RetryReply.class).recipients();
    }

    @Override
    public void deleteQueued(long id) {
        send("DELETE", "queue/" + id, null, Void.class);
    }

    private record RetryReply(int recipients) { }

    @Override
    public SmsInfo smsSettings(String user) {
        return send("GET", "users/" + encodeSegment(user, "address") + "/sms", null, SmsInfo.class);
    }

    @Override
    public SmsInfo setSms(String user, SmsChange c) {
        ObjectNode b = body();
        // Absent fields stay unchanged on the server, so only the given ones are sent.
        if (c.phone() != null) b.put("phone", c.phone());
        if (c.enabled() != null) b.put("enabled", c.enabled());
        if (c.trigger() != null) b.put("trigger", c.trigger());
        if (c.senders() != null) c.senders().forEach(b.putArray("senders")::add);
        if (c.alias() != null) b.put("alias", c.alias());
        if (c.quietHours() != null) b.put("quietHours", c.quietHours());
        if (c.zone() != null) b.put("zone", c.zone());
        if (c.dailyCap() != null) b.put("dailyCap", c.dailyCap());
        if (c.language() != null) b.put("language", c.language());
        return send("PATCH", "users/" + encodeSegment(user, "address") + "/sms", b, SmsInfo.class);
    }

    @Override
    public SmsInfo verifySms(String user, String code) {
        return send("POST", "users/" + encodeSegment(user, "address") + "/sms/verify", body().put("code", code), SmsInfo.class);
    }

    @Override
    public SmsInfo resendSmsCode(String user) {
        return send("POST", "users/" + encodeSegment(user, "address") + "/sms/code", null, SmsInfo.class);
    }

    @Override
    public List<RuleInfo> listRules() {
        return send("GET", "rules", null, new TypeReference<List<RuleInfo>>() { });
    }

    @Override
    public RuleInfo addIpRule(String range, String action, String comment, java.time.Instant expires) {
        ObjectNode b = body().put("range", range).put("action", action);
        if (comment != null) b.put("comment", comment);
        if (expires != null) b.put("expires", expires.toString());
        return send("POST", "rules/ip", b, RuleInfo.class);
    }

    @Override
    public void removeIpRule(String range) {
        send("DELETE", "rules/ip/" + encodeSegment(range, "address or range"), null, Void.class);
    }

    @Override
    public RuleInfo addSenderRule(String pattern, String action, String scope, String comment, java.time.Instant expires) {
        ObjectNode b = body().put("pattern", pattern).put("action", action);
        if (scope != null && !scope.isBlank()) b.put("scope", scope);
        if (comment != null) b.put("comment", comment);
        if (expires != null) b.put("expires", expires.toString());
        return send("POST", "rules/sender", b, RuleInfo.class);
    }

    @Override
    public void removeSenderRule(String pattern, String scope) {
        send("DELETE", "rules/sender/" + encodeSegment(pattern, "sender pattern")
                + (scope == null || scope.isBlank() ? "" : "?scope=" + encodeSegment(scope, null)), null, Void.class);
    }

    @Override
    public ForwardingInfo forwarding(String address) {
        return send("GET", "users/" + encodeSegment(address, "address") + "/forwarding", null, ForwardingInfo.class);
    }

    @Override
    public ForwardingInfo setForwarding(String address, List<String> to, boolean keepCopy) {
        ObjectNode b = body().put("keepCopy", keepCopy);
        com.fasterxml.jackson.databind.node.ArrayNode list = b.putArray("to");
        if (to != null) to.forEach(list::add);
        return send("PUT", "users/" + encodeSegment(address, "address") + "/forwarding", b, ForwardingInfo.class);
    }

    @Override
    public void removeForwarding(String address) {
        send("DELETE", "users/" + encodeSegment(address, "address") + "/forwarding", null, Void.class);
    }

    @Override
    public SpamLevelInfo spamLevel(String address) {
        return send("GET", "users/" + encodeSegment(address, "address") + "/spam-level", null, SpamLevelInfo.class);
    }

    @Override
    public SpamLevelInfo setSpamLevel(String address, String level) {
        return send("PUT", "users/" + encodeSegment(address, "address") + "/spam-level", body().put("level", level), SpamLevelInfo.class);
    }

    @Override
    public List<SieveScriptInfo> listSieveScripts() {
        return send("GET", "sieve", null, new TypeReference<List<SieveScriptInfo>>() { });
    }

    @Override
    public SieveScriptInfo sieveScript(String phase, String name) {
        return send("GET", "sieve/" + encodeSegment(phase, "phase") + "/" + encodeSegment(name, "name"), null, SieveScriptInfo.class);
    }

    @Override
    public SieveScriptInfo putSieveScript(String phase, String name, String script) {
        return send("PUT", "sieve/" + encodeSegment(phase, "phase") + "/" + encodeSegment(name, "name"), body().put("script", script),
                SieveScriptInfo.class);
    }

    @Override
    public void removeSieveScript(String phase, String name) {
        send("DELETE", "sieve/" + encodeSegment(phase, "phase") + "/" + encodeSegment(name, "name"), null, Void.class);
    }

    @Override
    public SharingInfo sharing(String address) {
        return send("GET", "users/" + encodeSegment(address, "address") + "/sharing", null, SharingInfo.class);
    }

    @Override
    public SharingInfo setShared(String address, boolean shared) {
        return send("PUT", "users/" + encodeSegment(address, "address") + "/sharing", body().put("shared", shared), SharingInfo.class);
    }

    @Override
    public SharingInfo grant(String address, String mailbox, String identifier, String rights) {
        ObjectNode b = body().put("rights", rights == null ? "" : rights);
        if (mailbox != null && !mailbox.isBlank()) b.put("mailbox", mailbox);
        return send("PUT", "users/" + encodeSegment(address, "address") + "/acl/" + encodeSegment(identifier, "identifier"), b,
                SharingInfo.class);
    }

    @Override
    public SharingInfo revoke(String address, String mailbox, String identifier) {
        return send("DELETE", "users/" + encodeSegment(address, "address") + "/acl/" + encodeSegment(identifier, "identifier")
                + (mailbox == null || mailbox.isBlank() ? "" : "?mailbox=" + encodeSegment(mailbox, null)), null, SharingInfo.class);
    }

    @Override
    public List<BanInfo> listBans() {
        return send("GET", "bans", null, new TypeReference<List<BanInfo>>() { });
    }

    @Override
    public BanInfo addBan(String client, java.time.Instant until, String reason) {
        ObjectNode b = body().put("client", client);
        if (until != null) b.put("until", until.toString());
        if (reason != null) b.put("reason", reason);
        return send("POST", "bans", b, BanInfo.class);
    }

    @Override
    public void removeBan(String client) {
        send("DELETE", "bans/" + encodeSegment(client, "client address"), null, Void.class);
    }

    @Override
    public List<OutboundHoldInfo> listOutboundHolds() {
        return send("GET", "outbound-holds", null, new TypeReference<List<OutboundHoldInfo>>() { });
    }

    @Override
    public void releaseOutboundHold(String address) {
        send("DELETE", "outbound-holds/" + encodeSegment(address, "address"), null, Void.class);
    }

    @Override
    public List<QuarantineInfo> listQuarantine() {
        return send("GET", "quarantine", null, new TypeReference<List<QuarantineInfo>>() { });
    }

    @Override
    public QuarantinedMessage showQuarantined(String id) {
        return send("GET", "quarantine/" + encodeSegment(id, "quarantine id"), null, QuarantinedMessage.class);
    }

    @Override
    public QuarantineInfo releaseQuarantined(String id) {
        return send("POST", "quarantine/" + encodeSegment(id, "quarantine id") + "/release", null, QuarantineInfo.class);
    }

    @Override
    public void deleteQuarantined(String id) {
        send("DELETE", "quarantine/" + encodeSegment(id, "quarantine id"), null, Void.class);
    }

    @Override
    public BackupInfo backup(String directory) {
        return send("POST", "backup", body().put("directory", directory), JSON.getTypeFactory().constructType(BackupInfo.class),
                BACKUP_TIMEOUT);
    }

    @Override
    public TlsInfo reloadTls() {
        return send("POST", "tls/reload", null, TlsInfo.class);
    }

    @Override
    public DkimInfo generateDkimKey(String domain, String selector, int bits) {
        ObjectNode b = body().put("bits", bits);
        if (selector != null) b.put("selector", selector);
        return send("POST", "dkim/" + encodeSegment(domain, "domain"), b, DkimInfo.class);
    }

    @Override
    public boolean servesDomain(String domain) {
        try {
            postmaster(domain);
            return true;
        } catch (AdminException e) {
            if (e.kind() == AdminException.Kind.NOT_FOUND || e.kind() == AdminException.Kind.INVALID) return false;
            throw e;
        }
    }

    @Override
    public List<TlsReportInfo> listTlsReports() {
        return send("GET", "tlsrpt", null, new TypeReference<List<TlsReportInfo>>() { });
    }

    @Override
    public DomainDnsInfo domainDns(String domain) {
        return send("GET", "domains/" + encodeSegment(domain, "domain") + "/dns", null, DomainDnsInfo.class);
    }

    @Override
    public DkimInfo showDkimKey(String domain) {
        return send("GET", "dkim/" + encodeSegment(domain, "domain"), null, DkimInfo.class);
    }

    @Override
    public List<AdminInfo> listAdmins() {
        return send("GET", "admins", null, new TypeReference<List<AdminInfo>>() { });
    }

    @Override
    public AdminCreated addAdmin(String name, char[] password, String role, List<String> domains) {
        ObjectNode b = body().put("name", name).put("password", password == null ? null : new String(password)).put("role", role);
        if (domains != null) domains.forEach(b.putArray("domains")::add);
        return send("POST", "admins", b, AdminCreated.class);
    }

    @Override
    public AdminCreated updateAdmin(String name, char[] password, String role, List<String> domains, Boolean enabled, boolean newTotp) {
        ObjectNode b = body();
        if (password != null) b.put("password", new String(password));
        if (role != null) b.put("role", role);
        if (domains != null) domains.forEach(b.putArray("domains")::add);
        if (enabled != null) b.put("enabled", enabled);
        if (newTotp) b.put("newTotp", true);
        return send("PATCH", "admins/" + encodeSegment(name, "administrator name"), b, AdminCreated.class);
    }

    @Override
    public void removeAdmin(String name) {
        send("DELETE", "admins/" + encodeSegment(name, "administrator name"), null, Void.class);
    }

    @Override
    public List<AuditEntry> audit(int limit, String since, String actor, String domain) {
        StringBuilder q = new StringBuilder("audit?limit=").append(limit);
        if (since != null) q.append("&since=").append(encodeSegment(since, null));
        if (actor != null) q.append("&actor=").append(encodeSegment(actor, null));
        if (domain != null) q.append("&domain=").append(encodeSegment(domain, null));
        return send("GET", q.toString(), null, new TypeReference<List<AuditEntry>>() { });
    }

    @Override
    public List<TrafficPoint> traffic(String step, String since, List<String> series) {
        StringBuilder q = new StringBuilder("traffic?step=").append(encodeSegment(step == null ? "minute" : step, null));
        if (since != null) q.append("&since=").append(encodeSegment(since, null));
        if (series != null && !series.isEmpty()) q.append("&series=").append(encodeSegment(String.join(",", series), null));
        return send("GET", q.toString(), null, new TypeReference<List<TrafficPoint>>() { });
    }

    @Override
    public TrafficTop trafficTop(String domain, String day, String kind, int limit) {
        StringBuilder q = new StringBuilder("traffic/top?limit=").append(limit);
        if (domain != null) q.append("&domain=").append(encodeSegment(domain, null));
        if (day != null) q.append("&day=").append(encodeSegment(day, null));
        if (kind != null) q.append("&kind=").append(encodeSegment(kind, null));
        return send("GET", q.toString(), null, TrafficTop.class);
    }

    @Override
    public List<AlertInfo> alerts() {
        return send("GET", "alerts", null, new TypeReference<List<AlertInfo>>() { });
    }

    @Override
    public ClusterInfo cluster() {
        return send("GET", "cluster", null, ClusterInfo.class);
    }

    @Override
    public SwitchoverInfo switchover() {
        return send("POST", "cluster/switchover", null, SwitchoverInfo.class);
    }

    @Override
    public void close() {
        http.close();
    }

    // ---- transport ----

    private static ObjectNode body() {
        return JSON.createObjectNode();
    }

    private static String domainQuery(String domain) {
        return domain == null ? "" : "?domain=" + encodeSegment(domain, null);
    }

    private <T> T send(String method, String path, ObjectNode body, Class<T> type) {
        return send(method, path, body, JSON.getTypeFactory().constructType(type));
    }

    private <T> T send(String method, String path, ObjectNode body, TypeReference<T> type) {
        return send(method, path, body, JSON.getTypeFactory().constructType(type));
    }

    private <T> T send(String method, String path, ObjectNode body, JavaType type) {
        return send(method, path, body, type, REQUEST_TIMEOUT);
    }

    /** A request with a CSV body (or none) whose answer is text (CSV or JSON), for the bulk import and export. */
    private String sendText(String method, String path, String csv) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + API_PREFIX + path)).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token);
        if (csv != null) req.header("Content-Type", "text/csv; charset=utf-8").method(method, HttpRequest.BodyPublishers.ofString(csv));
        else req.method(method, HttpRequest.BodyPublishers.noBody());
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new AdminException(Kind.UNAVAILABLE, "cannot reach the server at " + base + ": " + AdminService.oneLine(describe(e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminException(Kind.UNAVAILABLE, "interrupted while waiting for the server at " + base);
        }
        if (resp.statusCode() >= 200 && resp.statusCode() < 300) return new String(resp.body(), StandardCharsets.UTF_8);
        throw failure(resp.statusCode(), resp.body());
    }

    private <T> T send(String method, String path, ObjectNode body, JavaType type, Duration timeout) {
        if (path.startsWith("/") || path.isEmpty()) throw new IllegalArgumentException(path);
        URI uri;
        try {
            uri = URI.create(base + API_PREFIX + path);
        } catch (IllegalArgumentException e) {
            throw new AdminException(Kind.INVALID, "not a usable server address: " + base);
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
        if (body != null) {
            byte[] bytes;
            try {
                bytes = JSON.writeValueAsBytes(body);
            } catch (IOException e) {
                throw new IllegalStateException(e); // an ObjectNode always serialises
            }
            req.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(bytes));
        } else {
            req.method(method, HttpRequest.BodyPublishers.noBody());
        }

        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpConnectTimeoutException e) {
            throw new AdminException(Kind.UNAVAILABLE, "cannot reach the server at " + base + ": no answer within " + CONNECT_TIMEOUT.toSeconds() + " s");
        } catch (HttpTimeoutException e) {
            throw new AdminException(Kind.UNAVAILABLE, "the server at " + base + " did not answer within " + timeout.toMinutes() + " minutes");
        } catch (ConnectException e) {
            throw new AdminException(Kind.UNAVAILABLE, "cannot reach the server at " + base + " (connection refused)");
        } catch (IOException e) {
            throw new AdminException(Kind.UNAVAILABLE, "cannot reach the server at " + base + ": " + AdminService.oneLine(describe(e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminException(Kind.UNAVAILABLE, "interrupted while waiting for the server at " + base);
        }

        int status = resp.statusCode();
        if (status >= 200 && status < 300) {
            if (type.getRawClass() == Void.class) return null;
            try {
                return JSON.readValue(resp.body(), type);
            } catch (IOException e) {
                throw new AdminException(Kind.UNAVAILABLE, "the server at " + base + " sent an answer this client cannot read (HTTP " + status + ")");
            }
        }
        throw failure(status, resp.body());
    }

    /** Maps an HTTP failure back to the kind the server started from, keeping the server's one-line message. */
    private AdminException failure(int status, byte[] body) {
        String message = serverMessage(body);
        Kind kind = switch (status) {
            case 400, 405, 413, 415, 422 -> Kind.INVALID;
            case 404 -> Kind.NOT_FOUND;
            case 409 -> Kind.CONFLICT;
            case 403 -> Kind.FORBIDDEN;
            default -> Kind.UNAVAILABLE; // 401 (token refused), 5xx, or something in between that is not ours
        };
        if (message == null) message = "HTTP " + status + " from " + base;
        else if (status == 401) message = "the server at " + base + " refused the admin token: " + message;
        return new AdminException(kind, message);
    }

    private static String serverMessage(byte[] body) {
        if (body == null || body.length == 0) return null;
        try {
            JsonNode n = JSON.readTree(body);
            JsonNode e = n == null ? null : n.get("error");
            return e != null && e.isTextual() ? AdminService.oneLine(e.textValue()) : null;
        } catch (IOException e) {
            return null; // not our JSON: a proxy's error page, say
        }
    }

    private static String describe(IOException e) {
        Throwable t = e;
        while (t.getCause() != null && t.getMessage() == null) t = t.getCause();
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    /**
     * Percent-encodes one path segment or query value as UTF-8, leaving only RFC 3986
     * unreserved characters and '@' as they are, so that local parts with '/', '+', '%',
     * '?' or '#' reach the server intact.
     */
    public static String encodeSegment(String s, String what) {
        // An empty segment would address the collection instead of one of its members.
        if (what != null && (s == null || s.isBlank())) throw new AdminException(Kind.INVALID, "no " + what + " given");
        if (s == null) s = "";
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~@".indexOf(c) >= 0) {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }
}
