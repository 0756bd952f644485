package org.twinmail.filter.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.twinmail.filter.content.Samples.bytes;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.store.Delivery;
import org.twinmail.store.FlagChange;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

/**
 * The classifier learns from what a user does in the store (moves into and out of Junk, the
 * $Junk and $NotJunk keywords), keeps its counts in sharded records, and then tells new spam
 * from new ham.
 */
class BayesLearningTest {
    @TempDir
    Path dir;
    MailStore store;
    Account alice;
    Mailbox inbox;
    Mailbox junk;
    Mailbox trash;
    BayesTokens tokens;
    JunkLearner learner;
    final TwinmailConfig.Content config = new TwinmailConfig.Content();
    final ContentRules rules = new ContentRules(Map.of(), config.usualCharsets, config.urlShorteners);
    final Random random = new Random(12);
    int n;

    @BeforeEach
    void open() {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dir));
        store.addDomain("example.com");
        alice = store.addAccount(EmailAddress.parse("alice@example.com"), "x", 0, 0);
        inbox = store.mailbox(alice.id(), "INBOX").orElseThrow();
        junk = store.mailbox(alice.id(), "Junk").orElseThrow();
        trash = store.mailbox(alice.id(), "Trash").orElseThrow();
        tokens = BayesTokens.load(store, 100_000);
        learner = JunkLearner.start(store, store, store, tokens, rules, 1 << 20);
    }

    @AfterEach
    void close() {
        learner.close();
        store.close();
    }

    private long deliver(String message) {
        return store.deliver(new Delivery(List.of(alice.id()), MessageSpool.of(bytes(message)), Instant.now())).placed().getFirst().uid();
    }

    private List<Long> deliverCorpus(boolean spam, int count) {
        List<Long> uids = new ArrayList<>();
        for (int i = 0; i < count; i++) uids.add(deliver(Samples.corpusMessage(random, spam, n++)));
        return uids;
    }

    private void caughtUp() {
        long last = store.lastChangePosition();
        await(() -> learner.position() >= last, "the learner reads the log up to " + last);
        tokens.reload();
    }

    private long uidIn(Mailbox box, int index) {
        return store.messages(box.id()).get(index).uid();
    }

    @Test
    void learnsFromMovesAndKeywordsAndThenTellsSpamFromHam() {
        List<Long> spam = deliverCorpus(true, 30);
        store.copy(inbox.id(), spam, junk.id(), true); // IMAP MOVE into Junk
        List<Long> ham = deliverCorpus(false, 30);
        store.storeFlags(inbox.id(), ham, FlagChange.ADD, Set.of("$NotJunk"), -1); // "not spam"
        caughtUp();
        assertThat(tokens.spamMessages()).isEqualTo(30);
        assertThat(tokens.hamMessages()).isEqualTo(30);
        assertThat(tokens.size()).isGreaterThan(50);
        assertThat(learner.learnedSpam()).isEqualTo(30);

        // a ham message moved into Junk by mistake, then back: unlearned and learned again, once each
        store.copy(inbox.id(), List.of(ham.getFirst()), junk.id(), true);
        caughtUp();
        assertThat(tokens.spamMessages()).isEqualTo(31);
        assertThat(tokens.hamMessages()).isEqualTo(29);
        long back = store.messages(junk.id()).getLast().uid();
        store.copy(junk.id(), List.of(back), inbox.id(), true);
        caughtUp();
        assertThat(tokens.spamMessages()).isEqualTo(30);
        assertThat(tokens.hamMessages()).isEqualTo(30);

        // JMAP's way of moving (a copy, then an expunge of the original) and the $Junk keyword outside Junk
        long s1 = deliverCorpus(true, 1).getFirst();
        store.copy(inbox.id(), List.of(s1), junk.id(), false);
        store.expunge(inbox.id(), List.of(s1));
        long s2 = deliverCorpus(true, 1).getFirst();
        store.storeFlags(inbox.id(), List.of(s2), FlagChange.ADD, Set.of("$junk"), -1);
        caughtUp();
        assertThat(tokens.spamMessages()).isEqualTo(32);

        // what is not a lesson: a flag change in Junk, a move from Junk to Trash, a plain delivery, a move between ordinary mailboxes
        store.storeFlags(junk.id(), List.of(uidIn(junk, 0)), FlagChange.ADD, Set.of("\\Seen", "$Junk"), -1);
        store.copy(junk.id(), List.of(uidIn(junk, 1)), trash.id(), true);
        deliverCorpus(false, 2);
        Mailbox archive = store.createMailbox(alice.id(), "Archive", null);
        store.copy(inbox.id(), List.of(uidIn(inbox, 0)), archive.id(), true);
        caughtUp();
        assertThat(tokens.spamMessages()).isEqualTo(32);
        assertThat(tokens.hamMessages()).isEqualTo(30);

        // the classifier now speaks (thresholds lowered from the default 200 to what was learned)
        ContentScore scorer = new ContentScore(rules, tokens, 20, 20, 1 << 20, 4, 6, 12, 20, ContentRulesTest.CLOCK);
        Random fresh = new Random(99);
        for (int i = 0; i < 10; i++) {
            assertThat(scorer.score(bytes(Samples.corpusMessage(fresh, true, 1000 + i))).rules()).as("new spam")
                    .containsAnyOf("BAYES_99", "BAYES_95");
            assertThat(scorer.score(bytes(Samples.corpusMessage(fresh, false, 2000 + i))).rules()).as("new ham")
                    .containsAnyOf("BAYES_00", "BAYES_05");
        }
        assertThat(scorer.score(bytes(Samples.HAM_COLLEAGUE)).score()).isLessThan(config.tagScore);
        // not enough learned: the classifier keeps quiet
        ContentScore untrained = new ContentScore(rules, tokens, 200, 200, 1 << 20, 4, 6, 12, 20, ContentRulesTest.CLOCK);
        assertThat(untrained.score(bytes(Samples.corpusMessage(fresh, true, 3000))).rules()).noneMatch(r -> r.startsWith("BAYES"));
    }

    @Test
    void aBatchHandedOverTwiceCountsOnceAndTheCursorSurvivesARestart() {
        List<Long> spam = deliverCorpus(true, 3);
        store.copy(inbox.id(), spam, junk.id(), true);
        caughtUp();
        assertThat(tokens.spamMessages()).isEqualTo(3);
        long before = store.lastChangePosition();
        // a learning batch applied twice (handed over again after a crash): the second time, every record is past it
        long[] some = JunkLearner.tokens(rules, bytes(Samples.corpusMessage(new Random(1), true, 0)));
        Map<Long, int[]> deltas = new java.util.HashMap<>();
        for (long t : some) deltas.put(t, new int[] {1, 0});
        long position = store.lastChangePosition() + 1;
        tokens.apply(deltas, 1, 0, position);
        tokens.reload();
        int size = tokens.size();
        long one = tokens.counts(some[0]);
        tokens.apply(deltas, 1, 0, position);
        tokens.reload();
        assertThat(tokens.spamMessages()).isEqualTo(4);
        assertThat(tokens.size()).isEqualTo(size);
        assertThat(tokens.counts(some[0])).isEqualTo(one);
        // the same message learned again the same way (moved out to Trash and a copy back into Junk): counted once
        learner.close();
        learner = JunkLearner.start(store, store, store, tokens, rules, 1 << 20);
        assertThat(learner.position()).isGreaterThanOrEqualTo(before);
        store.storeFlags(junk.id(), List.of(uidIn(junk, 0)), FlagChange.ADD, Set.of("\\Seen"), -1);
        caughtUp();
        assertThat(tokens.spamMessages()).isEqualTo(4);
    }

    @Test
    void aFullShardDropsItsRarestTokens() {
        BayesTokens small = BayesTokens.load(store, 64 * 4); // four tokens a shard
        Map<Long, int[]> deltas = new java.util.HashMap<>();
        for (long i = 0; i < 6; i++) deltas.put(i, new int[] {(int) i + 1, 0}); // all in shard 0
        small.apply(deltas, 1, 1, 10);
        small.reload();
        assertThat(small.size()).isEqualTo(4);
        assertThat(small.counts(0)).isZero();
        assertThat(small.counts(1)).isZero();
        assertThat(small.counts(5) >>> 32).isEqualTo(6);
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
