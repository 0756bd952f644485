package org.twinmail.http.admin;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.admin.AdminClient;
import org.twinmail.admin.AdminException.Kind;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations.AliasInfo;
import org.twinmail.admin.AdminOperations.DomainInfo;
import org.twinmail.admin.AdminOperations.UserInfo;
import org.twinmail.admin.AdminOperations;
import org.twinmail.admin.AdminPrincipal;
import org.twinmail.admin.AdminService;
import org.twinmail.core.mail.Printable;
import org.twinmail.http.Exchange;

/**
 * The admin REST API under {@value #PREFIX}, a thin HTTP skin over {@link AdminOperations}
 * ({@link AdminClient} speaks it). Resources and methods:
 *
 * <pre>
 * GET    /api/admin/domains                      200 [DomainInfo]
 * POST   /api/admin/domains        {"name"}      201 DomainInfo
 * DELETE /api/admin/domains/{name}[?force=true]  204
 * PUT    /api/admin/domains/{name}/quota {"quotaBytes"?,"maxMessages"?} (one or both) 200 DomainInfo
 * GET    /api/admin/domains/{name}/postmaster     200 PostmasterInfo (where postmaster@name goes)
 * GET    /api/admin/domains/{name}/dns           200 DomainDnsInfo (the records the domain should publish)
 * GET    /api/admin/tlsrpt                       200 [TlsReportInfo] (TLS reports received, RFC 8460)
 * GET    /api/admin/users[?domain=d]             200 [UserInfo]
 * POST   /api/admin/users  {"address","password","quotaBytes"?,"maxMessageBytes"?}  201 UserInfo
 * PATCH  /api/admin/users/{address} {"password"?,"quotaBytes"?,"maxMessageBytes"?,"maxMessages"?,"enabled"?} 200 UserInfo
 * GET    /api/admin/users/{address}/app-passwords 200 [AppPasswordInfo]
 * POST   /api/admin/users/{address}/app-passwords {"name"}  201 AppPasswordCreated (the password, shown this once)
 * DELETE /api/admin/users/{address}/app-passwords/{name}  204 (revoked)
 * DELETE /api/admin/users/{address}              204
 * GET    /api/admin/users/{address}/forwarding   200 ForwardingInfo (to empty: none)
 * PUT    /api/admin/users/{address}/forwarding {"to":[...],"keepCopy"?}  200 ForwardingInfo (keepCopy absent: true)
 * DELETE /api/admin/users/{address}/forwarding   204
 * GET    /api/admin/users/{address}/spam-level   200 SpamLevelInfo (level: off, lenient, normal, strict or a score)
 * PUT    /api/admin/users/{address}/spam-level {"level":"strict"|4.5}  200 SpamLevelInfo (normal: the administrator's thresholds)
 * GET    /api/admin/users/{address}/sharing      200 SharingInfo (the shared-account mark, the mailboxes' access control lists)
 * PUT    /api/admin/users/{address}/sharing {"shared"}  200 SharingInfo (marks or unmarks a domain's shared account)
 * PUT    /api/admin/users/{address}/acl/{identifier} {"rights","mailbox"?}  200 SharingInfo (mailbox absent: INBOX)
 * DELETE /api/admin/users/{address}/acl/{identifier}[?mailbox=m]  200 SharingInfo
 * GET    /api/admin/users/{address}/sms          200 SmsInfo (the user's SMS settings)
 * PATCH  /api/admin/users/{address}/sms {"phone"?,"enabled"?,"trigger"?,"senders"?,"alias"?,"quietHours"?,"zone"?,"dailyCap"?,"language"?} 200 SmsInfo
 * POST   /api/admin/users/{address}/sms/verify {"code"}  200 SmsInfo (the phone number confirmed)
 * POST   /api/admin/users/{address}/sms/code     200 SmsInfo (a new code is sent to the unverified number)
 * GET    /api/admin/export/users[?domain=d]      200 text/csv (the accounts, AccountsCsv; a domain administrator names a domain)
 * POST   /api/admin/import/users[?domain=d] text/csv  200 ImportResult (created or changed row by row, each row's outcome)
 * GET    /api/admin/aliases[?domain=d]           200 [AliasInfo]
 * POST   /api/admin/aliases {"source","targets"} 201 AliasInfo (replaces an alias with the same source)
 * DELETE /api/admin/aliases/{source}             204
 * POST   /api/admin/dkim/{domain} {"selector"?,"bits"?}  201 DkimInfo (generates the key; 409 if it exists)
 * GET    /api/admin/dkim/{domain}                200 DkimInfo (the key the domain signs with)
 * GET    /api/admin/queue[?limit=n]              200 [QueueInfo] (oldest first, default 1000)
 * POST   /api/admin/queue/retry                  200 {"recipients"} (every queued message due now)
 * POST   /api/admin/queue/{id}/retry             200 {"recipients"}
 * DELETE /api/admin/queue/{id}                   204 (no bounce)
 * POST   /api/admin/queue/{id}/bounce {"reason"?}  200 {"recipients"} (returned to the sender with a DSN)
 * GET    /api/admin/rules                        200 [RuleInfo] (IP rules, then sender rules)
 * POST   /api/admin/rules/ip {"range","action","comment"?,"expires"?}  201 RuleInfo (replaces the rule of that range)
 * DELETE /api/admin/rules/ip/{range}             204
 * POST   /api/admin/rules/sender {"pattern","action","scope"?,"comment"?,"expires"?}  201 RuleInfo
 * DELETE /api/admin/rules/sender/{pattern}[?scope=s]  204
 * GET    /api/admin/sieve                        200 [SieveScriptInfo] (the global scripts: before ones, then after ones, by name)
 * GET    /api/admin/sieve/{phase}/{name}         200 SieveScriptInfo (phase: before or after)
 * PUT    /api/admin/sieve/{phase}/{name} {"script"}  200 SieveScriptInfo (400 with the line when it does not compile)
 * DELETE /api/admin/sieve/{phase}/{name}         204
 * GET    /api/admin/bans                         200 [BanInfo] (in force, longest first)
 * POST   /api/admin/bans {"client","until"?,"reason"?}  201 BanInfo (until absent: no end)
 * DELETE /api/admin/bans/{client}                204
 * GET    /api/admin/outbound-holds               200 [OutboundHoldInfo] (accounts whose outbound mail is held, oldest first)
 * DELETE /api/admin/outbound-holds/{address}     204 (the hold lifted; held messages stay in the quarantine)
 * GET    /api/admin/quarantine                   200 [QuarantineInfo] (oldest first)
 * GET    /api/admin/quarantine/{id}              200 QuarantinedMessage (with its header section)
 * POST   /api/admin/quarantine/{id}/release      200 QuarantineInfo (delivered to its recipients, removed)
 * DELETE /api/admin/quarantine/{id}              204
 * GET    /api/admin/tls                          200 TlsInfo (the certificates served now, with their expiry)
 * GET    /api/admin/admins                       200 [AdminInfo] (the console's administrators)
 * POST   /api/admin/admins {"name","password","role","domains"?}  201 AdminCreated (with the new TOTP secret)
 * PATCH  /api/admin/admins/{name} {"password"?,"role"?,"domains"?,"enabled"?,"newTotp"?}  200 AdminCreated
 * DELETE /api/admin/admins/{name}                204
 * GET    /api/admin/audit[?limit&since&actor&domain]  200 [AuditEntry] (newest first)
 * GET    /api/admin/traffic[?step=minute|hour&since=&series=a,b]  200 [TrafficPoint] (the history, oldest first)
 * GET    /api/admin/traffic/top[?domain=&day=&kind=senders|receivers&limit=]  200 TrafficTop (a day's top senders or receivers; a domain administrator names a domain)
 * GET    /api/admin/alerts                       200 [AlertInfo] (the alerts in force)
 * GET    /api/admin/cluster                      200 ClusterInfo (this node's view of the pair: roles, lease, heartbeats, probes, failovers)
 * POST   /api/admin/cluster/switchover           200 SwitchoverInfo (planned switchover; 409 when the pair cannot switch now)
 * GET    /api/admin/me                           200 {"name","role","domains","via"} (who is asking)
 * GET    /api/admin/openapi.yaml                 200 this API's OpenAPI 3.1 description
 * </pre>
 *
 * Every request needs {@code Authorization: Bearer <token>} (the global administrator
 * {@code api-token}), or another credential an {@link Authenticator} recognises (the console's
 * session); 401 otherwise, before anything else is looked at, so the API cannot be probed. Each
 * route declares who may call it ({@link Guard}: a global administrator, or a domain
 * administrator for the domain the request is about), checked before its handler runs (403);
 * lists show a domain administrator the items of their domains only. Every request of an
 * administrator except a successful read goes to the audit log in the store. Failures are
 * {@code {"error":"<one line>"}} with 400 INVALID, 404 NOT_FOUND, 409 CONFLICT,
 * 503 UNAVAILABLE, 405 (with Allow), 413 or 415. Passwords travel only in request
 * bodies, never in URLs, and bodies are never logged. Unknown JSON fields and query
 * parameters are refused, so a typo ("quotaByte") fails instead of silently doing nothing.
 */
