package org.twinmail.filter.content;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeConsumer;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.Records;
import org.twinmail.store.StoreException;
import org.twinmail.store.StoredRecord;

/**
 * Trains the Bayes classifier from what users do, on the active node: a durable change-log
 * consumer ({@value #CONSUMER}) that learns
 * <ul>
 *   <li><b>spam</b> from a message moved into the account's Junk mailbox (the special use, any
 *       name) from another mailbox, and from the keyword {@code $Junk} set on a message outside
 *       Junk (Thunderbird's and the webmail's "spam" button, JMAP's {@code $junk}, RFC 8621);</li>
 *   <li><b>ham</b> from a message moved out of Junk into a mailbox other than Trash, and from the
 *       keyword {@code $NotJunk} (JMAP's {@code $notjunk}) set anywhere.</li>
 * </ul>
 * Mail the filters file into Junk themselves is not learned (it is not moved), nor is a flag
 * change of a message that sits in Junk with {@code $Junk}. A move is an addition followed
 * (IMAP MOVE: at once; JMAP: after the request's copies) by an expunge of the same content in
 * the same account; the consumer looks {@value #MOVE_WINDOW} changes ahead for it.
 *
 * <p>What each message taught is remembered in a {@value #LEARNED} record (scope the account,
 * name the content's SHA-256, value {@code spam} or {@code ham}): a message learned twice the
 * same way counts once, and one the user changes their mind about is unlearned from the other
 * class first, as {@code sa-learn} does. The counts go into {@link BayesTokens} once per batch,
 * each shard tagged with the batch's last position, so a batch handed over again after a crash
 * is applied once.
 */
