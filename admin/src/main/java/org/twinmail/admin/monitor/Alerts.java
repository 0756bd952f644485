package org.twinmail.admin.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Domain;
import org.twinmail.store.Delivery;
import org.twinmail.store.Directory;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.Postmaster;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The console's alerts: thresholds checked once a minute on the active node against the newest
 * minute of the history and the node's state. An alert that starts is kept in the store
 * ({@link Records} kind {@value #KIND}, one record per alert, removed when it ends) and mailed
 * once to the postmaster; the console shows what is kept.
 *
 * <ul>
 *   <li>{@code queue}: more than {@code queueMessages} queued, or the oldest older than {@code queueAge};</li>
 *   <li>{@code rejections}: over {@code rejectionPercent} of the SMTP transactions of the last 15 minutes refused, with at least {@code rejectionMinimum} in all;</li>
 *   <li>{@code disk}: the data volume fuller than {@code diskPercent};</li>
 *   <li>{@code certificate:<name>}: a served certificate expires within {@code certificateWarning};</li>
 *   <li>{@code pair}: the pair is unprotected (the peer is not there to take over).</li>
 * </ul>
 */
public final class Alerts {
    public static final String KIND = "console.alert";
    private static final Logger log = LoggerFactory.getLogger(Alerts.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The thresholds ({@code console.alerts.*}). */
    public record Thresholds(long queueMessages, Duration queueAge, double rejectionPercent, long rejectionMinimum, double diskPercent,
                             Duration certificateWarning) {
        public static final Thresholds DEFAULTS = new Thresholds(1000, Duration.ofHours(4), 50, 50, 90, Duration.ofDays(14));
    }

    /**
     * One alert.
     *
     * @param name    {@code queue}, {@code rejections}, {@code disk}, {@code certificate:<name>}, {@code pair}
     * @param since   when it started (ISO-8601)
     * @param message one line for the operator
     */
    public record Alert(String name, String since, String message) { }

    /** What the thresholds are checked against, besides the history: certificates' expiry by name, and why the pair is unprotected (null: it is not). */
    public record State(Map<String, Instant> certificates, String pairUnprotected) { }

    private final Records records;
    private final TrafficHistory history;
    private final Thresholds thresholds;
    private final Clock clock;
    private final Consumer<Alert> notify;

    public Alerts(Records records, TrafficHistory history, Thresholds thresholds, Clock clock, Consumer<Alert> notify) {
        this.records = records;
        this.history = history;
        this.thresholds = thresholds;
        this.clock = clock;
        this.notify = notify;
    }

    /** The alerts in force, by name. */
    public List<Alert> current() {
        List<Alert> out = new ArrayList<>();
        for (StoredRecord r : records.records(KIND, "")) {
            try {
                out.add(JSON.readValue(r.value(), Alert.class));
            } catch (IOException e) {
                log.warn("unreadable alert record {}: {}", r.name(), e.toString());
            }
        }
        return out;
    }

    /** Checks every threshold; starts (stores and mails) the alerts that newly hold and ends those that no longer do. Returns the ones in force. */
    public List<Alert> check(State state) {
        Instant now = clock.instant();
        Map<String, String> firing = new LinkedHashMap<>();
        List<TrafficHistory.Point> recent = history.read(false, now.minus(Duration.ofMinutes(15)), s -> true);
        Map<String, Double> gauges = recent.isEmpty() ? Map.of() : recent.getLast().gauges();
        double queued = gauges.getOrDefault("queue.messages", 0.0);
        double oldest = gauges.getOrDefault("queue.oldest", 0.0);
        if (queued > thresholds.queueMessages()) {
            firing.put("queue", String.format(Locale.ROOT, "%.0f messages in the outbound queue (threshold %d)", queued, thresholds.queueMessages()));
        } else if (oldest > thresholds.queueAge().toSeconds()) {
            firing.put("queue", "the oldest queued message waits for " + Duration.ofSeconds((long) oldest) + " (threshold " + thresholds.queueAge() + ")");
        }
        double received = 0, rejected = 0;
        for (TrafficHistory.Point p : recent) {
            for (Map.Entry<String, Double> e : p.counters().entrySet()) {
                if (e.getKey().equals("received")) received += e.getValue();
                else if (e.getKey().startsWith("rejected.")) rejected += e.getValue();
            }
        }
        if (received + rejected >= thresholds.rejectionMinimum() && rejected * 100 > thresholds.rejectionPercent() * (received + rejected)) {
            firing.put("rejections", String.format(Locale.ROOT, "%.0f%% of SMTP transactions refused in the last 15 minutes (%.0f of %.0f; threshold %.0f%%)",
                    rejected * 100 / (received + rejected), rejected, received + rejected, thresholds.rejectionPercent()));
        }
        double total = gauges.getOrDefault("disk.total", 0.0);
        double used = gauges.getOrDefault("disk.used", 0.0);
        if (total > 0 && used * 100 > thresholds.diskPercent() * total) {
            firing.put("disk", String.format(Locale.ROOT, "the data volume is %.1f%% full (threshold %.0f%%)", used * 100 / total, thresholds.diskPercent()));
        }
        state.certificates().forEach((name, expires) -> {
            if (expires.isBefore(now.plus(thresholds.certificateWarning()))) {
                firing.put("certificate:" + name, "the certificate for " + name + (expires.isBefore(now) ? " expired " : " expires ") + expires);
            }
        });
        if (state.pairUnprotected() != null) firing.put("pair", "the pair is unprotected: " + state.pairUnprotected());

        for (StoredRecord r : records.records(KIND, "")) {
            if (!firing.containsKey(r.name())) {
                records.deleteRecord(KIND, "", r.name());
                log.info("alert {} ended", r.name());
            }
        }
        List<Alert> out = new ArrayList<>();
        for (Map.Entry<String, String> f : firing.entrySet()) {
            Optional<StoredRecord> old = records.record(KIND, "", f.getKey());
            Alert a = new Alert(f.getKey(), old.map(r -> since(r)).orElse(now.toString()), f.getValue());
            try {
                records.putRecord(KIND, "", a.name(), JSON.writeValueAsBytes(a), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            out.add(a);
            if (old.isEmpty()) {
                log.warn("alert {}: {}", a.name(), a.message());
                try {
                    notify.accept(a);
                } catch (RuntimeException e) {
                    log.warn("alert {} could not be sent: {}", a.name(), e.toString());
                }
            }
        }
        return out;
    }

    private static String since(StoredRecord r) {
        try {
            return JSON.readValue(r.value(), Alert.class).since();
        } catch (IOException e) {
            return Instant.ofEpochMilli(r.updatedMillis()).toString();
        }
    }

    /**
     * Mails an alert to the postmaster of the first local domain (where postmaster mail goes:
     * {@link Postmaster}); nothing when there is no domain or it has no account yet.
     */
    public static Consumer<Alert> mailToPostmaster(Directory directory, Mailboxes mailboxes, String configuredPostmaster, String hostname, Clock clock) {
        Postmaster postmaster = new Postmaster(directory, configuredPostmaster);
        return a -> {
            List<Domain> domains = directory.listDomains();
            if (domains.isEmpty()) return;
            List<Account> to = postmaster.destination(domains.getFirst().name()).accounts();
            if (to.isEmpty()) return;
            Instant now = clock.instant();
            String text = "From: TwinMail <postmaster@" + domains.getFirst().name() + ">\r\n"
                    + "To: postmaster@" + domains.getFirst().name() + "\r\n"
                    + "Subject: [TwinMail alert] " + a.name() + " on " + hostname + "\r\n"
                    + "Date: " + java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(now.atZone(java.time.ZoneOffset.UTC)) + "\r\n"
                    + "Message-ID: <alert." + now.toEpochMilli() + "." + a.name().replaceAll("[^A-Za-z0-9.-]", "-") + "@" + hostname + ">\r\n"
                    + "Auto-Submitted: auto-generated\r\n"
                    + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                    + a.message() + "\r\n\r\nSince " + a.since() + ". The admin console lists the alerts in force.\r\n";
            mailboxes.deliver(new Delivery(to.stream().map(Account::id).toList(), MessageSpool.of(text.getBytes(StandardCharsets.UTF_8)), now));
        };
    }
}
