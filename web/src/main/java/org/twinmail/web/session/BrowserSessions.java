package org.twinmail.web.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.http.Exchange;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * Server-side sessions for browsers, shared by the webmail and the admin console (each with a
 * kind and a cookie of its own); principal-neutral: the application logs its user in its own
 * way and hands a {@code subject} to {@link #start}.
 * <ul>
 *   <li>The id is 256 random bits in a cookie that is {@code HttpOnly}, {@code Secure},
 *       {@code SameSite=Strict}, {@code Path=/}, named with the {@code __Host-} prefix over HTTPS
 *       (so no subdomain or plain-HTTP page can set or shadow it).</li>
 *   <li>A session lives in the store's {@link Records} (kind of the application, global scope),
 *       named by the SHA-256 of its id: a copy of the database holds no usable id, and the
 *       session survives a restart and a failover (the pair carries records over).</li>
 *   <li>It ends after {@code web.sessionIdleTimeout} without a request and after
 *       {@code web.sessionAbsoluteTimeout} in all; the record's expiry is the earlier of the two,
 *       and the last-seen time is written at most once per {@link #touchInterval()} (a request is not a
 *       store write).</li>
 *   <li>Every state-changing request (anything but GET, HEAD, OPTIONS) must carry the session's
 *       CSRF token in {@value #CSRF_HEADER} (compared in constant time) and come from the page's
 *       own origin when the browser says where it comes from ({@code Origin}, {@code Sec-Fetch-Site}).</li>
 * </ul>
 */
public final class BrowserSessions {
    private static final Logger log = LoggerFactory.getLogger(BrowserSessions.class);
    /** The header a page sends its CSRF token in. */
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Pattern KIND = Pattern.compile("[a-z0-9][a-z0-9.-]{0,63}");
    private static final Pattern COOKIE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Records records;
    private final String kind;
    private final String cookieName;
    private final SessionSettings settings;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param kind       the records' kind, e.g. {@code web.session} (webmail) or {@code console.session}
     * @param cookieName the cookie's name without prefix, e.g. {@code twinmail-mail}
     */
    public BrowserSessions(Records records, String kind, String cookieName, SessionSettings settings, Clock clock) {
        if (!KIND.matcher(kind).matches()) throw new IllegalArgumentException("bad record kind " + kind);
        if (!COOKIE_NAME.matcher(cookieName).matches()) throw new IllegalArgumentException("bad cookie name " + cookieName);
        this.records = Objects.requireNonNull(records, "records");
        this.kind = kind;
        this.cookieName = cookieName;
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The cookie's name: {@code __Host-} prefixed over HTTPS. */
    public String cookieName(boolean secure) {
        return secure ? "__Host-" + cookieName : cookieName;
    }

    /** How often the last-seen time of a busy session is written: a tenth of the idle timeout, at most a minute. */
    public java.time.Duration touchInterval() {
        java.time.Duration tenth = settings.idle().dividedBy(10);
        return tenth.compareTo(java.time.Duration.ofMinutes(1)) > 0 ? java.time.Duration.ofMinutes(1) : tenth;
    }

    /**
     * Logs {@code subject} in: a new session (any session the browser had is ended first, so a
     * planted id never becomes a logged-in one), its cookie set on {@code ex}'s response.
     */
    public BrowserSession start(Exchange ex, String subject, String data) {
        Objects.requireNonNull(subject, "subject");
        for (String id : cookieValues(ex)) records.deleteRecord(kind, "", hash(id));
        String id = randomToken();
        long now = clock.millis();
        BrowserSession s = new BrowserSession(hash(id), subject, data == null ? "" : data, randomToken(), now, now, 0);
        StoredRecord r = records.putRecord(kind, "", s.idHash(), encode(s), expiry(s));
        ex.setHeader("Set-Cookie", cookieName(ex.isSecure()) + "=" + id + "; Path=/; Max-Age=" + settings.absolute().toSeconds()
                + "; Secure; HttpOnly; SameSite=Strict");
        return withVersion(s, r.version());
    }

    /** The request's live session, or empty (no cookie, unknown, expired: an expired one is deleted). */
    public Optional<BrowserSession> current(Exchange ex) {
        for (String id : cookieValues(ex)) {
            Optional<BrowserSession> s = find(id);
            if (s.isPresent()) return s;
        }
        return Optional.empty();
    }

    /**
     * The request's session, checked for what the request does: 401 without a live session; for
     * a state-changing method, 403 unless it carries the session's CSRF token and comes from
     * this origin.
     */
    public BrowserSession authorize(Exchange ex) throws SessionRefused {
        BrowserSession s = current(ex).orElseThrow(() -> new SessionRefused(401, "not logged in"));
        if (!SAFE_METHODS.contains(ex.method())) {
            requireSameOrigin(ex);
            if (!csrfMatches(s, ex.header(CSRF_HEADER))) throw new SessionRefused(403, "missing or wrong CSRF token");
        }
        return s;
    }

    /** True when {@code presented} is the session's CSRF token (constant time). */
    public static boolean csrfMatches(BrowserSession s, String presented) {
        if (presented == null) return false;
        return MessageDigest.isEqual(s.csrfToken().getBytes(StandardCharsets.US_ASCII), presented.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Refuses (403) a request a browser says comes from another site: an {@code Origin} other
     * than this scheme and host, or {@code Sec-Fetch-Site: cross-site}/{@code same-site}. For the
     * login form too, which has no session yet (login CSRF).
     */
    public static void requireSameOrigin(Exchange ex) throws SessionRefused {
        String site = ex.header("Sec-Fetch-Site");
        if (site != null && !site.equalsIgnoreCase("same-origin") && !site.equalsIgnoreCase("none")) {
            throw new SessionRefused(403, "cross-site request refused");
        }
        String origin = ex.header("Origin");
        if (origin != null) {
            String host = ex.header("Host");
            String expected = (ex.isSecure() ? "https://" : "http://") + (host == null ? "" : host.toLowerCase(Locale.ROOT));
            if (!origin.toLowerCase(Locale.ROOT).equals(expected)) throw new SessionRefused(403, "cross-origin request refused");
        }
    }

    /** Logout: ends the session and clears the cookie. */
    public void end(Exchange ex, BrowserSession s) {
        records.deleteRecord(kind, "", s.idHash());
        ex.setHeader("Set-Cookie", cookieName(ex.isSecure()) + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
    }

    /** Logout everywhere: ends every session of {@code subject}; returns how many. */
    public int endAll(String subject) {
        int n = 0;
        for (StoredRecord r : records.records(kind, "")) {
            BrowserSession s = decode(r);
            if (s != null && s.subject().equals(subject) && records.deleteRecord(kind, "", r.name())) n++;
        }
        return n;
    }

    /** The live sessions of {@code subject} (for a "where am I logged in" page). */
    public List<BrowserSession> sessionsOf(String subject) {
        long now = clock.millis();
        return records.records(kind, "").stream().map(BrowserSessions::decode)
                .filter(s -> s != null && s.subject().equals(subject) && alive(s, now)).toList();
    }

    /** Deletes expired records (every kind's: the store has one sweep); returns how many. */
    public int purgeExpired() {
        return records.purgeExpiredRecords(clock.millis());
    }

    private Optional<BrowserSession> find(String id) {
        String name = hash(id);
        Optional<StoredRecord> r = records.record(kind, "", name);
        if (r.isEmpty()) return Optional.empty();
        BrowserSession s = decode(r.get());
        long now = clock.millis();
        if (s == null || !alive(s, now)) {
            records.deleteRecord(kind, "", name);
            return Optional.empty();
        }
        if (now - s.lastSeenMillis() >= touchInterval().toMillis()) {
            BrowserSession touched = new BrowserSession(s.idHash(), s.subject(), s.data(), s.csrfToken(), s.createdMillis(), now, s.version());
            // compare-and-set: a concurrent touch or logout wins, and this request goes on with what it read
            Optional<StoredRecord> w = records.putRecordIf(kind, "", name, s.version(), encode(touched), expiry(touched));
            if (w.isPresent()) return Optional.of(withVersion(touched, w.get().version()));
        }
        return Optional.of(s);
    }

    private boolean alive(BrowserSession s, long now) {
        return now < s.lastSeenMillis() + settings.idle().toMillis() && now < s.createdMillis() + settings.absolute().toMillis();
    }

    private long expiry(BrowserSession s) {
        return Math.min(s.lastSeenMillis() + settings.idle().toMillis(), s.createdMillis() + settings.absolute().toMillis());
    }

    /** Every value of our cookie in the request (a browser may send more than one of a name). */
    List<String> cookieValues(Exchange ex) {
        String name = cookieName(ex.isSecure());
        List<String> out = new java.util.ArrayList<>();
        for (String header : ex.headers("Cookie")) {
            for (String pair : header.split(";")) {
                int eq = pair.indexOf('=');
                if (eq < 0) continue;
                if (pair.substring(0, eq).strip().equals(name)) {
                    String v = pair.substring(eq + 1).strip();
                    if (v.length() == 43 && v.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '_')) out.add(v);
                }
            }
        }
        return out;
    }

    private String randomToken() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The record name of a session id: its SHA-256, hex. */
    static String hash(String id) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encode(BrowserSession s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("subject", s.subject());
        o.put("data", s.data());
        o.put("csrf", s.csrfToken());
        o.put("created", s.createdMillis());
        o.put("lastSeen", s.lastSeenMillis());
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BrowserSession decode(StoredRecord r) {
        try {
            JsonNode o = JSON.readTree(r.value());
            return new BrowserSession(r.name(), o.path("subject").asText(), o.path("data").asText(), o.path("csrf").asText(),
                    o.path("created").asLong(), o.path("lastSeen").asLong(), r.version());
        } catch (IOException | RuntimeException e) {
            log.warn("unreadable session record {}: {}", r.name(), e.toString());
            return null;
        }
    }

    private static BrowserSession withVersion(BrowserSession s, long version) {
        return new BrowserSession(s.idHash(), s.subject(), s.data(), s.csrfToken(), s.createdMillis(), s.lastSeenMillis(), version);
    }
}
