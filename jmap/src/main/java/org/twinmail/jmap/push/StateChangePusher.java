package org.twinmail.jmap.push;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.push.PushSubscriptions.Subscription;
import org.twinmail.push.PushSettings;
import org.twinmail.push.delivery.PushMetrics;
import org.twinmail.push.delivery.PushSender;
import org.twinmail.push.delivery.PushTarget;
import org.twinmail.push.delivery.PushWorker;
import org.twinmail.push.vapid.Vapid;
import org.twinmail.store.Change;
import org.twinmail.store.ChangeConsumer;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.MailStore;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * JMAP's push to PushSubscriptions (RFC 8620 7.2), the durable change-log consumer
 * {@value #CONSUMER} on the active node:
 * <ul>
 *   <li>a subscription's record written and not verified (its creation, or an update before the
 *       client verified): the PushVerification object is POSTed to its URL;</li>
 *   <li>a batch of changes: the accounts and types they change for each user with subscriptions
 *       (its own and those it reaches through ACLs, {@link StateChanges.Watch}), for each of the
 *       user's verified, unexpired subscriptions that wants one of them, go into that
 *       subscription's outbox, which sends one StateChange (RFC 8620 7.1) after
 *       {@code jmap.pushCoalesce} and gathers what comes meanwhile: at most one message per
 *       subscription is on its way at a time, and a retry (429, 5xx, no answer, by
 *       {@code push.retrySchedule} or a longer Retry-After) carries the newest state;</li>
 *   <li>a 404 or 410 from the push service destroys the subscription.</li>
 * </ul>
 * Sending is push's: {@link PushSender} (RFC 8291 encryption when the subscription has keys,
 * TTL, Urgency, VAPID) and {@link PushWorker} (retries). Outboxes are in memory: a node that
 * stops loses what was not sent yet, and its successor goes on from the consumer's cursor.
 */
public final class StateChangePusher implements AutoCloseable {
    public static final String CONSUMER = "jmap-push";
    private static final Logger log = LoggerFactory.getLogger(StateChangePusher.class);

    private final PushSubscriptions subscriptions;
    private final MailStore records;
    private final PushWorker worker;
    private final Duration coalesce;
    private final Clock clock;
    private final Map<String, Outbox> outboxes = new ConcurrentHashMap<>();
    /** The users with subscriptions (kept by the consumer from its own kind's changes, in log order). */
    private final Set<Long> subscribed = ConcurrentHashMap.newKeySet();
    /** What each subscribed user's StateChanges name (the accounts it reaches), kept while it has subscriptions. */
    private final Map<Long, StateChanges.Watch> watches = new ConcurrentHashMap<>();
    private ChangeConsumer consumer;
    private AutoCloseable owned = () -> { };

    public StateChangePusher(MailStore records, PushWorker worker, Duration coalesce, Clock clock) {
        this.records = records;
        this.subscriptions = new PushSubscriptions(records);
        this.worker = worker;
        this.coalesce = coalesce;
        this.clock = clock;
    }

    /**
     * The sender (push's, with the node's VAPID key and the {@code push.*} settings), the worker
     * and the consumer, on {@code store}; closing stops them in that order backwards.
     */
    public static StateChangePusher start(MailStore store, PushSettings settings, MeterRegistry registry, Duration coalesce, Clock clock) {
        HttpClient client = PushSender.newClient(settings.requestTimeout());
        PushWorker worker = new PushWorker(new PushSender(client, Vapid.load(store), settings, clock), null, settings,
                new PushMetrics(registry), clock);
        StateChangePusher p = new StateChangePusher(store, worker, coalesce, clock);
        p.owned = () -> {
            worker.close();
            client.close();
        };
        return p.start(store);
    }

    /** Starts the consumer; the first start ever begins at the end of the log (no subscription is older). */
    public StateChangePusher start(ChangeLog changeLog) {
        if (changeLog.consumerPosition(CONSUMER) == 0 && changeLog.lastChangePosition() > 0) {
            changeLog.advanceConsumer(CONSUMER, changeLog.lastChangePosition());
        }
        for (StoredRecord r : subscriptions.all()) accountOf(r.scope()).ifPresent(subscribed::add);
        consumer = ChangeConsumer.start(changeLog, CONSUMER, 500, Duration.ofSeconds(1), this::handle);
        return this;
    }

    public void handle(List<Change> batch) {
        List<Change> data = new java.util.ArrayList<>();
        for (Change c : batch) {
            if (c.kind() == Change.Kind.RECORD_CHANGED && c.detail().startsWith(PushSubscriptions.KIND + "\t")) {
                subscriptionChanged(c);
                continue;
            }
            if (c.accountId() != 0) data.add(c);
        }
        if (data.isEmpty()) return;
        long position = data.getLast().position();
        long now = clock.millis();
        for (long account : subscribed) {
            Map<Long, Set<String>> changed = watches.computeIfAbsent(account, u -> new StateChanges.Watch(records, u)).changed(data);
            if (changed.isEmpty()) continue;
            for (Subscription s : subscriptions.of(account, now)) {
                if (!s.verified()) continue; // RFC 8620 7.2: nothing but the verification until the client proved the URL is its
                Map<Long, Set<String>> wanted = StateChanges.wanted(changed, s.types());
                if (wanted.isEmpty()) continue;
                outboxes.computeIfAbsent(key(Records.accountScope(account), s.id()), k -> new Outbox(account, s.id()))
                        .offer(wanted, position, s.target());
            }
        }
    }

