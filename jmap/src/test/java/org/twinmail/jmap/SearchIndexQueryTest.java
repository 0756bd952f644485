package org.twinmail.jmap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.Account;
import org.twinmail.filter.Chains;
import org.twinmail.filter.FilterMetrics;
import org.twinmail.filter.Pipeline;
import org.twinmail.protocol.auth.AuthGuard;
import org.twinmail.search.SearchIndex;
import org.twinmail.store.embedded.StoreAuthenticator;

/**
 * Email/query's text conditions with the full-text index: the index answers for the messages
 * it holds and the others are parsed, so the results are the same as without the index.
 */
class SearchIndexQueryTest {
    @TempDir
    Path dir;

    @Test
    void textConditionsGiveTheSameAnswerWithTheIndexAsWithout() throws Exception {
        try (JmapFixture f = new JmapFixture(dir.resolve("store"))) {
            Account a = f.account();
            f.deliver(a, "From: Zoë Müller <zoe@example.org>\r\nTo: a@example.com\r\nSubject: Quarterly numbers\r\n\r\nThe revenue grew.");
            f.deliver(a, "From: bob@example.org\r\nTo: a@example.com\r\nCc: Carol <carol@example.net>\r\nSubject: lunch\r\n\r\nPizza or sushi? 寿司");
            f.deliver(a, "From: eve@example.org\r\nTo: a@example.com\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n\r\nsee you at the caf\u00e9");
            List<String> filters = List.of("{\"body\":\"revenue\"}", "{\"from\":\"müller\"}", "{\"cc\":\"carol\"}", "{\"subject\":\"CAFÉ\"}",
                    "{\"text\":\"sushi\"}", "{\"text\":\"寿司\"}", "{\"to\":\"a@example\"}", "{\"body\":\"nothing like this\"}");
            List<Set<String>> without = answers(f, a, filters);
            assertThat(without.get(0)).hasSize(1);
            assertThat(without.get(1)).hasSize(1);
            assertThat(without.get(2)).hasSize(1);
            assertThat(without.get(3)).hasSize(1);
            assertThat(without.get(4)).hasSize(1);
            assertThat(without.get(5)).hasSize(1);
            assertThat(without.get(6)).hasSize(3);
            assertThat(without.get(7)).isEmpty();

            try (SearchIndex index = SearchIndex.open(dir.resolve("index"), 1_000_000)) {
                int indexed = org.twinmail.search.IndexUpdater.rebuildNow(index, f.store, f.store, f.store);
                assertThat(indexed).isEqualTo(3);
                TwinmailConfig config = f.config;
                JmapService withIndex = new JmapService(config, f.store, new StoreAuthenticator(f.store, Duration.ofMinutes(5)),
                        AuthGuard.disabled(), new Pipeline(Chains.submission(config, f.store), new FilterMetrics(new SimpleMeterRegistry())), index);
                // one more message the index does not hold: parsed, and found as well
                f.deliver(a, "From: late@example.org\r\nTo: a@example.com\r\nSubject: late revenue\r\n\r\nrevenue again");
                List<Set<String>> with = answers(f.with(withIndex), a, filters);
                List<Set<String>> now = answers(f, a, filters);
                assertThat(with).isEqualTo(now);
                assertThat(with.get(0)).hasSize(2);
            }
        }
    }

    private static List<Set<String>> answers(JmapFixture f, Account a, List<String> filters) throws Exception {
        List<Set<String>> out = new java.util.ArrayList<>();
        for (String filter : filters) {
            JsonNode r = f.call(a, "Email/query", "{\"accountId\":\"$ACCOUNT\",\"filter\":" + filter + "}");
            out.add(new LinkedHashSet<>(JmapFixture.ids(r.path("ids"))));
        }
        return out;
    }
}
