package org.twinmail.filter.sieve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/** The node's in-memory view of the scripts: no store read while nothing changed, fresh after every change. */
class SieveScriptsTest {
    @TempDir
    Path dir;

    @Test
    void deliveryReadsTheStoreOnceUntilAScriptChanges() throws Exception {
        try (MailStore store = EmbeddedMailStore.open(StoreOptions.defaults(dir));
             SieveScripts cached = SieveScripts.cached(store, store)) {
            long loads = cached.loads();
            assertThat(cached.active(7)).isEmpty();
            assertThat(cached.active(7)).isEmpty();
            assertThat(cached.loads() - loads).as("an account without a script is remembered too").isEqualTo(4);

            cached.put(7, "rules", "keep;");
            cached.activate(7, "rules");
            // our own writes are seen at once, before they return
            assertThat(cached.active(7)).get().extracting(SieveScripts.Script::text).isEqualTo("keep;");
            long after = cached.loads();
            for (int i = 0; i < 100; i++) assertThat(cached.active(7)).isPresent();
            // (the change log's echo of our own two writes may drop the view once more: one reload)
            assertThat(cached.loads()).as("100 deliveries, at most one reload").isLessThanOrEqualTo(after + 4);

            // a write by another instance (the admin API, a test) is seen by the very next lookup
            new SieveScripts(store).put(7, "rules", "discard;");
            assertThat(cached.active(7)).get().extracting(SieveScripts.Script::text).isEqualTo("discard;");
            new SieveScripts(store).activate(7, "");
            assertThat(cached.active(7)).isEmpty();
            assertThat(cached.list(7)).extracting(SieveScripts.Script::name).containsExactly("rules");
        }
    }
}