public final class AdminApi {
    public static final String PREFIX = AdminClient.API_PREFIX;

    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NONE = Set.of();

    /** The OpenAPI 3.1 description, a resource beside this class; a test holds it to the route table, both ways. */
    public static final String OPENAPI_RESOURCE = "openapi.yaml";

    private final AdminOperations admin;
    private final byte[] tokenDigest;
    private final List<Route> routes;
    private final List<Authenticator> authenticators = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param token the bearer token clients must present; must not be blank, since an
     *              admin API without one would be open to anyone who can reach the port
     */
    public AdminApi(AdminOperations admin, String token) {
        this(admin, token, admin::reloadTls);
    }

    /** @param reloadTls what {@code POST tls/reload} runs: the node's certificate reload */
    public AdminApi(AdminOperations admin, String token, java.util.function.Supplier<AdminOperations.TlsInfo> reloadTls) {
        this(admin, token, reloadTls, () -> {
            throw new AdminException(Kind.UNAVAILABLE, "this server serves no TLS certificates");
        });
    }

    /** @param currentTls what {@code GET tls} answers: the certificates served now */
    public AdminApi(AdminOperations admin, String token, java.util.function.Supplier<AdminOperations.TlsInfo> reloadTls,
                    java.util.function.Supplier<AdminOperations.TlsInfo> currentTls) {
        this.admin = Objects.requireNonNull(admin, "admin");
        if (token == null || token.isBlank()) throw new IllegalArgumentException("the admin API needs a non-empty token");
        this.tokenDigest = sha256(token);
        this.routes = List.of(
                new Route("GET", "domains", ANY, NONE, false, r -> Reply.ok(visible(r, admin.listDomains(), DomainInfo::name))),
                new Route("POST", "domains", GLOBAL, NONE, true, this::addDomain),
                new Route("DELETE", "domains/*", GLOBAL, Set.of("force"), false, this::removeDomain),
                new Route("PUT", "domains/*/quota", GLOBAL, NONE, true, this::setDomainQuota),
                new Route("GET", "domains/*/postmaster", domainParam(), NONE, false, r -> Reply.ok(admin.postmaster(r.param(0)))),
                new Route("GET", "domains/*/dns", domainParam(), NONE, false, r -> Reply.ok(admin.domainDns(r.param(0)))),
                new Route("GET", "users", domainQuery(), Set.of("domain"), false,
                        r -> Reply.ok(visible(r, admin.listUsers(r.query("domain")), u -> domainOf(u.address())))),
                new Route("POST", "users", addressBody("address"), NONE, true, this::addUser),
                new Route("PATCH", "users/*", addressParam(), NONE, true, this::updateUser),
                new Route("DELETE", "users/*", addressParam(), NONE, false, r -> {
                    admin.removeUser(r.param(0));
                    return Reply.noContent();
                }),
                new Route("GET", "users/*/app-passwords", addressParam(), NONE, false, r -> Reply.ok(admin.appPasswords(r.param(0)))),
                new Route("POST", "users/*/app-passwords", addressParam(), NONE, true, r -> {
                    AdminOperations.AppPasswordCreated c = admin.addAppPassword(r.param(0), text(r.body(Set.of("name")), "name", true));
                    Reply created = Reply.created(c, "users");
                    created.headers.put("Location", PREFIX + "users/" + AdminClient.encodeSegment(c.address(), null) + "/app-passwords/"
                            + AdminClient.encodeSegment(c.name(), null));
                    return created;
                }),
                new Route("DELETE", "users/*/app-passwords/*", addressParam(), NONE, false, r -> {
                    admin.removeAppPassword(r.param(0), r.param(1));
                    return Reply.noContent();
                }),
                new Route("GET", "users/*/forwarding", addressParam(), NONE, false, r -> Reply.ok(admin.forwarding(r.param(0)))),
                new Route("PUT", "users/*/forwarding", addressParam(), NONE, true, this::setForwarding),
                new Route("DELETE", "users/*/forwarding", addressParam(), NONE, false, r -> {
                    admin.removeForwarding(r.param(0));
                    return Reply.noContent();
                }),
                new Route("GET", "users/*/spam-level", addressParam(), NONE, false, r -> Reply.ok(admin.spamLevel(r.param(0)))),
                new Route("PUT", "users/*/spam-level", addressParam(), NONE, true, r -> {
                    JsonNode level = r.body(Set.of("level")).get("level");
                    if (level == null || !(level.isTextual() || level.isNumber())) throw invalid("level must be off, lenient, normal, strict or a score");
                    return Reply.ok(admin.setSpamLevel(r.param(0), level.isNumber() ? level.decimalValue().toPlainString() : level.textValue()));
                }),
                new Route("GET", "users/*/sharing", addressParam(), NONE, false, r -> Reply.ok(admin.sharing(r.param(0)))),
                new Route("PUT", "users/*/sharing", addressParam(), NONE, true, r -> {
                    JsonNode shared = r.body(Set.of("shared")).get("shared");
                    if (shared == null || !shared.isBoolean()) throw invalid("shared must be true or false");
                    return Reply.ok(admin.setShared(r.param(0), shared.booleanValue()));
                }),
                new Route("PUT", "users/*/acl/*", grantParams(), NONE, true, r -> {
                    JsonNode body = r.body(Set.of("rights", "mailbox"));
                    return Reply.ok(admin.grant(r.param(0), text(body, "mailbox", false), r.param(1), text(body, "rights", true)));
                }),
                new Route("DELETE", "users/*/acl/*", grantParams(), Set.of("mailbox"), false,
                        r -> Reply.ok(admin.revoke(r.param(0), r.query("mailbox"), r.param(1)))),
                new Route("GET", "users/*/sms", addressParam(), NONE, false, r -> Reply.ok(admin.smsSettings(r.param(0)))),
                new Route("PATCH", "users/*/sms", addressParam(), NONE, true, this::setSms),
                new Route("POST", "users/*/sms/verify", addressParam(), NONE, true,
                        r -> Reply.ok(admin.verifySms(r.param(0), text(r.body(Set.of("code")), "code", true)))),
                new Route("POST", "users/*/sms/code", addressParam(), NONE, false, r -> Reply.ok(admin.resendSmsCode(r.param(0)))),
                new Route("GET", "export/users", domainQueryRequired(), Set.of("domain"), false, r -> {
                    Reply csv = Reply.raw(admin.exportUsers(r.query("domain")).getBytes(java.nio.charset.StandardCharsets.UTF_8), "text/csv; charset=utf-8");
                    csv.headers.put("Content-Disposition", "attachment; filename=\"accounts" + (r.query("domain") == null ? "" : "-"
                            + AdminService.normalDomain(r.query("domain"))) + ".csv\"");
                    return csv;
                }),
                new Route("POST", "import/users", domainQueryRequired(), Set.of("domain"), true,
                        r -> Reply.ok(admin.importUsers(r.text(), r.query("domain")))),
                new Route("GET", "aliases", domainQuery(), Set.of("domain"), false,
                        r -> Reply.ok(visible(r, admin.listAliases(r.query("domain")), a -> domainOf(a.source())))),
                new Route("POST", "aliases", addressBody("source"), NONE, true, this::addAlias),
                new Route("DELETE", "aliases/*", addressParam(), NONE, false, r -> {
                    admin.removeAlias(r.param(0));
                    return Reply.noContent();
                }),
                new Route("GET", "queue", GLOBAL, Set.of("limit"), false, r -> Reply.ok(admin.listQueue(limit(r.query("limit"))))),
                new Route("POST", "queue/retry", GLOBAL, NONE, false, r -> Reply.ok(Map.of("recipients", admin.retryQueue(0)))),
                new Route("POST", "queue/*/retry", GLOBAL, NONE, false, r -> Reply.ok(Map.of("recipients", admin.retryQueue(queueId(r.param(0)))))),
                new Route("POST", "queue/*/bounce", GLOBAL, NONE, true, r -> Reply.ok(Map.of("recipients",
                        admin.bounceQueued(queueId(r.param(0)), text(r.body(Set.of("reason")), "reason", false))))),
                new Route("DELETE", "queue/*", GLOBAL, NONE, false, r -> {
                    admin.deleteQueued(queueId(r.param(0)));
                    return Reply.noContent();
                }),
                new Route("GET", "rules", ANY, NONE, false,
                        r -> Reply.ok(visible(r, admin.listRules(), rule -> rule.type().equals("sender") && !rule.scope().isEmpty() ? domainOf(rule.scope()) : null))),
                new Route("POST", "rules/ip", GLOBAL, NONE, true, this::addIpRule),
                new Route("DELETE", "rules/ip/*", GLOBAL, NONE, false, r -> {
                    admin.removeIpRule(r.param(0));
                    return Reply.noContent();
                }),
                new Route("POST", "rules/sender", scopeBody(), NONE, true, this::addSenderRule),
                new Route("DELETE", "rules/sender/*", scopeQuery(), Set.of("scope"), false, r -> {
                    admin.removeSenderRule(r.param(0), r.query("scope"));
                    return Reply.noContent();
                }),
                new Route("GET", "sieve", GLOBAL, NONE, false, r -> Reply.ok(admin.listSieveScripts())),
                new Route("GET", "sieve/*/*", GLOBAL, NONE, false, r -> Reply.ok(admin.sieveScript(r.param(0), r.param(1)))),
                new Route("PUT", "sieve/*/*", GLOBAL, NONE, true,
                        r -> Reply.ok(admin.putSieveScript(r.param(0), r.param(1), text(r.body(Set.of("script")), "script", true)))),
                new Route("DELETE", "sieve/*/*", GLOBAL, NONE, false, r -> {
                    admin.removeSieveScript(r.param(0), r.param(1));
                    return Reply.noContent();
                }),
                new Route("GET", "bans", GLOBAL, NONE, false, r -> Reply.ok(admin.listBans())),
                new Route("GET", "tlsrpt", GLOBAL, NONE, false, r -> Reply.ok(admin.listTlsReports())),
                new Route("POST", "bans", GLOBAL, NONE, true, this::addBan),
                new Route("DELETE", "bans/*", GLOBAL, NONE, false, r -> {
                    admin.removeBan(r.param(0));
                    return Reply.noContent();
                }),
                new Route("GET", "outbound-holds", GLOBAL, NONE, false, r -> Reply.ok(admin.listOutboundHolds())),
                new Route("DELETE", "outbound-holds/*", GLOBAL, NONE, false, r -> {
                    admin.releaseOutboundHold(r.param(0));
                    return Reply.noContent();
                }),
                new Route("GET", "quarantine", GLOBAL, NONE, false, r -> Reply.ok(admin.listQuarantine())),
                new Route("GET", "quarantine/*", GLOBAL, NONE, false, r -> Reply.ok(admin.showQuarantined(r.param(0)))),
                new Route("POST", "quarantine/*/release", GLOBAL, NONE, false, r -> Reply.ok(admin.releaseQuarantined(r.param(0)))),
                new Route("DELETE", "quarantine/*", GLOBAL, NONE, false, r -> {
                    admin.deleteQuarantined(r.param(0));
                    return Reply.noContent();
                }),
                new Route("POST", "tls/reload", GLOBAL, NONE, false, r -> Reply.ok(reloadTls.get())),
                new Route("GET", "tls", GLOBAL, NONE, false, r -> Reply.ok(currentTls.get())),
                new Route("POST", "backup", GLOBAL, NONE, true, r -> Reply.ok(admin.backup(text(r.body(Set.of("directory")), "directory", true)))),
                new Route("POST", "dkim/*", domainParam(), NONE, true, this::generateDkimKey),
                new Route("GET", "dkim/*", domainParam(), NONE, false, r -> Reply.ok(admin.showDkimKey(r.param(0)))),
                new Route("GET", "admins", GLOBAL, NONE, false, r -> Reply.ok(admin.listAdmins())),
                new Route("POST", "admins", GLOBAL, NONE, true, this::addAdmin),
                new Route("PATCH", "admins/*", GLOBAL, NONE, true, this::updateAdmin),
                new Route("DELETE", "admins/*", GLOBAL, NONE, false, r -> {
                    admin.removeAdmin(r.param(0));
                    return Reply.noContent();
                }),
                new Route("GET", "audit", GLOBAL, Set.of("limit", "since", "actor", "domain"), false,
                        r -> Reply.ok(admin.audit(r.query("limit") == null ? 200 : limit(r.query("limit")), r.query("since"), r.query("actor"),
                                r.query("domain")))),
                new Route("GET", "traffic", GLOBAL, Set.of("step", "since", "series"), false, r -> Reply.ok(admin.traffic(r.query("step"),
                        r.query("since"), r.query("series") == null ? null : List.of(r.query("series").split(","))))),
                new Route("GET", "traffic/top", domainQueryRequired(), Set.of("domain", "day", "kind", "limit"), false,
                        r -> Reply.ok(admin.trafficTop(r.query("domain"), r.query("day"), r.query("kind"),
                                r.query("limit") == null ? 10 : limit(r.query("limit"))))),
                new Route("GET", "alerts", GLOBAL, NONE, false, r -> Reply.ok(admin.alerts())),
                new Route("GET", "cluster", GLOBAL, NONE, false, r -> Reply.ok(admin.cluster())),
                new Route("POST", "cluster/switchover", GLOBAL, NONE, false, this::switchover),
                new Route("GET", "me", ANY, NONE, false, r -> Reply.ok(Map.of("name", r.principal.name(), "role", r.principal.role(),
                        "domains", r.principal.domains().stream().sorted().toList(), "via", r.principal.via()))),
                new Route("GET", OPENAPI_RESOURCE, ANY, NONE, false, r -> Reply.raw(openApi(), "application/yaml")));
    }

