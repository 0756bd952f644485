package org.twinmail.sms.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.core.sms.SmsRecords;
import org.twinmail.core.sms.SmsSettings;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.header.Header;
import org.twinmail.sms.notice.MailNotice;
import org.twinmail.sms.notice.Unwanted;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeConsumer;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.RecordWrite;
import org.twinmail.store.StoreException;
import org.twinmail.store.StoredRecord;

/**
 * The durable change-log consumer {@value #CONSUMER}: sees each message added to a mailbox and
 * each change of a user's SMS settings, decides, and queues in the store's records (never sends:
 * the {@link SmsWorker} does). At least once from the change log, and every effect is keyed
 * (a notice by account and content address, a code by its change position) and created only if
 * absent, so a batch handed over twice after a crash or a failover queues each SMS once.
 *
 * <p>A message notifies when the account's settings are on with a verified number; it was put
 * into a folder that is not Junk, Trash, Sent or Drafts, without the {@code $Junk} keyword, at
 * most {@code maxNoticeAge} ago (so a copy or move of old mail does not); it is not spam,
 * virus-flagged or bulk ({@link Unwanted}); the trigger matches; the daily cap is not reached.
 * In the quiet hours it is queued for their end.
 */
public final class NoticeConsumer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NoticeConsumer.class);
    public static final String CONSUMER = "sms-notices";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SmsQueue queue;
    private final Mailboxes mailboxes;
    private final QueueSettings settings;
    private final SmsMetrics metrics;
    private final Clock clock;
    private final Runnable wake;
    private ChangeConsumer consumer;

    public NoticeConsumer(SmsQueue queue, Mailboxes mailboxes, QueueSettings settings, SmsMetrics metrics, Clock clock, Runnable wake) {
        this.queue = queue;
        this.mailboxes = mailboxes;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
        this.wake = wake;
    }

    public NoticeConsumer start(ChangeLog changeLog) {
        consumer = ChangeConsumer.start(changeLog, CONSUMER, 200, Duration.ofSeconds(1), this::handle);
        return this;
    }

    /**
     * One batch; see the class comment. The notices of a batch are queued in one commit (each
     * one's reference, item and the day's count: {@link SmsQueue#write}); a settings change
     * writes what came before it first. A batch whose commit found a record changed since it was
     * read is handled again change by change.
     */
    public void handle(List<Change> batch) throws IOException {
        if (handle(batch, new Pending())) return;
        for (Change c : batch) {
            if (!handle(List.of(c), new Pending())) {
                throw new IllegalStateException("sms: the records of change " + c.position() + " changed while it was handled; handed over again");
            }
        }
    }

    /** The notices decided in a batch and not yet written. */
    private static final class Pending {
        final List<RecordWrite> writes = new ArrayList<>();
        final Set<SmsQueue.Key> keys = new HashSet<>();
        final Set<String> refs = new HashSet<>();
        /** (scope, day) to the count as read and the notices added since. */
        final Map<String, Map.Entry<SmsQueue.DayCount, Integer>> counts = new LinkedHashMap<>();
        final Map<String, Long> countExpiry = new HashMap<>();
        int notices;
    }

    private boolean handle(List<Change> batch, Pending p) throws IOException {
        boolean queued = false;
        for (Change c : batch) {
            switch (c.kind()) {
                case MESSAGE_ADDED -> added(c, p);
                case RECORD_CHANGED -> {
                    if (!settingsRecord(c)) continue; // the queue's own records and other features' change nothing here
                    if (!flush(p)) return false;
                    queued |= p.notices > 0;
                    p = new Pending();
                    queued |= settingsChanged(c);
                }
                default -> { }
            }
        }
        if (!flush(p)) return false;
        if (queued || p.notices > 0) wake.run();
        return true;
    }

    /** Writes the pending notices in one commit; false when a record changed since it was read (nothing written). */
    private boolean flush(Pending p) {
        if (p.writes.isEmpty()) return true;
        List<RecordWrite> all = new ArrayList<>(p.writes);
        p.counts.forEach((scopeDay, c) -> {
            int tab = scopeDay.indexOf('\t');
            all.add(queue.countWrite(scopeDay.substring(0, tab), scopeDay.substring(tab + 1), c.getKey(), c.getKey().count() + c.getValue(),
                    p.countExpiry.get(scopeDay)));
        });
        if (queue.write(all).isEmpty()) return false;
        metrics.queued.increment(p.notices);
        return true;
    }

    private void added(Change c, Pending p) throws IOException {
        Optional<SmsSettings> s = settings(c.accountId());
        if (s.isEmpty() || !s.get().active()) return;
        Optional<Mailbox> box = mailboxes.mailbox(c.mailboxId());
        if (box.isEmpty()) return;
        SpecialUse use = box.get().specialUse();
        if (use == SpecialUse.JUNK || use == SpecialUse.TRASH || use == SpecialUse.SENT || use == SpecialUse.DRAFTS) {
            metrics.skipped("folder");
            return;
        }
        MessageEntry entry = entry(c);
        if (entry == null) return; // expunged since
        if (entry.flags().stream().anyMatch(f -> f.equalsIgnoreCase("$Junk"))) {
            metrics.skipped("spam");
            return;
        }
        Instant now = clock.instant();
        if (entry.internalDate().isBefore(now.minus(settings.maxNoticeAge()))) {
            metrics.skipped("old");
            return;
        }
        String scope = SmsRecords.scope(c.accountId());
        SmsQueue.Key key = new SmsQueue.Key(scope, "n." + entry.blobId());
        if (p.keys.contains(key) || queue.known(key)) return;
        byte[] data;
        try (InputStream in = mailboxes.openBlob(entry.blobId())) {
            data = in.readAllBytes();
        } catch (StoreException.NotFound | java.nio.file.NoSuchFileException gone) {
            return;
        }
        Header header = Header.parse(data);
        Optional<String> unwanted = Unwanted.reason(header);
        if (unwanted.isPresent()) {
            metrics.skipped(unwanted.get());
            return;
        }
        SmsSettings u = s.get();
        if (!triggers(u, header)) {
            metrics.skipped("trigger");
            return;
        }
        ZonedDateTime local = now.atZone(u.zoneId());
        String day = LocalDate.from(local).toString();
        long dayEnds = local.toLocalDate().plusDays(2).atStartOfDay(u.zoneId()).toInstant().toEpochMilli();
        Map.Entry<SmsQueue.DayCount, Integer> count = null;
        if (u.dailyCap() > 0) {
            count = p.counts.computeIfAbsent(scope + "\t" + day, k -> Map.entry(queue.count(scope, day), 0));
            if (count.getKey().count() + count.getValue() >= u.dailyCap()) {
                metrics.skipped("daily_cap");
                return;
            }
        }
        MailNotice notice = MailNotice.read(data, entry.internalDate());
        long due = now.toEpochMilli();
        if (u.quiet(local)) due = quietEnd(u, local);
        long expires = Math.max(due, now.toEpochMilli()) + settings.expireAfter().toMillis();
        SmsQueue.Reference ref = queue.newRef(u.phone(), key, settings.refDigits(), now.plus(settings.replyWindow()).toEpochMilli(), p.refs);
        SmsItem item = new SmsItem(SmsItem.Purpose.NOTICE, u.phone(), "", notice, u.language(), u.zone(), ref.ref(), SmsItem.State.QUEUED,
                now.toEpochMilli(), due, 0, expires, "", List.of(), 0, "");
        p.writes.add(ref.write());
        p.writes.add(queue.enqueueWrite(key, item));
        p.keys.add(key);
        if (count != null) {
            p.counts.put(scope + "\t" + day, Map.entry(count.getKey(), count.getValue() + 1));
            p.countExpiry.put(scope + "\t" + day, dayEnds);
        }
        p.notices++;
    }

    /** Whether a record change is of a user's SMS settings or verification code. */
    private static boolean settingsRecord(Change c) {
        String[] d = c.detail().split("\t", -1);
        return d.length >= 3 && (d[0].equals(SmsRecords.SETTINGS) || d[0].equals(SmsRecords.VERIFY)) && d[1].startsWith("account:");
    }

    /** A new, unverified number without a live code gets one. */
    private boolean settingsChanged(Change c) {
        String[] d = c.detail().split("\t", -1);
        long account = Long.parseLong(d[1].substring("account:".length()));
        Optional<SmsSettings> s = settings(account);
        if (s.isEmpty() || s.get().phone().isEmpty() || s.get().verified()) return false;
        String phone = s.get().phone();
        String scope = SmsRecords.scope(account);
        long now = clock.millis();
        SmsQueue.Key key = new SmsQueue.Key(scope, "c." + c.position());
        if (queue.known(key)) return false;
        Optional<StoredRecord> v = queue.records().record(SmsRecords.VERIFY, scope, SmsRecords.NAME);
        if (v.isPresent() && (v.get().expiresMillis() == 0 || v.get().expiresMillis() > now)
                && SmsRecords.Verification.decode(v.get().value()).phone().equals(phone)) {
            return false; // a code for this number is live
        }
        String code = String.format(Locale.ROOT, "%06d", RANDOM.nextInt(1_000_000));
        long expires = now + settings.codeValidity().toMillis();
        String text = s.get().language().equals("zh") ? "TwinMail 验证码：" + code + "（" + settings.codeValidity().toMinutes() + "分钟内有效）"
                : "TwinMail code: " + code + " (valid " + settings.codeValidity().toMinutes() + " minutes)";
        SmsItem item = new SmsItem(SmsItem.Purpose.CODE, phone, text, null, s.get().language(), s.get().zone(), "", SmsItem.State.QUEUED,
                now, now, 0, expires, "", List.of(), 0, "");
        // the SMS first, then the code's hash: handed over again, the change finds its SMS and stops
        if (!queue.enqueue(key, item)) return false;
        queue.records().putRecord(SmsRecords.VERIFY, scope, SmsRecords.NAME,
                new SmsRecords.Verification(phone, SmsRecords.codeHash(account, phone, code), 0).encode(), expires);
        metrics.queued.increment();
        log.info("sms: a verification code queued for account {} to {}", account, phone);
        return true;
    }

    private Optional<SmsSettings> settings(long account) {
        return queue.records().record(SmsRecords.SETTINGS, SmsRecords.scope(account), SmsRecords.NAME).map(r -> SmsSettings.decode(r.value()));
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

    static boolean triggers(SmsSettings s, Header h) {
        return switch (s.trigger()) {
            case ALL -> true;
            case IMPORTANT -> important(h);
            case SENDERS -> h.first("From").flatMap(f -> AddressParser.firstMailbox(f.value())).map(m -> {
                String a = m.address().toLowerCase(Locale.ROOT);
                String domain = a.substring(a.lastIndexOf('@') + 1);
                return s.senders().stream().anyMatch(x -> x.contains("@") ? x.equals(a) : domain.equals(x) || domain.endsWith("." + x));
            }).orElse(false);
            case ALIAS -> {
                String alias = s.alias().toLowerCase(Locale.ROOT);
                yield h.fields().stream().filter(f -> f.is("To") || f.is("Cc") || f.is("Delivered-To"))
                        .flatMap(f -> AddressParser.parse(f.value()).mailboxes().stream())
                        .anyMatch(m -> m.address().toLowerCase(Locale.ROOT).equals(alias));
            }
        };
    }

    static boolean important(Header h) {
        String importance = h.value("Importance");
        String priority = h.value("X-Priority");
        String prio = h.value("Priority");
        return (importance != null && importance.strip().equalsIgnoreCase("high"))
                || (priority != null && (priority.strip().startsWith("1") || priority.strip().startsWith("2")))
                || (prio != null && prio.strip().equalsIgnoreCase("urgent"));
    }

    private static long quietEnd(SmsSettings s, ZonedDateTime local) {
        ZonedDateTime end = local.with(s.quietTo());
        if (!end.isAfter(local)) end = end.plusDays(1);
        return end.toInstant().toEpochMilli();
    }

    @Override
    public void close() {
        if (consumer != null) consumer.close();
    }
}
