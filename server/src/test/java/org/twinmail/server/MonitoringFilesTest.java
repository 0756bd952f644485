package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every metric the Grafana dashboard and the Prometheus rules in docs/monitoring name is one a node serves. */
class MonitoringFilesTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Pattern METRIC = Pattern.compile("\\b((?:twinmail|jvm|process)_[a-z0-9_]+)");

    /** Meters made when their first event happens. */
    static final java.util.Map<String, String[]> LAZY = java.util.Map.of(
            "twinmail_auth_failures_total", new String[] {"protocol/src/main/java/org/twinmail/protocol/auth/AuthGuard.java", "\"twinmail.auth.failures\""},
            "jvm_gc_pause_seconds_sum", new String[] {"server/src/main/java/org/twinmail/server/TwinmailServer.java", "new JvmGcMetrics()"});

    @TempDir
    Path data;

    @Test
    void theDashboardAndTheRulesNameServedMetrics() throws Exception {
        Set<String> named = new TreeSet<>();
        for (String f : new String[] {"docs/monitoring/twinmail-dashboard.json", "docs/monitoring/twinmail-alerts.yml"}) {
            Matcher m = METRIC.matcher(Files.readString(ROOT.resolve(f)));
            while (m.find()) named.add(m.group(1));
        }
        assertThat(named).contains("twinmail_smtp_messages_total", "twinmail_relay_queue_messages", "twinmail_store_commit_seconds_sum");
        String scraped;
        try (var server = TwinmailServer.start(TestConfigs.loopback(data))) {
            URI metrics = URI.create("http://127.0.0.1:" + server.httpAddresses().getFirst().getPort() + "/metrics");
            scraped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
        String cluster = Files.readString(ROOT.resolve("cluster/src/main/java/org/twinmail/cluster/ClusterNode.java"));
        for (String name : named) {
            if (LAZY.containsKey(name)) {
                // registered at their first event (a failed login, a GC pause), so perhaps not yet on a node that has just started
                String[] where = LAZY.get(name);
                assertThat(Files.readString(ROOT.resolve(where[0]))).as("%s registers %s", where[0], name).contains(where[1]);
            } else if (name.startsWith("twinmail_cluster_")) {
                // registered by the pair's cluster manager only: a single node has none
                assertThat(cluster).as("the cluster registers %s", name).contains("\"" + name + "\"");
            } else {
                assertThat(scraped).as("/metrics serves %s", name).containsPattern("(?m)^" + name + "[{ ]");
            }
        }
    }
}
