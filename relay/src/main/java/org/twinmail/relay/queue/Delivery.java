package org.twinmail.relay.queue;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.mail.Printable;
import org.twinmail.relay.client.ClientTls;
import org.twinmail.relay.client.SmtpClientException;
import org.twinmail.relay.client.SmtpConnection;
import org.twinmail.relay.client.SmtpReply;
import org.twinmail.mail.dkim.MessageSigner;
import org.twinmail.dns.MxHost;
import org.twinmail.dns.MxLookup;
import org.twinmail.dns.MxResolver;
import org.twinmail.relay.dsn.DeliveryStatus;
import org.twinmail.store.Directory;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.MessageQueue;
import org.twinmail.store.Outbound;
import org.twinmail.store.QueueOutcome;
import org.twinmail.store.QueuedRecipient;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.StoreException;

/**
 * What one worker does with one connection: find the destination's hosts (MX in preference
 * order, each host's addresses in order; or the smarthost), connect to the first that
 * answers, then deliver jobs of that destination over it until none is left or the
 * connection has carried {@code maxMessagesPerConnection}. Every recipient's result is
 * recorded in the store right after its transaction, with the DSN it causes in the same
 * store transaction.
 */
final class Delivery {
    private static final Logger log = LoggerFactory.getLogger(Delivery.class);
    /** One line per recipient and attempt: queue id, recipient, relay, delay, outcome, reply. Never the body. */
    private static final Logger attempts = LoggerFactory.getLogger("twinmail.relay.delivery");

    private final MessageQueue queue;
    private final Mailboxes mailboxes;
    private final Directory directory;
    private final MxResolver resolver;
    private final MessageSigner signer;
    private final RelaySettings settings;
    private final RelayMetrics metrics;
    private final ClientTls opportunistic = ClientTls.opportunistic();
    private final ClientTls smarthostTls;
    /** True once the runner is stopping: temporary failures then are ours, not the remote's. */
    private final java.util.function.BooleanSupplier stopping;
    /** Told the sender of each bounce (a failure notice) the relay sends; the server's outbound anomaly hold counts them. */
    volatile java.util.function.Consumer<String> bounces = sender -> { };
    /** An administrator's bounce requests (queue id to reason); none until the server sets them. */
    volatile QueueRunner.AdminBounces adminBounces = QueueRunner.AdminBounces.NONE;

    Delivery(MessageQueue queue, Mailboxes mailboxes, Directory directory, MxResolver resolver, MessageSigner signer, RelaySettings settings, RelayMetrics metrics,
             java.util.function.BooleanSupplier stopping) {
        this.stopping = stopping;
        this.queue = queue;
        this.mailboxes = mailboxes;
        this.directory = directory;
        this.resolver = resolver;
        this.signer = signer;
        this.settings = settings;
        this.metrics = metrics;
        this.smarthostTls = settings.smarthost() == null ? null
                : settings.smarthost().verifyCertificate() ? ClientTls.verified() : ClientTls.opportunistic();
    }

    /** A failure of a whole job, before or instead of a transaction: its status, and whether it is final. */
    private record Failure(boolean permanent, String status, String reason, String remoteMta, SmtpReply reply) {
        static Failure of(SmtpClientException e, String remoteMta) {
            return new Failure(e.permanent(), e.status(), e.getMessage(), e.reply() == null ? null : remoteMta, e.reply());
        }
    }

