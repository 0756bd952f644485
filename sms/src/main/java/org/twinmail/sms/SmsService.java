package org.twinmail.sms;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.sms.gateway.SmsGateway;
import org.twinmail.sms.gateway.cmpp.CmppGateway;
import org.twinmail.sms.gateway.cmpp.CmppVersion;
import org.twinmail.sms.gateway.http.HttpGateway;
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
        int digits = java.util.stream.Stream.of(c.smpp.stream().mapToInt(s -> s.extensionDigits), c.cmpp.stream().mapToInt(m -> m.extensionDigits),
                        c.http.stream().mapToInt(h -> h.extensionDigits))
                .flatMapToInt(d -> d).filter(d -> d > 0).min().orElse(0);
        return new QueueSettings(c.maxParts, c.retrySchedule, c.expireAfter, c.replyWindow, c.maxNoticeAge, c.codeValidity, c.pollInterval, digits,
                c.sendBatch, c.moDedupWindow);
    }

    /**
     * Starts the feature on an active node.
     *
     * @param replies where replies by SMS are sent as mail (the node's submission pipeline); null: they are logged only
     */
    public static SmsService start(TwinmailConfig.Sms c, String hostname, MailStore store, MeterRegistry registry, ReplySubmission replies) {
        List<SmsGateway> gateways = gateways(c, Clock.systemUTC());
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

    /**
     * The configured gateways, in the order the worker tries them: by priority (lower first),
     * then as listed, SMPP, then CMPP, then HTTP. SMPP and CMPP gateways are started (binding, logging in) here.
     */
    static List<SmsGateway> gateways(TwinmailConfig.Sms c, Clock clock) {
        record Ranked(int priority, SmsGateway gateway) { }
        List<Ranked> all = new ArrayList<>();
        for (TwinmailConfig.Sms.Smpp s : c.smpp) {
            all.add(new Ranked(s.priority, new SmppGateway(new SmppGateway.Settings(s.name, s.host, s.port, s.systemId, s.password, s.systemType,
                    s.sourceAddress, s.extensionDigits, s.window, s.throughput, s.enquireLinkInterval, s.responseTimeout, s.reconnectDelays))));
        }
        for (TwinmailConfig.Sms.Cmpp m : c.cmpp) all.add(new Ranked(m.priority, new CmppGateway(cmppSettings(m), clock)));
        for (TwinmailConfig.Sms.Http h : c.http) all.add(new Ranked(h.priority, new HttpGateway(httpSettings(h), clock)));
        List<SmsGateway> out = all.stream().sorted(java.util.Comparator.comparingInt(Ranked::priority)).map(Ranked::gateway).toList();
        for (SmsGateway g : out) {
            if (g instanceof SmppGateway smpp) smpp.start();
            if (g instanceof CmppGateway cmpp) cmpp.start();
        }
        return out;
    }

    static CmppGateway.Settings cmppSettings(TwinmailConfig.Sms.Cmpp m) {
        return new CmppGateway.Settings(m.name, m.host, m.port, CmppVersion.of(m.version), m.spId, m.sharedSecret, m.serviceId, m.sourceAddress,
                m.extensionDigits, m.feeUserType, m.feeType, m.feeCode, m.countryCode, m.window, m.throughput, m.activeTestInterval,
                m.activeTestMisses, m.responseTimeout, m.reconnectDelays);
    }

    static HttpGateway.Settings httpSettings(TwinmailConfig.Sms.Http h) {
        HttpGateway.Auth auth;
        try {
            auth = HttpGateway.Auth.valueOf(h.auth.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sms.http " + h.name + ": auth must be none, basic, bearer or hmac, not " + h.auth);
        }
        if (!h.bodyFormat.equals("json") && !h.bodyFormat.equals("form")) {
            throw new IllegalArgumentException("sms.http " + h.name + ": bodyFormat must be json or form, not " + h.bodyFormat);
        }
        return new HttpGateway.Settings(h.name, h.url, h.method, h.headers, h.body, h.bodyFormat.equals("json"), auth, h.username, h.password,
                h.token, h.secret, h.successPattern, h.messageIdPattern, h.sourceAddress, h.extensionDigits, h.timeout, h.downFor, h.webhookSecret,
                h.webhookMaxSkew, h.fromField, h.toField, h.textField, h.messageIdField, h.statusField, h.deliveredStatuses, h.failedStatuses);
    }

    /** The HTTP gateway named {@code name}, whose provider calls its webhook; empty if there is none. */
    public java.util.Optional<HttpGateway> httpGateway(String name) {
        return gateways.stream().filter(g -> g instanceof HttpGateway && g.name().equals(name)).map(g -> (HttpGateway) g).findFirst();
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
