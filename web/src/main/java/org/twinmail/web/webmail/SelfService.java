package org.twinmail.web.webmail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations;
import org.twinmail.admin.AdminOperations.ForwardingInfo;
import org.twinmail.admin.AdminOperations.RuleInfo;
import org.twinmail.admin.AdminOperations.SmsChange;
import org.twinmail.admin.AdminOperations.SmsInfo;
import org.twinmail.jmap.auth.JmapAuth;
import org.twinmail.jmap.auth.Principal;

/**
 * The user's own settings behind the webmail's settings page, {@code /mail/api/settings...},
 * each one the admin operation an administrator would call, always on the session's own
 * address (what JMAP already covers, the vacation reply, identities and quota, the page does
 * over JMAP):
 * <ul>
 *   <li>{@code GET settings}: forwarding, the user's sender rules, SMS settings (null when the
 *       node does not manage them), the user's spam level ({@code spamLevel}: off, lenient, normal,
 *       strict or a score; false where the node does not manage it), and app passwords;</li>
 *   <li>{@code POST settings/password} {@code {current, password}}: the current password checked
 *       as a login is (through the AuthGuard: failures counted and slowed, clients banned), then
 *       {@link AdminOperations#updateUser}; every other session and JMAP token of the account ends;</li>
 *   <li>{@code POST settings/forwarding} {@code {to: [...], keepCopy}} (empty {@code to}: none);</li>
 *   <li>{@code POST settings/spam-level} {@code {level}}: off, lenient, normal, strict, or a score from
 *       0 to 100 (a string or a number): the content score's Junk and tag thresholds for the user;</li>
 *   <li>{@code POST settings/senders} {@code {pattern, action}} (accept, junk or reject, scoped to
 *       the user's address), {@code POST settings/senders/remove} {@code {pattern}};</li>
 *   <li>{@code POST settings/sms} {@code {phone, enabled, trigger, quietHours, language}} (absent
 *       fields unchanged), {@code settings/sms/verify} {@code {code}}, {@code settings/sms/resend};</li>
 *   <li>{@code POST settings/app-passwords} {@code {name}}: a new app password, in the answer's
 *       {@code created: {name, password}} this once (the settings' {@code appPasswords} list names and
 *       dates only); {@code POST settings/app-passwords/remove} {@code {name}} revokes one.</li>
 * </ul>
 * The request body is read and checked here ({@link #parse}) before anything runs.
 */
final class SelfService {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a user may do with a sender: allow (no spam check), file into Junk, refuse. Quarantine and tag stay the administrator's. */
    static final Set<String> SENDER_ACTIONS = Set.of("accept", "junk", "reject");
    static final String RULE_COMMENT = "set by the user in the webmail";

    /** A parsed request: which setting and its arguments. */
    sealed interface Request {
        record Show() implements Request { }

        record Password(char[] current, char[] next) implements Request { }

        record Forwarding(List<String> to, boolean keepCopy) implements Request { }

        record AddSender(String pattern, String action) implements Request { }

        record RemoveSender(String pattern) implements Request { }

        record SpamLevel(String level) implements Request { }

        record Sms(SmsChange change) implements Request { }

        record SmsVerify(String code) implements Request { }

        record SmsResend() implements Request { }

        record AddAppPassword(String name) implements Request { }

        record RemoveAppPassword(String name) implements Request { }
    }

    /** The request's own error: 4xx with a message for the page. */
    static final class BadRequest extends Exception {
        final int status;

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private SelfService() {
    }

    /** Reads {@code path} (after {@code api/}), the method and the JSON body into a request. */
    static Request parse(String path, String method, byte[] body) throws BadRequest {
        if (path.equals("settings")) {
            if (!method.equals("GET")) throw new BadRequest(405, "GET only");
            return new Request.Show();
        }
        if (!method.equals("POST")) throw new BadRequest(405, "POST only");
        JsonNode b;
        try {
            b = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            throw new BadRequest(400, "the body is a JSON object");
        }
        if (b == null || !b.isObject()) throw new BadRequest(400, "the body is a JSON object");
        return switch (path) {
            case "settings/password" -> new Request.Password(text(b, "current").toCharArray(), text(b, "password").toCharArray());
            case "settings/forwarding" -> {
                List<String> to = new ArrayList<>();
                for (JsonNode x : b.path("to")) {
                    if (!x.isTextual()) throw new BadRequest(400, "to is a list of addresses");
                    if (!x.asText().isBlank()) to.add(x.asText().strip());
                }
                yield new Request.Forwarding(to, b.path("keepCopy").asBoolean(true));
            }
            case "settings/senders" -> {
                String action = text(b, "action").toLowerCase(Locale.ROOT);
                if (!SENDER_ACTIONS.contains(action)) throw new BadRequest(400, "action is accept, junk or reject");
                yield new Request.AddSender(text(b, "pattern").strip(), action);
            }
            case "settings/senders/remove" -> new Request.RemoveSender(text(b, "pattern").strip());
            case "settings/spam-level" -> {
                JsonNode level = b.path("level");
                if (level.isNumber()) yield new Request.SpamLevel(level.decimalValue().toPlainString());
                yield new Request.SpamLevel(text(b, "level").strip());
            }
            case "settings/sms" -> new Request.Sms(new SmsChange(optional(b, "phone"), b.path("enabled").isBoolean() ? b.get("enabled").asBoolean() : null,
                    optional(b, "trigger"), null, null, optional(b, "quietHours"), null, null, optional(b, "language")));
            case "settings/sms/verify" -> new Request.SmsVerify(text(b, "code").strip());
            case "settings/sms/resend" -> new Request.SmsResend();
            case "settings/app-passwords" -> new Request.AddAppPassword(text(b, "name").strip());
            case "settings/app-passwords/remove" -> new Request.RemoveAppPassword(text(b, "name").strip());
            default -> throw new BadRequest(404, "no such setting");
        };
    }

