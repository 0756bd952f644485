package org.twinmail.push;

import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpClient;
import java.time.Clock;
import org.twinmail.push.delivery.PushMetrics;
import org.twinmail.push.delivery.PushSender;
import org.twinmail.push.delivery.PushWorker;
import org.twinmail.push.vapid.Vapid;
import org.twinmail.store.MailStore;

/**
 * Web Push on an active node: the VAPID key (from the store), the worker and the change-log
 * consumer. Closing stops the consumer, then the worker; a node that becomes standby closes it
 * and its successor carries on from the consumer's durable cursor.
 */
public final class PushService implements AutoCloseable {
    private final HttpClient client;
    private final PushWorker worker;
    private final NewMailConsumer consumer;

    private PushService(HttpClient client, PushWorker worker, NewMailConsumer consumer) {
        this.client = client;
        this.worker = worker;
        this.consumer = consumer;
    }

    public static PushService start(PushSettings settings, MailStore store, MeterRegistry registry) {
        Clock clock = Clock.systemUTC();
        HttpClient client = PushSender.newClient(settings.requestTimeout());
        Subscriptions subscriptions = new Subscriptions(store, settings.maxSubscriptionsPerAccount());
        PushWorker worker = new PushWorker(new PushSender(client, Vapid.load(store), settings, clock), subscriptions, settings,
                new PushMetrics(registry), clock);
        NewMailConsumer consumer = new NewMailConsumer(store, subscriptions, worker, settings.maxNoticeAge(), clock).start(store);
        return new PushService(client, worker, consumer);
    }

    @Override
    public void close() {
        consumer.close();
        worker.close();
        client.close();
    }
}
