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
 *   <li>{@code GET}: {@code {rules, active, handWritten}}: the rules read back from the script (none
 *       when there is no script of ours), the active script's name (or null), and whether the
 *       active script is one the page did not write (by hand, over ManageSieve or JMAP);</li>
 *   <li>{@code POST {rules, replace}}: writes the rules and makes their script the active one.
 *       When the active script was written by hand, nothing is written (409) unless {@code replace}
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
            if (handWritten(scripts, accountId).isPresent() && !r.replace()) {
                throw new SelfService.BadRequest(409, "the active Sieve script " + scripts.activeName(accountId).orElse("")
                        + " was written by hand; saving replaces it as the active script");
            }
            Optional<String> refused = sieve.store(accountId, SieveRules.SCRIPT_NAME, SieveRules.script(r.save()), true);
            if (refused.isPresent()) throw new SelfService.BadRequest(400, refused.get());
        }
        return show(scripts, accountId);
    }

    /** The active script's name when it is not one the rules editor wrote. */
    private static Optional<String> handWritten(SieveScripts scripts, long accountId) {
        return scripts.active(accountId).filter(s -> !s.name().equals(SieveRules.SCRIPT_NAME) || SieveRules.read(s.text()).isEmpty())
                .map(SieveScripts.Script::name);
    }

    private static ObjectNode show(SieveScripts scripts, long accountId) {
        ObjectNode o = JSON.createObjectNode();
        List<SieveRules.Rule> rules = scripts.text(accountId, SieveRules.SCRIPT_NAME).flatMap(SieveRules::read).orElse(List.of());
        o.set("rules", SieveRules.json(rules));
        Optional<String> active = scripts.activeName(accountId);
        if (active.isPresent()) o.put("active", active.get());
        else o.putNull("active");
        o.put("handWritten", handWritten(scripts, accountId).isPresent());
        o.put("scriptName", SieveRules.SCRIPT_NAME);
        return o;
    }
}
