package org.twinmail.filter.quarantine;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.policy.QuarantineItem;
import org.twinmail.mail.header.EncodedWords;
import org.twinmail.store.Delivery;
import org.twinmail.store.Directory;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.Quarantine;
import org.twinmail.store.Records;

/**
 * The quarantine's daily digest, on the active node: once a day, from {@code hour} (UTC), each
 * account with messages held for it in the administrator's quarantine gets one message in its
 * INBOX listing them (arrival, sender, subject, why, the id) and how to have one released. The
 * day is claimed first with a {@value #KIND} record (compare-and-set), so a node that takes over
 * the same day, or a second run, sends nothing twice; a node that was down at that hour sends
 * the day's digest when it starts.
 */
public final class QuarantineDigest implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuarantineDigest.class);
    public static final String KIND = "quarantine.digest";
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'");

    private final Quarantine quarantine;
    private final Records records;
    private final Directory directory;
    private final Mailboxes mailboxes;
    private final Clock clock;
    private final int hour;
    private final EmailAddress from;
    private final String releaseHint;
    private ScheduledExecutorService timer;

    /**
     * @param hour        the UTC hour from which the day's digest goes out (0 to 23)
     * @param from        the digest's From (postmaster)
     * @param releaseHint how a user has a message released (the site's instructions), one line
     */
    public QuarantineDigest(Quarantine quarantine, Records records, Directory directory, Mailboxes mailboxes, Clock clock,
                            int hour, EmailAddress from, String releaseHint) {
        if (hour < 0 || hour > 23) throw new IllegalArgumentException("filter.quarantineDigest.hour must be 0 to 23");
        this.quarantine = quarantine;
        this.records = records;
        this.directory = directory;
        this.mailboxes = mailboxes;
        this.clock = clock;
        this.hour = hour;
        this.from = from;
        this.releaseHint = releaseHint;
    }

    /** Checks every {@code every} (and at once) whether the day's digest is due, until {@link #close}. */
    public QuarantineDigest start(Duration every) {
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("quarantine-digest").daemon().factory());
        timer.scheduleWithFixedDelay(() -> {
            try {
                sendDue();
            } catch (RuntimeException e) {
                log.warn("quarantine digest: could not send: {}", e.toString());
            }
        }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Sends today's digests if it is time and they have not been sent; returns the accounts written to. */
    public int sendDue() {
        ZonedDateTime now = ZonedDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        if (now.getHour() < hour) return 0;
        LocalDate day = now.toLocalDate();
        Map<Long, List<QuarantineItem>> byAccount = new LinkedHashMap<>();
        for (QuarantineItem item : quarantine.list()) {
            for (long a : item.accountIds()) byAccount.computeIfAbsent(a, k -> new ArrayList<>()).add(item);
        }
        if (byAccount.isEmpty()) return 0; // nothing held: nothing written either (the day stays open)
        // Claim the day (once per store: a pair, a restart, a second timer never send it twice).
        if (records.putRecordIf(KIND, "", day.toString(), 0, Long.toString(byAccount.size()).getBytes(StandardCharsets.US_ASCII),
                clock.millis() + Duration.ofDays(7).toMillis()).isEmpty()) return 0;
        records.purgeExpiredRecords(clock.millis());
        int sent = 0;
        for (var e : byAccount.entrySet()) {
            Optional<Account> account = directory.findAccount(e.getKey());
            if (account.isEmpty()) continue;
            try {
                byte[] message = digest(account.get(), e.getValue(), now);
                mailboxes.deliver(new Delivery(List.of(account.get().id()), MessageSpool.of(message), now.toInstant()));
                sent++;
            } catch (RuntimeException ex) {
                log.warn("quarantine digest for {}: not delivered: {}", account.get().address(), ex.toString());
            }
        }
        if (sent > 0) log.info("quarantine digest of {}: {} accounts told of their held messages", day, sent);
        return sent;
    }

    /** The digest message for one account. */
    byte[] digest(Account account, List<QuarantineItem> items, ZonedDateTime now) {
        StringBuilder b = new StringBuilder();
        b.append("From: Mail quarantine <").append(from).append(">\r\n");
        b.append("To: <").append(account.address()).append(">\r\n");
        b.append("Subject: ").append(items.size() == 1 ? "1 message is" : items.size() + " messages are").append(" held for you\r\n");
        b.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(now)).append("\r\n");
        b.append("Message-ID: <digest.").append(now.toLocalDate()).append('.').append(account.id()).append('@').append(from.domain()).append(">\r\n");
        b.append("Auto-Submitted: auto-generated\r\n");
        b.append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
        b.append("These messages to you were held by the mail server's filters and have not been\r\n");
        b.append("delivered. Most are spam or dangerous; if one is not, it can be released to you.\r\n\r\n");
        for (QuarantineItem i : items) {
            b.append("  ").append(WHEN.format(Instant.ofEpochMilli(i.arrivedMillis()).atZone(ZoneOffset.UTC)))
                    .append("  id ").append(i.id()).append("  (").append(i.reason()).append(")\r\n");
            b.append("    From:    ").append(line(i.from().isEmpty() ? "<" + i.sender() + ">" : EncodedWords.decode(i.from()))).append("\r\n");
            b.append("    Subject: ").append(line(i.subject())).append("\r\n\r\n");
        }
        b.append("To have a message released, ").append(releaseHint).append("\r\n");
        b.append("Held messages are removed by the administrator after a while.\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One line of at most 200 characters, no control characters (what senders wrote is shown, never obeyed). */
    private static String line(String s) {
        StringBuilder b = new StringBuilder();
        String t = s == null ? "" : s;
        for (int i = 0; i < t.length() && b.length() < 200; i++) {
            char c = t.charAt(i);
            b.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? ' ' : c);
        }
        if (b.length() < t.length() && Character.isHighSurrogate(b.charAt(b.length() - 1))) b.setLength(b.length() - 1);
        return b.length() < t.length() ? b + "\u2026" : b.toString();
    }

    @Override
    public void close() {
        if (timer == null) return;
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