    private void subscriptionChanged(Change c) {
        String[] d = c.detail().split("\t", 3);
        if (d.length < 3) return;
        Optional<Long> account = accountOf(d[1]);
        if (account.isEmpty()) return;
        Optional<StoredRecord> r = records.record(PushSubscriptions.KIND, d[1], d[2]).filter(x -> PushSubscriptions.live(x, clock.millis()));
        if (r.isEmpty()) {
            Outbox gone = outboxes.remove(key(d[1], d[2]));
            if (gone != null) gone.drop();
            if (records.records(PushSubscriptions.KIND, d[1]).isEmpty()) {
                subscribed.remove(account.get());
                watches.remove(account.get());
            }
            return;
        }
        subscribed.add(account.get());
        Optional<Subscription> s = Subscription.decode(r.get().value());
        // the write that made it (or changed it) unverified, seen for the first time: the verification goes
        if (s.isPresent() && !s.get().verified() && r.get().version() == c.position()) verify(account.get(), s.get());
    }

    private void verify(long account, Subscription s) {
        ObjectNode v = Json.object();
        v.put("@type", "PushVerification");
        v.put("pushSubscriptionId", s.id());
        v.put("verificationCode", s.code());
        byte[] payload = v.toString().getBytes(StandardCharsets.UTF_8);
        worker.submit(new PushWorker.Job() {
            public PushTarget target() {
                return s.target();
            }

            public byte[] payload() {
                return payload;
            }

            public void finished(PushSender.Outcome last) {
                if (last instanceof PushSender.Gone) gone(account, s.id(), last.status());
            }

            public String describe() {
                return "the verification of push subscription " + s.id() + " of account " + account;
            }
        }, Duration.ZERO);
    }

    private void gone(long account, String id, int status) {
        Outbox o = outboxes.remove(key(Records.accountScope(account), id));
        if (o != null) o.drop();
        try {
            subscriptions.delete(account, id);
            log.info("jmap push: subscription {} of account {} is gone (HTTP {}); destroyed", id, account, status);
        } catch (RuntimeException e) {
            log.warn("jmap push: destroying gone subscription {} of account {} failed: {}", id, account, e.toString());
        }
    }

    private static String key(String scope, String id) {
        return scope + "\t" + id;
    }

    private static Optional<Long> accountOf(String scope) {
        if (!scope.startsWith("account:")) return Optional.empty();
        try {
            return Optional.of(Long.parseLong(scope.substring("account:".length())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * One subscription's StateChanges: what changed and is not sent yet ({@code pending}) and
     * what the message on its way carries ({@code sending}); one job with the worker at a time.
     */
    private final class Outbox implements PushWorker.Job {
        private final long account;
        private final String id;
        private PushTarget target;
        private final Map<Long, Set<String>> pending = new TreeMap<>();
        private long pendingPosition;
        private final Map<Long, Set<String>> sending = new TreeMap<>();
        private long sendingPosition;
        private boolean queued;
        private boolean dropped;

        Outbox(long account, String id) {
            this.account = account;
            this.id = id;
        }

        synchronized void offer(Map<Long, Set<String>> types, long position, PushTarget to) {
            if (dropped) return;
            target = to;
            merge(pending, types);
            pendingPosition = Math.max(pendingPosition, position);
            if (!queued) queued = worker.submit(this, coalesce);
        }

        synchronized void drop() {
            dropped = true;
            pending.clear();
        }

        @Override
        public synchronized PushTarget target() {
            return target;
        }

        @Override
        public synchronized byte[] payload() {
            merge(sending, pending);
            sendingPosition = Math.max(sendingPosition, pendingPosition);
            pending.clear();
            return StateChanges.stateChange(sending, sendingPosition).toString().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void finished(PushSender.Outcome last) {
            if (last instanceof PushSender.Gone) {
                gone(account, id, last.status());
                return;
            }
            synchronized (this) {
                sending.clear(); // delivered, or given up: the next StateChange names the newer state anyway
                queued = !pending.isEmpty() && !dropped && worker.submit(this, coalesce);
            }
        }

        @Override
        public String describe() {
            return "push subscription " + id + " of account " + account;
        }
    }

    private static void merge(Map<Long, Set<String>> into, Map<Long, Set<String>> from) {
        from.forEach((account, types) -> into.computeIfAbsent(account, k -> new TreeSet<>()).addAll(types));
    }

    @Override
    public void close() {
        if (consumer != null) consumer.close();
        try {
            owned.close();
        } catch (Exception e) {
            log.warn("jmap push: closing: {}", e.toString());
        }
    }
}
