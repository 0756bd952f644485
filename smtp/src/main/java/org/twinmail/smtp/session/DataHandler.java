package org.twinmail.smtp.session;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.policy.QuarantineItem;
import org.twinmail.filter.Client;
import org.twinmail.filter.Decision;
import org.twinmail.filter.Disposition;
import org.twinmail.mail.header.AuthResultsFilter;
import org.twinmail.filter.Message;
import org.twinmail.filter.Pipeline;
import org.twinmail.mail.header.Header;
import org.twinmail.protocol.net.Connection;
import org.twinmail.smtp.data.DataReader;
import org.twinmail.mail.address.FromHeader;
import org.twinmail.smtp.data.TraceHeaders;
import org.twinmail.smtp.command.MailParameters;
import org.twinmail.store.Delivery;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.Outbound;
import org.twinmail.store.Quarantine;
import org.twinmail.store.StoreException;

/**
 * DATA (RFC 5321 4.1.1.4): 354, the message into the spool behind our trace headers, the
 * filter chain's DATA stage (hop count; on submission the From check), then one
 * {@link Mailboxes#deliver} for all accounts, as the verdicts' {@link Disposition} asks. "250 Ok: queued as" is written only after
 * deliver() has returned, that is after the commit is durable; any failure before that
 * leaves nothing delivered and tells the client so.
 */
final class DataHandler {
    private static final Logger log = LoggerFactory.getLogger(DataHandler.class);

    private final SessionSettings settings;
    private final Mailboxes store;
    /** The reason of the outbound anomaly hold (filter's OutboundHold), whose held messages keep their remote recipients. */
    static final String OUTBOUND_HOLD = "outbound_hold";
    private final Quarantine quarantine;
    private final SmtpMetrics metrics;
    private final Pipeline pipeline;
    private final Verdicts verdicts;

    /** @param quarantine the administrator's quarantine; null: a held message goes to each recipient's Junk with {@code $Quarantined} */
    DataHandler(SessionSettings settings, Mailboxes store, Quarantine quarantine, SmtpMetrics metrics, Pipeline pipeline, Verdicts verdicts) {
        this.settings = settings;
        this.store = store;
        this.quarantine = quarantine;
        this.metrics = metrics;
        this.pipeline = pipeline;
        this.verdicts = verdicts;
    }

    /**
     * Who the client is, for the Received line. The verified name is asked for only after 354,
     * so a slow reverse lookup never delays the reply the client is waiting for.
     */
    record Trace(String helo, boolean esmtp, Supplier<String> verifiedName, InetAddress ip, boolean tls, boolean authenticated) { }

    /**
     * @param reply     the final reply to DATA
     * @param delivered true if the message was committed to the store
     * @param bytes     message bytes stored (0 if not delivered)
     */
    record Result(Reply reply, boolean delivered, long bytes) { }

    /** Refusal of DATA itself, before 354, or null if the data may be sent. */
    Reply refusal(Transaction tx) {
        if (!tx.hasNoRecipients()) return null;
        if (tx.refusedRecipients() > 0) {
            // RFC 2920 3.1 / RFC 5321 3.3: a pipelining client sent DATA after RCPTs that all failed.
            metrics.rejected(RejectReason.NO_RECIPIENTS);
            return Reply.of(554, "5.5.1", "Error: no valid recipients");
        }
        return Reply.of(503, "5.5.1", "Error: need RCPT command");
    }

