package org.twinmail.jmap.submission;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.filter.Client;
import org.twinmail.filter.Decision;
import org.twinmail.filter.Disposition;
import org.twinmail.filter.Envelope;
import org.twinmail.filter.Message;
import org.twinmail.filter.Pipeline;
import org.twinmail.filter.Recipient;
import org.twinmail.mail.address.FromHeader;
import org.twinmail.mail.header.Header;
import org.twinmail.store.Delivery;
import org.twinmail.store.MailStore;
import org.twinmail.store.Outbound;
import org.twinmail.store.Postmaster;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.StoreException;

/**
 * Sends a message for a JMAP user through the same submission pipeline as SMTP submission:
 * the node's submission {@link Pipeline} (sender ownership, sending rate, sizes, recipient
 * limit and existence, quota, the From check, virus scan), then one {@link MailStore#deliver}
 * that puts local copies into their mailboxes and remote recipients into the durable outbound
 * queue in the same transaction, as SMTP's DATA does: each local recipient's copies as its own
 * filters decided ({@link Disposition#deliveries}: Sieve fileinto :copy, discard, redirect). The
 * pipeline is the one SMTP submission uses, so a user's messages per hour count over both.
 */
public final class Submitter {
    /** The filter's listener name for JMAP submissions. */
    public static final String LISTENER = "jmap";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Pipeline pipeline;
    private final MailStore store;
    private final Postmaster postmaster;
    private final String hostname;
    private final String listener;
    private final String protocol;

    public Submitter(Pipeline pipeline, MailStore store, Postmaster postmaster, String hostname) {
        this(pipeline, store, postmaster, hostname, LISTENER, "HTTP (JMAP)");
    }

    /**
     * A submitter for another way in (replies by SMS): {@code listener} names it to the filter,
     * {@code protocol} in the Received field ("with SMS").
     */
    public Submitter(Pipeline pipeline, MailStore store, Postmaster postmaster, String hostname, String listener, String protocol) {
        this.pipeline = pipeline;
        this.store = store;
        this.postmaster = postmaster;
        this.hostname = hostname;
        this.listener = listener;
        this.protocol = protocol;
    }

    /** What became of a submission. */
    public sealed interface Outcome {
        /** Accepted: each recipient with the reply it got. */
        record Sent(String queueId, Map<String, String> replies, List<String> remote) implements Outcome { }

        /** The sender was refused (MAIL stage). */
        record SenderRefused(String reply, String reason) implements Outcome { }

        /** Every recipient was refused, or some were: their addresses and replies. */
        record RecipientsRefused(Map<String, String> replies) implements Outcome { }

        /** The message was refused (DATA stage, quota, size). */
        record MessageRefused(String reply, String reason) implements Outcome { }
    }

    /** Sends a user's message from {@code mailFrom} (never null: users do not send with {@code <>}). */
    public Outcome submit(AuthenticatedUser user, InetAddress clientIp, EmailAddress mailFrom, List<EmailAddress> rcptTo, byte[] message) {
        return submit(user, clientIp, java.util.Objects.requireNonNull(mailFrom, "mailFrom"), rcptTo, message, false);
    }

    /**
     * Sends a notification the server wrote for {@code user} (an MDN, RFC 8098 2.1 and 3798 2.1)
     * with the null reverse-path {@code <>}, so that it is never answered by a bounce: the same
     * checks (rate, recipients, the From check at DATA, scan), the same local delivery and
     * outbound queue (where the relay signs it with DKIM as any other message).
     */
    public Outcome submitNotification(AuthenticatedUser user, InetAddress clientIp, List<EmailAddress> rcptTo, byte[] message) {
        return submit(user, clientIp, null, rcptTo, message, true);
    }

