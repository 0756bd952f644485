package org.twinmail.filter.content;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.core.policy.SpamLevel;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.HeaderField;
import org.twinmail.filter.Verdict;
import org.twinmail.store.MailStore;
import org.twinmail.store.Records;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/**
 * A user's own spam level moves the content score's Junk and tag thresholds for that user's
 * copy only: one message, scored once, goes to Junk for a strict user, is tagged for a normal
 * one, and untouched for a user who turned the filter off; reject and quarantine stay the
 * administrator's.
 */
class SpamLevelsTest {
    @TempDir
    Path dir;
    MailStore store;
    SpamLevels levels;
    ContentScore scorer;
    final TwinmailConfig.Content config = new TwinmailConfig.Content();

    @BeforeEach
    void open() {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dir));
        store.addDomain("example.com");
        levels = SpamLevels.watch(store, store);
        scorer = new ContentScore(new ContentRules(Map.of(), config.usualCharsets, config.urlShorteners), null, 1, 1, 1 << 20,
                config.tagScore, config.junkScore, config.quarantineScore, config.rejectScore, ContentRulesTest.CLOCK, levels,
                config.strictJunkScore, config.lenientJunkScore);
    }

    @AfterEach
    void close() {
        levels.close();
        store.close();
    }

    Account account(String name, String level) {
        Account a = store.addAccount(EmailAddress.parse(name + "@example.com"), "x", 0, 0);
        if (level != null) store.putRecord(SpamLevel.KIND, Records.accountScope(a.id()), SpamLevel.NAME, SpamLevel.parse(level).encode(), 0);
        return a;
    }

    static Envelope to(Account... accounts) {
        return new Envelope() {
            public String queueId() { return "Q1"; }
            public Optional<EmailAddress> sender() { return Optional.empty(); }
            public OptionalLong declaredSize() { return OptionalLong.empty(); }
            public boolean smtputf8() { return false; }
            public List<String> recipients() { return List.of(); }
            public List<Account> accounts() { return List.of(accounts); }
            public List<EmailAddress> remoteRecipients() { return List.of(); }
            public int refused(String reason) { return 0; }
        };
    }

    static ContentScore.Score score(double s) {
        return new ContentScore.Score(s, List.of("MISSING_DATE"));
    }

    static List<Verdict.Effect> effects(Verdict v) {
        Verdict inner = v instanceof Verdict.Explained e ? e.verdict() : v;
        return switch (inner) {
            case Verdict.Effects e -> e.effects();
            case Verdict.Effect e -> List.of(e);
            default -> List.of();
        };
    }

    static List<Long> ids(Verdict.Effect e) {
        return switch (e) {
            case Verdict.AddHeaders h -> h.accountIds();
            case Verdict.FileInto f -> f.accountIds();
            default -> throw new AssertionError(e);
        };
    }

    static String status(Verdict.AddHeaders h) {
        return h.fields().stream().filter(f -> f.name().equals("X-Spam-Status")).map(HeaderField::value).findFirst().orElseThrow();
    }

    @Test
    void levelsParseAndRoundTrip() {
        assertThat(SpamLevel.parse(" Strict ").mode()).isEqualTo(SpamLevel.Mode.STRICT);
        assertThat(SpamLevel.parse("4.55").score()).isEqualTo(4.6);
        assertThat(SpamLevel.parse("4.5").text()).isEqualTo("4.5");
        assertThat(SpamLevel.parse("7").text()).isEqualTo("7");
        for (String t : new String[] {"off", "lenient", "normal", "strict", "0", "12.5", "100"}) {
            assertThat(SpamLevel.decode(SpamLevel.parse(t).encode())).isEqualTo(SpamLevel.parse(t));
        }
        for (String bad : new String[] {"", "very strict", "-1", "101", "1e3", "NaN"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SpamLevel.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void eachRecipientIsJudgedAgainstItsOwnThresholds() {
        Account strict = account("strict", "strict");
        Account normal = account("normal", null);
        Account lenient = account("lenient", "lenient");
        Account off = account("off", "off");
        Account own = account("own", "4.5");

        // 5.0: Junk from 3.0 (strict) and 4.5 (own), tagged from 4.0 (normal, lenient), nothing for off
        List<Verdict.Effect> e = effects(scorer.verdict(to(strict, normal, lenient, off, own), score(5.0)));
        assertThat(e).filteredOn(x -> x instanceof Verdict.FileInto && ids(x).contains(strict.id())).singleElement().satisfies(f -> {
            assertThat(((Verdict.FileInto) f).specialUse()).isEqualTo(SpecialUse.JUNK);
            assertThat(ids(f)).containsExactly(strict.id());
        });
        List<Verdict.AddHeaders> tags = e.stream().filter(x -> x instanceof Verdict.AddHeaders).map(x -> (Verdict.AddHeaders) x).toList();
        assertThat(tags).extracting(Verdict.AddHeaders::accountIds)
                .containsExactly(List.of(strict.id()), List.of(normal.id()), List.of(lenient.id()), List.of(own.id()));
        assertThat(status(tags.get(0))).startsWith("Yes, score=5.0 tagged_above=3.0 required=3.0");
        assertThat(status(tags.get(1))).startsWith("No, score=5.0 tagged_above=4.0 required=6.0");
        assertThat(status(tags.get(2))).startsWith("No, score=5.0 tagged_above=4.0 required=10.0");
        assertThat(status(tags.get(3))).startsWith("Yes, score=5.0 tagged_above=4.0 required=4.5");
        assertThat(e).filteredOn(x -> x instanceof Verdict.FileInto).hasSize(2); // strict's and own's filings, one each
        assertThat(e.stream().flatMap(x -> ids(x).stream())).doesNotContain(off.id());

        // 8.0: Junk for everyone but lenient (10.0) and off
        List<Verdict.Effect> high = effects(scorer.verdict(to(strict, normal, lenient, off), score(8.0)));
        assertThat(high).filteredOn(x -> x instanceof Verdict.FileInto).flatExtracting(SpamLevelsTest::ids)
                .containsExactlyInAnyOrder(strict.id(), normal.id());

        // quarantine and reject are the administrator's, whatever the levels
        assertThat(scorer.verdict(to(off, lenient), score(12.0))).isInstanceOf(Verdict.Quarantine.class);
        assertThat(scorer.verdict(to(off), score(20.0))).isInstanceOf(Verdict.Reject.class);
        // below every threshold: clean
        assertThat(scorer.verdict(to(strict, off), score(1.0)).reason()).isEqualTo("content_clean");
    }

    @Test
    void everyoneAtTheAdministratorsThresholdsGetsOneVerdictForEveryCopy() {
        Account a = account("a", null);
        Account b = account("b", "normal");
        List<Verdict.Effect> e = effects(scorer.verdict(to(a, b), score(7.0)));
        assertThat(e).hasSize(2).allSatisfy(x -> assertThat(ids(x)).isEmpty());
    }

    @Test
    void aLevelChangedInTheStoreAppliesToTheNextMessage() {
        Account a = account("a", null);
        assertThat(scorer.verdict(to(a), score(4.5)).reason()).isEqualTo("content_tagged");
        store.putRecord(SpamLevel.KIND, Records.accountScope(a.id()), SpamLevel.NAME, SpamLevel.parse("strict").encode(), 0);
        assertThat(effects(scorer.verdict(to(a), score(4.5)))).anySatisfy(x -> assertThat(x).isInstanceOf(Verdict.FileInto.class));
        store.deleteRecord(SpamLevel.KIND, Records.accountScope(a.id()), SpamLevel.NAME);
        assertThat(effects(scorer.verdict(to(a), score(4.5)))).noneSatisfy(x -> assertThat(x).isInstanceOf(Verdict.FileInto.class));
        assertThat(levels.level(a.id())).isEqualTo(SpamLevel.NORMAL);
    }
}