    /**
     * Sends 354, reads the message and delivers it. Timeouts and a vanished client surface as
     * exceptions from here; the spool is discarded in every case that does not deliver.
     */
    Result data(Transaction tx, Connection connection, Trace client, Client filterClient) throws IOException {
        Reply.of(354, null, "End data with <CR><LF>.<CR><LF>").writeTo(connection);
        connection.flush(); // RFC 2920: the client waits for 354 before it sends the content
        connection.setReadTimeout(settings.dataTimeout());       // each line
        connection.overallDeadline(settings.maxDataTime());      // and the whole data, however it trickles

        byte[] trace = trace(tx, client);
        long sizeLimit = tx.messageSizeLimit(settings.maxMessageSize(), trace.length);
        MessageSpool spool = new MessageSpool(settings.spoolDir(), settings.spoolMemoryLimit());
        MessageData content = null;
        try {
            OutputStream sink = spool;
            try {
                spool.write(trace);
            } catch (UncheckedIOException e) {
                sink = failingSink(e); // keep reading the data so the reply lands where the client expects it
            }
            // Authentication-Results in our name from outside are forged (RFC 8601 5): removed on the way in.
            AuthResultsFilter ownResults = settings.authservId().isEmpty() ? null : new AuthResultsFilter(sink, settings.authservId());
            if (ownResults != null) sink = ownResults;
            // The hop count is the filter's (hop-count): the reader only counts Received fields.
            DataReader.Result read = DataReader.read(connection.input(),
                    sink, new DataReader.Limits(settings.maxLineLength(), sizeLimit, Integer.MAX_VALUE));
            if (!read.ok()) return new Result(failure(read.failure(), sizeLimit), false, 0);
            if (ownResults != null) ownResults.finish();

            content = spool.finish();
            return deliver(tx, content, read.receivedHeaders(), client, filterClient);
        } catch (RuntimeException e) {
            // The spool failed under us: never acknowledge what we cannot vouch for.
            log.error("{}: the message could not be spooled, not accepted", tx.queueId(), e);
            metrics.rejected(RejectReason.STORE_ERROR);
            return new Result(Reply.of(451, "4.3.0", "Error: temporary storage failure, try again later"), false, 0);
        } finally {
            connection.clearOverallDeadline();
            if (content != null) content.close();
            else spool.discard();
        }
    }

    /** Our Received line (and Return-Path) in front of the message. */
    private byte[] trace(Transaction tx, Trace client) {
        List<String> rcpts = tx.recipients();
        return TraceHeaders.build(tx.reversePath(), client.helo(), client.verifiedName().get(), client.ip(),
                settings.hostname(), TraceHeaders.protocol(client.esmtp(), tx.smtputf8(), client.tls(), client.authenticated()),
                tx.queueId(), rcpts.size() == 1 ? rcpts.getFirst() : null, ZonedDateTime.now());
    }

    /**
     * BURL ... LAST (RFC 4468): the message the URLs made, delivered as DATA delivers what it
     * reads: our trace headers in front, foreign Authentication-Results removed, the DATA stage of
     * the filter chain, one commit.
     */
    Result burl(Transaction tx, byte[] body, Trace client, Client filterClient) throws IOException {
        byte[] trace = trace(tx, client);
        if (body.length > tx.messageSizeLimit(settings.maxMessageSize(), trace.length)) {
            metrics.rejected(RejectReason.TOO_BIG);
            return new Result(Reply.of(552, "5.3.4", "Error: message too big"), false, 0);
        }
        MessageSpool spool = new MessageSpool(settings.spoolDir(), settings.spoolMemoryLimit());
        MessageData content = null;
        try {
            spool.write(trace);
            OutputStream sink = spool;
            AuthResultsFilter ownResults = settings.authservId().isEmpty() ? null : new AuthResultsFilter(sink, settings.authservId());
            if (ownResults != null) sink = ownResults;
            sink.write(body);
            if (ownResults != null) ownResults.finish();
            content = spool.finish();
            return deliver(tx, content, receivedFields(body), client, filterClient);
        } catch (UncheckedIOException e) {
            log.warn("{}: could not spool the BURL message: {}", tx.queueId(), e.getMessage());
            metrics.rejected(RejectReason.STORE_ERROR);
            return new Result(Reply.of(451, "4.3.0", "Error: temporary storage failure, try again later"), false, 0);
        } finally {
            if (content != null) content.close();
            else spool.discard();
        }
    }

