package org.twinmail.push;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.mail.header.Header;
import org.twinmail.push.Subscriptions.Subscription;
import org.twinmail.push.delivery.PushWorker;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeConsumer;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.StoreException;

/**
 * The durable change-log consumer {@value #CONSUMER}: for each message added to an account's
 * INBOX while the account has push subscriptions, a push message ({@link MailPush}) to each of
 * them through the {@link PushWorker}. Not for mail that is read already ({@code \Seen}: the
 * user's own APPEND), marked {@code $Junk}, or older than {@code push.maxNoticeAge} (a copy or
 * move of old mail). At least once from the change log: a batch handed over again after a crash
 * may push a message twice, which the notification's tag (the Email id) folds into one.
 */
public final class NewMailConsumer implements AutoCloseable {
    public static final String CONSUMER = "web-push";
    private static final int MAX_HEADER = 64 * 1024;

    private final Mailboxes mailboxes;
    private final Subscriptions subscriptions;
    private final PushWorker worker;
    private final Duration maxAge;
    private final Clock clock;
    private ChangeConsumer consumer;

    public NewMailConsumer(Mailboxes mailboxes, Subscriptions subscriptions, PushWorker worker, Duration maxAge, Clock clock) {
        this.mailboxes = mailboxes;
        this.subscriptions = subscriptions;
        this.worker = worker;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    public NewMailConsumer start(ChangeLog changeLog) {
        consumer = ChangeConsumer.start(changeLog, CONSUMER, 200, Duration.ofSeconds(1), this::handle);
        return this;
    }

    public void handle(List<Change> batch) throws IOException {
        Map<Long, Boolean> subscribed = new HashMap<>(); // one look per account and batch
        for (Change c : batch) {
            if (c.kind() == Change.Kind.MESSAGE_ADDED && subscribed.computeIfAbsent(c.accountId(), subscriptions::has)) added(c);
        }
    }

    private void added(Change c) throws IOException {
        Optional<Mailbox> box = mailboxes.mailbox(c.mailboxId());
        if (box.isEmpty() || box.get().specialUse() != SpecialUse.INBOX) return;
        MessageEntry entry = entry(c);
        if (entry == null) return; // expunged since
        if (entry.flags().stream().anyMatch(f -> f.equalsIgnoreCase("\\Seen") || f.equalsIgnoreCase("$Junk"))) return;
        if (entry.internalDate().isBefore(clock.instant().minus(maxAge))) return;
        Header header;
        try (InputStream in = mailboxes.openBlob(entry.blobId())) {
            header = Header.read(in, MAX_HEADER);
        } catch (StoreException.NotFound | java.nio.file.NoSuchFileException gone) {
            return;
        }
        byte[] payload = MailPush.payload(c.accountId(), c.mailboxId(), entry.blobId(), header);
        for (Subscription s : subscriptions.of(c.accountId())) worker.submit(c.accountId(), s, payload);
    }

    private MessageEntry entry(Change c) {
        try {
            for (MessageEntry m : mailboxes.mailboxChanges(c.mailboxId(), c.position() - 1).changed()) {
                if (m.uid() == c.uid()) return m;
            }
        } catch (StoreException.NotFound gone) {
            return null;
        }
        return null;
    }

    @Override
    public void close() {
        if (consumer != null) consumer.close();
    }
}