    /** Every route as "METHOD /api/admin/path", a path parameter written "*". */
    public List<String> routes() {
        return routes.stream().map(r -> r.method + " " + PREFIX + r.template).toList();
    }

    /**
     * Adds a way to recognise an administrator besides the bearer token (the console's session
     * cookie); tried in order after the token. Before the server starts.
     */
    public void addAuthenticator(Authenticator authenticator) {
        authenticators.add(Objects.requireNonNull(authenticator, "authenticator"));
    }

    /**
     * Recognises the administrator behind a request, or returns empty when the request does not
     * carry its kind of credentials (or they are no longer valid); may refuse a request it
     * recognises with an {@link AdminException} (a missing CSRF token: FORBIDDEN).
     */
    @FunctionalInterface
    public interface Authenticator {
        java.util.Optional<AdminPrincipal> authenticate(Exchange ex);
    }

    // ---- authorisation: every route declares who may call it, checked here before its handler runs ----

    /**
     * Who may call a route: a global administrator always; a domain administrator when the
     * guard finds the domain the request is about among theirs. The guard also notes that
     * domain for the audit log.
     */
    @FunctionalInterface
    private interface Guard {
        /** The domain the request is about (null: none in particular), or FORBIDDEN. */
        String check(AdminPrincipal p, Request r) throws IOException;
    }

