package org.twinmail.jmap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;

/** RFC 8620: the session resource, the request loop, request-level and method-level errors, result references, auth. */
class JmapCoreTest {
    @TempDir
    Path dir;
    JmapFixture f;
    Account a;

    @BeforeEach
    void setUp() {
        f = new JmapFixture(dir, c -> c.jmap.maxCallsInRequest = 4);
        a = f.account();
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void sessionResourceAtBothPathsWithLimitsAndAccount() throws Exception {
        for (String path : new String[] {"/.well-known/jmap", "/jmap/session"}) {
            JmapFixture.Reply r = f.get(path, a);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.contentType()).startsWith("application/json");
            JsonNode s = r.json();
            JsonNode core = s.path("capabilities").path("urn:ietf:params:jmap:core");
            assertThat(core.path("maxSizeUpload").asLong()).isEqualTo(50L * 1024 * 1024);
            assertThat(core.path("maxCallsInRequest").asInt()).isEqualTo(4);
            assertThat(core.path("maxObjectsInGet").asInt()).isEqualTo(500);
            assertThat(core.path("maxObjectsInSet").asInt()).isEqualTo(500);
            assertThat(core.path("maxConcurrentRequests").asInt()).isEqualTo(4);
            assertThat(core.path("maxConcurrentUpload").asInt()).isEqualTo(4);
            assertThat(core.path("maxSizeRequest").asLong()).isEqualTo(10L * 1024 * 1024);
            assertThat(s.path("capabilities").has("urn:ietf:params:jmap:mail")).isTrue();
            assertThat(s.path("capabilities").path("urn:ietf:params:jmap:websocket").path("url").asText())
                    .isEqualTo("ws://mail.example.com/jmap/ws");
            String id = JmapFixture.accountId(a);
            assertThat(s.path("accounts").path(id).path("name").asText()).isEqualTo(a.address().toString());
            assertThat(s.path("primaryAccounts").path("urn:ietf:params:jmap:mail").asText()).isEqualTo(id);
            assertThat(s.path("username").asText()).isEqualTo(a.address().toString());
            assertThat(s.path("apiUrl").asText()).isEqualTo("http://mail.example.com/jmap/api");
            assertThat(s.path("downloadUrl").asText()).contains("{accountId}", "{blobId}", "{name}", "{type}");
            assertThat(s.path("uploadUrl").asText()).contains("{accountId}");
            assertThat(s.path("eventSourceUrl").asText()).contains("{types}", "{closeafter}", "{ping}");
            assertThat(s.path("state").asText()).isNotEmpty();
        }
    }

