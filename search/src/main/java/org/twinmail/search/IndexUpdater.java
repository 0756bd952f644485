package org.twinmail.search;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Domain;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeConsumer;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.Directory;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.StoreException;

/**
 * Keeps the {@link SearchIndex} in step with the store, on the active node only: a durable
 * change-log consumer ({@value #CONSUMER}) indexes each added message and deletes expunged
 * ones, deleted mailboxes' and removed accounts' documents, in log order, committing the
 * index with the batch's last position before the consumer's cursor moves past it. Delivery
 * is at least once, and every effect is keyed by mailbox id and UID (an added message is
 * indexed again over its own document, a delete of what is gone does nothing), so a batch
 * handed over twice after a crash or a failover leaves the index as once.
 *
 * <p>At {@link #start}, an index that is missing, unreadable, of another format, or behind the
 * consumer's cursor (its last commits were lost: the cursor never moves back) is
 * {@link #rebuild rebuilt} from the store first.
 */
public final class IndexUpdater implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IndexUpdater.class);
    /** The consumer's name in the change log. */
    public static final String CONSUMER = "search-index";

    private final SearchIndex index;
    private final Mailboxes mailboxes;
    private final Directory directory;
    private final ChangeLog changeLog;
    private final int batchSize;
    private final Duration commitInterval;
    /**
     * Every write to the index runs here, never on the consumer's thread: the consumer is
     * stopped by an interrupt, and an interrupt during a Lucene write closes the channel under
     * it (the index's lock included) and breaks the writer. A batch interrupted in the consumer
     * finishes here; its cursor does not move and it is handed over again (idempotent).
     */
    private final java.util.concurrent.ExecutorService writes =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("search-index-writer").daemon(true).unstarted(r));
    private ChangeConsumer consumer;
    private volatile boolean closed;
    private Thread watcher;

    private IndexUpdater(SearchIndex index, Mailboxes mailboxes, Directory directory, ChangeLog changeLog, int batchSize,
                         Duration commitInterval) {
        this.commitInterval = commitInterval;
        this.index = index;
        this.mailboxes = mailboxes;
        this.directory = directory;
        this.changeLog = changeLog;
        this.batchSize = batchSize;
    }

    /**
     * Starts keeping {@code index} current, in the background: first a {@link #rebuild} if the
     * index is stale (see the class comment), then the change-log consumer. Searches meanwhile
     * see what the index held; that is never wrong, only incomplete (a document always describes
     * the message its mailbox id and UID name, and neither is ever reused), and IMAP searches the
     * messages the index lacks on the messages themselves.
     */
    public static IndexUpdater start(SearchIndex index, Mailboxes mailboxes, Directory directory, ChangeLog changeLog, int batchSize) {
        return start(index, mailboxes, directory, changeLog, batchSize, Duration.ZERO);
    }

    /**
     * As {@link #start(SearchIndex, Mailboxes, Directory, ChangeLog, int)}, committing at most once per
     * {@code commitInterval} while changes keep coming ({@code search.commitInterval}): see
     * {@link ChangeConsumer#start(ChangeLog, String, int, Duration, Duration, ChangeConsumer.Handler)}.
     */
    public static IndexUpdater start(SearchIndex index, Mailboxes mailboxes, Directory directory, ChangeLog changeLog, int batchSize,
                                     Duration commitInterval) {
        IndexUpdater u = new IndexUpdater(index, mailboxes, directory, changeLog, batchSize, commitInterval);
        u.writes.submit(() -> {
            try {
                if (u.stale()) {
                    log.info("search index in {} is missing or stale (index at {}, consumer at {}): rebuilding from the store",
                            index.directory(), index.position(), changeLog.consumerPosition(CONSUMER));
                    u.rebuildOnWriter();
                }
                u.startConsumer();
            } catch (RuntimeException e) {
                if (!u.closed) log.error("search index: the rebuild failed; the index is not updated until `twinmail admin index rebuild`", e);
            }
        });
        return u;
    }

    /**
     * Rebuilds {@code index} from the store now, on the caller's behalf, with no consumer
     * (the CLI on a stopped node); the next updater carries on from the rebuild's position.
     */
    public static int rebuildNow(SearchIndex index, Mailboxes mailboxes, Directory directory, ChangeLog changeLog) {
        IndexUpdater u = new IndexUpdater(index, mailboxes, directory, changeLog, 1, Duration.ZERO);
        try {
            return u.writes.submit(u::rebuildOnWriter).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the search index was rebuilt", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException("rebuilding the search index failed", e.getCause());
        } finally {
            u.close();
        }
    }

    /** Whether the index must be rebuilt before its consumer can carry on. */
    boolean stale() {
        return index.position() < 0 || index.position() < changeLog.consumerPosition(CONSUMER);
    }

    /** The change-log position the index reflects. */
    public long position() {
        return index.position();
    }

    /**
     * Rebuilds the index from the store now (the admin's {@code index rebuild}) and waits for it:
     * the consumer stops, every message of every account is indexed, and the consumer carries on
     * from the position read before the rebuild began. Returns the messages indexed.
     */
    public int rebuild() {
        synchronized (this) {
            if (consumer != null) consumer.close();
            consumer = null;
        }
        try {
            return writes.submit(this::rebuildOnWriter).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the search index was rebuilt", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException("rebuilding the search index failed", e.getCause());
        } finally {
            startConsumer();
        }
    }

    /**
     * The file by which {@code twinmail admin index rebuild} asks the server that holds the data
     * directory for a rebuild (the CLI cannot write the index while the server holds its lock):
     * {@code dataDir/index.rebuild}. The server deletes it when the rebuild begins and writes
     * {@link #rebuiltFile} when it ends.
     */
    public static Path requestFile(Path dataDir) {
        return dataDir.resolve("index.rebuild");
    }

    /** Written by the server when a requested rebuild has ended: the messages indexed, or "failed: reason". */
    public static Path rebuiltFile(Path dataDir) {
        return dataDir.resolve("index.rebuilt");
    }

    /** Looks for a {@link #requestFile} every {@code every} and rebuilds when there is one; stops at {@link #close}. */
    public void watchRequests(Path dataDir, Duration every) {
        Path request = requestFile(dataDir);
        watcher = Thread.ofVirtual().name("search-index-requests").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(every);
                    if (!java.nio.file.Files.deleteIfExists(request)) continue;
                    log.info("search index: rebuild requested through {}", request);
                    String outcome;
                    try {
                        outcome = Integer.toString(rebuild());
                    } catch (RuntimeException e) {
                        log.error("search index: the requested rebuild failed", e);
                        outcome = "failed: " + e.getMessage();
                    }
                    java.nio.file.Files.writeString(rebuiltFile(dataDir), outcome + "\n");
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    log.warn("search index: cannot read or answer {}: {}", request, e.toString());
                }
            }
        });
    }

    private synchronized void startConsumer() {
        if (closed || consumer != null) return;
        consumer = ChangeConsumer.start(changeLog, CONSUMER, batchSize, Duration.ofSeconds(1), commitInterval, batch -> {
            try {
                writes.submit(() -> {
                    handle(batch);
                    return null;
                }).get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof Exception cause) throw cause;
                throw e;
            }
        });
    }

    /**
     * Indexes the store as it is. The position is read first: changes after it are handed over
     * again by the consumer, and each is idempotent, so a message added or expunged while the
     * rebuild runs ends up right either way.
     */
    private int rebuildOnWriter() {
        long start = System.nanoTime();
        long from = changeLog.lastChangePosition();
        int n = 0;
        try {
            index.deleteAll();
            for (Domain d : directory.listDomains()) {
                for (Account a : directory.listAccounts(d.name())) {
                    for (Mailbox box : mailboxes.mailboxes(a.id())) {
                        for (MessageEntry e : mailboxes.messages(box.id())) {
                            if (closed) throw new java.util.concurrent.CancellationException("the search index updater was closed");
                            if (index(a.id(), e)) n++;
                        }
                    }
                }
            }
            index.commit(from);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("rebuilding the search index failed", e);
        }
        if (from > 0) changeLog.advanceConsumer(CONSUMER, from);
        log.info("search index rebuilt: {} messages in {} ms, at change {}", n, (System.nanoTime() - start) / 1_000_000, from);
        return n;
    }

    /** One batch of the change log; see the class comment. */
    void handle(List<Change> batch) throws IOException {
        // The entries of the added messages, read once per mailbox: those changed since the first addition.
        Map<Long, Long> firstAdded = new HashMap<>();
        for (Change c : batch) {
            if (c.kind() == Change.Kind.MESSAGE_ADDED) firstAdded.merge(c.mailboxId(), c.position(), Math::min);
        }
        Map<Long, Map<Long, MessageEntry>> entries = new HashMap<>();
        for (var e : firstAdded.entrySet()) {
            Map<Long, MessageEntry> byUid = new HashMap<>();
            try {
                for (MessageEntry m : mailboxes.mailboxChanges(e.getKey(), e.getValue() - 1).changed()) byUid.put(m.uid(), m);
            } catch (StoreException.NotFound gone) {
                // the mailbox was deleted since: its MAILBOX_DELETED follows
            }
            entries.put(e.getKey(), byUid);
        }
        for (Change c : batch) {
            switch (c.kind()) {
                case MESSAGE_ADDED -> {
                    MessageEntry e = entries.get(c.mailboxId()).get(c.uid());
                    if (e != null) index(c.accountId(), e); // else expunged since: its MESSAGE_EXPUNGED follows
                }
                case MESSAGE_EXPUNGED -> index.delete(c.mailboxId(), c.uid());
                case MAILBOX_DELETED -> index.deleteMailbox(c.mailboxId());
                case ACCOUNT_REMOVED -> index.deleteAccount(c.accountId());
                default -> { }
            }
        }
        index.commit(batch.getLast().position());
    }

    /** Indexes one entry; false if its body is gone (expunged since) or cannot be parsed (IMAP then searches it itself). */
    private boolean index(long accountId, MessageEntry e) throws IOException {
        byte[] data;
        try (InputStream in = mailboxes.openBlob(e.blobId())) {
            data = in.readAllBytes();
        } catch (StoreException.NotFound | java.nio.file.NoSuchFileException gone) {
            return false;
        }
        MimePart m;
        try {
            m = MimePart.parse(data);
            index.index(accountId, e, m);
        } catch (RuntimeException bad) {
            log.warn("search index: message {} of mailbox {} not indexed: {}", e.uid(), e.mailboxId(), bad.toString());
            return false;
        }
        return true;
    }

    /** Stops the consumer and a rebuild, and waits for the write in progress; the index stays open (its owner closes it). */
    @Override
    public void close() {
        closed = true;
        if (watcher != null) watcher.interrupt();
        synchronized (this) {
            if (consumer != null) consumer.close();
            consumer = null;
        }
        writes.shutdown();
        boolean interrupted = false;
        while (!writes.isTerminated()) {
            try {
                writes.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