    /** Global administrators only. */
    private static final Guard GLOBAL = (p, r) -> {
        if (!p.global()) throw forbidden("only a global administrator may do this");
        return null;
    };

    /** Every administrator; what a domain administrator sees is narrowed by {@link #visible}. */
    private static final Guard ANY = (p, r) -> null;

    /** The domain in the path ({@code domains/{name}/...}, {@code dkim/{domain}}). */
    private static Guard domainParam() {
        return (p, r) -> need(p, AdminService.normalDomain(r.param(0)));
    }

    /** The domain of the address in the path ({@code users/{address}}, {@code aliases/{source}}). */
    private static Guard addressParam() {
        return (p, r) -> need(p, domainOf(r.param(0)));
    }

    /**
     * A grant on an account's mailbox ({@code users/{address}/acl/{identifier}}): a domain
     * administrator must manage the account's domain and the identifier's ({@code anyone}, every
     * account of the server, is a global administrator's).
     */
    private static Guard grantParams() {
        return (p, r) -> {
            String domain = need(p, domainOf(r.param(0)));
            String identifier = r.param(1);
            need(p, identifier.indexOf('@') >= 0 ? domainOf(identifier) : null);
            return domain;
        };
    }

    /** The domain of an address in the JSON body. */
    private static Guard addressBody(String field) {
        return (p, r) -> {
            JsonNode n = r.json().get(field);
            return need(p, n != null && n.isTextual() ? domainOf(n.textValue()) : null);
        };
    }

    /** {@code ?domain=}: a domain administrator must name one of theirs, or gets theirs only (see {@link #visible}). */
    private static Guard domainQuery() {
        return (p, r) -> {
            String d = r.query("domain");
            return d == null ? null : need(p, AdminService.normalDomain(d));
        };
    }

