package org.twinmail.http.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.twinmail.admin.AdminClient;
import org.twinmail.admin.AdminContractTest;
import org.twinmail.admin.AdminException.Kind;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations.AliasInfo;
import org.twinmail.admin.AdminOperations.UserInfo;
import org.twinmail.admin.AdminOperations;
import org.twinmail.admin.AdminService;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.http.Health;
import org.twinmail.http.HttpService;

/**
 * The admin contract through the wire: AdminClient -> HTTP -> AdminApi -> AdminService.
 * Every inherited test passes only if each status code maps back to the same
 * AdminException kind and message the service raised.
 */
class AdminClientRoundTripTest extends AdminContractTest {
    static final String TOKEN = "test-token-0123456789";

    HttpService http;
    AdminClient client;

    @Override
    protected AdminOperations open(AdminService service) throws Exception {
        TwinmailConfig config = new TwinmailConfig();
        config.http.listen = List.of(Listen.parse("127.0.0.1:0"));
        http = new HttpService(config, service, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                () -> new Health(true, Map.of()), TOKEN);
        http.start();
        client = new AdminClient(baseUrl(http), TOKEN);
        return client;
    }

    @Override
    protected void closeOps() {
        client.close();
        http.close();
    }

    static URI baseUrl(HttpService http) {
        InetSocketAddress a = http.boundAddresses().getFirst();
        return URI.create("http://127.0.0.1:" + a.getPort());
    }

    @Test
    void addressesWithPathSpecialsSurviveTheUrl() {
        // '/', '+', '%', '?' and '#' are legal in local parts and must not change the path or query.
        String odd = "a/b+c%d?e#f@example.org";
        ops.addDomain("example.org");
        ops.addUser(odd, "pw".toCharArray(), 0, 0);
        assertThat(ops.updateUser(odd, null, 7L, null).quotaBytes()).isEqualTo(7);
        ops.addAlias(odd.replace("a/b", "x/y"), List.of(odd));
        assertThat(ops.listAliases("example.org")).containsExactly(new AliasInfo("x/y+c%d?e#f@example.org", List.of(odd)));
        ops.removeAlias("x/y+c%d?e#f@example.org");
        ops.removeUser(odd);
        assertThat(ops.listUsers("example.org")).extracting(UserInfo::address).isEmpty();
    }

    @Test
    void aWrongTokenIsRefused() {
        try (AdminClient wrong = new AdminClient(baseUrl(http), "not-the-token")) {
            fails(wrong::listDomains, Kind.UNAVAILABLE, "the server at " + baseUrl(http) + " refused the admin token: wrong admin token");
        }
    }

    @Test
    void aServerThatIsNotThereIsUnavailable() {
        URI gone = baseUrl(http);
        http.close();
        fails(() -> client.listDomains(), Kind.UNAVAILABLE, "cannot reach the server at " + gone + " (connection refused)");
    }

    @Test
    void aBaseUrlWithATrailingSlashWorks() {
        try (AdminClient c = new AdminClient(URI.create(baseUrl(http) + "/"), TOKEN)) {
            assertThat(c.listDomains()).isEmpty();
        }
    }

    @Test
    void emptyNamesAreRefusedBeforeTheyBecomeCollectionUrls() {
        fails(() -> client.removeUser(" "), Kind.INVALID, "no address given");
        fails(() -> client.removeDomain("", true), Kind.INVALID, "no domain name given");
    }
}