    private static String text(JsonNode b, String field) throws BadRequest {
        JsonNode v = b.path(field);
        if (!v.isTextual()) throw new BadRequest(400, field + " is required");
        return v.asText();
    }

    private static String optional(JsonNode b, String field) throws BadRequest {
        JsonNode v = b.path(field);
        if (v.isMissingNode() || v.isNull()) return null;
        if (!v.isTextual()) throw new BadRequest(400, field + " is a string");
        return v.asText().strip();
    }

    /** What runs a password check for the password change: JMAP's login check, AuthGuard included. */
    interface PasswordCheck {
        void check(String address, char[] password) throws JmapAuth.Refused;
    }

    /** What a password change does to the account's other sessions and tokens. */
    interface SignOutOthers {
        void run();
    }

    /**
     * Runs {@code r} for {@code p}'s own address; the answer's body (the settings as they are
     * now, or a small result). AdminExceptions pass to the caller, which maps their kind.
     */
    static ObjectNode execute(Request r, Principal p, AdminOperations admin, PasswordCheck passwords, SignOutOthers signOut)
            throws BadRequest, JmapAuth.Refused {
        String me = p.username();
        switch (r) {
            case Request.Show s -> {
                return show(me, admin);
            }
            case Request.Password pw -> {
                try {
                    if (pw.next().length == 0) throw new BadRequest(400, "the new password is empty");
                    if (Arrays.equals(pw.current(), pw.next())) throw new BadRequest(400, "the new password is the current one");
                    try {
                        passwords.check(me, pw.current());
                    } catch (JmapAuth.Refused e) {
                        if (e.status() == 401) throw new BadRequest(403, "the current password is wrong");
                        throw e;
                    }
                    admin.updateUser(me, pw.next(), null, null, null);
                } finally {
                    Arrays.fill(pw.current(), '\0');
                    Arrays.fill(pw.next(), '\0');
                }
                signOut.run();
                ObjectNode o = JSON.createObjectNode();
                o.put("changed", true);
                return o;
            }
            case Request.Forwarding f -> {
                if (f.to().isEmpty()) admin.removeForwarding(me);
                else admin.setForwarding(me, f.to(), f.keepCopy());
                return show(me, admin);
            }
            case Request.AddSender a -> {
                admin.addSenderRule(a.pattern(), a.action(), me, RULE_COMMENT, null);
                return show(me, admin);
            }
            case Request.RemoveSender rm -> {
                admin.removeSenderRule(rm.pattern(), me);
                return show(me, admin);
            }
            case Request.SpamLevel l -> {
                admin.setSpamLevel(me, l.level());
                return show(me, admin);
            }
            case Request.Sms s -> {
                admin.setSms(me, s.change());
                return show(me, admin);
            }
            case Request.SmsVerify v -> {
                admin.verifySms(me, v.code());
                return show(me, admin);
            }
            case Request.SmsResend x -> {
                admin.resendSmsCode(me);
                return show(me, admin);
            }
            case Request.AddAppPassword a -> {
                AdminOperations.AppPasswordCreated c = admin.addAppPassword(me, a.name());
                ObjectNode o = show(me, admin);
                ObjectNode created = o.putObject("created");
                created.put("name", c.name());
                created.put("password", c.password());
                return o;
            }
            case Request.RemoveAppPassword rm -> {
                admin.removeAppPassword(me, rm.name());
                return show(me, admin);
            }
        }
    }

    static ObjectNode show(String me, AdminOperations admin) {
        ObjectNode o = JSON.createObjectNode();
        o.put("address", me);
        ForwardingInfo f = admin.forwarding(me);
        ObjectNode fwd = o.putObject("forwarding");
        ArrayNode to = fwd.putArray("to");
        f.to().forEach(to::add);
        fwd.put("keepCopy", f.keepCopy());
        ArrayNode senders = o.putArray("senders");
        for (RuleInfo rule : admin.listRules()) {
            if (!rule.type().equals("sender") || !rule.scope().equalsIgnoreCase(me) || rule.expired()) continue;
            ObjectNode s = senders.addObject();
            s.put("pattern", rule.match());
            s.put("action", rule.action());
        }
        try {
            SmsInfo sms = admin.smsSettings(me);
            ObjectNode s = o.putObject("sms");
            s.put("phone", sms.phone() == null ? "" : sms.phone());
            s.put("verified", sms.verified());
            s.put("codePending", sms.codePending());
            s.put("enabled", sms.enabled());
            s.put("trigger", sms.trigger());
            s.put("quietHours", sms.quietHours() == null ? "" : sms.quietHours());
            s.put("language", sms.language());
        } catch (AdminException e) {
            if (e.kind() != AdminException.Kind.UNAVAILABLE) throw e;
            o.putNull("sms");
        }
        try {
            ArrayNode apps = o.putArray("appPasswords");
            for (AdminOperations.AppPasswordInfo a : admin.appPasswords(me)) apps.addObject().put("name", a.name()).put("created", a.created());
        } catch (AdminException e) {
            if (e.kind() != AdminException.Kind.UNAVAILABLE) throw e;
            o.put("appPasswords", false);
        }
        try {
            o.put("spamLevel", admin.spamLevel(me).level());
        } catch (AdminException e) {
            if (e.kind() != AdminException.Kind.UNAVAILABLE) throw e;
            o.put("spamLevel", false); // the page then says the level is the server's
        }
        return o;
    }

    /** The HTTP status of an admin operation's refusal. */
    static int status(AdminException e) {
        return switch (e.kind()) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case FORBIDDEN -> 403;
            case UNAVAILABLE -> 503;
        };
    }
}