    /** Received fields in a message's header section (the hop count's input, as DataReader counts them for DATA). */
    private static int receivedFields(byte[] message) {
        try {
            return (int) Header.parse(message).fields().stream().filter(f -> f.name().equalsIgnoreCase("Received")).count();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The DATA stage of the filter chain and the commit, for a message read by DATA or made by BURL. */
    private Result deliver(Transaction tx, MessageData content, int receivedHeaders, Trace client, Client filterClient) {
        List<Account> accounts = tx.accounts();
        List<String> rcpts = tx.recipients();
        SpooledMessage message;
        try {
            message = new SpooledMessage(content, receivedHeaders, settings.maxHeaderSize());
            Decision d = pipeline.data(filterClient, tx, message);
            verdicts.noted(d);
            if (d.refused()) return new Result(verdicts.reply(d.refusal()), false, 0);
            tx.disposition().apply(d, List.of());
            List<EmailAddress> remote = tx.remoteRecipients();
            Outbound outbound = remote.isEmpty() ? null : new Outbound(tx.reversePath(), remote, tx.smtputf8(),
                    tx.parameters().body() == MailParameters.Body.EIGHT_BIT_MIME);
            Disposition disposition = tx.disposition();
            // A user's own outbound mail held by the anomaly check keeps its remote recipients: a release queues it.
            boolean holdOutbound = outbound != null && quarantine != null && client.authenticated()
                    && OUTBOUND_HOLD.equals(disposition.quarantine());
            if (disposition.quarantine() != null && outbound != null && !holdOutbound) {
                // Held mail is never relayed, and the quarantine releases to local accounts only: refused.
                verdicts.rejected(disposition.quarantine());
                return new Result(Reply.of(554, "5.7.1", "Error: message held by policy, not relayed"), false, 0);
            }
            if (disposition.quarantine() != null && quarantine != null) {
                QuarantineItem.Relay relay = holdOutbound ? new QuarantineItem.Relay(outbound.sender(),
                        outbound.recipients().stream().map(EmailAddress::toString).toList(), outbound.smtputf8(), outbound.eightBitMime()) : null;
                QuarantineItem held = quarantine.hold(content, new QuarantineItem(tx.queueId(), tx.reversePath(), rcpts,
                        accounts.stream().map(Account::id).toList(), disposition.quarantine(), d.quarantined() ? d.check() : "",
                        client.ip().getHostAddress(), headerValue(message, "From"), headerValue(message, "Subject"), System.currentTimeMillis(),
                        0, 0, relay));
                log.info("{}: held in the quarantine ({}), {} bytes for {} accounts", tx.queueId(), held.reason(), held.size(), accounts.size());
                metrics.accepted(content.size(), 0);
                return new Result(Reply.of(250, "2.0.0", "Ok: queued as " + tx.queueId()), true, content.size());
            }
            // each account's copies (a Sieve script filing into several mailboxes) and the recipients' redirects
            Disposition.Deliveries deliveries = disposition.deliveries(accounts.stream().map(Account::id).toList(), tx.smtputf8(),
                    tx.parameters().body() == MailParameters.Body.EIGHT_BIT_MIME);
            List<Delivery.Recipient> copies = deliveries.copies();
            List<Delivery.Redirect> redirects = deliveries.redirects();
            if (copies.isEmpty() && outbound == null && redirects.isEmpty()) {
                // Every recipient's own filter discarded it (Sieve discard): accepted, nothing to store.
                log.info("{}: discarded by the recipients' filters, nothing stored", tx.queueId());
                metrics.accepted(content.size(), 0);
                return new Result(Reply.of(250, "2.0.0", "Ok: queued as " + tx.queueId()), true, content.size());
            }
            DeliveryReceipt receipt = store.deliver(new Delivery(content, Instant.now(), copies, outbound, redirects));
            if (!redirects.isEmpty()) {
                log.info("{}: queued {} redirected copies", tx.queueId(), redirects.size());
            }
            metrics.accepted(content.size(), copies.size());
            if (outbound != null) {
                log.info("{}: queued {} bytes for {} remote recipients as outbound {}", tx.queueId(), content.size(),
                        remote.size(), receipt.queueId());
            }
            log.debug("{}: delivered {} bytes to {} accounts, blob {}", tx.queueId(), content.size(),
                    accounts.size(), receipt.blobId());
            return new Result(Reply.of(250, "2.0.0", "Ok: queued as " + tx.queueId()), true, content.size());
        } catch (StoreException.QuotaExceeded e) {
            // Nothing was written. When every refusal is a per-message limit, retrying cannot help
            // (552); a full mailbox or domain may have room later (452).
            boolean onlyTooBig = e.refusals().stream()
                    .allMatch(r -> r.reason() == StoreException.QuotaExceeded.Reason.MESSAGE_TOO_BIG);
            if (onlyTooBig) {
                metrics.rejected(RejectReason.TOO_BIG);
                return new Result(Reply.of(552, "5.3.4", "Error: message size exceeds the recipient's limit"), false, 0);
            }
            metrics.rejected(RejectReason.QUOTA);
            return new Result(Reply.of(452, "4.2.2", "Error: mailbox full"), false, 0);
        } catch (StoreException e) {
            log.warn("{}: delivery failed, message not accepted: {}", tx.queueId(), e.getMessage());
            metrics.rejected(RejectReason.STORE_ERROR);
            return new Result(Reply.of(451, "4.3.0", "Error: temporary storage failure, try again later"), false, 0);
        } catch (RuntimeException e) {
            // A bug or an unexpected failure below us: never acknowledge what we cannot vouch for.
            log.error("{}: delivery failed, message not accepted", tx.queueId(), e);
            metrics.rejected(RejectReason.STORE_ERROR);
            return new Result(Reply.of(451, "4.3.0", "Error: temporary storage failure, try again later"), false, 0);
        }
    }

    /** A header field's decoded value for the quarantine's list, or "" (a header that cannot be read is no reason to lose the message). */
    private static String headerValue(Message message, String name) {
        try {
            return message.header().first(name).map(f -> org.twinmail.core.mail.Printable.of(f.decoded())).orElse("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** The message as the DATA checks see it. */
    private static final class SpooledMessage implements Message {
        private final MessageData content;
        private final int receivedHeaders;
        private final int maxHeaderBytes;
        private Header header;

        SpooledMessage(MessageData content, int receivedHeaders, int maxHeaderBytes) {
            this.content = content;
            this.receivedHeaders = receivedHeaders;
            this.maxHeaderBytes = maxHeaderBytes;
        }

        @Override
        public long size() {
            return content.size();
        }

        @Override
        public InputStream open() throws IOException {
            return content.open();
        }

        @Override
        public int receivedHeaders() {
            return receivedHeaders;
        }

        @Override
        public Header header() throws IOException {
            if (header == null) {
                try (InputStream in = new BufferedInputStream(content.open())) {
                    header = Header.read(in, maxHeaderBytes);
                }
            }
            return header;
        }

        @Override
        public InputStream body() throws IOException {
            long skip = header().bodyStart();
            InputStream in = new BufferedInputStream(content.open());
            try {
                in.skipNBytes(skip);
                return in;
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        }

        @Override
        public List<EmailAddress> from() throws IOException, MalformedHeader {
            try (InputStream in = new BufferedInputStream(content.open())) {
                return FromHeader.addresses(in, maxHeaderBytes);
            } catch (FromHeader.Malformed e) {
                throw new MalformedHeader(e.getMessage());
            }
        }
    }

    private Reply failure(DataReader.Failure failure, long sizeLimit) {
        return switch (failure) {
            case TOO_BIG -> {
                metrics.rejected(RejectReason.TOO_BIG);
                yield Reply.of(552, "5.3.4", "Error: message size exceeds limit of " + sizeLimit + " bytes");
            }
            case LINE_TOO_LONG -> {
                // RFC 5321 4.5.3.1.10 names "500 Line too long"; X.5.2 (syntax) rather than X.5.6,
                // which RFC 4954 registered for over-long AUTH exchanges.
                metrics.rejected(RejectReason.LINE_TOO_LONG);
                yield Reply.of(500, "5.5.2", "Error: message line longer than " + settings.maxLineLength() + " octets");
            }
            case NUL -> {
                // 554 5.6.0 (media error): NUL is not allowed in mail data (RFC 5321 2.3.8, RFC 6152 3),
                // and downstream software (C strings, IMAP clients) mishandles it.
                metrics.rejected(RejectReason.NUL);
                yield Reply.of(554, "5.6.0", "Error: message content contains NUL characters");
            }
            case LOOP -> {
                metrics.rejected(RejectReason.LOOP);
                yield Reply.of(554, "5.4.6", "Error: too many hops, mail loop detected");
            }
            case SPOOL_FAILED -> {
                metrics.rejected(RejectReason.STORE_ERROR);
                yield Reply.of(451, "4.3.0", "Error: temporary spool failure, try again later");
            }
        };
    }

    private static OutputStream failingSink(UncheckedIOException cause) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw cause.getCause();
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw cause.getCause();
            }
        };
    }
}
