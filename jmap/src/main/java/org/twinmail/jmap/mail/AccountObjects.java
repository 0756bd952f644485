package org.twinmail.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Alias;
import org.twinmail.filter.outbound.OutboundHold;
import org.twinmail.jmap.core.Call;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.core.MethodError;
import org.twinmail.jmap.core.SetResult;
import org.twinmail.jmap.submission.Submitter;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.address.Mailbox;
import org.twinmail.mail.header.HeaderField;
import org.twinmail.store.MailStore;
import org.twinmail.store.QuotaUsage;

/**
 * The account's other JMAP objects: Identity (RFC 8621 6), EmailSubmission (7, through
 * {@link Submitter}), VacationResponse (8) and Quota (RFC 9425). Identities are the account's
 * address and the aliases that lead to it, with names and signatures kept in {@code Records}
 * (kind {@code jmap.identity}); submissions in {@code jmap.submission} (kept for a week);
 * the vacation response in {@code jmap.vacation}.
 */
public final class AccountObjects {
    /** How long an EmailSubmission stays visible after it was sent. */
    static final long SUBMISSION_KEPT_MILLIS = 7L * 24 * 3600 * 1000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final MailStore store;
    private final Views views;
    private final MessageCache cache;
    private final MailWrite write;
    private final Submitter submitter;
    private final int maxObjectsInSet;
    private final RecordObjects identities;
    private final RecordObjects submissions;
    private final RecordObjects vacation;

    private final Clock clock;
    private final Duration maxDelayedSend;
    private final DelayedSends delayed;

    public AccountObjects(MailStore store, Views views, MessageCache cache, MailWrite write, Submitter submitter, int maxObjectsInSet) {
        this(store, views, cache, write, submitter, maxObjectsInSet, Clock.systemUTC(), Duration.ZERO);
    }

    /**
     * @param clock          the time of sendAt and of the held submissions' release
     * @param maxDelayedSend how far ahead a submission may be held (0: none is)
     */
    public AccountObjects(MailStore store, Views views, MessageCache cache, MailWrite write, Submitter submitter, int maxObjectsInSet,
                          Clock clock, Duration maxDelayedSend) {
        this.clock = clock;
        this.maxDelayedSend = maxDelayedSend;
        this.delayed = new DelayedSends(store, clock, this::sendHeld);
        this.store = store;
        this.views = views;
        this.cache = cache;
        this.write = write;
        this.submitter = submitter;
        this.maxObjectsInSet = maxObjectsInSet;
        this.identities = new RecordObjects(store, "jmap.identity");
        this.submissions = new RecordObjects(store, "jmap.submission");
        this.vacation = new RecordObjects(store, "jmap.vacation");
    }

    private Account account(Call c) {
        return store.findAccount(c.accountId()).orElseThrow(MethodError::accountNotFound);
    }

    // ---- Identity ----

