package org.twinmail.web.webmail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.twinmail.filter.sieve.SieveScripts;
import org.twinmail.jmap.sieve.SieveScriptMethods;

/**
 * The settings page's filter rules, {@code /mail/api/settings/rules}: the rules are written as
 * the Sieve script {@value SieveRules#SCRIPT_NAME} ({@link SieveRules}) through JMAP for Sieve
 * Scripts' checks ({@link SieveScriptMethods#store}), so ManageSieve, JMAP and delivery see the
 * same script.
 * <ul>
 *   <li>{@code GET}: {@code {rules, active, handWritten, handWrittenName}}: the rules read back from the
 *       script (none when there is no script of ours), the active script's name (or null), and the
 *       script saving would replace that the page did not write (by hand, over ManageSieve or JMAP):
 *       the active one, or a {@value SieveRules#SCRIPT_NAME} changed by hand;</li>
 *   <li>{@code POST {rules, replace}}: writes the rules and makes their script the active one.
 *       When such a script is there, nothing is written (409) unless {@code replace}
 *       is true: the page has told the user and they chose to replace it (the hand-written script
 *       is kept, inactive, unless it is the one named {@value SieveRules#SCRIPT_NAME}).</li>
 * </ul>
 */
final class RulesSettings {
    static final String PATH = "settings/rules";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A parsed request: show, or save these rules (replacing a hand-written active script only when told). */
    record Request(List<SieveRules.Rule> save, boolean replace) {
        boolean show() {
            return save == null;
        }
    }

    private RulesSettings() {
    }

    static Request parse(String method, byte[] body) throws SelfService.BadRequest {
        if (method.equals("GET")) return new Request(null, false);
        if (!method.equals("POST")) throw new SelfService.BadRequest(405, "GET or POST");
        JsonNode b;
        try {
            b = JSON.readTree(body);
        } catch (IOException e) {
            throw new SelfService.BadRequest(400, "the body is a JSON object");
        }
        if (b == null || !b.isObject()) throw new SelfService.BadRequest(400, "the body is a JSON object");
        try {
            return new Request(SieveRules.parse(b.get("rules")), b.path("replace").asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new SelfService.BadRequest(400, e.getMessage());
        }
    }

    static ObjectNode execute(Request r, long accountId, SieveScriptMethods sieve) throws SelfService.BadRequest {
        SieveScripts scripts = sieve.scripts();
        if (!r.show()) {
            Optional<String> hand = handWritten(scripts, accountId);
            if (hand.isPresent() && !r.replace()) {
                throw new SelfService.BadRequest(409, "the Sieve script " + hand.get() + " was written by hand; saving replaces it");
            }
            Optional<String> refused = sieve.store(accountId, SieveRules.SCRIPT_NAME, SieveRules.script(r.save()), true);
            if (refused.isPresent()) throw new SelfService.BadRequest(400, refused.get());
        }
        return show(scripts, accountId);
    }

    /**
     * The name of a script saving would replace without the user knowing: the active script when
     * the rules editor did not write it, else {@value SieveRules#SCRIPT_NAME} when it was changed by hand.
     */
    private static Optional<String> handWritten(SieveScripts scripts, long accountId) {
        Optional<String> active = scripts.active(accountId)
                .filter(s -> !s.name().equals(SieveRules.SCRIPT_NAME) || SieveRules.read(s.text()).isEmpty()).map(SieveScripts.Script::name);
        if (active.isPresent()) return active;
        return scripts.text(accountId, SieveRules.SCRIPT_NAME).filter(t -> SieveRules.read(t).isEmpty()).map(t -> SieveRules.SCRIPT_NAME);
    }

    private static ObjectNode show(SieveScripts scripts, long accountId) {
        ObjectNode o = JSON.createObjectNode();
        List<SieveRules.Rule> rules = scripts.text(accountId, SieveRules.SCRIPT_NAME).flatMap(SieveRules::read).orElse(List.of());
        o.set("rules", SieveRules.json(rules));
        Optional<String> active = scripts.activeName(accountId);
        if (active.isPresent()) o.put("active", active.get());
        else o.putNull("active");
        Optional<String> hand = handWritten(scripts, accountId);
        o.put("handWritten", hand.isPresent());
        if (hand.isPresent()) o.put("handWrittenName", hand.get());
        else o.putNull("handWrittenName");
        o.put("scriptName", SieveRules.SCRIPT_NAME);
        return o;
    }
}