    @Test
    void withoutCredentialsOrWithAWrongPassword401() throws Exception {
        JmapFixture.Reply none = f.http("GET", "/jmap/session", null, new byte[0], Map.of());
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.headers().get("WWW-Authenticate")).startsWith("Basic");
        String wrong = "Basic " + java.util.Base64.getEncoder().encodeToString((a.address() + ":nope").getBytes(StandardCharsets.UTF_8));
        assertThat(f.http("GET", "/jmap/session", wrong, new byte[0], Map.of()).status()).isEqualTo(401);
        assertThat(f.http("GET", "/jmap/session", "Bearer nonsense", new byte[0], Map.of()).status()).isEqualTo(401);
    }

    @Test
    void bearerTokenFromTheTokenEndpointThenLogout() throws Exception {
        String login = "{\"username\":\"" + a.address() + "\",\"password\":\"" + JmapFixture.PASSWORD + "\"}";
        JmapFixture.Reply t = f.http("POST", "/jmap/token", null, login.getBytes(StandardCharsets.UTF_8), Map.of());
        assertThat(t.status()).isEqualTo(200);
        String token = t.json().path("accessToken").asText();
        assertThat(t.json().path("tokenType").asText()).isEqualTo("Bearer");
        assertThat(f.http("GET", "/jmap/session", "Bearer " + token, new byte[0], Map.of()).status()).isEqualTo(200);
        JmapFixture.Reply out = f.http("DELETE", "/jmap/token", "Bearer " + token, new byte[0], Map.of());
        assertThat(out.json().path("revoked").asInt()).isEqualTo(1);
        assertThat(f.http("GET", "/jmap/session", "Bearer " + token, new byte[0], Map.of()).status()).isEqualTo(401);
        String bad = "{\"username\":\"" + a.address() + "\",\"password\":\"wrong\"}";
        assertThat(f.http("POST", "/jmap/token", null, bad.getBytes(StandardCharsets.UTF_8), Map.of()).status()).isEqualTo(401);
    }

    @Test
    void basicWithoutTlsFromAnotherHostIsRefusedButTlsIsFine() throws Exception {
        // The fixture's client is loopback, which auth.plaintextAuth=loopback allows; "never" refuses it without TLS.
        try (JmapFixture strict = new JmapFixture(dir.resolve("strict"), c -> c.auth.plaintextAuth = org.twinmail.core.config.TwinmailConfig.PlaintextAuth.NEVER)) {
            Account b = strict.account();
            assertThat(strict.http("GET", "/jmap/session", JmapFixture.basic(b), new byte[0], Map.of()).status()).isEqualTo(403);
            assertThat(strict.http("GET", "/jmap/session", JmapFixture.basic(b), new byte[0], Map.of(), true).status()).isEqualTo(200);
        }
    }

    @Test
    void echoReturnsItsArguments() throws Exception {
        JsonNode r = f.api(a, "[[\"Core/echo\",{\"hello\":true,\"high\":5},\"b3ff\"]]");
        JsonNode inv = r.get("methodResponses").get(0);
        assertThat(inv.get(0).asText()).isEqualTo("Core/echo");
        assertThat(inv.get(1).toString()).isEqualTo("{\"hello\":true,\"high\":5}");
        assertThat(inv.get(2).asText()).isEqualTo("b3ff");
        assertThat(r.path("sessionState").asText()).isEqualTo(f.get("/jmap/session", a).json().path("state").asText());
    }

    @Test
    void requestLevelProblems() throws Exception {
        assertProblem(post("{not json"), 400, "urn:ietf:params:jmap:error:notJSON");
        assertProblem(post("[1,2]"), 400, "urn:ietf:params:jmap:error:notRequest");
        assertProblem(post("{\"using\":[],\"methodCalls\":[[\"Core/echo\",{}]]}"), 400, "urn:ietf:params:jmap:error:notRequest");
        assertProblem(post("{\"using\":[\"urn:example:nope\"],\"methodCalls\":[]}"), 400, "urn:ietf:params:jmap:error:unknownCapability");
        JmapFixture.Reply tooMany = post("{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":["
                + "[\"Core/echo\",{},\"1\"],[\"Core/echo\",{},\"2\"],[\"Core/echo\",{},\"3\"],[\"Core/echo\",{},\"4\"],[\"Core/echo\",{},\"5\"]]}");
        assertProblem(tooMany, 400, "urn:ietf:params:jmap:error:limit");
        assertThat(tooMany.json().path("limit").asText()).isEqualTo("maxCallsInRequest");
    }

    @Test
    void requestOverMaxSizeRequestIsALimitProblem() throws Exception {
        try (JmapFixture small = new JmapFixture(dir.resolve("small"), c -> c.jmap.maxSizeRequest = org.twinmail.core.config.Size.of("1K"))) {
            Account b = small.account();
            String big = "{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",{\"x\":\"" + "y".repeat(2000) + "\"},\"1\"]]}";
            JmapFixture.Reply r = small.http("POST", "/jmap/api", JmapFixture.basic(b), big.getBytes(StandardCharsets.UTF_8), Map.of());
            assertProblem(r, 413, "urn:ietf:params:jmap:error:limit");
            assertThat(r.json().path("limit").asText()).isEqualTo("maxSizeRequest");
        }
    }

    @Test
    void methodErrorsAnswerOneCallAndTheRequestGoesOn() throws Exception {
        JsonNode r = f.api(a, "[[\"Nope/nothing\",{},\"1\"],[\"Mailbox/get\",{\"accountId\":\"a999999\"},\"2\"],"
                + "[\"Mailbox/get\",{\"accountId\":\"$ACCOUNT\",\"properties\":[\"bogus\"]},\"3\"],[\"Core/echo\",{\"ok\":1},\"4\"]]");
        JsonNode rs = r.get("methodResponses");
        assertThat(rs.get(0).get(0).asText()).isEqualTo("error");
        assertThat(rs.get(0).get(1).path("type").asText()).isEqualTo("unknownMethod");
        assertThat(rs.get(1).get(1).path("type").asText()).isEqualTo("accountNotFound");
        assertThat(rs.get(2).get(1).path("type").asText()).isEqualTo("invalidArguments");
        assertThat(rs.get(3).get(0).asText()).isEqualTo("Core/echo");
        assertThat(rs.get(3).get(2).asText()).isEqualTo("4");
    }

    @Test
    void aMethodOfACapabilityNotInUsingIsUnknown() throws Exception {
        JsonNode r = f.api(a, java.util.List.of("urn:ietf:params:jmap:core"), "[[\"Mailbox/get\",{\"accountId\":\"$ACCOUNT\"},\"1\"]]");
        assertThat(r.get("methodResponses").get(0).get(1).path("type").asText()).isEqualTo("unknownMethod");
    }

    @Test
    void resultReferencesFeedOneCallIntoTheNext() throws Exception {
        f.deliver(a, JmapFixture.message("first", "one"));
        f.deliver(a, JmapFixture.message("second", "two"));
        JsonNode r = f.api(a, "[[\"Email/query\",{\"accountId\":\"$ACCOUNT\"},\"q\"],"
                + "[\"Email/get\",{\"accountId\":\"$ACCOUNT\",\"#ids\":{\"resultOf\":\"q\",\"name\":\"Email/query\",\"path\":\"/ids\"},"
                + "\"properties\":[\"subject\",\"threadId\"]},\"g\"],"
                + "[\"Thread/get\",{\"accountId\":\"$ACCOUNT\",\"#ids\":{\"resultOf\":\"g\",\"name\":\"Email/get\",\"path\":\"/list/*/threadId\"}},\"t\"]]");
        JsonNode rs = r.get("methodResponses");
        assertThat(rs.get(1).get(1).path("list")).hasSize(2);
        assertThat(rs.get(2).get(0).asText()).isEqualTo("Thread/get");
        assertThat(rs.get(2).get(1).path("list")).hasSize(2);
    }

    @Test
    void badResultReferences() throws Exception {
        JsonNode r = f.api(a, "[[\"Core/echo\",{},\"e\"],"
                + "[\"Email/get\",{\"accountId\":\"$ACCOUNT\",\"#ids\":{\"resultOf\":\"nope\",\"name\":\"Email/query\",\"path\":\"/ids\"}},\"1\"],"
                + "[\"Email/get\",{\"accountId\":\"$ACCOUNT\",\"#ids\":{\"resultOf\":\"e\",\"name\":\"Email/query\",\"path\":\"/ids\"}},\"2\"]]");
        assertThat(r.get("methodResponses").get(1).get(1).path("type").asText()).isEqualTo("invalidResultReference");
        assertThat(r.get("methodResponses").get(2).get(1).path("type").asText()).isEqualTo("invalidResultReference");
        JsonNode both = f.api(a, "[[\"Email/query\",{\"accountId\":\"$ACCOUNT\"},\"q\"],"
                + "[\"Email/get\",{\"accountId\":\"$ACCOUNT\",\"ids\":[],\"#ids\":{\"resultOf\":\"q\",\"name\":\"Email/query\",\"path\":\"/ids\"}},\"1\"]]");
        assertThat(both.get("methodResponses").get(1).get(1).path("type").asText()).isEqualTo("invalidArguments");
    }

    @Test
    void wrongMethodAndUnknownPath() throws Exception {
        assertThat(f.http("GET", "/jmap/api", JmapFixture.basic(a), new byte[0], Map.of()).status()).isEqualTo(405);
        assertThat(f.get("/jmap/nothing", a).status()).isEqualTo(404);
    }

    private JmapFixture.Reply post(String body) throws Exception {
        return f.http("POST", "/jmap/api", JmapFixture.basic(a), body.getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    }

    private static void assertProblem(JmapFixture.Reply r, int status, String type) {
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(r.json().path("type").asText()).isEqualTo(type);
        assertThat(r.json().path("status").asInt()).isEqualTo(status);
    }
}
