package org.twinmail.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.jmap.core.Call;
import org.twinmail.jmap.core.Json;
import org.twinmail.jmap.core.MethodError;
import org.twinmail.jmap.core.SetResult;
import org.twinmail.jmap.submission.Submitter;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.address.Mailbox;
import org.twinmail.mail.header.EncodedWords;
import org.twinmail.mail.header.Header;
import org.twinmail.store.FlagChange;
import org.twinmail.store.MailStore;
import org.twinmail.core.model.MessageEntry;

/**
 * MDN/send and MDN/parse (RFC 9007). MDN/send writes the report ({@link MdnReport}) from the
 * identity to the original's {@code Disposition-Notification-To} and sends it through
 * {@link Submitter#submitNotification} with the null reverse-path (RFC 8098 2.1), so it takes
 * the submission checks, local delivery and the outbound queue (DKIM-signed by the relay) of
 * any other message. The Email then gets {@code $mdnsent} (RFC 3503), and an Email that has it
 * is refused with {@code mdnAlreadySent}: one MDN per message, whichever client asks.
 */
public final class Mdns {
    static final String MDN_SENT = "$mdnsent";

    private final MailStore store;
    private final Views views;
    private final MessageCache cache;
    private final Blobs blobs;
    private final MailWrite write;
    private final AccountObjects objects;
    private final Submitter submitter;
    private final int maxObjectsInSet;
    private final String hostname;

    public Mdns(MailStore store, Views views, MessageCache cache, Blobs blobs, MailWrite write, AccountObjects objects, Submitter submitter,
                int maxObjectsInSet, String hostname) {
        this.store = store;
        this.views = views;
        this.cache = cache;
        this.blobs = blobs;
        this.write = write;
        this.objects = objects;
        this.submitter = submitter;
        this.maxObjectsInSet = maxObjectsInSet;
        this.hostname = hostname;
    }

