package org.twinmail.smtp.session;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.filter.Disposition;
import org.twinmail.filter.Envelope;
import org.twinmail.smtp.command.MailParameters;

/**
 * One mail transaction, from an accepted MAIL to the end of DATA or RSET: the envelope,
 * the accounts it will be delivered to and what the filter's verdicts ask of that delivery
 * ({@link Disposition}). Each account appears once however many accepted recipients (an
 * alias and the address itself, two aliases) lead to it. The filter's checks see it as an
 * {@link Envelope}.
 */
final class Transaction implements Envelope {
    private final String queueId;
    private final Optional<EmailAddress> sender;
    private final MailParameters parameters;
    private final List<String> recipients = new ArrayList<>();
    private final Map<Long, Account> accounts = new LinkedHashMap<>();
    private final Map<String, EmailAddress> remote = new LinkedHashMap<>();
    private final Map<EmailAddress, List<EmailAddress>> aliasForwards = new LinkedHashMap<>();
    private final Map<String, Integer> refusedByReason = new HashMap<>();
    private final Disposition disposition;
    private int refusedRecipients;
    /** The octets DATA or BURL read, once read; -1 before. */
    private long size = -1;
    /** The message so far from BURL commands (RFC 4468), or null before the first. */
    private java.io.ByteArrayOutputStream burl;

    /** @param session what the session's connect and HELO verdicts asked of every message */
    Transaction(String queueId, Optional<EmailAddress> sender, MailParameters parameters, Disposition session) {
        this.queueId = queueId;
        this.sender = sender;
        this.parameters = parameters;
        this.disposition = new Disposition(session);
    }

    @Override
    public String queueId() {
        return queueId;
    }

    @Override
    public Optional<EmailAddress> sender() {
        return sender;
    }

    @Override
    public OptionalLong declaredSize() {
        return parameters.size();
    }

    @Override
    public long messageSize() {
        return size >= 0 ? size : Envelope.super.messageSize();
    }

    /** The message has been read: {@code bytes} octets. */
    void read(long bytes) {
        size = bytes;
    }

    Disposition disposition() {
        return disposition;
    }

    /** The reverse-path without brackets; empty for the null sender. */
    String reversePath() {
        return sender.map(EmailAddress::toString).orElse("");
    }

    MailParameters parameters() {
        return parameters;
    }

    @Override
    public boolean smtputf8() {
        return parameters.smtputf8();
    }

    void accept(String recipient, List<Account> resolved) {
        recipients.add(recipient);
        for (Account a : resolved) accounts.putIfAbsent(a.id(), a);
    }

    /** The remote targets of an alias among the recipients: forwarded with SRS at delivery (filter's Sieve check). */
    void acceptAliasForward(EmailAddress alias, List<EmailAddress> targets) {
        aliasForwards.putIfAbsent(alias, List.copyOf(targets));
    }

    @Override
    public Map<EmailAddress, List<EmailAddress>> aliasForwards() {
        return java.util.Collections.unmodifiableMap(aliasForwards);
    }

    /** A recipient outside our domains (submission only), for the outbound queue. */
    void acceptRemote(String recipient, EmailAddress address) {
        recipients.add(recipient);
        remote.putIfAbsent(address.key(), address);
    }

    /** The distinct remote recipients, in the order they were accepted. */
    @Override
    public List<EmailAddress> remoteRecipients() {
        return List.copyOf(remote.values());
    }

    /** True when nothing was accepted yet, local or remote. */
    boolean hasNoRecipients() {
        return accounts.isEmpty() && remote.isEmpty() && aliasForwards.isEmpty();
    }

    /** Counts a refused RCPT and the verdict reason it was refused for. */
    void refuse(String reason) {
        refusedRecipients++;
        refusedByReason.merge(reason, 1, Integer::sum);
    }

    @Override
    public int refused(String reason) {
        return refusedByReason.getOrDefault(reason, 0);
    }

    /** Accepted RCPT commands, as the client wrote them (duplicates included). */
    @Override
    public List<String> recipients() {
        return Collections.unmodifiableList(recipients);
    }

    int refusedRecipients() {
        return refusedRecipients;
    }

    /** The distinct accounts the message goes to, in the order they were first reached. */
    @Override
    public List<Account> accounts() {
        return List.copyOf(accounts.values());
    }

    /**
     * The largest content every recipient accepts: the server limit (which applies to what the
     * client sends, as SIZE does), or a smaller per-account limit, which the store applies to the
     * stored message and so must leave room for the {@code overhead} of our trace headers.
     */
    long messageSizeLimit(long serverLimit, int overhead) {
        long limit = serverLimit;
        for (Account a : accounts.values()) {
            if (a.maxMessageBytes() > 0) limit = Math.min(limit, Math.max(0, a.maxMessageBytes() - overhead));
        }
        return limit;
    }

    /** Adds a BURL part; false (and nothing kept) when the message would be larger than {@code limit}. */
    boolean addBurl(byte[] part, long limit) {
        if (burl == null) burl = new java.io.ByteArrayOutputStream();
        if (burl.size() + (long) part.length > limit) {
            burl = null;
            return false;
        }
        burl.writeBytes(part);
        return true;
    }

    /** The message the BURL parts make. */
    byte[] burlMessage() {
        return burl == null ? new byte[0] : burl.toByteArray();
    }
}
