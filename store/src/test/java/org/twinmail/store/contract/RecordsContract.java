package org.twinmail.store.contract;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.twinmail.core.model.Account;
import org.twinmail.store.Change;
import org.twinmail.store.MailStore;
import org.twinmail.store.RecordWrite;
import org.twinmail.store.Records;
import org.twinmail.store.StoreException;
import org.twinmail.store.StoredRecord;

/** The {@link Records} role: small documents of features, durable, versioned, logged, fenced. */
public abstract class RecordsContract extends StoreContract {

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    public void aRecordIsPutReadReplacedAndDeleted() {
        openStore();
        assertThat(store.record("rule.ip", "", "10.0.0.0/8")).isEmpty();

        StoredRecord first = store.putRecord("rule.ip", "", "10.0.0.0/8", b("{\"action\":\"deny\"}"), 0);
        assertThat(first.version()).isEqualTo(store.lastChangePosition());
        assertThat(store.record("rule.ip", "", "10.0.0.0/8")).contains(first);
        assertThat(first.text()).isEqualTo("{\"action\":\"deny\"}");

        StoredRecord second = store.putRecord("rule.ip", "", "10.0.0.0/8", b("{\"action\":\"allow\"}"), 5_000);
        assertThat(second.version()).isGreaterThan(first.version());
        assertThat(store.record("rule.ip", "", "10.0.0.0/8").orElseThrow().text()).isEqualTo("{\"action\":\"allow\"}");
        assertThat(store.record("rule.ip", "", "10.0.0.0/8").orElseThrow().expiresMillis()).isEqualTo(5_000);

        assertThat(store.deleteRecord("rule.ip", "", "10.0.0.0/8")).isTrue();
        assertThat(store.deleteRecord("rule.ip", "", "10.0.0.0/8")).isFalse();
        assertThat(store.record("rule.ip", "", "10.0.0.0/8")).isEmpty();
    }

    @Test
    public void theValueIsCopiedNotShared() {
        openStore();
        byte[] value = b("abc");
        store.putRecord("k", "", "n", value, 0);
        value[0] = 'X';
        assertThat(store.record("k", "", "n").orElseThrow().text()).isEqualTo("abc");
    }

    @Test
    public void listingsAreByKindAndScopeInNameOrder() {
        openStore();
        store.putRecord("sieve.script", "account:2", "b", b("2b"), 0);
        store.putRecord("sieve.script", "account:2", "a", b("2a"), 0);
        store.putRecord("sieve.script", "account:1", "z", b("1z"), 0);
        store.putRecord("sieve.other", "account:1", "a", b("other"), 0);
        store.putRecord("sieve.script", "", "global", b("g"), 0);

        assertThat(store.records("sieve.script", "account:2")).extracting(StoredRecord::name).containsExactly("a", "b");
        assertThat(store.records("sieve.script")).extracting(r -> r.scope() + "/" + r.name())
                .containsExactly("/global", "account:1/z", "account:2/a", "account:2/b");
        assertThat(store.records("sieve.script", "domain:example.com")).isEmpty();
    }

    @Test
    public void compareAndSetWritesOnlyOverTheExpectedVersion() {
        openStore();
        Optional<StoredRecord> created = store.putRecordIf("counter", "", "c", 0, b("1"), 0);
        assertThat(created).isPresent();
        assertThat(store.putRecordIf("counter", "", "c", 0, b("again"), 0)).as("must be absent").isEmpty();

        long v = created.orElseThrow().version();
        assertThat(store.putRecordIf("counter", "", "c", v + 1, b("2"), 0)).as("wrong version").isEmpty();
        Optional<StoredRecord> next = store.putRecordIf("counter", "", "c", v, b("2"), 0);
        assertThat(next).isPresent();
        assertThat(store.putRecordIf("counter", "", "c", v, b("3"), 0)).as("stale version").isEmpty();
        assertThat(store.record("counter", "", "c").orElseThrow().text()).isEqualTo("2");
    }