    /** {@code ?domain=}: a domain administrator must name one of theirs (the request is about all domains without it). */
    private static Guard domainQueryRequired() {
        return (p, r) -> {
            String d = r.query("domain");
            return need(p, d == null || d.isBlank() ? null : AdminService.normalDomain(d));
        };
    }

    /** A sender rule's scope (a domain, or a user's address) in the body: global rules are a global administrator's. */
    private static Guard scopeBody() {
        return (p, r) -> {
            JsonNode n = r.json().get("scope");
            return need(p, n != null && n.isTextual() && !n.textValue().isBlank() ? domainOf(n.textValue()) : null);
        };
    }

    private static Guard scopeQuery() {
        return (p, r) -> {
            String scope = r.query("scope");
            return need(p, scope != null && !scope.isBlank() ? domainOf(scope) : null);
        };
    }

    private static String need(AdminPrincipal p, String domain) {
        if (p.global()) return domain;
        if (domain == null) throw forbidden("only a global administrator may do this");
        if (!p.manages(domain)) throw forbidden(p.name() + " does not manage " + domain);
        return domain;
    }

    /** The domain part of {@code user@domain}, {@code @domain} or a bare domain, lower case; null when there is none. */
    static String domainOf(String addressOrDomain) {
        if (addressOrDomain == null) return null;
        String s = addressOrDomain.strip();
        int at = s.lastIndexOf('@');
        String d = at >= 0 ? s.substring(at + 1) : s;
        return d.isEmpty() ? null : AdminService.normalDomain(d);
    }

    /** What a domain administrator may see of a list: the items of their domains (an item of no domain is a global one's). */
    private static <T> List<T> visible(Request r, List<T> items, java.util.function.Function<T, String> domain) {
        if (r.principal.global()) return items;
        return items.stream().filter(i -> {
            String d = domain.apply(i);
            return d != null && r.principal.manages(d);
        }).toList();
    }

    private static AdminException forbidden(String message) {
        return new AdminException(Kind.FORBIDDEN, message);
    }

    private static byte[] openApi() throws IOException {
        try (var in = AdminApi.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the build");
            return in.readAllBytes();
        }
    }

    // ---- handlers: parse the body, call the operation, shape the reply ----

    private Reply addDomain(Request r) throws IOException {
        JsonNode body = r.body(Set.of("name"));
        DomainInfo d = admin.addDomain(text(body, "name", true));
        return Reply.created(d, "domains/" + d.name());
    }

    private Reply addIpRule(Request r) throws IOException {
        JsonNode body = r.body(Set.of("range", "action", "comment", "expires"));
        AdminOperations.RuleInfo rule = admin.addIpRule(text(body, "range", true), text(body, "action", true), text(body, "comment", false),
                instant(text(body, "expires", false)));
        return Reply.created(rule, "rules/ip/" + AdminClient.encodeSegment(rule.match(), null));
    }

    private Reply addSenderRule(Request r) throws IOException {
        JsonNode body = r.body(Set.of("pattern", "action", "scope", "comment", "expires"));
        AdminOperations.RuleInfo rule = admin.addSenderRule(text(body, "pattern", true), text(body, "action", true), text(body, "scope", false),
                text(body, "comment", false), instant(text(body, "expires", false)));
        return Reply.created(rule, "rules/sender/" + AdminClient.encodeSegment(rule.match(), null));
    }

    private Reply addBan(Request r) throws IOException {
        JsonNode body = r.body(Set.of("client", "until", "reason"));
        AdminOperations.BanInfo ban = admin.addBan(text(body, "client", true), instant(text(body, "until", false)), text(body, "reason", false));
        return Reply.created(ban, "bans/" + AdminClient.encodeSegment(ban.client(), null));
    }

    private static java.time.Instant instant(String text) {
        if (text == null) return null;
        try {
            return java.time.Instant.parse(text.strip());
        } catch (java.time.format.DateTimeParseException e) {
            throw invalid("expires must be an ISO-8601 instant (2026-12-31T00:00:00Z): " + Printable.of(text));
        }
    }

    private Reply removeDomain(Request r) {
        admin.removeDomain(r.param(0), flag(r.query("force"), "force"));
        return Reply.noContent();
    }

    private Reply setDomainQuota(Request r) throws IOException {
        JsonNode body = r.body(Set.of("quotaBytes", "maxMessages"));
        Long quota = bytes(body, "quotaBytes");
        Long maxMessages = count(body, "maxMessages");
        if (quota == null && maxMessages == null) throw invalid("missing field: quotaBytes or maxMessages");
        DomainInfo d = null;
        if (quota != null) d = admin.setDomainQuota(r.param(0), quota);
        if (maxMessages != null) d = admin.setDomainMessageLimit(r.param(0), maxMessages);
        return Reply.ok(d);
    }

