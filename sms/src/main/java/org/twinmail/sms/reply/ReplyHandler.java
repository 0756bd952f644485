package org.twinmail.sms.reply;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.core.sms.SmsRecords;
import org.twinmail.core.sms.SmsSettings;
import org.twinmail.sms.gateway.SmsGateway.Inbound;
import org.twinmail.sms.queue.SmsItem;
import org.twinmail.sms.queue.SmsMetrics;
import org.twinmail.sms.queue.SmsQueue;
import org.twinmail.sms.queue.SmsWorker;
import org.twinmail.store.Directory;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.StoredRecord;

/**
 * Turns a reply by SMS into mail (docs/sms.md, "Replies by SMS"), on the worker's thread:
 *
 * <ol>
 *   <li>the sender's number must be verified for an account ({@code unknown_number} otherwise:
 *       nothing is sent for a number not verified for that account);</li>
 *   <li>the message must carry a reference ({@code no_reference});</li>
 *   <li>the reference must be live for that number and name a notice of an account the number
 *       is verified for ({@code stale_reference});</li>
 *   <li>the mail ({@link ReplyMessage}) goes through the node's {@link ReplySubmission} (the
 *       submission pipeline: a refusal such as {@code rate_limit} is the reason), and a copy is
 *       saved in the user's Sent folder.</li>
 * </ol>
 *
 * Every refusal is answered by SMS saying why nothing was sent, at most once per number and
 * reason per {@code answerInterval} (so two machines answering each other cannot loop, and a
 * stranger cannot make us send without bound).
 */
public final class ReplyHandler implements SmsWorker.MoHandler {
    private static final Logger log = LoggerFactory.getLogger(ReplyHandler.class);

    /** Why a reply was not sent on, as answered and counted. */
    public enum Refusal { UNKNOWN_NUMBER, NO_REFERENCE, STALE_REFERENCE, RATE_LIMIT, REFUSED }

    private final SmsQueue queue;
    private final Directory directory;
    private final Mailboxes mailboxes;
    private final ReplySubmission submission;
    private final SmsWorker worker;
    private final SmsMetrics metrics;
    private final Clock clock;
    private final String hostname;
    private final Duration answerInterval;
    private final Duration replyWindow;

    public ReplyHandler(SmsQueue queue, Directory directory, Mailboxes mailboxes, ReplySubmission submission, SmsWorker worker,
                        SmsMetrics metrics, Clock clock, String hostname, Duration answerInterval, Duration replyWindow) {
        this.queue = queue;
        this.directory = directory;
        this.mailboxes = mailboxes;
        this.submission = submission;
        this.worker = worker;
        this.metrics = metrics;
        this.clock = clock;
        this.hostname = hostname;
        this.answerInterval = answerInterval;
        this.replyWindow = replyWindow;
    }

    @Override
    public void handle(Inbound.Mo mo) {
        SmsReply reply = SmsReply.parse(mo);
        long now = clock.millis();
        List<StoredRecord> verified = queue.records().records(SmsRecords.SETTINGS).stream()
                .filter(r -> {
                    SmsSettings s = SmsSettings.decode(r.value());
                    return s.verified() && s.phone().equals(reply.phone());
                }).toList();
        if (verified.isEmpty()) {
            refuse(reply, "", "en", Refusal.UNKNOWN_NUMBER, "");
            return;
        }
        StoredRecord first = verified.getFirst();
        String language = SmsSettings.decode(first.value()).language();
        if (reply.ref().isEmpty()) {
            refuse(reply, first.scope(), language, Refusal.NO_REFERENCE, "");
            return;
        }
        Optional<SmsQueue.Key> key = queue.byRef(reply.phone(), reply.ref().get(), now)
                .filter(k -> verified.stream().anyMatch(r -> r.scope().equals(k.scope())));
        Optional<SmsItem> notice = key.flatMap(this::item).filter(i -> i.purpose() == SmsItem.Purpose.NOTICE && i.notice() != null
                && i.phone().equals(reply.phone()) && !i.notice().replyTo().isEmpty());
        if (notice.isEmpty()) {
            refuse(reply, first.scope(), language, Refusal.STALE_REFERENCE, reply.ref().get());
            return;
        }
        String scope = key.get().scope();
        language = verified.stream().filter(r -> r.scope().equals(scope)).findFirst().map(r -> SmsSettings.decode(r.value()).language())
                .orElse(language);
        long accountId = Long.parseLong(scope.substring("account:".length()));
        Optional<Account> account = directory.findAccount(accountId);
        if (account.isEmpty()) {
            refuse(reply, "", "en", Refusal.UNKNOWN_NUMBER, "");
            return;
        }
        EmailAddress to;
        try {
            to = EmailAddress.parse(notice.get().notice().replyTo());
        } catch (IllegalArgumentException bad) {
            refuse(reply, scope, language, Refusal.REFUSED, "the sender's address is unusable");
            return;
        }
        byte[] message = ReplyMessage.compose(account.get().address(), notice.get().notice(), reply.body(), hostname, clock.instant());
        ReplySubmission.Result result = submission.submit(account.get(), to, message);
        switch (result) {
            case ReplySubmission.Result.Sent sent -> {
                saveSent(account.get(), message);
                metrics.replySent();
                log.info("sms: a reply from {} to notice {} sent as mail from {} to {} (queue id {})", reply.phone(), key.get().id(),
                        account.get().address(), to, sent.queueId());
            }
            case ReplySubmission.Result.Refused r -> refuse(reply, scope, language,
                    r.reason().equals("rate_limit") ? Refusal.RATE_LIMIT : Refusal.REFUSED, r.reply());
        }
    }