    public ObjectNode send(Call c, InetAddress client) {
        String account = MailRead.account(c);
        JsonNode send = c.args().get("send");
        if (send == null || !send.isObject()) throw MethodError.invalidArguments("send is a map of MDN objects");
        if (send.size() > maxObjectsInSet) throw MethodError.requestTooLarge("at most " + maxObjectsInSet + " MDNs in one MDN/send");
        ObjectNode identity = objects.identities(c).get(c.id(Json.string(c.args(), "identityId")));
        if (identity == null) throw MethodError.invalidArguments("no such identity " + c.args().path("identityId").asText());
        Account acc = store.findAccount(c.accountId()).orElseThrow(MethodError::accountNotFound);
        String from = identity.path("name").asText("").isBlank() ? identity.path("email").asText()
                : quotedName(identity.path("name").asText()) + " <" + identity.path("email").asText() + ">";
        ObjectNode sent = Json.object();
        ObjectNode notSent = Json.object();
        Map<String, String> emailsByCreation = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : send.properties()) {
            MdnReport.Request r;
            try {
                r = MdnReport.check(e.getValue());
            } catch (MdnReport.Invalid x) {
                notSent.set(e.getKey(), SetResult.error("invalidProperties", x.getMessage(), x.property));
                continue;
            }
            String emailId = c.id(r.forEmailId());
            AccountView.Email email = views.view(c.accountId()).email(emailId);
            if (email == null) {
                notSent.set(e.getKey(), SetResult.error("notFound", "no such email " + r.forEmailId(), "forEmailId"));
                continue;
            }
            if (Keywords.has(email.flags(), MDN_SENT)) {
                notSent.set(e.getKey(), SetResult.error("mdnAlreadySent", "the Email has $mdnsent"));
                continue;
            }
            byte[] original = cache.bytes(email.sha());
            Header header = Header.parse(original);
            List<EmailAddress> to = new ArrayList<>();
            List<String> toField = new ArrayList<>();
            try {
                header.first("Disposition-Notification-To").ifPresent(f -> {
                    for (Mailbox m : AddressParser.parse(f.value()).mailboxes()) {
                        EmailAddress a = EmailAddress.parse(m.address());
                        if (!to.contains(a)) {
                            to.add(a);
                            toField.add("<" + a + ">");
                        }
                    }
                });
            } catch (RuntimeException bad) {
                to.clear();
            }
            if (to.isEmpty()) {
                notSent.set(e.getKey(), SetResult.error("invalidProperties", "the Email asks for no MDN (no valid Disposition-Notification-To)",
                        "forEmailId"));
                continue;
            }
            MdnReport.Written w = MdnReport.write(r, original, header, from, toField, identity.path("email").asText(), hostname);
            Submitter.Outcome out = submitter.submitNotification(new AuthenticatedUser(acc.id(), acc.address().toString()), client, to, w.message());
            switch (out) {
                case Submitter.Outcome.SenderRefused x -> notSent.set(e.getKey(),
                        SetResult.error(x.reason().equals("rate_limit") ? "rateLimit" : "forbiddenFrom", x.reply()));
                case Submitter.Outcome.RecipientsRefused x -> {
                    ObjectNode err = SetResult.error("invalidRecipients", String.join("; ", x.replies().values()));
                    err.set("invalidRecipients", Json.array(new ArrayList<>(x.replies().keySet())));
                    notSent.set(e.getKey(), err);
                }
                case Submitter.Outcome.MessageRefused x -> notSent.set(e.getKey(), SetResult.error(switch (x.reason()) {
                    case "sender_mismatch" -> "forbiddenFrom";
                    case "too_big" -> "tooLarge";
                    case "quota" -> "overQuota";
                    case "rate_limit" -> "rateLimit";
                    default -> "forbiddenToSend";
                }, x.reply()));
                case Submitter.Outcome.Sent x -> {
                    for (MessageEntry m : email.entries()) {
                        store.storeFlags(m.mailboxId(), List.of(m.uid()), FlagChange.ADD, java.util.Set.of(Keywords.flag(MDN_SENT)), -1);
                    }
                    sent.set(e.getKey(), w.serverSet());
                    emailsByCreation.put(e.getKey(), emailId);
                }
            }
        }
        ObjectNode result = Json.object();
        result.put("accountId", account);
        result.set("sent", sent.isEmpty() ? null : sent);
        result.set("notSent", notSent.isEmpty() ? null : notSent);
        onSuccessUpdateEmail(c, emailsByCreation);
        return result;
    }

    /** RFC 9007 2.1: keys are {@code #creationId} of a sent MDN (its forEmailId) or Email ids; an implicit Email/set. */
    private void onSuccessUpdateEmail(Call c, Map<String, String> emailsByCreation) {
        JsonNode upd = c.args().get("onSuccessUpdateEmail");
        if (upd == null || !upd.isObject() || upd.isEmpty()) return;
        ObjectNode update = Json.object();
        for (Map.Entry<String, JsonNode> e : upd.properties()) {
            String key = e.getKey();
            String emailId = key.startsWith("#") ? emailsByCreation.get(key.substring(1)) : c.id(key);
            if (emailId != null) update.set(emailId, e.getValue());
        }
        if (update.isEmpty()) return;
        ObjectNode args = Json.object();
        args.put("accountId", c.args().path("accountId").asText());
        args.set("update", update);
        c.respondAlso("Email/set", write.emailSet(new Call("Email/set", args, "", c.accountId(), c.createdIds(), List.of())));
    }

    public ObjectNode parse(Call c) {
        String account = MailRead.account(c);
        List<String> ids = Json.optStrings(c.args(), "blobIds");
        if (ids == null) throw MethodError.invalidArguments("blobIds is required");
        if (ids.size() > maxObjectsInSet) throw MethodError.requestTooLarge("at most " + maxObjectsInSet + " blobs in one MDN/parse");
        ObjectNode parsed = Json.object();
        List<String> notParsable = new ArrayList<>();
        List<String> notFound = new ArrayList<>();
        for (String id : ids) {
            byte[] data = blobs.download(c.accountId(), c.id(id));
            if (data == null) {
                notFound.add(id);
                continue;
            }
            ObjectNode mdn;
            try {
                mdn = MdnReport.parse(data);
            } catch (RuntimeException e) {
                mdn = null;
            }
            if (mdn == null) {
                notParsable.add(id);
                continue;
            }
            String original = mdn.path("originalMessageId").asText(null);
            if (original != null) {
                String bare = original.replaceAll("^\\s*<|>\\s*$", "");
                for (AccountView.Email e : views.view(c.accountId()).emails()) {
                    if (cache.summary(e.sha()).messageId().contains(bare)) {
                        mdn.put("forEmailId", e.id());
                        break;
                    }
                }
            }
            parsed.set(id, mdn);
        }
        return MailWrite.parseResponse(account, parsed, notParsable, notFound);
    }

    private static String quotedName(String name) {
        name = name.replaceAll("[\\r\\n\\x00]+", " ");
        if (name.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f)) return "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        return EncodedWords.encode(name);
    }
}