    /** The addresses the user may send as: its own and every alias that leads only to it. */
    private List<String> addresses(Account a) {
        List<String> out = new ArrayList<>();
        out.add(a.address().toString());
        for (Alias al : store.listAliases(a.address().domain())) {
            if (al.source().startsWith("@")) continue;
            if (al.targets().size() == 1 && al.targets().getFirst().equals(a.address())) out.add(al.source().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    static String identityId(String address) {
        return "i" + Ids.sha256Hex(address.toLowerCase(Locale.ROOT)).substring(0, 16);
    }

    /** Every identity, with the stored settings over the defaults. */
    Map<String, ObjectNode> identities(Call c) {
        Account a = account(c);
        Map<String, ObjectNode> stored = identities.all(c.accountId());
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        for (String address : addresses(a)) {
            String id = identityId(address);
            ObjectNode o = Json.object();
            o.put("id", id);
            o.put("name", "");
            o.put("email", address);
            o.putNull("replyTo");
            o.putNull("bcc");
            o.put("textSignature", "");
            o.put("htmlSignature", "");
            o.put("mayDelete", false);
            ObjectNode s = stored.get(id);
            if (s != null) {
                for (String p : List.of("name", "replyTo", "bcc", "textSignature", "htmlSignature")) if (s.has(p)) o.set(p, s.get(p));
            }
            out.put(id, o);
        }
        return out;
    }

    public ObjectNode identityGet(Call c) {
        String account = MailRead.account(c);
        long state = store.lastChangePosition();
        Map<String, ObjectNode> all = identities(c);
        return get(c, account, state, all);
    }

    public ObjectNode identitySet(Call c) {
        String account = MailRead.account(c);
        SetResult.checkSize(c.args(), maxObjectsInSet);
        long old = store.lastChangePosition();
        SetResult r = new SetResult();
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "create")) {
            // Identities are the account's addresses: a new one comes with a new alias (an administrator's act).
            r.notCreated(e.getKey(), SetResult.error("forbiddenFrom", "identities are the account's address and its aliases"));
        }
        Map<String, ObjectNode> all = identities(c);
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "update")) {
            String id = c.id(e.getKey());
            if (!all.containsKey(id)) {
                r.notUpdated(id, SetResult.error("notFound", null));
                continue;
            }
            ObjectNode stored = identities.get(c.accountId(), id);
            ObjectNode next = stored == null ? Json.object() : stored;
            String bad = null;
            for (Map.Entry<String, JsonNode> p : e.getValue().properties()) {
                switch (p.getKey()) {
                    case "name", "textSignature", "htmlSignature" -> {
                        if (!p.getValue().isTextual()) bad = p.getKey();
                        else next.set(p.getKey(), p.getValue());
                    }
                    case "replyTo", "bcc" -> {
                        if (!p.getValue().isNull() && !p.getValue().isArray()) bad = p.getKey();
                        else next.set(p.getKey(), p.getValue());
                    }
                    default -> bad = p.getKey();
                }
            }
            if (bad != null) {
                r.notUpdated(id, SetResult.error("invalidProperties", bad + " cannot be set so", bad));
                continue;
            }
            identities.put(c.accountId(), id, next, 0);
            r.updated(id, NullNode.getInstance());
        }
        for (String id : destroyIds(c)) r.notDestroyed(id, SetResult.error("forbidden", "an identity goes with its address"));
        return r.toJson(account, String.valueOf(old), String.valueOf(store.lastChangePosition()));
    }

    public ObjectNode identityChanges(Call c) {
        String account = MailRead.account(c);
        RecordObjects.Changes ch = identities.changes(c.accountId(), MailRead.state(c, "sinceState"));
        return changes(account, c, ch);
    }

    // ---- EmailSubmission ----

    public ObjectNode submissionGet(Call c) {
        String account = MailRead.account(c);
        long state = store.lastChangePosition();
        Map<String, ObjectNode> all = new LinkedHashMap<>();
        submissions.all(c.accountId()).forEach((k, v) -> all.put(k, RecordObjects.shown(v)));
        return get(c, account, state, all);
    }

    public ObjectNode submissionChanges(Call c) {
        String account = MailRead.account(c);
        return changes(account, c, submissions.changes(c.accountId(), MailRead.state(c, "sinceState")));
    }

    public ObjectNode submissionQuery(Call c) {
        String account = MailRead.account(c);
        long state = store.lastChangePosition();
        JsonNode f = c.args().path("filter");
        List<ObjectNode> list = new ArrayList<>(submissions.all(c.accountId()).values());
        list.removeIf(s -> (f.has("emailIds") && !contains(f.get("emailIds"), s.path("emailId").asText()))
                || (f.has("identityIds") && !contains(f.get("identityIds"), s.path("identityId").asText()))
                || (f.has("threadIds") && !contains(f.get("threadIds"), s.path("threadId").asText()))
                || (f.has("undoStatus") && !f.get("undoStatus").asText().equals(s.path("undoStatus").asText()))
                || (f.has("before") && s.path("sendAt").asText().compareTo(f.get("before").asText()) >= 0)
                || (f.has("after") && s.path("sendAt").asText().compareTo(f.get("after").asText()) < 0));
        list.sort((x, y) -> y.path("sendAt").asText().compareTo(x.path("sendAt").asText()));
        ObjectNode r = Json.object();
        r.put("accountId", account);
        r.put("queryState", String.valueOf(state));
        r.put("canCalculateChanges", false);
        r.put("position", 0);
        ArrayNode ids = r.putArray("ids");
        list.forEach(s -> ids.add(s.path("id").asText()));
        if (Json.optBoolean(c.args(), "calculateTotal", false)) r.put("total", list.size());
        return r;
    }

    private static boolean contains(JsonNode list, String v) {
        for (JsonNode x : list) if (x.asText().equals(v)) return true;
        return false;
    }

    /** The held submissions (RFC 8621 7 with FUTURERELEASE): the server starts their runner on the active node. */
    public DelayedSends delayedSends() {
        return delayed;
    }

    public ObjectNode submissionSet(Call c, InetAddress client) {
        String account = MailRead.account(c);
        SetResult.checkSize(c.args(), maxObjectsInSet);
        long old = store.lastChangePosition();
        SetResult r = new SetResult();
        Account acc = account(c);
        Map<String, ObjectNode> ids = identities(c);
        Map<String, String> createdEmails = new LinkedHashMap<>(); // submission creation id -> email id
        // an account the outbound anomaly check held sends nothing: refused now, not quarantined at send time
        boolean held = SetResult.entries(c.args(), "create").iterator().hasNext() && OutboundHold.held(store, c.accountId());
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "create")) {
            JsonNode s = e.getValue();
            if (held) {
                r.notCreated(e.getKey(), SetResult.error("forbiddenToSend",
                        "the outbound mail of this account is held (unusual sending); the administrator can release it"));
                continue;
            }
            ObjectNode identity = ids.get(c.id(s.path("identityId").asText("")));
            if (identity == null) {
                r.notCreated(e.getKey(), SetResult.error("invalidProperties", "no such identity", "identityId"));
                continue;
            }
            String emailId = c.id(s.path("emailId").asText(""));
            AccountView.Email email = views.view(c.accountId()).email(emailId);
            if (email == null) {
                r.notCreated(e.getKey(), SetResult.error("invalidProperties", "no such email", "emailId"));
                continue;
            }
            byte[] message = cache.bytes(email.sha());
            EmailAddress mailFrom;
            JsonNode mailFromParameters = null;
            List<EmailAddress> rcptTo = new ArrayList<>();
            try {
                JsonNode env = s.get("envelope");
                if (env != null && !env.isNull()) {
                    mailFrom = EmailAddress.parse(env.path("mailFrom").path("email").asText(""));
                    mailFromParameters = env.path("mailFrom").get("parameters");
                    for (JsonNode x : env.path("rcptTo")) rcptTo.add(EmailAddress.parse(x.path("email").asText("")));
                } else {
                    mailFrom = EmailAddress.parse(identity.path("email").asText());
                    for (HeaderField f : cache.parsed(email.sha()).header().fields()) {
                        if (f.is("To") || f.is("Cc") || f.is("Bcc")) {
                            for (Mailbox m : AddressParser.parse(f.value()).mailboxes()) {
                                EmailAddress a = EmailAddress.parse(m.address());
                                if (!rcptTo.contains(a)) rcptTo.add(a);
                            }
                        }
                    }
                }
            } catch (RuntimeException bad) {
                r.notCreated(e.getKey(), SetResult.error("invalidProperties", "bad envelope address", "envelope"));
                continue;
            }
            if (rcptTo.isEmpty()) {
                r.notCreated(e.getKey(), SetResult.error("noRecipients", "the message has no recipients"));
                continue;
            }
            Instant now = clock.instant();
            Instant sendAt;
            try {
                sendAt = sendAt(s, mailFromParameters, now);
            } catch (IllegalArgumentException bad) {
                r.notCreated(e.getKey(), SetResult.error("invalidProperties", bad.getMessage(), s.hasNonNull("sendAt") ? "sendAt" : "envelope"));
                continue;
            }
            String id = "s" + HexFormat.of().formatHex(random(8));
            ObjectNode o = Json.object();
            o.put("id", id);
            o.put("identityId", identity.path("id").asText());
            o.put("emailId", emailId);
            o.put("threadId", cache.summary(email.sha()).threadId());
            ObjectNode env = o.putObject("envelope");
            ObjectNode mf = env.putObject("mailFrom").put("email", mailFrom.toString());
            if (mailFromParameters != null && mailFromParameters.isObject()) mf.set("parameters", mailFromParameters);
            else mf.putNull("parameters");
            ArrayNode rc = env.putArray("rcptTo");
            for (EmailAddress a : rcptTo) rc.addObject().put("email", a.toString()).putNull("parameters");
            o.put("sendAt", ParsedMessage.utc(sendAt));
            o.putArray("dsnBlobIds");
            o.putArray("mdnBlobIds");
            if (sendAt.isAfter(now)) {
                // held: the message is kept as it is now, and sent by DelayedSends at sendAt unless canceled
                ObjectNode hold = Json.object();
                hold.put("mailFrom", mailFrom.toString());
                hold.set("rcptTo", Json.array(rcptTo.stream().map(EmailAddress::toString).toList()));
                hold.put("client", client.getHostAddress());
                delayed.keepBody(c.accountId(), id, message);
                o.put("undoStatus", "pending");
                o.putNull("deliveryStatus");
                o.set("_hold", hold);
                submissions.put(c.accountId(), id, o, 0);
                delayed.wake();
            } else {
                Submitter.Outcome out = submitter.submit(new AuthenticatedUser(acc.id(), acc.address().toString()), client, mailFrom, rcptTo, message);
                if (!(out instanceof Submitter.Outcome.Sent x)) {
                    r.notCreated(e.getKey(), refusal(out));
                    continue;
                }
                o.put("undoStatus", "final");
                o.set("deliveryStatus", deliveryStatus(x));
                submissions.put(c.accountId(), id, o, clock.millis() + SUBMISSION_KEPT_MILLIS);
            }
            c.createdIds().put(e.getKey(), id);
            createdEmails.put(e.getKey(), emailId);
            ObjectNode shown = Json.object();
            shown.put("id", id);
            shown.put("undoStatus", o.path("undoStatus").asText());
            shown.put("sendAt", o.path("sendAt").asText());
            r.created(e.getKey(), shown);
        }
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "update")) {
            String id = c.id(e.getKey());
            if (submissions.get(c.accountId(), id) == null) {
                r.notUpdated(id, SetResult.error("notFound", null));
                continue;
            }
            JsonNode patch = e.getValue();
            String bad = null;
            for (Map.Entry<String, JsonNode> p : patch.properties()) {
                if (!p.getKey().equals("undoStatus") || !"canceled".equals(p.getValue().asText())) bad = p.getKey();
            }
            if (bad != null || !patch.has("undoStatus")) {
                r.notUpdated(id, SetResult.error("invalidProperties", "only undoStatus can change, to canceled", bad == null ? "undoStatus" : bad));
                continue;
            }
            switch (delayed.cancel(c.accountId(), id, SUBMISSION_KEPT_MILLIS)) {
                case CANCELED -> r.updated(id, NullNode.getInstance());
                case NOT_PENDING -> r.notUpdated(id, SetResult.error("cannotUnsend", "the message has been sent"));
                case NOT_FOUND -> r.notUpdated(id, SetResult.error("notFound", null));
            }
        }
        for (String id : destroyIds(c)) {
            delayed.cancel(c.accountId(), id, SUBMISSION_KEPT_MILLIS); // a held one does not go out after its record is gone
            if (submissions.delete(c.accountId(), id)) r.destroyed(id);
            else r.notDestroyed(id, SetResult.error("notFound", null));
        }
        ObjectNode result = r.toJson(account, String.valueOf(old), String.valueOf(store.lastChangePosition()));
        onSuccess(c, createdEmails);
        return result;
    }

    /**
     * When to send: the client's {@code sendAt}, else FUTURERELEASE's {@code HOLDUNTIL} (an RFC 3339
     * time) or {@code HOLDFOR} (seconds) among the mailFrom parameters (RFC 4865), else now; at most
     * {@code jmap.maxDelayedSend} ahead.
     */
    private Instant sendAt(JsonNode s, JsonNode parameters, Instant now) {
        Instant at = now;
        try {
            if (s.hasNonNull("sendAt")) at = Instant.parse(s.get("sendAt").asText());
            else if (parameters != null && parameters.hasNonNull("HOLDUNTIL")) at = java.time.OffsetDateTime.parse(parameters.get("HOLDUNTIL").asText()).toInstant();
            else if (parameters != null && parameters.hasNonNull("HOLDFOR")) {
                long secs = Long.parseLong(parameters.get("HOLDFOR").asText());
                if (secs < 0) throw new IllegalArgumentException("HOLDFOR is a number of seconds");
                at = now.plusSeconds(secs);
            }
        } catch (java.time.format.DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException("sendAt, HOLDUNTIL or HOLDFOR is not a time");
        }
        if (at.isAfter(now.plus(maxDelayedSend))) {
            throw new IllegalArgumentException("held at most " + maxDelayedSend.toSeconds() + " seconds (maxDelayedSend)");
        }
        return at;
    }

    /** The deliveryStatus of a sent submission: each recipient with its reply. */
    private static ObjectNode deliveryStatus(Submitter.Outcome.Sent x) {
        ObjectNode ds = Json.object();
        for (Map.Entry<String, String> rep : x.replies().entrySet()) {
            ObjectNode d = ds.putObject(rep.getKey());
            d.put("smtpReply", rep.getValue());
            d.put("delivered", x.remote().contains(rep.getKey()) ? "queued" : "yes");
            d.put("displayed", "unknown");
        }
        return ds;
    }

    /** The SetError of a refused submission. */
    private static ObjectNode refusal(Submitter.Outcome out) {
        return switch (out) {
            case Submitter.Outcome.SenderRefused x ->
                    SetResult.error(x.reason().equals("rate_limit") ? "forbiddenToSend" : "forbiddenMailFrom", x.reply());
            case Submitter.Outcome.RecipientsRefused x -> {
                ObjectNode err = SetResult.error("invalidRecipients", String.join("; ", x.replies().values()));
                err.set("invalidRecipients", Json.array(new ArrayList<>(x.replies().keySet())));
                yield err;
            }
            case Submitter.Outcome.MessageRefused x -> SetResult.error(
                    x.reason().equals("sender_mismatch") ? "forbiddenFrom" : x.reason().equals("too_big") ? "tooLarge" : "forbiddenToSend", x.reply());
            case Submitter.Outcome.Sent x -> throw new IllegalArgumentException("sent is no refusal");
        };
    }

    /**
     * Sends a held submission at its time, through the same pipeline as one sent at once; a
     * refusal then (the sending rate, a recipient gone) shows in its deliveryStatus as
     * {@code delivered: no} with the reply.
     */
    private ObjectNode sendHeld(DelayedSends.Held h) {
        List<String> rcpts = DelayedSends.strings(h.hold().path("rcptTo"));
        Account acc = store.findAccount(h.accountId()).orElse(null);
        Submitter.Outcome out;
        if (acc == null) {
            out = new Submitter.Outcome.MessageRefused("550 5.1.0 Error: the sending account is gone", "no_account");
        } else {
            InetAddress client;
            try {
                client = InetAddress.getByName(h.hold().path("client").asText("127.0.0.1")); // a literal: no lookup
            } catch (java.net.UnknownHostException e) {
                client = InetAddress.getLoopbackAddress();
            }
            out = submitter.submit(new AuthenticatedUser(acc.id(), acc.address().toString()), client,
                    EmailAddress.parse(h.hold().path("mailFrom").asText()), rcpts.stream().map(EmailAddress::parse).toList(), h.message());
        }
        if (out instanceof Submitter.Outcome.Sent x) return deliveryStatus(x);
        ObjectNode ds = Json.object();
        for (String rcpt : rcpts) {
            String reply = switch (out) {
                case Submitter.Outcome.RecipientsRefused x -> x.replies().getOrDefault(rcpt, "554 5.5.1 Error: no valid recipients");
                case Submitter.Outcome.SenderRefused x -> x.reply();
                case Submitter.Outcome.MessageRefused x -> x.reply();
                case Submitter.Outcome.Sent x -> "250 2.0.0 Ok";
            };
            ObjectNode d = ds.putObject(rcpt);
            d.put("smtpReply", reply);
            d.put("delivered", "no");
            d.put("displayed", "unknown");
        }
        return ds;
    }

    /** onSuccessUpdateEmail / onSuccessDestroyEmail (RFC 8621 7.5): an implicit Email/set after this call. */
    private void onSuccess(Call c, Map<String, String> createdEmails) {
        JsonNode upd = c.args().get("onSuccessUpdateEmail");
        JsonNode del = c.args().get("onSuccessDestroyEmail");
        if ((upd == null || upd.isNull()) && (del == null || del.isNull())) return;
        ObjectNode args = Json.object();
        args.put("accountId", c.args().path("accountId").asText());
        ObjectNode update = Json.object();
        if (upd != null && upd.isObject()) {
            for (Map.Entry<String, JsonNode> e : upd.properties()) {
                String key = e.getKey();
                String emailId = key.startsWith("#") ? createdEmails.get(key.substring(1)) : c.id(key);
                if (emailId != null) update.set(emailId, e.getValue());
            }
        }
        ArrayNode destroy = Json.array();
        if (del != null && del.isArray()) {
            for (JsonNode x : del) {
                String key = x.asText();
                String emailId = key.startsWith("#") ? createdEmails.get(key.substring(1)) : c.id(key);
                if (emailId != null) destroy.add(emailId);
            }
        }
        if (!update.isEmpty()) args.set("update", update);
        if (!destroy.isEmpty()) args.set("destroy", destroy);
        if (update.isEmpty() && destroy.isEmpty()) return;
        c.respondAlso("Email/set", write.emailSet(new Call("Email/set", args, "", c.accountId(), c.createdIds(), List.of())));
    }

    // ---- VacationResponse ----

    public ObjectNode vacationGet(Call c) {
        String account = MailRead.account(c);
        long state = store.lastChangePosition();
        ObjectNode v = vacation(c);
        Map<String, ObjectNode> all = new LinkedHashMap<>();
        all.put("singleton", v);
        return get(c, account, state, all);
    }

    private ObjectNode vacation(Call c) {
        ObjectNode stored = vacation.get(c.accountId(), "singleton");
        ObjectNode v = Json.object();
        v.put("id", "singleton");
        v.put("isEnabled", false);
        v.putNull("fromDate");
        v.putNull("toDate");
        v.putNull("subject");
        v.putNull("textBody");
        v.putNull("htmlBody");
        if (stored != null) {
            for (String p : List.of("isEnabled", "fromDate", "toDate", "subject", "textBody", "htmlBody")) if (stored.has(p)) v.set(p, stored.get(p));
        }
        return v;
    }

    public ObjectNode vacationSet(Call c) {
        String account = MailRead.account(c);
        long old = store.lastChangePosition();
        SetResult r = new SetResult();
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "create")) {
            r.notCreated(e.getKey(), SetResult.error("singleton", "there is one VacationResponse"));
        }
        for (Map.Entry<String, JsonNode> e : SetResult.entries(c.args(), "update")) {
            if (!e.getKey().equals("singleton")) {
                r.notUpdated(e.getKey(), SetResult.error("notFound", null));
                continue;
            }
            ObjectNode v = vacation(c);
            String bad = null;
            for (Map.Entry<String, JsonNode> p : e.getValue().properties()) {
                JsonNode x = p.getValue();
                switch (p.getKey()) {
                    case "isEnabled" -> {
                        if (!x.isBoolean()) bad = p.getKey();
                    }
                    case "fromDate", "toDate" -> {
                        if (!x.isNull()) {
                            try {
                                Instant.parse(x.asText());
                            } catch (RuntimeException ex) {
                                bad = p.getKey();
                            }
                        }
                    }
                    case "subject", "textBody", "htmlBody" -> {
                        if (!x.isNull() && !x.isTextual()) bad = p.getKey();
                    }
                    default -> bad = p.getKey();
                }
                if (bad == null) v.set(p.getKey(), x);
            }
            if (bad != null) {
                r.notUpdated("singleton", SetResult.error("invalidProperties", bad + " cannot be set so", bad));
                continue;
            }
            vacation.put(c.accountId(), "singleton", v, 0);
            r.updated("singleton", NullNode.getInstance());
        }
        for (String id : destroyIds(c)) r.notDestroyed(id, SetResult.error("singleton", "there is one VacationResponse"));
        return r.toJson(account, String.valueOf(old), String.valueOf(store.lastChangePosition()));
    }

    // ---- Quota (RFC 9425) ----

    public ObjectNode quotaGet(Call c) {
        String account = MailRead.account(c);
        long state = store.lastChangePosition();
        QuotaUsage u = store.quotaUsage(c.accountId());
        Map<String, ObjectNode> all = new LinkedHashMap<>();
        if (u.quotaBytes() > 0) all.put("qoctets", quota("qoctets", "octets", "account", u.usedBytes(), u.quotaBytes(), "storage"));
        if (u.maxMessages() > 0) all.put("qcount", quota("qcount", "count", "account", u.messageCount(), u.maxMessages(), "messages"));
        if (u.domainQuotaBytes() > 0) all.put("qdomain", quota("qdomain", "octets", "domain", u.domainUsedBytes(), u.domainQuotaBytes(), "domain storage"));
        if (u.domainMaxMessages() > 0) all.put("qdomaincount", quota("qdomaincount", "count", "domain", u.domainMessageCount(), u.domainMaxMessages(), "domain messages"));
        return get(c, account, state, all);
    }

    private static ObjectNode quota(String id, String type, String scope, long used, long limit, String name) {
        ObjectNode q = Json.object();
        q.put("id", id);
        q.put("resourceType", type);
        q.put("used", used);
        q.put("hardLimit", limit);
        q.put("scope", scope);
        q.put("name", name);
        q.set("types", Json.array(List.of("Mail")));
        q.putNull("warnLimit");
        q.putNull("softLimit");
        q.putNull("description");
        return q;
    }

    public ObjectNode quotaQuery(Call c) {
        String account = MailRead.account(c);
        ObjectNode got = quotaGet(new Call("Quota/get", accountArgs(c), "", c.accountId(), c.createdIds(), List.of()));
        ObjectNode r = Json.object();
        r.put("accountId", account);
        r.put("queryState", got.path("state").asText());
        r.put("canCalculateChanges", false);
        r.put("position", 0);
        ArrayNode ids = r.putArray("ids");
        got.path("list").forEach(q -> ids.add(q.path("id").asText()));
        return r;
    }

    /** Quota/changes: usage moves with every delivery, so every quota is reported as updated when anything changed. */
    public ObjectNode quotaChanges(Call c) {
        String account = MailRead.account(c);
        long since = MailRead.state(c, "sinceState");
        long now = store.lastChangePosition();
        if (since > now) throw MethodError.cannotCalculateChanges("unknown state " + since);
        ObjectNode got = quotaGet(new Call("Quota/get", accountArgs(c), "", c.accountId(), c.createdIds(), List.of()));
        ObjectNode r = Json.object();
        r.put("accountId", account);
        r.put("oldState", String.valueOf(since));
        r.put("newState", String.valueOf(now));
        r.put("hasMoreChanges", false);
        r.putArray("created");
        ArrayNode updated = r.putArray("updated");
        if (since < now) got.path("list").forEach(q -> updated.add(q.path("id").asText()));
        r.putArray("destroyed");
        return r;
    }

    private static ObjectNode accountArgs(Call c) {
        ObjectNode a = Json.object();
        a.put("accountId", c.args().path("accountId").asText());
        return a;
    }

    // ---- shared ----

    private static List<String> destroyIds(Call c) {
        List<String> d = Json.optStrings(c.args(), "destroy");
        return d == null ? List.of() : d.stream().map(c::id).toList();
    }

    private static ObjectNode get(Call c, String account, long state, Map<String, ObjectNode> all) {
        List<String> ids = Json.optStrings(c.args(), "ids");
        List<String> props = Json.optStrings(c.args(), "properties");
        ObjectNode r = Json.object();
        r.put("accountId", account);
        r.put("state", String.valueOf(state));
        ArrayNode list = r.putArray("list");
        ArrayNode notFound = r.putArray("notFound");
        if (ids == null) ids = new ArrayList<>(all.keySet());
        for (String id : ids) {
            ObjectNode o = all.get(c.id(id));
            if (o == null) {
                notFound.add(id);
                continue;
            }
            if (props == null) {
                list.add(o);
            } else {
                ObjectNode p = Json.object();
                p.put("id", o.path("id").asText());
                for (String name : props) if (o.has(name)) p.set(name, o.get(name));
                list.add(p);
            }
        }
        return r;
    }

    private static ObjectNode changes(String account, Call c, RecordObjects.Changes ch) {
        ObjectNode r = Json.object();
        r.put("accountId", account);
        r.put("oldState", c.args().path("sinceState").asText());
        r.put("newState", String.valueOf(ch.newState()));
        r.put("hasMoreChanges", false);
        r.set("created", Json.array(ch.created()));
        r.set("updated", Json.array(ch.updated()));
        r.set("destroyed", Json.array(ch.destroyed()));
        return r;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