    private Optional<SmsItem> item(SmsQueue.Key k) {
        Optional<StoredRecord> r = queue.done(k);
        if (r.isEmpty()) r = queue.records().record(SmsQueue.OUT, k.scope(), k.id());
        if (r.isEmpty() || (r.get().expiresMillis() != 0 && r.get().expiresMillis() <= clock.millis())) return Optional.empty();
        try {
            return Optional.of(SmsItem.decode(r.get().value()));
        } catch (IllegalArgumentException bad) {
            return Optional.empty();
        }
    }

    /** The copy in Sent: the folder with the Sent special use, else one named Sent (created when missing). */
    private void saveSent(Account account, byte[] message) {
        try {
            List<Mailbox> boxes = mailboxes.mailboxes(account.id());
            Mailbox sent = boxes.stream().filter(b -> b.specialUse() == SpecialUse.SENT).findFirst()
                    .or(() -> boxes.stream().filter(b -> b.name().equalsIgnoreCase("Sent")).findFirst())
                    .orElseGet(() -> mailboxes.createMailbox(account.id(), "Sent", SpecialUse.SENT));
            mailboxes.append(sent.id(), MessageSpool.of(message), Set.of("\\Seen"), clock.instant());
        } catch (RuntimeException e) {
            // the mail went out: a missing copy in Sent is logged, not answered
            log.warn("sms: a reply by SMS of {} was sent but not saved in Sent: {}", account.address(), e.getMessage());
        }
    }

    private void refuse(SmsReply reply, String scope, String language, Refusal why, String detail) {
        metrics.replyRefused(why.name().toLowerCase(java.util.Locale.ROOT));
        long bucket = clock.millis() / Math.max(1, answerInterval.toMillis());
        SmsQueue.Key key = new SmsQueue.Key(scope, "a." + why.name().toLowerCase(java.util.Locale.ROOT) + "." + reply.phone() + "." + bucket);
        String text = answer(why, language.equals("zh"), detail);
        boolean queued = worker.enqueueText(key, SmsItem.Purpose.ANSWER, reply.phone(), text);
        log.info("sms: a reply from {} not sent on ({}{}){}", reply.phone(), why.name().toLowerCase(java.util.Locale.ROOT),
                detail.isEmpty() ? "" : ": " + detail, queued ? "; answered" : "; answered already in this interval");
    }

    /** The answer to a refused reply: why nothing was sent. */
    String answer(Refusal why, boolean zh, String detail) {
        long days = Math.max(1, replyWindow.toDays());
        return switch (why) {
            case UNKNOWN_NUMBER -> zh ? "TwinMail：此号码未开通短信回复，邮件未发送。"
                    : "TwinMail: this number is not registered for replies by SMS. Nothing was sent.";
            case NO_REFERENCE -> zh ? "TwinMail：回复请以通知中的#代码开头，邮件未发送。"
                    : "TwinMail: start your reply with the #code of the notice you answer. Nothing was sent.";
            case STALE_REFERENCE -> zh ? "TwinMail：所回复的通知不存在或已超过" + days + "天，邮件未发送。"
                    : "TwinMail: the notice you answered is unknown or older than " + days + " days. Nothing was sent.";
            case RATE_LIMIT -> zh ? "TwinMail：已超过发信限额，邮件未发送，请稍后再试。"
                    : "TwinMail: you are over your sending limit. Nothing was sent; try again later.";
            case REFUSED -> {
                String d = detail.length() > 90 ? detail.substring(0, 90) : detail;
                yield zh ? "TwinMail：邮件被拒绝（" + d + "），未发送。" : "TwinMail: your reply was refused (" + d + "). Nothing was sent.";
            }
        };
    }
}
