package org.twinmail.web.webmail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.twinmail.sieve.SieveException;
import org.twinmail.sieve.run.Action;
import org.twinmail.sieve.run.Environment;
import org.twinmail.sieve.run.Interpreter;
import org.twinmail.sieve.run.Limits;
import org.twinmail.sieve.run.MimeMessage;
import org.twinmail.sieve.run.Outcome;

/** The webmail's rules as Sieve: what is written, escaping (RFC 5228 2.4.2), reading back, refusals. */
class SieveRulesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    final Environment env = new Environment() {
        public Clock clock() {
            return Clock.systemUTC();
        }

        public boolean mailboxExists(String name) {
            return true;
        }

        public Optional<String> script(boolean global, String name) {
            return Optional.empty();
        }

        public boolean seenBefore(String key, Duration period, boolean last) {
            return false;
        }

        public Set<String> ownAddresses() {
            return Set.of("me@example.com");
        }
    };

    Outcome run(String script, String subject) throws SieveException {
        String message = "From: Alice <alice@example.org>\r\nTo: me@example.com\r\nSubject: " + subject
                + "\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhi\r\n--b--\r\n";
        Interpreter i = new Interpreter(env, Limits.DEFAULTS);
        return i.run(i.compile(script), MimeMessage.of(message.getBytes(StandardCharsets.UTF_8), "alice@example.org", "me@example.com"));
    }

    @Test
    void subjectContainsMovesToAFolder() throws Exception {
        List<SieveRules.Rule> rules = SieveRules.parse(json("[{'name':'Reports','conditions':[{'field':'subject','op':'contains','value':'report'}],"
                + "'actions':[{'type':'fileinto','value':'Work/Reports'}]}]"));
        String script = SieveRules.script(rules);
        assertThat(script).contains("require [\"fileinto\"];\n")
                .contains("# 1. Reports\nif header :contains \"subject\" \"report\" {\n    fileinto \"Work/Reports\";\n}\n");
        assertThat(run(script, "Monthly report").actions()).containsExactly(new Action.FileInto("Work/Reports", Set.of(), false));
        assertThat(run(script, "Hello").actions()).containsExactly(new Action.Keep(Set.of()));
    }

    @Test
    void quotesAndBackslashesAreEscapedAndMeanThemselves() throws Exception {
        // a value that would end the string, escape the quote, or look like a variable or an encoded character
        String tricky = "say \"hi\" \\ back\\\" ${x} ${hex:41};";
        String folder = "A \"quoted\" \\ folder";
        SieveRules.Rule rule = new SieveRules.Rule("r", true, List.of(new SieveRules.Condition("subject", null, "is", tricky)),
                List.of(new SieveRules.Action("fileinto", folder)));
        String script = SieveRules.script(List.of(rule));
        assertThat(SieveRules.quote(tricky)).isEqualTo("\"say \\\"hi\\\" \\\\ back\\\\\\\" ${x} ${hex:41};\"");
        assertThat(script).contains("header :is \"subject\" " + SieveRules.quote(tricky)).contains("fileinto " + SieveRules.quote(folder));
        // the engine reads them back as typed: the subject matches itself exactly, the folder is the folder
        assertThat(run(script, tricky).actions()).containsExactly(new Action.FileInto(folder, Set.of(), false));
        assertThat(run(script, "say \"hi\"").actions()).containsExactly(new Action.Keep(Set.of()));
        assertThat(SieveRules.read(script)).contains(List.of(rule));
    }

    @Test
    void everyConditionAndActionCompilesAndRuns() throws Exception {
        List<SieveRules.Rule> rules = SieveRules.parse(json("""
                [{'name':'all','match':'any','conditions':[
                   {'field':'from','op':'is','value':'alice@example.org'},{'field':'to','op':'matches','value':'*@example.com'},
                   {'field':'cc','op':'contains','value':'bob'},{'field':'header','header':'X-Spam','op':'contains','value':'yes'},
                   {'field':'size','op':'over','value':'100k'},{'field':'size','op':'under','value':'1M'},{'field':'attachment'}],
                  'actions':[{'type':'copyto','value':'Copies'},{'type':'seen'},{'type':'flag'},{'type':'redirectcopy','value':'x@example.net'},
                   {'type':'fileinto','value':'Archive'},{'type':'stop'}]},
                 {'name':'never','conditions':[{'field':'subject','op':'is','value':'zzz'}],'actions':[{'type':'reject','value':'Go away.\\nReally.'}]},
                 {'name':'drop','conditions':[{'field':'subject','op':'is','value':'yyy'}],'actions':[{'type':'redirect','value':'y@example.net'},{'type':'discard'}]}]
                """));
        String script = SieveRules.script(rules);
        assertThat(script).contains("require [\"copy\", \"fileinto\", \"imap4flags\", \"reject\"];")
                .contains("if anyof (address :all :is \"from\" \"alice@example.org\",")
                .contains("size :over 100K").contains("size :under 1M")
                // flags come before filing, stop last, whatever order they were given in
                .contains("    addflag \"\\\\Seen\";\n    addflag \"\\\\Flagged\";\n    fileinto \"Archive\";\n    fileinto :copy \"Copies\";\n"
                        + "    redirect :copy \"x@example.net\";\n    stop;\n");
        Outcome o = run(script, "hello");
        assertThat(o.error()).isEmpty();
        assertThat(o.actions()).contains(new Action.FileInto("Archive", Set.of("\\Seen", "\\Flagged"), false),
                new Action.FileInto("Copies", Set.of("\\Seen", "\\Flagged"), false), new Action.Redirect("x@example.net"));
        assertThat(SieveRules.read(script)).contains(rules);
        assertThat(SieveRules.read(script.replace("\n", "\r\n"))).contains(rules);
    }

    @Test
    void aScriptChangedByHandIsNotOurs() throws Exception {
        List<SieveRules.Rule> rules = SieveRules.parse(json("[{'conditions':[],'actions':[{'type':'seen'}]}]"));
        String script = SieveRules.script(rules);
        assertThat(rules.get(0).name()).isEqualTo("Rule 1");
        assertThat(SieveRules.read(script)).contains(rules);
        assertThat(SieveRules.read(script + "discard;\n")).isEmpty();
        assertThat(SieveRules.read(script.replace("\\\\Seen", "\\\\Deleted"))).isEmpty();
        assertThat(SieveRules.read("require \"fileinto\";\nfileinto \"x\";\n")).isEmpty();
        assertThat(SieveRules.read(script.replace("\"version\":1", "\"version\":2"))).isEmpty();
        assertThat(SieveRules.read(null)).isEmpty();
        // no rules at all is a script of ours too (it does nothing)
        assertThat(SieveRules.read(SieveRules.script(List.of()))).contains(List.of());
    }

    @Test
    void aNameCannotBreakOutOfItsComment() throws Exception {
        assertThatThrownBy(() -> SieveRules.parse(json("[{'name':'a\\nfileinto \\\"x\\\";','actions':[{'type':'stop'}]}]")))
                .hasMessageContaining("control character");
        assertThatThrownBy(() -> SieveRules.parse(json("[{'name':'a\\u2028b','actions':[{'type':'stop'}]}]"))).hasMessageContaining("one line");
    }

    @Test
    void badRulesAreRefusedBeforeAnythingIsWritten() {
        String[] bad = {
            "{}", "[{'actions':[]}]", "[{'actions':[{'type':'explode'}]}]",
            "[{'conditions':[{'field':'body','op':'contains','value':'x'}],'actions':[{'type':'stop'}]}]",
            "[{'conditions':[{'field':'subject','op':'regex','value':'x'}],'actions':[{'type':'stop'}]}]",
            "[{'conditions':[{'field':'subject','op':'is','value':''}],'actions':[{'type':'stop'}]}]",
            "[{'conditions':[{'field':'subject','op':'is','value':'a\\rb'}],'actions':[{'type':'stop'}]}]",
            "[{'conditions':[{'field':'size','op':'over','value':'10 T'}],'actions':[{'type':'stop'}]}]",
            "[{'conditions':[{'field':'header','header':'Sub:ject','op':'is','value':'x'}],'actions':[{'type':'stop'}]}]",
            "[{'actions':[{'type':'fileinto','value':''}]}]",
            "[{'actions':[{'type':'redirect','value':'not an address'}]}]",
            "[{'actions':[{'type':'reject','value':''}]}]",
            "[{'actions':[{'type':'reject','value':'no'},{'type':'fileinto','value':'X'}]}]",
            "[{'actions':[{'type':'stop'},{'type':'stop'}]}]",
            "[{'match':'some','actions':[{'type':'stop'}]}]",
        };
        for (String b : bad) assertThatThrownBy(() -> SieveRules.parse(json(b))).as(b).isInstanceOf(IllegalArgumentException.class);
    }
}