    private Reply addUser(Request r) throws IOException {
        JsonNode body = r.body(Set.of("address", "password", "quotaBytes", "maxMessageBytes"));
        String address = text(body, "address", true);
        char[] password = chars(body, "password", true);
        Long quota = bytes(body, "quotaBytes");
        Long maxMessage = bytes(body, "maxMessageBytes");
        try {
            UserInfo u = admin.addUser(address, password, quota == null ? 0 : quota, maxMessage == null ? 0 : maxMessage);
            return Reply.created(u, "users/" + u.address());
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private Reply updateUser(Request r) throws IOException {
        JsonNode body = r.body(Set.of("password", "quotaBytes", "maxMessageBytes", "maxMessages", "enabled"));
        char[] password = chars(body, "password", false);
        Boolean enabled = bool(body, "enabled");
        try {
            UserInfo u = admin.updateUser(r.param(0), password, bytes(body, "quotaBytes"), bytes(body, "maxMessageBytes"), count(body, "maxMessages"));
            return Reply.ok(enabled == null ? u : admin.setUserEnabled(r.param(0), enabled));
        } finally {
            if (password != null) Arrays.fill(password, '\0');
        }
    }

    private Reply setForwarding(Request r) throws IOException {
        JsonNode body = r.body(Set.of("to", "keepCopy"));
        JsonNode to = body.get("to");
        if (to == null || to.isNull()) throw invalid("missing field: to");
        List<String> list = new ArrayList<>();
        if (to.isTextual()) {
            list.add(to.textValue());
        } else if (to.isArray()) {
            for (JsonNode t : to) {
                if (!t.isTextual()) throw invalid("to must be a list of addresses");
                list.add(t.textValue());
            }
        } else {
            throw invalid("to must be a list of addresses");
        }
        JsonNode keep = body.get("keepCopy");
        if (keep != null && !keep.isNull() && !keep.isBoolean()) throw invalid("keepCopy must be true or false");
        return Reply.ok(admin.setForwarding(r.param(0), list, keep == null || keep.isNull() || keep.booleanValue()));
    }

    private Reply setSms(Request r) throws IOException {
        JsonNode body = r.body(Set.of("phone", "enabled", "trigger", "senders", "alias", "quietHours", "zone", "dailyCap", "language"));
        Boolean enabled = null;
        JsonNode e = body.get("enabled");
        if (e != null && !e.isNull()) {
            if (!e.isBoolean()) throw invalid("enabled must be true or false");
            enabled = e.booleanValue();
        }
        List<String> senders = null;
        JsonNode s = body.get("senders");
        if (s != null && !s.isNull()) {
            if (!s.isArray()) throw invalid("senders must be a list of addresses or domains");
            senders = new ArrayList<>();
            for (JsonNode x : s) {
                if (!x.isTextual()) throw invalid("senders must be a list of addresses or domains");
                senders.add(x.textValue());
            }
        }
        Long cap = count(body, "dailyCap");
        if (cap != null && cap > Integer.MAX_VALUE) throw invalid("dailyCap is too large");
        return Reply.ok(admin.setSms(r.param(0), new AdminOperations.SmsChange(text(body, "phone", false), enabled, text(body, "trigger", false),
                senders, text(body, "alias", false), text(body, "quietHours", false), text(body, "zone", false),
                cap == null ? null : cap.intValue(), text(body, "language", false))));
    }

    private Reply addAlias(Request r) throws IOException {
        JsonNode body = r.body(Set.of("source", "targets"));
        String source = text(body, "source", true);
        JsonNode targets = body.get("targets");
        if (targets == null || targets.isNull()) throw invalid("missing field: targets");
        List<String> list = new ArrayList<>();
        if (targets.isTextual()) {
            list.add(targets.textValue()); // one target need not be wrapped in a list
        } else if (targets.isArray()) {
            for (JsonNode t : targets) {
                if (!t.isTextual()) throw invalid("targets must be a list of addresses");
                list.add(t.textValue());
            }
        } else {
            throw invalid("targets must be a list of addresses");
        }
        AliasInfo a = admin.addAlias(source, list);
        return Reply.created(a, "aliases/" + a.source());
    }

    private Reply addAdmin(Request r) throws IOException {
        JsonNode body = r.body(Set.of("name", "password", "role", "domains"));
        char[] password = chars(body, "password", true);
        try {
            AdminOperations.AdminCreated a = admin.addAdmin(text(body, "name", true), password, text(body, "role", true), strings(body, "domains"));
            return Reply.created(a, "admins/" + a.admin().name());
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private Reply updateAdmin(Request r) throws IOException {
        JsonNode body = r.body(Set.of("password", "role", "domains", "enabled", "newTotp"));
        char[] password = chars(body, "password", false);
        try {
            return Reply.ok(admin.updateAdmin(r.param(0), password, text(body, "role", false), strings(body, "domains"),
                    bool(body, "enabled"), Boolean.TRUE.equals(bool(body, "newTotp"))));
        } finally {
            if (password != null) Arrays.fill(password, '\0');
        }
    }

    private static List<String> strings(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isArray()) throw invalid(field + " must be a list of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) throw invalid(field + " must be a list of strings");
            out.add(e.textValue());
        }
        return out;
    }

    private static Boolean bool(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isBoolean()) throw invalid(field + " must be true or false");
        return n.booleanValue();
    }

    /**
     * The switchover moves the store away from the node that serves now, so its audit entry is
     * written before, while that node still has the store (outcome {@code requested}); asked on the
     * standby, the store arrives with the service and the entry is written after, as for any action.
     * A refusal is written after in both cases (nothing moved).
     */
    private Reply switchover(Request r) {
        try {
            admin.recordAudit(new AdminOperations.AuditEntry(null, r.principal.name(), r.principal.via(), r.ex.client(),
                    "POST " + PREFIX + "cluster/switchover", "cluster", null, 202, "requested"));
            r.audit.recorded = true;
        } catch (RuntimeException e) {
            log.debug("switchover: audit entry deferred ({})", e.getMessage());
        }
        return Reply.ok(admin.switchover());
    }

    private Reply generateDkimKey(Request r) throws IOException {
        JsonNode body = r.body(Set.of("selector", "bits"));
        JsonNode bits = body.get("bits");
        int b = org.twinmail.mail.dkim.DkimKeys.DEFAULT_BITS;
        if (bits != null && !bits.isNull()) {
            if (!bits.isIntegralNumber() || !bits.canConvertToInt()) throw invalid("bits must be a whole number");
            b = bits.intValue();
        }
        AdminOperations.DkimInfo k = admin.generateDkimKey(r.param(0), text(body, "selector", false), b);
        return Reply.created(k, "dkim/" + k.domain());
    }

    // ---- the exchange ----

    /** Answers one request under {@link #PREFIX}; bodies are capped at {@code http.maxRequestBodySize} (413). */
    public void handle(Exchange ex) throws IOException {
        long start = System.nanoTime();
        String method = ex.method();
        String rawPath = ex.rawPath();
        Reply reply;
        Audit audit = new Audit();
        try {
            reply = dispatch(ex, method, rawPath, audit);
        } catch (AdminException e) {
            reply = Reply.error(status(e.kind()), e.getMessage());
        } catch (HttpError e) {
            reply = Reply.error(e.status, e.getMessage());
        } catch (Exchange.BodyTooLargeException e) {
            reply = Reply.error(413, e.getMessage());
        } catch (IOException e) {
            reply = Reply.error(400, "could not read the request: " + AdminService.oneLine(e.getMessage()));
        } catch (RuntimeException e) {
            log.error("admin {} {} failed", method, Printable.of(rawPath), e);
            reply = Reply.error(500, "internal error: " + AdminService.oneLine(e.getMessage()));
        }
        // The entry is in the store before the administrator sees the answer: a client that
        // reads the audit log after an answer finds the action there.
        record(ex, method, rawPath, reply, audit);
        try {
            send(ex, reply);
        } finally {
            audit(ex, method, rawPath, reply, start);
        }
    }

    /** Who made a request and the domain it was about, as far as dispatch got. */
    private static final class Audit {
        AdminPrincipal principal;
        String domain;
        /** The handler wrote its own entry of a success (the switchover); a failure is still written after. */
        boolean recorded;
    }

    /**
     * Writes the request to the audit log in the store (docs/console.md): every request of a
     * recognised administrator except a successful read. Unauthenticated requests are only
     * logged (a stranger must not be able to fill the store).
     */
    private void record(Exchange ex, String method, String rawPath, Reply reply, Audit audit) {
        if (audit.principal == null) return;
        if ((method.equals("GET") || method.equals("HEAD")) && reply.status < 400) return;
        if (audit.recorded && reply.status < 400) return;
        String location = reply.headers.get("Location");
        String target = location != null ? location.substring(PREFIX.length()) : rawPath.startsWith(PREFIX) ? rawPath.substring(PREFIX.length()) : rawPath;
        String outcome = reply.status < 400 ? "ok" : reply.body instanceof Map<?, ?> m ? String.valueOf(m.get("error")) : "HTTP " + reply.status;
        try {
            admin.recordAudit(new AdminOperations.AuditEntry(null, audit.principal.name(), audit.principal.via(), ex.client(),
                    method + " " + PREFIX + (rawPath.startsWith(PREFIX) ? rawPath.substring(PREFIX.length()) : rawPath),
                    percentDecodeQuietly(target), audit.domain, reply.status, outcome));
        } catch (RuntimeException e) {
            log.warn("admin: the audit log did not take {} {} by {}: {}", Printable.of(method), Printable.of(rawPath), audit.principal.name(),
                    AdminService.oneLine(e.getMessage()));
        }
    }

    private static String percentDecodeQuietly(String s) {
        try {
            return percentDecode(s);
        } catch (AdminException e) {
            return s;
        }
    }

    private Reply dispatch(Exchange ex, String method, String rawPath, Audit audit) throws IOException {
        AdminPrincipal principal = null;
        if (ex.hasHeader("Authorization")) {
            if (authorized(ex.header("Authorization"))) principal = AdminPrincipal.API_TOKEN;
        } else {
            for (Authenticator a : authenticators) {
                java.util.Optional<AdminPrincipal> p = a.authenticate(ex);
                if (p.isPresent()) {
                    principal = p.get();
                    break;
                }
            }
        }
        if (principal == null) {
            Reply r = Reply.error(401, ex.hasHeader("Authorization")
                    ? "wrong admin token" : "missing admin token (send Authorization: Bearer <token>)");
            r.headers.put("WWW-Authenticate", "Bearer realm=\"twinmail-admin\"");
            return r;
        }
        audit.principal = principal;
        if (!rawPath.startsWith(PREFIX)) return Reply.error(404, "no such endpoint: " + Printable.of(rawPath));
        List<String> segments = segments(rawPath.substring(PREFIX.length()));

        Set<String> allowed = new LinkedHashSet<>();
        for (Route route : routes) {
            List<String> params = route.match(segments);
            if (params == null) continue;
            if (!route.method.equals(method)) {
                allowed.add(route.method);
                continue;
            }
            Map<String, String> query = query(ex.rawQuery(), route.queryParams);
            Request request = new Request(ex, params, query, route.hasBody, principal, audit);
            audit.domain = route.guard.check(principal, request);
            return route.handler.handle(request);
        }
        if (allowed.isEmpty()) return Reply.error(404, "no such endpoint: " + Printable.of(rawPath));
        Reply r = Reply.error(405, "method " + Printable.of(method) + " not allowed here; use " + String.join(", ", allowed));
        r.headers.put("Allow", String.join(", ", allowed));
        return r;
    }

    /** Compares digests, so the time taken depends neither on where the tokens differ nor on the token's length. */
    private boolean authorized(String header) {
        if (header == null) return false;
        String h = header.strip();
        if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        return MessageDigest.isEqual(tokenDigest, sha256(h.substring(7).strip()));
    }

    private static void send(Exchange ex, Reply reply) throws IOException {
        ex.setHeader("Cache-Control", "no-store");
        ex.setHeader("X-Content-Type-Options", "nosniff");
        reply.headers.forEach(ex::setHeader);
        if (reply.raw != null) {
            ex.send(reply.status, reply.rawType, reply.raw);
            return;
        }
        if (reply.body == null) {
            ex.send(reply.status, null, null);
            return;
        }
        ex.send(reply.status, "application/json", JSON.writeValueAsBytes(reply.body));
    }

    /**
     * One line per request, for the audit trail: who (the client address), what
     * (method and path; POSTs add the created resource) and the outcome. Bodies are
     * never logged, since they carry passwords. Successful reads go to debug; refused
     * tokens are always logged, since they may be someone guessing.
     */
    private static void audit(Exchange ex, String method, String rawPath, Reply reply, long start) {
        boolean read = method.equals("GET") && reply.status != 401;
        if (read ? !log.isDebugEnabled() : !log.isInfoEnabled()) return;
        String client = ex.client();
        String created = reply.headers.getOrDefault("Location", "");
        String outcome = reply.status >= 400 && reply.body instanceof Map<?, ?> m ? " " + Printable.of(String.valueOf(m.get("error"))) : "";
        String line = String.format(Locale.ROOT, "admin %s %s %s -> %d%s%s (%d ms)", client, Printable.of(method), Printable.of(rawPath),
                reply.status, created.isEmpty() ? "" : " " + Printable.of(created), outcome, (System.nanoTime() - start) / 1_000_000);
        if (read) log.debug(line);
        else log.info(line);
    }

    static int status(Kind kind) {
        return switch (kind) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case UNAVAILABLE -> 503;
            case FORBIDDEN -> 403;
        };
    }

    // ---- request parsing ----

    /** Splits the path after the prefix and percent-decodes each segment on its own, so an encoded '/' stays inside its segment. */
    static List<String> segments(String rawRest) {
        String rest = rawRest.endsWith("/") ? rawRest.substring(0, rawRest.length() - 1) : rawRest;
        if (rest.isEmpty()) return List.of();
        List<String> out = new ArrayList<>();
        for (String s : rest.split("/", -1)) out.add(percentDecode(s));
        return out;
    }

    /** RFC 3986 percent-decoding of a path segment; unlike form decoding, '+' stays '+' (it is legal in local parts). */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) return s;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
                if (lo < 0) throw invalid("malformed percent-encoding in the path: " + Printable.of(s));
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw invalid("the path is not UTF-8: " + Printable.of(s));
        }
    }

    private static Map<String, String> query(String rawQuery, Set<String> known) {
        Map<String, String> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) return out;
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String name, value;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw invalid("malformed query string");
            }
            if (!known.contains(name)) {
                throw invalid("unknown query parameter: " + Printable.of(name)
                        + (known.isEmpty() ? "" : " (known: " + String.join(", ", known) + ")"));
            }
            if (out.put(name, value) != null) throw invalid("query parameter given twice: " + name);
        }
        return out;
    }

    private static boolean flag(String value, String name) {
        if (value == null) return false;
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "", "true", "1", "yes" -> true; // "?force" alone means force
            case "false", "0", "no" -> false;
            default -> throw invalid(name + " must be true or false, not " + Printable.of(value));
        };
    }

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            if (required) throw invalid("missing field: " + field);
            return null;
        }
        if (!n.isTextual()) throw invalid(field + " must be a string");
        return n.textValue();
    }

    private static char[] chars(JsonNode body, String field, boolean required) {
        String s = text(body, field, required);
        return s == null ? null : s.toCharArray();
    }

    /** A size in bytes: a whole JSON number (0 = unlimited); null when the field is absent or null. */
    private static Long bytes(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isIntegralNumber() || !n.canConvertToLong()) throw invalid(field + " must be a whole number of bytes");
        return n.longValue();
    }

    private static Long count(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isIntegralNumber() || !n.canConvertToLong()) throw invalid(field + " must be a whole number of messages");
        return n.longValue();
    }

    private static long queueId(String text) {
        try {
            long id = Long.parseLong(text);
            if (id > 0) return id;
        } catch (NumberFormatException e) {
            // below
        }
        throw invalid("not a queue id: " + org.twinmail.core.mail.Printable.of(text));
    }

    private static int limit(String text) {
        if (text == null) return 1000;
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw invalid("limit must be a whole number");
        }
    }

    private static AdminException invalid(String message) {
        return new AdminException(Kind.INVALID, message);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    // ---- small types ----

    @FunctionalInterface
    private interface Handler {
        Reply handle(Request r) throws IOException;
    }

    /** One method on one path template; "*" matches one segment, which becomes a parameter. */
    private record Route(String method, String template, Guard guard, Set<String> queryParams, boolean hasBody, Handler handler) {
        List<String> match(List<String> segments) {
            String[] parts = template.split("/");
            if (parts.length != segments.size()) return null;
            List<String> params = new ArrayList<>();
            for (int i = 0; i < parts.length; i++) {
                if (parts[i].equals("*")) {
                    if (segments.get(i).isEmpty()) return null;
                    params.add(segments.get(i));
                } else if (!parts[i].equals(segments.get(i))) {
                    return null;
                }
            }
            return params;
        }
    }

    private static final class Request {
        private final Exchange ex;
        private final List<String> params;
        private final Map<String, String> query;
        private final boolean hasBody;
        final AdminPrincipal principal;
        final Audit audit;
        private JsonNode json;

        Request(Exchange ex, List<String> params, Map<String, String> query, boolean hasBody, AdminPrincipal principal, Audit audit) {
            this.audit = audit;
            this.ex = ex;
            this.params = params;
            this.query = query;
            this.hasBody = hasBody;
            this.principal = principal;
        }

        String param(int i) {
            return params.get(i);
        }

        String query(String name) {
            return query.get(name);
        }

        /** The JSON object in the body, refusing fields not in {@code fields}. Checks type (415) and size (413) first. */
        JsonNode body(Set<String> fields) throws IOException {
            JsonNode node = json();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!fields.contains(f)) {
                    throw invalid("unknown field: " + Printable.of(f) + " (known: " + String.join(", ", fields) + ")");
                }
            }
            return node;
        }

        /** The body as text, for a route that takes CSV ({@code text/csv} or {@code text/plain}, UTF-8; 415 otherwise). */
        String text() throws IOException {
            if (!hasBody) throw new IllegalStateException("route declared without a body");
            String type = ex.header("Content-Type");
            String mime = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!mime.equals("text/csv") && !mime.equals("text/plain")) throw new HttpError(415, "send the accounts as text/csv");
            byte[] raw = ex.readBody(); // at most http.maxRequestBodySize, else 413
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
            } catch (CharacterCodingException e) {
                throw invalid("the file is not UTF-8");
            }
        }

        /** The body's JSON object, read and parsed once (the guard may look at it before the handler). */
        JsonNode json() throws IOException {
            if (json != null) return json;
            if (!hasBody) throw new IllegalStateException("route declared without a body");
            String type = ex.header("Content-Type");
            String mime = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!mime.equals("application/json") && !mime.equals("application/merge-patch+json")) {
                throw new HttpError(415, "send the request body as application/json");
            }
            byte[] raw = ex.readBody(); // at most http.maxRequestBodySize, else 413
            JsonNode node;
            try {
                node = JSON.readTree(raw);
            } catch (JsonProcessingException e) {
                // Only the position: the parser's message quotes the offending token, which may be a password.
                JsonLocation at = e.getLocation();
                throw invalid("malformed JSON" + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
            }
            if (node == null || node.isMissingNode()) throw invalid("the request body is empty; send a JSON object");
            if (!node.isObject()) throw invalid("the request body must be a JSON object");
            json = node;
            return node;
        }
    }

    /** A failure that is about HTTP itself (413, 415) rather than about the admin operation. */
    private static final class HttpError extends RuntimeException {
        final int status;

        HttpError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private static final class Reply {
        final int status;
        final Object body;
        final Map<String, String> headers = new LinkedHashMap<>();
        byte[] raw;
        String rawType;

        Reply(int status, Object body) {
            this.status = status;
            this.body = body;
        }

        static Reply ok(Object body) {
            return new Reply(200, body);
        }

        static Reply created(Object body, String relativeLocation) {
            Reply r = new Reply(201, body);
            r.headers.put("Location", PREFIX + encodeLocation(relativeLocation));
            return r;
        }

        /** Bytes sent as they are, not as JSON. */
        static Reply raw(byte[] bytes, String contentType) {
            Reply r = new Reply(200, null);
            r.raw = bytes;
            r.rawType = contentType;
            return r;
        }

        static Reply noContent() {
            return new Reply(204, null);
        }

        static Reply error(int status, String message) {
            Reply r = new Reply(status, Map.of("error", AdminService.oneLine(message)));
            // A refused oversized body may still be arriving: do not try to reuse the connection.
            if (status == 413) r.headers.put("Connection", "close");
            return r;
        }
    }

    private static String encodeLocation(String relative) {
        StringBuilder b = new StringBuilder();
        String[] parts = relative.split("/", 2);
        b.append(parts[0]);
        if (parts.length > 1) b.append('/').append(AdminClient.encodeSegment(parts[1], null));
        return b.toString();
    }
}