    /** Delivers {@code first} and then further jobs from {@code more}; {@code done} is told of each finished job. */
    void run(QueueRunner.Job first, Queue<QueueRunner.Job> more, Consumer<QueueRunner.Job> done) {
        QueueRunner.Job job = first;
        while (job != null && bouncedByAdministrator(job, done)) job = more.poll();
        if (job == null) return;
        Route route = route(job.destination(), job.first().recipient().domain());
        if (route.failure() != null) {
            // No hosts at all: every job of this destination waiting now shares the answer.
            fail(job, route.failure(), done);
            while ((job = more.poll()) != null) fail(job, route.failure(), done);
            return;
        }
        SmtpConnection connection;
        try {
            connection = connect(route.hosts());
        } catch (SmtpClientException e) {
            // Dead destination (Postfix's term): the other waiting jobs would fail the same way now.
            Failure f = Failure.of(e, null);
            fail(job, f, done);
            while ((job = more.poll()) != null) fail(job, f, done);
            return;
        }
        try {
            int sent = 0;
            while (job != null) {
                if (bouncedByAdministrator(job, done)) {
                    job = more.poll();
                    continue;
                }
                if (!transaction(connection, job, done)) return; // the connection broke; the job was deferred
                if (++sent >= settings.maxMessagesPerConnection()) break;
                job = more.poll();
            }
            connection.quit();
        } finally {
            connection.close();
        }
    }

    private record Route(List<MxHost> hosts, Failure failure) { }

