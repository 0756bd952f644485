package org.twinmail.sms;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.sms.gateway.SmsGateway;
import org.twinmail.sms.gateway.smpp.SmppGateway;
import org.twinmail.sms.queue.NoticeConsumer;
import org.twinmail.sms.queue.QueueSettings;
import org.twinmail.sms.queue.SmsMetrics;
import org.twinmail.sms.queue.SmsQueue;
import org.twinmail.sms.queue.SmsWorker;
import org.twinmail.sms.reply.ReplyHandler;
import org.twinmail.sms.reply.ReplySubmission;
import org.twinmail.store.MailStore;

/**
 * The SMS feature of an active node, built from {@code sms.*}: the gateways (bound now), the
 * worker and the change-log consumer. Closing it stops them in the reverse order; a node that
 * becomes standby closes it, and its successor carries on from the store.
 */
public final class SmsService implements AutoCloseable {
    private final List<SmsGateway> gateways;
    private final SmsWorker worker;
    private final NoticeConsumer consumer;

    private SmsService(List<SmsGateway> gateways, SmsWorker worker, NoticeConsumer consumer) {
        this.gateways = gateways;
        this.worker = worker;
        this.consumer = consumer;
    }

    /** The queue's settings from the configuration; references are digits when a gateway puts them into its source address. */
    public static QueueSettings settings(TwinmailConfig.Sms c) {
        int digits = c.smpp.stream().mapToInt(s -> s.extensionDigits).filter(d -> d > 0).min().orElse(0);
        return new QueueSettings(c.maxParts, c.retrySchedule, c.expireAfter, c.replyWindow, c.maxNoticeAge, c.codeValidity, c.pollInterval, digits);
    }

    /**
     * Starts the feature on an active node.
     *
     * @param replies where replies by SMS are sent as mail (the node's submission pipeline); null: they are logged only
     */
    public static SmsService start(TwinmailConfig.Sms c, String hostname, MailStore store, MeterRegistry registry, ReplySubmission replies) {
        List<SmsGateway> gateways = new ArrayList<>();
        for (TwinmailConfig.Sms.Smpp s : c.smpp) {
            gateways.add(new SmppGateway(new SmppGateway.Settings(s.name, s.host, s.port, s.systemId, s.password, s.systemType, s.sourceAddress,
                    s.extensionDigits, s.window, s.throughput, s.enquireLinkInterval, s.responseTimeout, s.reconnectDelays)).start());
        }
        QueueSettings qs = settings(c);
        SmsMetrics metrics = new SmsMetrics(registry);
        SmsQueue queue = new SmsQueue(store);
        SmsWorker worker = new SmsWorker(queue, gateways, qs, metrics, Clock.systemUTC());
        if (replies != null) {
            worker.moHandler(new ReplyHandler(queue, store, store, replies, worker, metrics, Clock.systemUTC(), hostname, c.answerInterval,
                    c.replyWindow));
        }
        worker.start();
        NoticeConsumer consumer = new NoticeConsumer(queue, store, qs, metrics, Clock.systemUTC(), worker::wake).start(store);
        return new SmsService(gateways, worker, consumer);
    }

    public SmsWorker worker() {
        return worker;
    }

    @Override
    public void close() {
        consumer.close();
        worker.close();
        for (SmsGateway g : gateways) g.close();
    }
}
