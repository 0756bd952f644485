package org.twinmail.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.store.Delivery;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;

class SearchIndexTest {
    @TempDir
    Path dir;
    MailStore store;
    Account alice;
    Account bob;
    SearchIndex index;
    IndexUpdater updater;

    @BeforeEach
    void open() {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dir));
        store.addDomain("example.com");
        alice = store.addAccount(EmailAddress.parse("alice@example.com"), "x", 0, 0);
        bob = store.addAccount(EmailAddress.parse("bob@example.com"), "x", 0, 0);
    }

    @AfterEach
    void close() {
        if (updater != null) updater.close();
        if (index != null) index.close();
        store.close();
    }

    private void startIndex() {
        index = SearchIndex.open(dir.resolve("index"), 1_000_000);
        updater = IndexUpdater.start(index, store, store, store, 100);
    }

    private void stopIndex() {
        updater.close();
        index.close();
        updater = null;
        index = null;
    }

    private long deliver(Account a, byte[] message) {
        return store.deliver(new Delivery(List.of(a.id()), MessageSpool.of(message), Instant.parse("2025-01-02T03:04:05Z")))
                .placed().getFirst().uid();
    }

    private long deliver(Account a, String message) {
        return deliver(a, message.getBytes(StandardCharsets.UTF_8));
    }

    private Mailbox inbox(Account a) {
        return store.mailbox(a.id(), "INBOX").orElseThrow();
    }

    private void awaitCaughtUp() {
        await(() -> index.position() >= store.lastChangePosition(), "index catches up with the change log");
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.onSpinWait();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    static String mail(String subject, String body) {
        return "From: \"Zhang Wei\" <zhang@example.org>\r\nTo: alice@example.com\r\nSubject: " + subject
                + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n";
    }

    static byte[] gb2312(String subject, String body) {
        Charset gb = Charset.forName("GB2312");
        String header = "From: sender@example.cn\r\nTo: alice@example.com\r\nSubject: =?GB2312?B?"
                + java.util.Base64.getEncoder().encodeToString(subject.getBytes(gb)) + "?=\r\n"
                + "Content-Type: text/plain; charset=GB2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        byte[] b = (body + "\r\n").getBytes(gb);
        byte[] out = java.util.Arrays.copyOf(h, h.length + b.length);
        System.arraycopy(b, 0, out, h.length, b.length);
        return out;
    }

    private List<Long> matching(Account a, TextKey key, String needle) {
        long box = inbox(a).id();
        TextMatches m = index.matches(box, key, MessageText.fold(needle));
        return store.messages(box).stream().map(e -> e.uid()).filter(uid -> m.decides(uid) && m.matches(uid)).toList();
    }

    @Test
    void indexesDeliveredMailInEnglishAndChineseFromAnyCharset() {
        startIndex();
        long english = deliver(alice, mail("Quarterly report", "The numbers for Q3 are attached.\r\nRegards"));
        long utf8 = deliver(alice, mail("会议通知", "明天下午三点开会，讨论邮件系统的升级。"));
        long gb = deliver(alice, gb2312("项目进度", "请查收本周的项目进度报告。"));
        awaitCaughtUp();

        assertThat(matching(alice, TextKey.SUBJECT, "QUARTERLY")).containsExactly(english);
        assertThat(matching(alice, TextKey.BODY, "umbers for q")).as("substring, across words, any case").containsExactly(english);
        assertThat(matching(alice, TextKey.BODY, "邮件")).containsExactly(utf8);
        assertThat(matching(alice, TextKey.BODY, "邮件系统的升级")).containsExactly(utf8);
        assertThat(matching(alice, TextKey.BODY, "进度")).as("GB2312 body decoded").containsExactly(gb);
        assertThat(matching(alice, TextKey.SUBJECT, "项目")).as("GB2312 encoded-word subject").containsExactly(gb);
        assertThat(matching(alice, TextKey.TEXT, "zhang@example")).containsExactly(english, utf8);
        assertThat(matching(alice, TextKey.FROM, "zhang wei")).containsExactly(english, utf8);
        assertThat(matching(alice, TextKey.BODY, "会")).as("one CJK character").containsExactly(utf8);
        assertThat(matching(alice, TextKey.BODY, "进展")).isEmpty();
        // Two characters: a trigram that starts with them, or the last bigram of a value.
        assertThat(matching(alice, TextKey.SUBJECT, "ua")).as("inside a value").containsExactly(english);
        assertThat(matching(alice, TextKey.SUBJECT, "RT")).as("the end of a value").containsExactly(english);
        assertThat(matching(alice, TextKey.SUBJECT, "议通")).containsExactly(utf8);
        assertThat(matching(alice, TextKey.SUBJECT, "通知")).as("the end of a value").containsExactly(utf8);
        assertThat(matching(alice, TextKey.SUBJECT, "知会")).isEmpty();
        assertThat(index.matches(inbox(alice).id(), TextKey.BODY, "q")).as("one ASCII letter: undecided").isSameAs(TextMatches.NONE);

        assertThat(index.findWords(alice.id(), Set.of(), "邮件系统", EnumSet.allOf(WordField.class), 10))
                .containsExactly(new Hit(inbox(alice).id(), utf8));
        assertThat(index.findWords(alice.id(), Set.of(), "quarterly REPORT", EnumSet.of(WordField.SUBJECT), 10))
                .containsExactly(new Hit(inbox(alice).id(), english));
        assertThat(index.findWords(alice.id(), Set.of(), "项目", EnumSet.of(WordField.BODY, WordField.SUBJECT), 10))
                .containsExactly(new Hit(inbox(alice).id(), gb));
        assertThat(index.findWords(bob.id(), Set.of(), "项目", EnumSet.allOf(WordField.class), 10)).as("confined to the account").isEmpty();
    }

    @Test
    void wordSearchReadsHtmlAsTextAndAttachmentNames() {
        startIndex();
        long uid = deliver(alice, """
                From: a@example.org\r
                Subject: pictures\r
                Content-Type: multipart/mixed; boundary=b\r
                \r
                --b\r
                Content-Type: text/html; charset=utf-8\r
                \r
                <html><body><p style="color:red">Hello&nbsp;<b>world</b></p><script>var hidden = 1;</script></body></html>\r
                --b\r
                Content-Type: image/jpeg\r
                Content-Disposition: attachment; filename*=utf-8''%E5%8C%97%E4%BA%AC%E7%85%A7%E7%89%87.jpg\r
                Content-Transfer-Encoding: base64\r
                \r
                /9j/4AAQ\r
                --b--\r
                """);
        awaitCaughtUp();
        long box = inbox(alice).id();
        assertThat(index.findWords(alice.id(), Set.of(), "hello world", EnumSet.of(WordField.BODY), 10)).containsExactly(new Hit(box, uid));
        assertThat(index.findWords(alice.id(), Set.of(), "style", EnumSet.of(WordField.BODY), 10)).as("markup is not text").isEmpty();
        assertThat(index.findWords(alice.id(), Set.of(), "hidden", EnumSet.of(WordField.BODY), 10)).as("scripts are not text").isEmpty();
        assertThat(index.findWords(alice.id(), Set.of(), "北京", EnumSet.of(WordField.ATTACHMENT_NAME), 10)).containsExactly(new Hit(box, uid));
        assertThat(index.findWords(alice.id(), Set.of(box + 1), "北京", EnumSet.of(WordField.ATTACHMENT_NAME), 10)).as("other mailbox").isEmpty();
        // IMAP's BODY keeps comparing the HTML source, as it did before the index
        assertThat(matching(alice, TextKey.BODY, "style=\"color")).containsExactly(uid);
    }

    @Test
    void expungesDeletedMailboxesAndRemovedAccountsLeaveTheIndex() {
        startIndex();
        long one = deliver(alice, mail("alpha one", "text"));
        long two = deliver(alice, mail("alpha two", "text"));
        Mailbox archive = store.createMailbox(alice.id(), "Archive", null);
        store.copy(inbox(alice).id(), List.of(two), archive.id(), false);
        deliver(bob, mail("alpha bob", "text"));
        awaitCaughtUp();
        assertThat(index.size()).isEqualTo(4);
        assertThat(matching(alice, TextKey.SUBJECT, "alpha")).containsExactly(one, two);

        store.expunge(inbox(alice).id(), List.of(one));
        awaitCaughtUp();
        assertThat(matching(alice, TextKey.SUBJECT, "alpha")).containsExactly(two);
        assertThat(index.matches(inbox(alice).id(), TextKey.SUBJECT, "alpha").decides(one)).isFalse();

        store.deleteMailbox(alice.id(), "Archive");
        store.removeAccount(bob.address());
        awaitCaughtUp();
        assertThat(index.size()).isEqualTo(1);
    }

    @Test
    void aMissingIndexIsRebuiltFromTheStoreAndTheConsumerCarriesOn() throws Exception {
        long before = deliver(alice, mail("written before any index", "needle in a haystack"));
        startIndex();
        awaitCaughtUp();
        assertThat(index.position()).as("rebuilt at start").isEqualTo(store.lastChangePosition());
        assertThat(matching(alice, TextKey.BODY, "needle")).containsExactly(before);
        stopIndex();

        // the index directory is lost (a new volume, an operator's rm): rebuilt from scratch
        try (var files = java.nio.file.Files.walk(dir.resolve("index"))) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        long after = deliver(alice, mail("while no index ran", "another needle"));
        startIndex();
        awaitCaughtUp();
        assertThat(matching(alice, TextKey.BODY, "needle")).containsExactly(before, after);
        assertThat(index.size()).isEqualTo(2);

        // an explicit rebuild (twinmail admin index rebuild) gives the same index
        assertThat(updater.rebuild()).isEqualTo(2);
        long later = deliver(alice, mail("after the rebuild", "a third needle"));
        awaitCaughtUp();
        assertThat(matching(alice, TextKey.BODY, "needle")).containsExactly(before, after, later);
    }

    @Test
    void theConsumerCatchesUpAfterARestartFromItsDurableCursor() {
        startIndex();
        long first = deliver(alice, mail("first", "catch me"));
        awaitCaughtUp();
        long position = index.position();
        stopIndex();

        long second = deliver(alice, mail("second", "catch me too"));
        long third = deliver(alice, mail("third", "catch me as well"));
        store.expunge(inbox(alice).id(), List.of(first));
        index = SearchIndex.open(dir.resolve("index"), 1_000_000);
        assertThat(index.position()).as("the index kept its marker").isEqualTo(position);
        updater = IndexUpdater.start(index, store, store, store, 100);
        assertThat(updater.stale()).isFalse();
        awaitCaughtUp();
        assertThat(matching(alice, TextKey.BODY, "catch me")).containsExactly(second, third);
    }

    @Test
    void anIndexBehindItsConsumerIsStaleAndRebuilt() {
        startIndex();
        deliver(alice, mail("one", "x"));
        awaitCaughtUp();
        stopIndex();
        // the consumer's cursor is ahead of what the index holds (its last commits were lost)
        long uid = deliver(alice, mail("two", "lost commit"));
        store.advanceConsumer(IndexUpdater.CONSUMER, store.lastChangePosition());
        index = SearchIndex.open(dir.resolve("index"), 1_000_000);
        assertThat(index.position()).isLessThan(store.consumerPosition(IndexUpdater.CONSUMER));
        updater = IndexUpdater.start(index, store, store, store, 100);
        awaitCaughtUp();
        assertThat(matching(alice, TextKey.BODY, "lost commit")).containsExactly(uid);
    }

    @Test
    void aValueOverTheLimitLeavesTheMessageToTheFullParse() {
        index = SearchIndex.open(dir.resolve("index"), 300);
        updater = IndexUpdater.start(index, store, store, store, 100);
        long small = deliver(alice, mail("small", "short text"));
        long big = deliver(alice, mail("big", "text ".repeat(100)));
        awaitCaughtUp();
        TextMatches m = index.matches(inbox(alice).id(), TextKey.BODY, "text");
        assertThat(m.decides(big)).as("body over 300 characters").isFalse();
        assertThat(m.decides(small)).isTrue();
        assertThat(m.matches(small)).isTrue();
        assertThat(m.decidedCount()).isEqualTo(1);
    }
}