    private Route route(String destination, String domain) {
        RelaySettings.Smarthost smart = settings.smarthost();
        if (smart != null) {
            try {
                List<InetAddress> addresses = List.of(InetAddress.getAllByName(smart.host()));
                return new Route(List.of(new MxHost(smart.host(), 0, addresses, true)), null);
            } catch (UnknownHostException e) {
                return new Route(null, new Failure(false, "4.4.3", "cannot resolve relay host " + smart.host(), null, null));
            }
        }
        String ascii;
        try {
            ascii = java.net.IDN.toASCII(domain, java.net.IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            return new Route(null, new Failure(true, "5.1.2", "invalid destination domain " + Printable.of(domain), null, null));
        }
        return switch (resolver.lookup(ascii)) {
            case MxLookup.Hosts h -> withoutSelf(domain, h.hosts());
            case MxLookup.NullMx n -> new Route(null, new Failure(true, "5.1.10",
                    "the domain " + domain + " accepts no mail (null MX, RFC 7505)", null, null));
            case MxLookup.NoSuchDomain n -> new Route(null, new Failure(true, "5.1.2",
                    "no mail host for " + domain + ": " + n.reason(), null, null));
            case MxLookup.TemporaryFailure t -> new Route(null, new Failure(false, "4.4.3",
                    "DNS lookup for " + domain + " failed: " + t.reason(), null, null));
        };
    }

    /**
     * RFC 5321 5.1: if this server is one of the domain's MX hosts, it and every host of equal or
     * less preference are dropped (they would send the mail back here); if none is left, the mail
     * loops, which is permanent (Postfix: "mail for ... loops back to myself").
     */
    private Route withoutSelf(String domain, List<MxHost> hosts) {
        int self = Integer.MAX_VALUE;
        for (MxHost h : hosts) if (isSelf(h)) self = Math.min(self, h.preference());
        if (self == Integer.MAX_VALUE) return new Route(hosts, null);
        int best = self;
        List<MxHost> better = hosts.stream().filter(h -> h.preference() < best).toList();
        if (!better.isEmpty()) return new Route(better, null);
        return new Route(null, new Failure(true, "5.4.6", "mail for " + domain + " loops back to myself ("
                + settings.hostname() + " is its best mail exchanger)", null, null));
    }

    private boolean isSelf(MxHost h) {
        String name = h.name().endsWith(".") ? h.name().substring(0, h.name().length() - 1) : h.name();
        if (name.equalsIgnoreCase(settings.hostname())) return true;
        for (org.twinmail.core.config.Listen own : settings.ownSmtp()) {
            if (own.port() != settings.port()) continue;
            for (InetAddress a : h.addresses()) {
                InetSocketAddress mine = own.socketAddress();
                if (mine.getAddress() != null && mine.getAddress().isAnyLocalAddress() ? isLocal(a) : a.equals(mine.getAddress())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isLocal(InetAddress a) {
        try {
            return a.isLoopbackAddress() || a.isAnyLocalAddress() || java.net.NetworkInterface.getByInetAddress(a) != null;
        } catch (java.net.SocketException e) {
            return false;
        }
    }

    /**
     * The first host that answers, in MX order, each address in turn (RFC 5321 5.1). A 5xx
     * greeting makes us try the next host too; only if it was the last word do we bounce.
     */
    private SmtpConnection connect(List<MxHost> hosts) throws SmtpClientException {
        SmtpClientException last = null;
        RelaySettings.Smarthost smart = settings.smarthost();
        int port = smart != null ? smart.port() : settings.port();
        for (MxHost host : hosts) {
            for (InetAddress address : host.addresses()) {
                InetSocketAddress target = new InetSocketAddress(address, port);
                try {
                    return secure(host.name(), target);
                } catch (SmtpClientException e) {
                    log.debug("relay: {} [{}]: {}", host.name(), address.getHostAddress(), e.getMessage());
                    last = e;
                }
            }
        }
        throw last != null ? last : SmtpClientException.temporary("no addresses to try", "4.4.1", null);
    }

    /** Connects and applies the TLS policy: opportunistic for MX hosts, required for a smarthost, then AUTH. */
    private SmtpConnection secure(String hostName, InetSocketAddress target) throws SmtpClientException {
        RelaySettings.Smarthost smart = settings.smarthost();
        if (smart == null) {
            SmtpConnection c = SmtpConnection.open(target, hostName, settings.client(), null);
            if (!c.supports("STARTTLS")) return c;
            try {
                c.startTls(opportunistic);
                return c;
            } catch (SmtpClientException e) {
                // Opportunistic TLS that fails is retried in plaintext on a new connection, as Postfix's "may" level does.
                log.info("relay: STARTTLS with {} [{}] failed ({}); sending without TLS", hostName,
                        target.getAddress().getHostAddress(), e.getMessage());
                c.close();
                return SmtpConnection.open(target, hostName, settings.client(), null);
            }
        }
        SmtpConnection c = SmtpConnection.open(target, hostName, settings.client(), smart.implicitTls() ? smarthostTls : null);
        try {
            if (!smart.implicitTls()) {
                if (!c.supports("STARTTLS")) {
                    throw SmtpClientException.temporary("relay host " + hostName + " does not offer STARTTLS, which is required", "4.7.5", null);
                }
                c.startTls(smarthostTls);
            }
            if (!smart.username().isEmpty()) c.authenticate(smart.username(), smart.password());
            return c;
        } catch (SmtpClientException e) {
            c.close();
            throw e;
        }
    }

    /**
     * One message to this destination's recipients of the job. Returns false when the
     * connection broke (the job is deferred, the connection must not be used again).
     */
    private boolean transaction(SmtpConnection connection, QueueRunner.Job job, Consumer<QueueRunner.Job> done) {
        QueuedRecipient m = job.first();
        String relay = connection.hostName() + "[" + connection.address().getAddress().getHostAddress() + "]:"
                + connection.address().getPort();
        MessageHeaders headers;
        try (InputStream in = new BufferedInputStream(mailboxes.openBlob(m.blobId()))) {
            headers = MessageHeaders.read(in);
        } catch (IOException | StoreException e) {
            fail(job, new Failure(false, "4.3.0", "cannot read the queued message: " + e.getMessage(), null, null), done);
            return true;
        }
        if (headers.received() >= settings.maxHops()) {
            fail(job, new Failure(true, "5.4.6", "mail forwarding loop: " + headers.received() + " Received header fields",
                    null, null), done);
            return true;
        }
        boolean asciiEnvelope = isAscii(m.sender()) && job.recipients().stream().allMatch(r -> isAscii(r.recipient().toString()));
        // RFC 6531 3.2: SMTPUTF8 is needed for non-ASCII addresses, or for UTF-8 headers of a message submitted with it.
        boolean needsUtf8 = !asciiEnvelope || (m.smtputf8() && headers.nonAscii());
        if (needsUtf8 && !connection.supports("SMTPUTF8")) {
            fail(job, new Failure(true, "5.6.7", "the receiving server " + connection.hostName()
                    + " does not support SMTPUTF8, which this message needs", null, null), done);
            return true;
        }
        byte[] signature = sign(headers, m);
        int skip = headers.returnPathLength();
        long size = m.size() - skip + signature.length;
        long limit = connection.sizeLimit();
        if (limit > 0 && size > limit) {
            // RFC 1870 6.1: the server's fixed limit is final for this message.
            fail(job, new Failure(true, "5.3.4", "message of " + size + " bytes exceeds the limit of " + limit
                    + " bytes of " + connection.hostName(), null, null), done);
            return true;
        }
        SmtpConnection.Envelope envelope = new SmtpConnection.Envelope(m.sender(),
                job.recipients().stream().map(r -> r.recipient().toString()).toList(), size,
                m.eightBitMime() || headers.nonAscii(), needsUtf8);
        List<SmtpReply> replies;
        try {
            replies = connection.send(envelope, () -> {
                InputStream body = mailboxes.openBlob(m.blobId());
                body.skipNBytes(skip);
                return new SequenceInputStream(new ByteArrayInputStream(signature), body);
            });
        } catch (SmtpClientException e) {
            fail(job, Failure.of(e, connection.hostName()), done);
            return false;
        }
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < replies.size(); i++) {
            SmtpReply r = replies.get(i);
            QueuedRecipient q = job.recipients().get(i);
            if (r.positive()) results.add(new Result(q, null, relay, r));
            else results.add(new Result(q, new Failure(r.permanent(), r.status("0.0"), r.toString(), connection.hostName(), r), relay, r));
        }
        record(job, results, done);
        return true;
    }

    private byte[] sign(MessageHeaders headers, QueuedRecipient m) {
        if (headers.fromDomain().isEmpty()) return new byte[0];
        try {
            Optional<String> h = signer.signatureHeader(headers.fromDomain().get(), new BlobMessage(mailboxes, m.blobId(), m.size()));
            return h.map(s -> s.getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
        } catch (IOException | RuntimeException e) {
            // Unsigned mail is still mail: DMARC policy at the receiver decides; the log says why.
            log.warn("relay: queue {}: DKIM signing for {} failed, sending unsigned: {}", m.messageId(),
                    headers.fromDomain().get(), e.getMessage());
            return new byte[0];
        }
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 0x80);
    }

    /** One recipient's result: {@code failure} null when delivered. */
    private record Result(QueuedRecipient recipient, Failure failure, String relay, SmtpReply reply) { }

    /**
     * A message the administrator asked to bounce ({@code POST /api/admin/queue/{id}/bounce}) is not
     * sent: each recipient fails permanently (5.0.0) with the administrator's reason, so the sender
     * gets the DSN as for any bounce, in the same store call; then the request is removed.
     */
    private boolean bouncedByAdministrator(QueueRunner.Job job, Consumer<QueueRunner.Job> done) {
        long id = job.first().messageId();
        java.util.Optional<String> reason;
        try {
            reason = adminBounces.requested(id);
        } catch (RuntimeException e) {
            log.warn("relay: queue {}: cannot read the bounce requests: {}", id, e.toString());
            return false;
        }
        if (reason.isEmpty()) return false;
        fail(job, new Failure(true, "5.0.0", "returned by the mail administrator" + (reason.get().isBlank() ? "" : ": " + reason.get()), null, null), done);
        try {
            adminBounces.done(id);
        } catch (RuntimeException e) {
            log.warn("relay: queue {}: the bounce request stays (it expires): {}", id, e.toString());
        }
        return true;
    }

    private void fail(QueueRunner.Job job, Failure f, Consumer<QueueRunner.Job> done) {
        List<Result> results = new ArrayList<>();
        for (QueuedRecipient q : job.recipients()) results.add(new Result(q, f, f.remoteMta() == null ? "none" : f.remoteMta(), f.reply()));
        record(job, results, done);
    }

    /**
     * Turns results into outcomes: delivered or bounced recipients leave the queue, the others
     * are rescheduled (or bounced when their time is up); DSNs go in the same store call.
     */
    private void record(QueueRunner.Job job, List<Result> results, Consumer<QueueRunner.Job> done) {
        Instant now = Instant.now();
        QueuedRecipient m = job.first();
        List<QueueOutcome> finalOutcomes = new ArrayList<>();
        List<DeliveryStatus.Recipient> bounced = new ArrayList<>();
        List<QueueOutcome> deferredOutcomes = new ArrayList<>();
        List<DeliveryStatus.Recipient> delayed = new ArrayList<>();
        RetrySchedule schedule = settings.schedule();
        boolean stopping = this.stopping.getAsBoolean();
        for (Result r : results) {
            QueuedRecipient q = r.recipient();
            if (stopping && r.failure() != null && !r.failure().permanent()) {
                // Interrupted by our own shutdown: leave the claim for the next start, count no attempt.
                continue;
            }
            Duration delay = Duration.between(q.arrival(), now);
            String outcome;
            String reply = r.failure() == null ? r.reply().toString() : r.failure().reason();
            if (r.failure() == null) {
                finalOutcomes.add(new QueueOutcome.Done(q.id()));
                metrics.delivered();
                outcome = "delivered";
            } else if (r.failure().permanent() || schedule.expired(q.arrival(), now)) {
                finalOutcomes.add(new QueueOutcome.Done(q.id()));
                Failure f = r.failure();
                String status = f.permanent() ? f.status() : expiredStatus(f.status());
                String reason = f.permanent() ? f.reason()
                        : "delivery time expired after " + format(delay) + "; last attempt: " + f.reason();
                bounced.add(new DeliveryStatus.Recipient(q.recipient().toString(), status, f.remoteMta(),
                        f.reply() == null ? null : f.reply().toString(), reason));
                metrics.bounced();
                outcome = f.permanent() ? "bounced" : "expired";
            } else {
                boolean warn = schedule.warnNow(q.arrival(), now, q.warned());
                Instant next = schedule.nextAttempt(q.arrival(), now, q.attempts() + 1);
                deferredOutcomes.add(new QueueOutcome.Deferred(q.id(), next, reply, q.warned() || warn));
                if (warn) {
                    delayed.add(new DeliveryStatus.Recipient(q.recipient().toString(), r.failure().status(),
                            r.failure().remoteMta(), r.failure().reply() == null ? null : r.failure().reply().toString(),
                            r.failure().reason()));
                }
                metrics.deferred();
                outcome = "deferred";
            }
            attempts.info("queue={} to=<{}> relay={} delay={} attempts={} outcome={} reply=\"{}\"", q.messageId(),
                    Printable.of(q.recipient().toString()), r.relay(), format(delay), q.attempts() + 1, outcome,
                    Printable.of(reply));
        }
        try {
            if (!finalOutcomes.isEmpty()) commit(finalOutcomes, m, DeliveryStatus.Kind.FAILED, bounced, now);
            if (!deferredOutcomes.isEmpty()) commit(deferredOutcomes, m, DeliveryStatus.Kind.DELAYED, delayed, now);
        } catch (StoreException e) {
            // The claims stay; the next start of a runner (here or on the other node) makes them due again.
            log.warn("relay: queue {}: cannot record the results: {}", m.messageId(), e.getMessage());
        } finally {
            done.accept(job);
        }
    }

    /** RFC 3463: a temporary failure that ran out of time is reported with its own detail, or 4.4.7 (delivery time expired). */
    private static String expiredStatus(String status) {
        return status != null && status.startsWith("4.") && !status.equals("4.0.0") ? status : "4.4.7";
    }

    private void commit(List<QueueOutcome> outcomes, QueuedRecipient m, DeliveryStatus.Kind kind,
                        List<DeliveryStatus.Recipient> report, Instant now) {
        org.twinmail.store.Delivery notification = null;
        if (!report.isEmpty()) {
            if (m.sender().isEmpty()) {
                // RFC 5321 4.5.5 / 6.1: a message with the null sender (itself a bounce) is never bounced.
                log.info("relay: queue {}: not sending a {} notice for a message from the null sender", m.messageId(),
                        kind == DeliveryStatus.Kind.FAILED ? "bounce" : "delay");
            } else {
                notification = notification(m, kind, report, now);
            }
        }
        try {
            queue.recordQueueOutcomes(outcomes, notification);
            if (notification != null) metrics.dsn(kind == DeliveryStatus.Kind.FAILED);
            if (notification != null && kind == DeliveryStatus.Kind.FAILED) {
                try {
                    bounces.accept(m.sender());
                } catch (RuntimeException e) {
                    log.warn("relay: queue {}: the bounce listener failed: {}", m.messageId(), e.toString());
                }
            }
        } catch (StoreException.QuotaExceeded e) {
            // The sender's own mailbox is full: the DSN cannot be placed, the outcomes must still be recorded.
            log.warn("relay: queue {}: the sender's mailbox {} is full; {} notice dropped", m.messageId(),
                    Printable.of(m.sender()), kind == DeliveryStatus.Kind.FAILED ? "bounce" : "delay");
            queue.recordQueueOutcomes(outcomes, null);
        }
    }

    /** The DSN as a delivery to the sender: into local mailboxes, or back into the queue with the null sender. */
    private org.twinmail.store.Delivery notification(QueuedRecipient m, DeliveryStatus.Kind kind,
                                                     List<DeliveryStatus.Recipient> report, Instant now) {
        EmailAddress sender;
        try {
            sender = EmailAddress.parse(m.sender());
        } catch (IllegalArgumentException e) {
            log.warn("relay: queue {}: sender {} is not an address; no notice sent", m.messageId(), Printable.of(m.sender()));
            return null;
        }
        byte[] dsn;
        try (InputStream original = new BufferedInputStream(mailboxes.openBlob(m.blobId()))) {
            dsn = DeliveryStatus.build(new DeliveryStatus.Report(kind, settings.hostname(), m.sender(), m.messageId(),
                    m.arrival(), settings.schedule().expiry(m.arrival()), report), original, now);
        } catch (IOException | StoreException e) {
            log.warn("relay: queue {}: cannot build the notice: {}", m.messageId(), e.getMessage());
            return null;
        }
        RecipientResolution where = directory.resolve(sender);
        return switch (where) {
            case RecipientResolution.Local local -> {
                byte[] withPath = concat("Return-Path: <>\r\n".getBytes(StandardCharsets.US_ASCII), dsn);
                yield new org.twinmail.store.Delivery(local.accounts().stream().map(a -> a.id()).toList(),
                        MessageSpool.of(withPath), now);
            }
            case RecipientResolution.NotLocal n -> new org.twinmail.store.Delivery(List.of(), MessageSpool.of(dsn), now,
                    new Outbound("", List.of(sender), !isAscii(m.sender()), true));
            case RecipientResolution.Unknown u -> {
                log.warn("relay: queue {}: sender {} no longer exists here; no notice sent", m.messageId(), Printable.of(m.sender()));
                yield null;
            }
        };
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String format(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }

    /** A queued message as {@link MessageData} for the signer, read from the store when asked. */
    private record BlobMessage(Mailboxes mailboxes, String sha256, long size) implements MessageData {
        @Override public InputStream open() throws IOException { return mailboxes.openBlob(sha256); }
        @Override public byte[] bytes() throws IOException {
            try (InputStream in = open()) {
                return in.readAllBytes();
            }
        }
        @Override public void close() { }
    }
}
