package org.twinmail.jmap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;
import org.twinmail.filter.sieve.SieveScripts;

/** JMAP for Sieve Scripts (RFC 9661), the RFC's examples, over the records ManageSieve and delivery share. */
class SieveScriptTest {
    static final List<String> USING = List.of("urn:ietf:params:jmap:core", "urn:ietf:params:jmap:sieve");
    @TempDir
    Path dir;
    JmapFixture f;
    Account a;

    @BeforeEach
    void setUp() {
        f = new JmapFixture(dir, c -> { });
        a = f.account();
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    JsonNode responses(String calls) throws Exception {
        return f.api(a, USING, calls).get("methodResponses");
    }

    String upload(String script) throws Exception {
        JmapFixture.Reply up = f.http("POST", "/jmap/upload/" + JmapFixture.accountId(a) + "/", JmapFixture.basic(a),
                script.getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/sieve"));
        assertThat(up.status()).isEqualTo(201);
        return up.json().path("blobId").asText();
    }

    @Test
    void theSessionAdvertisesSieveWithTheExtensions() throws Exception {
        JsonNode s = f.get("/jmap/session", a).json();
        assertThat(s.path("capabilities").has("urn:ietf:params:jmap:sieve")).isTrue();
        JsonNode acc = s.path("accounts").path(JmapFixture.accountId(a)).path("accountCapabilities").path("urn:ietf:params:jmap:sieve");
        assertThat(acc.path("maxSizeScriptName").asInt()).isEqualTo(128);
        assertThat(acc.path("maxNumberRedirects").asInt()).isEqualTo(4);
        assertThat(acc.path("sieveExtensions")).extracting(JsonNode::asText).contains("fileinto", "editheader", "vacation", "include");
        assertThat(s.path("primaryAccounts").path("urn:ietf:params:jmap:sieve").asText()).isEqualTo(JmapFixture.accountId(a));
    }

    /** RFC 9661 2.2's example: create a script from an uploaded blob and activate it in the same call. */
    @Test
    void createsAndActivatesAScriptAsRfc9661Shows() throws Exception {
        String blob = upload("require \"fileinto\";\r\nif header :contains \"subject\" \"lists\" { fileinto \"Lists\"; }\r\n");
        JsonNode r = responses("[[\"SieveScript/set\",{\"accountId\":\"$ACCOUNT\",\"create\":{\"A\":{\"name\":\"foo\",\"blobId\":\"" + blob
                + "\"}},\"onSuccessActivateScript\":\"#A\"},\"0\"]]").get(0);
        assertThat(r.get(0).asText()).isEqualTo("SieveScript/set");
        JsonNode set = r.get(1);
        String id = set.path("created").path("A").path("id").asText();
        assertThat(id).isNotEmpty();
        assertThat(set.path("created").path("A").path("isActive").asBoolean(true)).isFalse();
        assertThat(set.path("updated").path(id).path("isActive").asBoolean()).as("activated after the create").isTrue();
        assertThat(set.path("oldState").asText()).isNotEqualTo(set.path("newState").asText());

        // the same records as ManageSieve and delivery
        SieveScripts scripts = new SieveScripts(f.store);
        assertThat(scripts.activeName(a.id())).contains("foo");
        assertThat(scripts.text(a.id(), "foo").orElseThrow()).contains("fileinto \"Lists\"");

        JsonNode get = responses("[[\"SieveScript/get\",{\"accountId\":\"$ACCOUNT\"},\"0\"]]").get(0).get(1);
        assertThat(get.path("list")).hasSize(1);
        JsonNode s = get.path("list").get(0);
        assertThat(s.path("name").asText()).isEqualTo("foo");
        assertThat(s.path("isActive").asBoolean()).isTrue();
        // the content downloads as a blob
        JmapFixture.Reply down = f.http("GET", "/jmap/download/" + JmapFixture.accountId(a) + "/" + s.path("blobId").asText() + "/foo.siv",
                JmapFixture.basic(a), new byte[0], Map.of());
        assertThat(down.text()).contains("fileinto \"Lists\"");

        // the active one cannot be destroyed (scriptIsActive); deactivated, it can
        JsonNode refused = responses("[[\"SieveScript/set\",{\"accountId\":\"$ACCOUNT\",\"destroy\":[\"" + id + "\"]},\"0\"]]").get(0).get(1);
        assertThat(refused.path("notDestroyed").path(id).path("type").asText()).isEqualTo("scriptIsActive");
        JsonNode gone = responses("[[\"SieveScript/set\",{\"accountId\":\"$ACCOUNT\",\"onSuccessDeactivateScript\":true},\"0\"],"
                + "[\"SieveScript/set\",{\"accountId\":\"$ACCOUNT\",\"destroy\":[\"" + id + "\"]},\"1\"]]");
        assertThat(gone.get(0).get(1).path("updated").path(id).path("isActive").asBoolean(true)).isFalse();
        assertThat(gone.get(1).get(1).path("destroyed")).extracting(JsonNode::asText).containsExactly(id);
        assertThat(scripts.list(a.id())).isEmpty();
    }

    @Test
    void anInvalidScriptIsRefusedAndValidateSaysWhy() throws Exception {
        String bad = upload("fileinto \"x\";\r\n");
        String good = upload("keep;\r\n");
        JsonNode set = responses("[[\"SieveScript/set\",{\"accountId\":\"$ACCOUNT\",\"create\":{\"B\":{\"name\":\"bad\",\"blobId\":\"" + bad
                + "\"}}},\"0\"]]").get(0).get(1);
        assertThat(set.path("notCreated").path("B").path("type").asText()).isEqualTo("invalidSieve");
        assertThat(set.path("notCreated").path("B").path("description").asText()).contains("line 1");
        JsonNode v = responses("[[\"SieveScript/validate\",{\"accountId\":\"$ACCOUNT\",\"blobId\":\"" + bad + "\"},\"0\"],"
                + "[\"SieveScript/validate\",{\"accountId\":\"$ACCOUNT\",\"blobId\":\"" + good + "\"},\"1\"]]");
        assertThat(v.get(0).get(1).path("error").path("type").asText()).isEqualTo("invalidSieve");
        assertThat(v.get(1).get(1).path("error").isNull()).isTrue();
    }

    @Test
    void queriesRenamesAndRefusesADuplicateName() throws Exception {
        String blob = upload("keep;\r\n");
        JsonNode set = responses("[[\"SieveScript/set\",{\"accountId\":\"$ACCOUNT\",\"create\":{\"a\":{\"name\":\"alpha\",\"blobId\":\"" + blob
                + "\"},\"b\":{\"name\":\"beta\",\"blobId\":\"" + blob + "\"},\"c\":{\"name\":\"alpha\",\"blobId\":\"" + blob + "\"}},"
                + "\"onSuccessActivateScript\":\"#b\"},\"0\"]]").get(0).get(1);
        assertThat(set.path("notCreated").path("c").path("type").asText()).isEqualTo("alreadyExists");
        String alpha = set.path("created").path("a").path("id").asText();
        String beta = set.path("created").path("b").path("id").asText();
        JsonNode q = responses("[[\"SieveScript/query\",{\"accountId\":\"$ACCOUNT\",\"filter\":{\"isActive\":false}},\"0\"],"
                + "[\"SieveScript/query\",{\"accountId\":\"$ACCOUNT\",\"sort\":[{\"property\":\"name\",\"isAscending\":false}]},\"1\"]]");
        assertThat(q.get(0).get(1).path("ids")).extracting(JsonNode::asText).containsExactly(alpha);
        assertThat(q.get(1).get(1).path("ids")).extracting(JsonNode::asText).containsExactly(beta, alpha);
        assertThat(q.get(1).get(1).path("total").asInt()).isEqualTo(2);
        JsonNode renamed = responses("[[\"SieveScript/set\",{\"accountId\":\"$ACCOUNT\",\"update\":{\"" + beta + "\":{\"name\":\"gamma\"}}},\"0\"]]")
                .get(0).get(1);
        assertThat(renamed.path("updated").has(beta)).isTrue();
        assertThat(renamed.path("updated").path(beta).path("id").isMissingNode()).as("the id does not change").isTrue();
        SieveScripts scripts = new SieveScripts(f.store);
        assertThat(scripts.activeName(a.id())).as("a renamed active script stays active").contains("gamma");
        assertThat(scripts.list(a.id())).extracting(SieveScripts.Script::name).containsExactly("alpha", "gamma");
        // the renamed script answers to its id, with its new name
        JsonNode got = responses("[[\"SieveScript/get\",{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + beta + "\"]},\"0\"]]").get(0).get(1);
        assertThat(got.path("list").get(0).path("name").asText()).isEqualTo("gamma");
        assertThat(got.path("notFound")).isEmpty();
    }

    /** RFC 8620 5.1: an id never changes, whoever renames the script (ManageSieve's RENAMESCRIPT goes through the same SieveScripts). */
    @Test
    void idsStayOverRenamesAndTheStateMovesWithEveryChange() throws Exception {
        String blob = upload("keep;\r\n");
        JsonNode set = responses("[[\"SieveScript/set\",{\"accountId\":\"$ACCOUNT\",\"create\":{\"a\":{\"name\":\"one\",\"blobId\":\"" + blob
                + "\"},\"b\":{\"name\":\"two\",\"blobId\":\"" + blob + "\"}}},\"0\"]]").get(0).get(1);
        String one = set.path("created").path("a").path("id").asText();
        String two = set.path("created").path("b").path("id").asText();
        assertThat(one).isNotEqualTo(two);
        String state = set.path("newState").asText();

        SieveScripts scripts = new SieveScripts(f.store);
        scripts.rename(a.id(), "one", "uno", "keep;\r\n"); // as ManageSieve's RENAMESCRIPT does
        JsonNode get = responses("[[\"SieveScript/get\",{\"accountId\":\"$ACCOUNT\",\"ids\":[\"" + one + "\"]},\"0\"]]").get(0).get(1);
        assertThat(get.path("list").get(0).path("name").asText()).isEqualTo("uno");
        assertThat(get.path("state").asText()).as("a rename is a change").isNotEqualTo(state);
        state = get.path("state").asText();

        // a script named like the old one is a new script with a new id
        scripts.put(a.id(), "one", "discard;\r\n");
        assertThat(scripts.ids(a.id())).containsEntry("uno", one).doesNotContainValue(null);
        assertThat(scripts.ids(a.id()).get("one")).isNotIn(one, two);

        // a destroy moves the state too (the newest record is gone, the state still goes forward)
        JsonNode destroyed = responses("[[\"SieveScript/set\",{\"accountId\":\"$ACCOUNT\",\"ifInState\":\"" + state + "\",\"destroy\":[\""
                + scripts.ids(a.id()).get("one") + "\"]},\"0\"]]").get(0).get(1);
        assertThat(destroyed.path("type").asText()).as("the put above changed the state").isEqualTo("stateMismatch");
        String now = responses("[[\"SieveScript/get\",{\"accountId\":\"$ACCOUNT\",\"ids\":[]},\"0\"]]").get(0).get(1).path("state").asText();
        destroyed = responses("[[\"SieveScript/set\",{\"accountId\":\"$ACCOUNT\",\"ifInState\":\"" + now + "\",\"destroy\":[\""
                + scripts.ids(a.id()).get("one") + "\"]},\"0\"]]").get(0).get(1);
        assertThat(destroyed.path("destroyed")).hasSize(1);
        assertThat(Long.parseLong(destroyed.path("newState").asText())).isGreaterThan(Long.parseLong(now));
        assertThat(scripts.ids(a.id())).containsOnlyKeys("uno", "two");
    }

    @Test
    void aScriptStoredBeforeIdsKeepsTheIdItHad() throws Exception {
        f.store.putRecord(SieveScripts.SCRIPT, org.twinmail.store.Records.accountScope(a.id()), "old", "keep;\r\n".getBytes(StandardCharsets.UTF_8), 0);
        JsonNode get = responses("[[\"SieveScript/get\",{\"accountId\":\"$ACCOUNT\"},\"0\"]]").get(0).get(1);
        assertThat(get.path("list").get(0).path("id").asText()).isEqualTo("S6f6c64"); // "S" and "old" in hex, as ids were derived before
    }

    @Test
    void theLimitsInTheSessionAreManageSievesConfigValues(@TempDir Path other) throws Exception {
        f.close();
        f = new JmapFixture(other, c -> {
            c.managesieve.maxScripts = 1;
            c.managesieve.maxRedirects = 7;
            c.managesieve.maxScriptSize = org.twinmail.core.config.Size.of("2K");
        });
        a = f.account();
        JsonNode acc = f.get("/jmap/session", a).json().path("accounts").path(JmapFixture.accountId(a)).path("accountCapabilities")
                .path("urn:ietf:params:jmap:sieve");
        assertThat(acc.path("maxNumberScripts").asInt()).isEqualTo(1);
        assertThat(acc.path("maxNumberRedirects").asInt()).isEqualTo(7);
        assertThat(acc.path("maxSizeScript").asInt()).isEqualTo(2048);
        // and they are enforced: a second script is over quota, a larger one too large
        String blob = upload("keep;\r\n");
        String big = upload("# " + "x".repeat(3000) + "\r\nkeep;\r\n");
        JsonNode set = responses("[[\"SieveScript/set\",{\"accountId\":\"$ACCOUNT\",\"create\":{\"a\":{\"name\":\"a\",\"blobId\":\"" + blob
                + "\"},\"b\":{\"name\":\"b\",\"blobId\":\"" + blob + "\"}}},\"0\"],"
                + "[\"SieveScript/set\",{\"accountId\":\"$ACCOUNT\",\"update\":{\"#a\":{\"blobId\":\"" + big + "\"}}},\"1\"]]");
        assertThat(set.get(0).get(1).path("notCreated").path("b").path("type").asText()).isEqualTo("overQuota");
        assertThat(set.get(1).get(1).path("notUpdated").elements().next().path("type").asText()).isEqualTo("tooLarge");
    }
}