    @Test
    public void aBatchWritesAllOrNothingInOneCommit() {
        openStore();
        StoredRecord queued = store.putRecord("q.out", "", "a", b("queued"), 0);
        store.putRecord("q.out", "", "gone", b("x"), 0);
        long before = store.lastChangePosition();

        List<StoredRecord> stored = store.writeRecords(List.of(
                RecordWrite.putIf("q.out", "", "a", queued.version(), b("sending"), 0),
                RecordWrite.putIf("q.out", "", "b", 0, b("new"), 7_000),
                RecordWrite.put("q.done", "", "c", b("final"), 0),
                RecordWrite.delete("q.out", "", "gone"),
                RecordWrite.delete("q.out", "", "never"))).orElseThrow();
        assertThat(stored).extracting(StoredRecord::name).containsExactly("a", "b", "c");
        assertThat(stored).extracting(StoredRecord::text).containsExactly("sending", "new", "final");
        assertThat(stored.get(1).expiresMillis()).isEqualTo(7_000);
        assertThat(store.record("q.out", "", "gone")).isEmpty();
        // one change per put and per delete that removed a record, each put's version its own position
        List<Change> log = store.changesSince(before, 100);
        assertThat(log).extracting(Change::detail).containsExactly("q.out\t\ta", "q.out\t\tb", "q.done\t\tc", "q.out\t\tgone");
        assertThat(stored).extracting(StoredRecord::version).containsExactly(log.get(0).position(), log.get(1).position(), log.get(2).position());
        assertThat(store.record("q.out", "", "a")).contains(stored.get(0));

        // one condition fails (a stale version): nothing of the batch is written
        long after = store.lastChangePosition();
        assertThat(store.writeRecords(List.of(
                RecordWrite.put("q.done", "", "d", b("d"), 0),
                RecordWrite.putIf("q.out", "", "a", queued.version(), b("again"), 0),
                RecordWrite.delete("q.out", "", "b")))).isEmpty();
        assertThat(store.lastChangePosition()).isEqualTo(after);
        assertThat(store.record("q.done", "", "d")).isEmpty();
        assertThat(store.record("q.out", "", "a").orElseThrow().text()).isEqualTo("sending");
        assertThat(store.record("q.out", "", "b")).isPresent();
        // must be absent: present
        assertThat(store.writeRecords(List.of(RecordWrite.putIf("q.out", "", "b", 0, b("dup"), 0)))).isEmpty();
        // a key twice in one batch, or a bad key, is refused before anything is written
        assertThatThrownBy(() -> store.writeRecords(List.of(RecordWrite.put("q.x", "", "k", b("1"), 0), RecordWrite.delete("q.x", "", "k"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("once per batch");
        assertThatThrownBy(() -> store.writeRecords(List.of(RecordWrite.put("q.x", "", "k", b("1"), 0), RecordWrite.put("Bad", "", "k", b("1"), 0))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.record("q.x", "", "k")).isEmpty();
        assertThat(store.writeRecords(List.of())).contains(List.of());
    }

    @Test
    public void everyWriteIsLoggedWithItsKeyAndAccount() {
        openStore();
        store.addDomain("example.com");
        Account a = account("alice@example.com");
        long before = store.lastChangePosition();
        String scope = Records.accountScope(a.id());
        store.putRecord("sms.setting", scope, "phone", b("+8613800000000"), 0);
        store.deleteRecord("sms.setting", scope, "phone");
        store.deleteRecord("sms.setting", scope, "phone"); // nothing to delete: not logged

        List<Change> log = store.changesSince(before, 100);
        assertThat(log).hasSize(2).allSatisfy(c -> {
            assertThat(c.kind()).isEqualTo(Change.Kind.RECORD_CHANGED);
            assertThat(c.accountId()).isEqualTo(a.id());
            assertThat(c.detail()).isEqualTo("sms.setting\t" + scope + "\tphone");
        });
    }

    @Test
    public void recordsSurviveARestart() {
        openStore();
        store.putRecord("imap.metadata", "", "/shared/comment", b("hello"), 0);
        store.close();
        openStore();
        assertThat(store.record("imap.metadata", "", "/shared/comment").orElseThrow().text()).isEqualTo("hello");
    }

    @Test
    public void removingAnAccountOrADomainRemovesItsRecords() {
        openStore();
        store.addDomain("example.com");
        store.addDomain("other.example");
        Account a = account("alice@example.com");
        Account b = account("bob@other.example");
        store.putRecord("k", Records.accountScope(a.id()), "x", b("a"), 0);
        store.putRecord("k", Records.accountScope(b.id()), "x", b("b"), 0);
        store.putRecord("k", Records.domainScope("example.com"), "x", b("d"), 0);
        store.putRecord("k", "", "x", b("g"), 0);

        store.removeAccount(addr("bob@other.example"));
        assertThat(store.records("k")).extracting(StoredRecord::scope)
                .containsExactlyInAnyOrder("", Records.accountScope(a.id()), "domain:example.com");

        store.removeDomain("example.com", true);
        assertThat(store.records("k")).extracting(StoredRecord::scope).containsExactly("");
    }

    @Test
    public void expiredRecordsArePurgedOnlyWhenAsked() {
        openStore();
        store.putRecord("ban.ip", "", "192.0.2.1", b("1"), 1_000);
        store.putRecord("ban.ip", "", "192.0.2.2", b("2"), 3_000);
        store.putRecord("ban.ip", "", "192.0.2.3", b("3"), 0);
        assertThat(store.records("ban.ip", "")).hasSize(3);
        assertThat(store.record("ban.ip", "", "192.0.2.1").orElseThrow().expiredAt(1_000)).isTrue();

        assertThat(store.purgeExpiredRecords(2_000)).isEqualTo(1);
        assertThat(store.records("ban.ip", "")).extracting(StoredRecord::name).containsExactly("192.0.2.2", "192.0.2.3");
        assertThat(store.purgeExpiredRecords(Long.MAX_VALUE)).isEqualTo(1);
        assertThat(store.records("ban.ip", "")).extracting(StoredRecord::name).containsExactly("192.0.2.3");
    }

    @Test
    public void badKeysAndValuesAreRefusedWithAReadableMessage() {
        openStore();
        assertThatThrownBy(() -> store.putRecord("Rule", "", "n", b("v"), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kind");
        assertThatThrownBy(() -> store.putRecord("rule", "user:1", "n", b("v"), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scope");
        assertThatThrownBy(() -> store.putRecord("rule", "", "", b("v"), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name");
        assertThatThrownBy(() -> store.putRecord("rule", "", "x".repeat(Records.MAX_NAME + 1), b("v"), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.putRecord("rule", "", "n", new byte[Records.MAX_VALUE + 1], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes");
        assertThat(store.records("rule")).isEmpty();
    }

    @Test
    public void aFencedInstanceCannotWriteRecords() {
        openStore();
        MailStore successor = open(2);
        successor.fence(2);
        assertThatThrownBy(() -> store.putRecord("k", "", "n", b("v"), 0)).isInstanceOf(StoreException.StaleEpoch.class);
        assertThatThrownBy(() -> store.writeRecords(List.of(RecordWrite.put("k", "", "n", b("v"), 0)))).isInstanceOf(StoreException.StaleEpoch.class);
        assertThat(successor.record("k", "", "n")).isEmpty();
        successor.putRecord("k", "", "n", b("new"), 0);
        assertThat(successor.record("k", "", "n").orElseThrow().text()).isEqualTo("new");
    }
}