    private Outcome submit(AuthenticatedUser user, InetAddress clientIp, EmailAddress mailFrom, List<EmailAddress> rcptTo, byte[] message,
                           boolean notification) {
        String queueId = HexFormat.of().formatHex(random(6)).toUpperCase(Locale.ROOT);
        Tx tx = new Tx(queueId, mailFrom, message.length, notification);
        Client client = new Client(clientIp, Optional::empty, listener, true, hostname, true, Optional.of(user));
        Decision mail = pipeline.mail(client, tx);
        if (mail.refused()) return new Outcome.SenderRefused(reply(mail), mail.verdict().reason());
        tx.disposition.apply(mail, List.of());
        Map<String, String> refused = new LinkedHashMap<>();
        Map<String, String> replies = new LinkedHashMap<>();
        for (EmailAddress rcpt : rcptTo) {
            EmailAddress a = Postmaster.isPostmaster(rcpt) ? new EmailAddress(Postmaster.LOCAL_PART, rcpt.domain()) : rcpt;
            Recipient r = new Recipient(a.toString(), Optional.of(a), x -> Postmaster.isPostmaster(x) ? postmaster.resolve(x) : store.resolve(x));
            Decision d = pipeline.rcpt(client, tx, r);
            if (d.refused()) {
                refused.put(rcpt.toString(), reply(d));
                tx.refusals.merge(d.verdict().reason(), 1, Integer::sum);
                continue;
            }
            switch (r.resolution()) {
                case RecipientResolution.Local local -> {
                    tx.recipients.add(r.written());
                    for (Account acc : local.accounts()) if (tx.accounts.stream().noneMatch(x -> x.id() == acc.id())) tx.accounts.add(acc);
                    // an alias's remote targets: relayed as the user's own mail (the user's sender passes SPF as it is)
                    for (EmailAddress far : local.remote()) if (!tx.remote.contains(far)) tx.remote.add(far);
                    tx.disposition.apply(d, local.accounts().stream().map(Account::id).toList());
                }
                case RecipientResolution.NotLocal n -> {
                    tx.recipients.add(r.written());
                    if (!tx.remote.contains(a)) tx.remote.add(a);
                    tx.disposition.apply(d, List.of());
                }
                case RecipientResolution.Unknown u -> {
                    refused.put(rcpt.toString(), "550 5.1.1 Recipient address rejected: User unknown");
                    tx.refusals.merge("unknown_user", 1, Integer::sum);
                    continue;
                }
            }
            replies.put(rcpt.toString(), "250 2.1.5 Ok");
        }
        if (!refused.isEmpty()) return new Outcome.RecipientsRefused(refused);
        byte[] withTrace = trace(queueId, user, mailFrom, message);
        MessageData content = MessageSpool.of(withTrace);
        Decision data;
        try {
            data = pipeline.data(client, tx, new Bytes(withTrace));
        } catch (RuntimeException e) {
            return new Outcome.MessageRefused("451 4.3.0 Error: temporary failure, try again later", "check_failed");
        }
        if (data.refused()) return new Outcome.MessageRefused(reply(data), data.verdict().reason());
        tx.disposition.apply(data, List.of());
        if (tx.disposition.quarantine() != null && !tx.remote.isEmpty()) {
            return new Outcome.MessageRefused("554 5.7.1 Error: message held by policy, not relayed", tx.disposition.quarantine());
        }
        String reversePath = mailFrom == null ? "" : mailFrom.toString();
        boolean utf8Addresses = !isAscii(reversePath.getBytes(StandardCharsets.UTF_8))
                || tx.remote.stream().anyMatch(x -> !isAscii(x.toString().getBytes(StandardCharsets.UTF_8)));
        Outbound outbound = tx.remote.isEmpty() ? null : new Outbound(reversePath, tx.remote, utf8Addresses, !isAscii(withTrace));
        // each local account's copies as its own filters decided (fileinto :copy, discard, redirect), as SMTP's DATA stores them
        Disposition.Deliveries deliveries = tx.disposition.deliveries(tx.accounts.stream().map(Account::id).toList(), utf8Addresses,
                !isAscii(withTrace));
        try {
            // every recipient's own filter discarded it: accepted (as SMTP's 250), nothing to store
            if (outbound != null || !deliveries.isEmpty()) {
                store.deliver(new Delivery(content, Instant.now(), deliveries.copies(), outbound, deliveries.redirects()));
            }
        } catch (StoreException.QuotaExceeded e) {
            return new Outcome.MessageRefused("452 4.2.2 Error: mailbox full", "quota");
        }
        pipeline.delivered(client, tx);
        for (String k : replies.keySet()) replies.put(k, "250 2.0.0 Ok: queued as " + queueId);
        return new Outcome.Sent(queueId, replies, tx.remote.stream().map(EmailAddress::toString).toList());
    }

    private static boolean isAscii(byte[] b) {
        for (byte x : b) if (x < 0) return false;
        return true;
    }

    private static String reply(Decision d) {
        var r = d.refusal();
        return r.code() + " " + r.status() + " " + r.text();
    }

    /** Return-Path ({@code <>} for a notification) and Received, as SMTP's DATA prepends them (RFC 5321 4.4), naming the protocol (JMAP, SMS). */
    private byte[] trace(String queueId, AuthenticatedUser user, EmailAddress from, byte[] message) {
        String received = "Return-Path: <" + (from == null ? "" : from) + ">\r\nReceived: by " + hostname + " (TwinMail) with " + protocol + "\r\n\tid " + queueId
                + " for authenticated user " + user.address() + ";\r\n\t"
                + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now()) + "\r\n";
        byte[] t = received.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[t.length + message.length];
        System.arraycopy(t, 0, out, 0, t.length);
        System.arraycopy(message, 0, out, t.length, message.length);
        return out;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** The transaction the checks see. */
    private static final class Tx implements Envelope {
        final String queueId;
        final EmailAddress sender;
        final long size;
        final List<String> recipients = new ArrayList<>();
        final List<Account> accounts = new ArrayList<>();
        final List<EmailAddress> remote = new ArrayList<>();
        final Map<String, Integer> refusals = new LinkedHashMap<>();
        final Disposition disposition = new Disposition();
        final boolean notification;

        Tx(String queueId, EmailAddress sender, long size, boolean notification) {
            this.queueId = queueId;
            this.sender = sender;
            this.size = size;
            this.notification = notification;
        }

        @Override
        public boolean serverNotification() {
            return notification;
        }

        public String queueId() {
            return queueId;
        }

        public Optional<EmailAddress> sender() {
            return Optional.ofNullable(sender);
        }

        public OptionalLong declaredSize() {
            return OptionalLong.of(size);
        }

        public boolean smtputf8() {
            return false;
        }

        public List<String> recipients() {
            return recipients;
        }

        public List<Account> accounts() {
            return accounts;
        }

        public List<EmailAddress> remoteRecipients() {
            return remote;
        }

        public int refused(String reason) {
            return refusals.getOrDefault(reason, 0);
        }
    }

    /** The message as the DATA checks see it. */
    private static final class Bytes implements Message {
        private final byte[] data;
        private Header header;

        Bytes(byte[] data) {
            this.data = data;
        }

        public long size() {
            return data.length;
        }

        public InputStream open() {
            return new ByteArrayInputStream(data);
        }

        public Header header() {
            if (header == null) header = Header.parse(data);
            return header;
        }

        public InputStream body() {
            int start = header().bodyStart();
            return new ByteArrayInputStream(data, start, data.length - start);
        }

        public int receivedHeaders() {
            return 0;
        }

        public List<EmailAddress> from() throws IOException, MalformedHeader {
            try {
                return FromHeader.addresses(open());
            } catch (FromHeader.Malformed e) {
                throw new MalformedHeader(e.getMessage());
            }
        }
    }
}