public final class JunkLearner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JunkLearner.class);
    public static final String CONSUMER = "bayes-learner";
    public static final String LEARNED = "bayes.learned";
    static final int MOVE_WINDOW = 256;
    /** Changes after an addition from which its move's expunge is taken to be there if it was a move. */
    static final int SETTLED = 8;
    /** How long an addition at the end of the log waits for an expunge that would make it a move. */
    static final Duration MOVE_WAIT = Duration.ofSeconds(1);

    private final Mailboxes mailboxes;
    private final Records records;
    private final ChangeLog changeLog;
    private final BayesTokens tokens;
    private final ContentRules rules;
    private final int maxSize;
    private final LongAdder learnedSpam = new LongAdder();
    private final LongAdder learnedHam = new LongAdder();
    private final Map<Long, SpecialUse> specialUse = new java.util.concurrent.ConcurrentHashMap<>();
    private ChangeConsumer consumer;

    JunkLearner(Mailboxes mailboxes, Records records, ChangeLog changeLog, BayesTokens tokens, ContentRules rules, int maxSize) {
        this.mailboxes = mailboxes;
        this.records = records;
        this.changeLog = changeLog;
        this.tokens = tokens;
        this.rules = rules;
        this.maxSize = maxSize;
    }

    /** Starts learning with the rules and size of {@code filter.content}. */
    public static JunkLearner start(Mailboxes mailboxes, Records records, ChangeLog changeLog, BayesTokens tokens,
                                    org.twinmail.core.config.TwinmailConfig.Content c) {
        return start(mailboxes, records, changeLog, tokens, new ContentRules(c.scores, c.usualCharsets, c.urlShorteners),
                (int) Math.min(Integer.MAX_VALUE - 16, c.maxSize.bytes()));
    }

    /** Starts learning from the change log after the consumer's durable cursor. */
    public static JunkLearner start(Mailboxes mailboxes, Records records, ChangeLog changeLog, BayesTokens tokens,
                                    ContentRules rules, int maxSize) {
        JunkLearner l = new JunkLearner(mailboxes, records, changeLog, tokens, rules, maxSize);
        l.consumer = ChangeConsumer.start(changeLog, CONSUMER, 500, Duration.ofSeconds(1), l::handle);
        return l;
    }

    /** Messages learned as spam and as ham since the start. */
    public long learnedSpam() {
        return learnedSpam.sum();
    }

    public long learnedHam() {
        return learnedHam.sum();
    }

    /** The position up to which the log has been learned from. */
    public long position() {
        return consumer == null ? 0 : consumer.position();
    }

    private record Lesson(long accountId, String sha256, boolean spam) { }

    /** One batch; see the class comment. */
    void handle(List<Change> batch) throws IOException, InterruptedException {
        if (batch.isEmpty()) return;
        long last = batch.getLast().position();
        List<Change> ahead = new ArrayList<>(batch);
        ahead.addAll(changeLog.changesSince(last, MOVE_WINDOW));
        // A move's expunge may not be committed yet (JMAP copies, then expunges in a second
        // write): an addition among the log's last few changes waits up to MOVE_WAIT for what follows.
        long deadline = System.nanoTime() + MOVE_WAIT.toNanos();
        while (addedNearTheEnd(batch, ahead) && System.nanoTime() < deadline) {
            long seen = ahead.getLast().position();
            changeLog.awaitChange(seen, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            ahead.addAll(changeLog.changesSince(seen, MOVE_WINDOW));
        }
        List<Lesson> lessons = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Change c = batch.get(i);
            switch (c.kind()) {
                case MESSAGE_ADDED -> {
                    Change gone = expungedAfter(ahead, i, c);
                    if (gone == null) continue;
                    SpecialUse from = use(gone.mailboxId());
                    SpecialUse to = use(c.mailboxId());
                    if (to == SpecialUse.JUNK && from != SpecialUse.JUNK) lessons.add(new Lesson(c.accountId(), c.detail(), true));
                    else if (from == SpecialUse.JUNK && to != SpecialUse.JUNK && to != SpecialUse.TRASH) {
                        lessons.add(new Lesson(c.accountId(), c.detail(), false));
                    }
                }
                case FLAGS_CHANGED -> {
                    boolean junk = false;
                    boolean notJunk = false;
                    for (String f : c.detail().split(" ")) {
                        if (f.equalsIgnoreCase("$Junk")) junk = true;
                        else if (f.equalsIgnoreCase("$NotJunk")) notJunk = true;
                    }
                    if (junk == notJunk) continue;
                    if (junk && use(c.mailboxId()) == SpecialUse.JUNK) continue;
                    String sha = contentOf(c);
                    if (sha != null) lessons.add(new Lesson(c.accountId(), sha, junk));
                }
                case MAILBOX_DELETED -> specialUse.remove(c.mailboxId());
                default -> { }
            }
        }
        if (lessons.isEmpty()) return;
        learn(lessons, last);
    }

    /** Whether one of the batch's additions has fewer than {@value #SETTLED} changes after it in {@code ahead}. */
    private static boolean addedNearTheEnd(List<Change> batch, List<Change> ahead) {
        for (int i = Math.max(0, ahead.size() - SETTLED); i < Math.min(batch.size(), ahead.size()); i++) {
            if (batch.get(i).kind() == Change.Kind.MESSAGE_ADDED) return true;
        }
        return false;
    }

    /** The expunge of {@code added}'s content in the same account from another mailbox, within the window after it. */
    private static Change expungedAfter(List<Change> ahead, int i, Change added) {
        for (int k = i + 1; k < ahead.size() && k <= i + MOVE_WINDOW; k++) {
            Change e = ahead.get(k);
            if (e.kind() == Change.Kind.MESSAGE_EXPUNGED && e.accountId() == added.accountId()
                    && e.mailboxId() != added.mailboxId() && e.detail().equals(added.detail())) return e;
            if (e.kind() == Change.Kind.MESSAGE_ADDED && e.accountId() == added.accountId() && e.detail().equals(added.detail())
                    && e.mailboxId() == added.mailboxId()) return null;
        }
        return null;
    }

    /** The special use of a mailbox (null for an ordinary one, or one that is gone); the special ones are cached. */
    private SpecialUse use(long mailboxId) {
        SpecialUse u = specialUse.get(mailboxId);
        if (u != null) return u;
        try {
            u = mailboxes.mailbox(mailboxId).map(Mailbox::specialUse).orElse(null);
        } catch (StoreException.NotFound gone) {
            return null;
        }
        if (u != null) specialUse.put(mailboxId, u);
        return u;
    }

    /** The content address of the message a flag change names, if it is still there. */
    private String contentOf(Change c) {
        try {
            for (MessageEntry e : mailboxes.mailboxChanges(c.mailboxId(), c.position() - 1).changed()) {
                if (e.uid() == c.uid()) return e.blobId();
            }
        } catch (StoreException.NotFound gone) {
            // the mailbox is gone
        }
        return null;
    }

    private void learn(List<Lesson> lessons, long position) throws IOException {
        Map<Long, int[]> deltas = new HashMap<>();
        long spam = 0;
        long ham = 0;
        Map<String, String> pending = new HashMap<>(); // account + content: what this batch taught already
        List<Lesson> done = new ArrayList<>();
        for (Lesson l : lessons) {
            String key = l.accountId() + "/" + l.sha256();
            String now = l.spam() ? "spam" : "ham";
            String before = pending.get(key);
            if (before == null) {
                before = records.record(LEARNED, Records.accountScope(l.accountId()), l.sha256())
                        .map(r -> new String(r.value(), StandardCharsets.US_ASCII)).orElse("");
            }
            if (before.equals(now)) continue;
            long[] message = tokensOf(l.sha256());
            if (message == null) continue;
            if (!before.isEmpty()) { // the user changed their mind: unlearn first
                add(deltas, message, before.equals("spam") ? -1 : 0, before.equals("ham") ? -1 : 0);
                if (before.equals("spam")) spam--;
                else ham--;
            }
            add(deltas, message, l.spam() ? 1 : 0, l.spam() ? 0 : 1);
            if (l.spam()) spam++;
            else ham++;
            pending.put(key, now);
            done.add(l);
        }
        if (done.isEmpty()) return;
        tokens.apply(deltas, spam, ham, position);
        for (Lesson l : done) {
            String key = l.accountId() + "/" + l.sha256();
            String value = pending.get(key);
            if (value == null) continue;
            pending.remove(key);
            records.putRecord(LEARNED, Records.accountScope(l.accountId()), l.sha256(), value.getBytes(StandardCharsets.US_ASCII), 0);
            (value.equals("spam") ? learnedSpam : learnedHam).increment();
            log.info("bayes: learned message {} of account {} as {}", l.sha256().substring(0, Math.min(12, l.sha256().length())),
                    l.accountId(), value);
        }
    }

    private static void add(Map<Long, int[]> deltas, long[] tokens, int spam, int ham) {
        for (long t : tokens) {
            int[] d = deltas.computeIfAbsent(t, k -> new int[2]);
            d[0] += spam;
            d[1] += ham;
        }
    }

    /** The tokens of a stored message (its first {@code maxSize} octets), or null when it is gone. */
    private long[] tokensOf(String sha256) throws IOException {
        byte[] data;
        try (InputStream in = mailboxes.openBlob(sha256)) {
            data = in.readNBytes(maxSize);
        } catch (StoreException.NotFound | java.nio.file.NoSuchFileException gone) {
            return null;
        }
        return tokens(rules, data);
    }

    /** The tokens the classifier sees of a message (the same at learning and at scoring). */
    static long[] tokens(ContentRules rules, byte[] message) {
        return Bayes.tokens(rules.analyse(MimePart.parse(message), OffsetDateTime.now(ZoneOffset.UTC)));
    }

    @Override
    public void close() {
        if (consumer != null) consumer.close();
    }
}
