package org.twinmail.sieve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.twinmail.sieve.run.Action;
import org.twinmail.sieve.run.Environment;
import org.twinmail.sieve.run.Interpreter;
import org.twinmail.sieve.run.Limits;
import org.twinmail.sieve.run.MimeMessage;
import org.twinmail.sieve.run.Outcome;
import org.twinmail.sieve.run.SieveMessage;

/** The RFCs' examples and each extension's rules, run on messages parsed by the mail library. */
class SieveTest {
    final Map<String, String> scripts = new HashMap<>();
    final Set<String> mailboxes = new HashSet<>(Set.of("INBOX", "Lists"));
    final Map<String, Instant> seen = new HashMap<>();
    Clock clock = Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);
    Limits limits = Limits.DEFAULTS;

    final Environment env = new Environment() {
        @Override
        public Clock clock() {
            return clock;
        }

        @Override
        public boolean mailboxExists(String name) {
            return mailboxes.contains(name);
        }

        @Override
        public Optional<String> script(boolean global, String name) {
            return Optional.ofNullable(scripts.get((global ? "global/" : "") + name));
        }

        @Override
        public boolean seenBefore(String key, Duration period, boolean last) {
            Instant at = seen.get(key);
            boolean was = at != null && at.plus(period).isAfter(clock.instant());
            if (!was || last) seen.put(key, clock.instant());
            return was;
        }

        @Override
        public Set<String> ownAddresses() {
            return Set.of("me@example.com");
        }
    };

    static final String MESSAGE = """
            Received: from a by b; Mon, 7 Dec 2026 09:00:00 +0000\r
            Date: Mon, 7 Dec 2026 11:30:00 +0100\r
            From: Alice <alice@example.org>\r
            To: me@example.com, Other <other@example.net>\r
            Subject: =?UTF-8?B?5L2g5aW9?= make money fast\r
            Message-ID: <m1@example.org>\r
            X-Spam-Score: 12\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            This is the secret plan.\r
            """;

    Outcome run(String script, String message) throws SieveException {
        return run(script, message, "alice@example.org", "me+lists@example.com");
    }

    Outcome run(String script, String message, String from, String to) throws SieveException {
        Interpreter i = new Interpreter(env, limits);
        SieveMessage m = MimeMessage.of(message.getBytes(StandardCharsets.UTF_8), from, to);
        return i.run(i.compile(script), m);
    }

    static Action.FileInto into(String mailbox, String... flags) {
        return new Action.FileInto(mailbox, Set.of(flags), false);
    }

    static Action.Keep keep(String... flags) {
        return new Action.Keep(Set.of(flags));
    }

    @Test
    void rfc5228ExampleScript() throws SieveException {
        String script = """
                # Example Sieve Filter
                require ["fileinto"];
                if header :is "Sender" "owner-ietf-mta-filters@imc.org"
                        {
                        fileinto "filter";  # move to "filter" mailbox
                        }
                elsif address :DOMAIN :is ["From", "To"] "example.com"
                        {
                        keep;               # keep in "In" mailbox
                        }
                elsif anyof (NOT address :all :contains
                               ["To", "Cc", "Bcc"] "me@example.com",
                             header :matches "subject"
                               ["*make*money*fast*", "*university*dipl*mas*"])
                        {
                        fileinto "spam";   # move to "spam" mailbox
                        }
                else
                        {
                        fileinto "personal";
                        }
                """;
        assertThat(run(script, MESSAGE).actions()).as("To has example.com").containsExactly(keep());
        String spam = MESSAGE.replace("To: me@example.com, Other", "To: you@example.net, Other");
        assertThat(run(script, spam).actions()).containsExactly(into("spam"));
        String personal = spam.replace("make money fast", "lunch").replace("you@example.net", "me@example.com");
        assertThat(run(script, personal.replace("me@example.com,", "me@Example.COM,").replace("To:", "Cc:")).actions())
                .as("me@Example.COM in Cc (casemap): not spam, and no example.com in From or To").containsExactly(into("personal"));
        assertThat(run(script, MESSAGE.replace("X-Spam", "Sender: owner-ietf-mta-filters@imc.org\r\nX-Spam")).actions())
                .containsExactly(into("filter"));
    }

    Outcome sequence(List<String> before, String personal, List<String> after, String message) throws SieveException {
        Interpreter i = new Interpreter(env, limits);
        SieveMessage m = MimeMessage.of(message.getBytes(StandardCharsets.UTF_8), "alice@example.org", "me@example.com");
        List<Interpreter.Step> b = new java.util.ArrayList<>();
        for (int k = 0; k < before.size(); k++) b.add(new Interpreter.Step("before:" + k, i.compile(before.get(k))));
        List<Interpreter.Step> a = new java.util.ArrayList<>();
        for (int k = 0; k < after.size(); k++) a.add(new Interpreter.Step("after:" + k, i.compile(after.get(k))));
        return i.run(b, personal == null ? null : new Interpreter.Step(Interpreter.Step.PERSONAL, i.compile(personal)), a, m);
    }

    @Test
    void globalBeforeAndAfterScriptsAroundTheUsers() throws SieveException {
        String junk = "require \"fileinto\"; if header :contains \"X-Spam-Score\" \"12\" { fileinto \"Junk\"; }";
        String junkStop = "require \"fileinto\"; if header :contains \"X-Spam-Score\" \"12\" { fileinto \"Junk\"; stop; }";
        String lists = "require \"fileinto\"; if header :contains \"Subject\" \"money\" { fileinto \"Lists\"; }";
        String archive = "require [\"fileinto\", \"copy\"]; fileinto :copy \"Archive\";";
        // a before script's fileinto does not end the sequence: the user's script runs too
        assertThat(sequence(List.of(junk), lists, List.of(), MESSAGE).actions()).containsExactly(into("Junk"), into("Lists"));
        // its stop does: nothing after it runs
        assertThat(sequence(List.of(junkStop), lists, List.of(archive), MESSAGE).actions()).containsExactly(into("Junk"));
        // after runs only when the message is still kept
        assertThat(sequence(List.of(), "keep;", List.of(archive), MESSAGE).actions()).containsExactly(keep(), into("Archive"));
        assertThat(sequence(List.of(), "", List.of(archive), MESSAGE).actions()).containsExactly(into("Archive"), keep());
        assertThat(sequence(List.of(), null, List.of(archive), MESSAGE).actions()).as("no user script").containsExactly(into("Archive"), keep());
        assertThat(sequence(List.of(), lists, List.of(archive), MESSAGE).actions()).containsExactly(into("Lists"));
        assertThat(sequence(List.of(), "discard;", List.of(archive), MESSAGE).actions()).isEmpty();
        // the user's stop ends the user's script only
        assertThat(sequence(List.of(), "stop; discard;", List.of(archive), MESSAGE).actions()).containsExactly(into("Archive"), keep());
        // each script its own variables; editheader's changes are seen by the next script
        Outcome o = sequence(List.of("require [\"variables\", \"editheader\"]; set \"x\" \"1\"; addheader \"X-Checked\" \"yes\";"),
                "require [\"variables\", \"fileinto\"]; if string :is \"${x}\" \"\" { if header :is \"X-Checked\" \"yes\" { fileinto \"Lists\"; } }",
                List.of(), MESSAGE);
        assertThat(o.actions()).first().isEqualTo(into("Lists"));
        // a failing script: the implicit keep only, and which script failed
        Outcome failed = sequence(List.of("require \"fileinto\"; fileinto \"Junk\";"), "require \"include\"; include \"missing\";",
                List.of(), MESSAGE);
        assertThat(failed.actions()).containsExactly(keep());
        assertThat(failed.failedIn()).contains(Interpreter.Step.PERSONAL);
        assertThat(sequence(List.of("require \"include\"; include \"nope\";"), "discard;", List.of(), MESSAGE).failedIn()).contains("before:0");
    }

    @Test
    void implicitKeepAndItsCancellation() throws SieveException {
        assertThat(run("", MESSAGE).actions()).containsExactly(keep());
        assertThat(run("discard;", MESSAGE).actions()).isEmpty();
        assertThat(run("require \"fileinto\"; fileinto \"Lists\"; fileinto \"Lists\";", MESSAGE).actions())
                .as("filed once, implicit keep cancelled").containsExactly(into("Lists"));
        assertThat(run("require [\"fileinto\", \"copy\"]; fileinto :copy \"Lists\";", MESSAGE).actions())
                .containsExactly(into("Lists"), keep());
        assertThat(run("redirect \"bob@example.net\"; stop; keep;", MESSAGE).actions())
                .containsExactly(new Action.Redirect("bob@example.net"));
    }

    @Test
    void variablesAndMatchCaptures() throws SieveException {
        String script = """
                require ["variables", "fileinto"];
                if header :matches "List-ID" "*<*@*" {
                    fileinto "INBOX.lists.${2}"; stop;
                }
                set :upper "shout" "quiet";
                set :length "n" "${shout}";
                if string :is "${shout}-${n}" "QUIET-5" { fileinto "${unknown}ok"; }
                """;
        assertThat(run(script, MESSAGE.replace("X-Spam", "List-ID: Example list <sieve@example.org>\r\nX-Spam")).actions())
                .containsExactly(into("INBOX.lists.sieve"));
        assertThat(run(script, MESSAGE).actions()).containsExactly(into("ok"));
        // a pathological glob stays linear-ish: 12 stars on 20,000 characters
        String many = "a".repeat(20_000);
        assertThat(run("require [\"variables\",\"fileinto\"]; if string :matches \"" + many + "\" \"*a*a*a*a*a*a*a*a*a*a*a*b\" { fileinto \"x\"; }",
                MESSAGE).actions()).containsExactly(keep());
    }

    @Test
    void imap4flagsTravelWithTheActions() throws SieveException {
        String script = """
                require ["imap4flags", "fileinto"];
                addflag "\\\\seen $Important";
                fileinto "Lists";
                removeflag "\\\\Seen";
                if hasflag :contains "Import" { keep; }
                """;
        assertThat(run(script, MESSAGE).actions()).containsExactly(into("Lists", "\\Seen", "$Important"), keep("$Important"));
        assertThat(run("require [\"imap4flags\",\"fileinto\"]; fileinto :flags [\"\\\\Flagged\"] \"Lists\";", MESSAGE).actions())
                .containsExactly(into("Lists", "\\Flagged"));
    }

    @Test
    void envelopeSubaddressAndTheNullSender() throws SieveException {
        String script = """
                require ["envelope", "subaddress", "fileinto"];
                if envelope :detail "to" "lists" { fileinto "Lists"; }
                if envelope :all :is "from" "" { fileinto "bounces"; }
                """;
        assertThat(run(script, MESSAGE).actions()).containsExactly(into("Lists"));
        assertThat(run(script, MESSAGE, "", "me@example.com").actions()).containsExactly(into("bounces"));
    }

    @Test
    void relationalComparatorsAndCount() throws SieveException {
        String script = """
                require ["relational", "comparator-i;ascii-numeric", "fileinto"];
                if header :value "ge" :comparator "i;ascii-numeric" "X-Spam-Score" "10" { fileinto "spam"; }
                if address :count "eq" :comparator "i;ascii-numeric" "to" "2" { fileinto "two"; }
                """;
        assertThat(run(script, MESSAGE).actions()).containsExactly(into("spam"), into("two"));
        assertThat(run(script, MESSAGE.replace("X-Spam-Score: 12", "X-Spam-Score: 9")).actions()).containsExactly(into("two"));
        assertThatThrownBy(() -> run("require \"relational\"; if header :value \"gt\" :comparator \"i;ascii-numeric\" \"a\" \"1\" {}", MESSAGE))
                .isInstanceOf(SieveException.class).hasMessageContaining("comparator-i;ascii-numeric");
    }

    @Test
    void bodyDateAndEncodedHeaders() throws SieveException {
        String script = """
                require ["body", "date", "index", "relational", "fileinto"];
                if body :contains "secret" { fileinto "body"; }
                if header :contains "subject" "你好" { fileinto "decoded"; }
                if date :zone "+0000" :is "date" "hour" "10" { fileinto "utc-hour"; }
                if date :originalzone :is "date" "zone" "+0100" { fileinto "zone"; }
                if currentdate :value "ge" "date" "2026-12-01" { fileinto "december"; }
                if date :index 1 :last :is "received" "hour" "09" { fileinto "received"; }
                """;
        assertThat(run(script, MESSAGE).actions()).extracting(a -> ((Action.FileInto) a).mailbox())
                .containsExactly("body", "decoded", "utc-hour", "zone", "december", "received");
    }

    @Test
    void vacationAnswersPeopleNeverListsOrRobots() throws SieveException {
        String script = "require \"vacation\"; vacation :days 3 :subject \"Away\" \"I am away until Monday.\";";
        Outcome o = run(script, MESSAGE);
        assertThat(o.actions()).hasSize(2).contains(keep());
        Action.Vacation v = (Action.Vacation) o.actions().getFirst();
        assertThat(v.to()).isEqualTo("alice@example.org");
        assertThat(v.period()).isEqualTo(Duration.ofDays(3));
        assertThat(v.subject()).isEqualTo("Away");
        assertThat(v.inReplyTo()).isEqualTo("<m1@example.org>");
        for (String bad : List.of("List-Id: <l.example.org>\r\n", "Precedence: bulk\r\n", "Auto-Submitted: auto-replied\r\n")) {
            Outcome s = run(script, MESSAGE.replace("X-Spam", bad + "X-Spam"));
            assertThat(s.actions()).as(bad).containsExactly(keep());
            assertThat(s.notes()).singleElement().asString().startsWith("vacation not sent");
        }
        assertThat(run(script, MESSAGE, "", "me@example.com").actions()).as("null sender").containsExactly(keep());
        assertThat(run(script, MESSAGE, "owner-list@example.org", "me@example.com").actions()).containsExactly(keep());
        assertThat(run(script, MESSAGE.replace("To: me@example.com,", "To:"), "alice@example.org", "me@example.com").actions())
                .as("not addressed to us: a Bcc or a list").containsExactly(keep());
        assertThat(((Action.Vacation) run("require [\"vacation\",\"vacation-seconds\"]; vacation :seconds 0 \"x\";", MESSAGE)
                .actions().getFirst()).period()).isZero();
    }

    @Test
    void rejectConflictsAndLimitsKeepTheMessage() throws SieveException {
        Outcome conflict = run("require [\"reject\",\"fileinto\"]; fileinto \"Lists\"; reject \"no\";", MESSAGE);
        assertThat(conflict.actions()).containsExactly(keep());
        assertThat(conflict.error()).get().asString().contains("RFC 5429");
        assertThat(run("require \"reject\"; reject \"Go away\";", MESSAGE).actions()).containsExactly(new Action.Reject("Go away", false));
        assertThat(run("require \"ereject\"; ereject \"Go away\";", MESSAGE).actions()).containsExactly(new Action.Reject("Go away", true));

        Outcome redirects = run("redirect \"a@x.example\"; redirect \"b@x.example\"; redirect \"c@x.example\"; "
                + "redirect \"d@x.example\"; redirect \"e@x.example\";", MESSAGE);
        assertThat(redirects.actions()).containsExactly(keep());
        assertThat(redirects.error()).get().asString().contains("more than 4 redirects");

        limits = new Limits(64 * 1024, 10, 4, 8, 4096);
        Outcome budget = run("if true { keep; }\n".repeat(20), MESSAGE);
        assertThat(budget.actions()).containsExactly(keep());
        assertThat(budget.error()).get().asString().contains("instructions");
    }

    @Test
    void errorsNameTheLine() {
        assertThatThrownBy(() -> run("keep;\nfileinto \"x\";", MESSAGE)).isInstanceOf(SieveException.class)
                .hasMessage("line 2: fileinto needs require \"fileinto\"");
        assertThatThrownBy(() -> run("require \"fileinto\";\nif true {\n  frobnicate;\n}", MESSAGE)).hasMessage("line 3: unknown command frobnicate");
        assertThatThrownBy(() -> run("keep\n", MESSAGE)).hasMessageContaining("expected ';'");
        assertThatThrownBy(() -> run("keep;\nrequire \"fileinto\";", MESSAGE)).hasMessageContaining("require must come before");
        assertThatThrownBy(() -> run("require \"nonsense\";", MESSAGE)).hasMessageContaining("not supported");
        assertThatThrownBy(() -> run("else { keep; }", MESSAGE)).hasMessageContaining("else without if");
        assertThatThrownBy(() -> run("if header :is :contains \"a\" \"b\" { keep; }", MESSAGE)).hasMessageContaining("only one of");
        assertThatThrownBy(() -> run("if true ".repeat(40) + "{ keep; }", MESSAGE)).isInstanceOf(SieveException.class);
        assertThatThrownBy(() -> run("if size :over 1K keep;", MESSAGE)).hasMessage("line 1: size takes no test");
        assertThatThrownBy(() -> run("if size :over 1K;", MESSAGE)).hasMessage("line 1: if needs a block");
        assertThatThrownBy(() -> run("/* never closed", MESSAGE)).hasMessageContaining("comment not closed");
        assertThatThrownBy(() -> run("\"x".repeat(3), MESSAGE)).isInstanceOf(SieveException.class);
        limits = new Limits(100, 10_000, 4, 8, 4096);
        assertThatThrownBy(() -> run("#".repeat(101), MESSAGE)).hasMessageContaining("larger than 100 bytes");
    }

    @Test
    void stringsMultiLineAndEncodedCharacters() throws SieveException {
        String script = "require [\"encoded-character\", \"vacation\"];\nvacation text:\nline one\n..dot\n.\n;\n";
        Action.Vacation v = (Action.Vacation) run(script, MESSAGE).actions().getFirst();
        assertThat(v.reason()).isEqualTo("line one\r\n.dot\r\n");
        String enc = "require [\"encoded-character\", \"fileinto\"]; fileinto \"${hex: 4c 69}${unicode:73}ts\";";
        assertThat(run(enc, MESSAGE).actions()).containsExactly(into("Lists"));
        assertThat(run("require \"fileinto\"; fileinto \"a\\\\b\\\"c\";", MESSAGE).actions()).containsExactly(into("a\\b\"c"));
    }

    @Test
    void editheaderChangesWhatLaterTestsSee() throws SieveException {
        String script = """
                require ["editheader", "fileinto"];
                addheader "X-Filtered" "yes";
                deleteheader "X-Spam-Score";
                deleteheader "Received";
                if exists "X-Spam-Score" { fileinto "still"; }
                if header :is "X-Filtered" "yes" { fileinto "seen"; }
                """;
        Outcome o = run(script, MESSAGE);
        assertThat(o.actions()).hasSize(2);
        assertThat(o.actions().getFirst()).isEqualTo(into("seen"));
        Action.EditHeader h = (Action.EditHeader) o.actions().get(1);
        assertThat(h.fields().getFirst()).isEqualTo(new SieveMessage.Field("X-Filtered", "yes"));
        assertThat(h.fields()).extracting(SieveMessage.Field::name).doesNotContain("X-Spam-Score").contains("Received");
        assertThat(o.notes()).containsExactly("deleteheader Received ignored: protected field");
    }

    /** RFC 5293's own example (section 5): mark the message, so a redirect loop is seen the second time round. */
    @Test
    void rfc5293ExampleMarksARedirectedMessage() throws SieveException {
        String script = """
                require ["editheader"];
                /* Don't redirect if we already redirected */
                if not header :contains "X-Sieve-Filtered"
                        ["<kim@job.example.com>", "<kim@home.example.com>"]
                {
                        addheader "X-Sieve-Filtered" "<kim@job.example.com>";
                        redirect "kim@home.example.com";
                }
                """;
        Outcome first = run(script, MESSAGE);
        assertThat(first.actions()).first().isEqualTo(new Action.Redirect("kim@home.example.com"));
        Action.EditHeader h = (Action.EditHeader) first.actions().getLast();
        assertThat(h.fields().getFirst()).as("addheader without :last goes on top").isEqualTo(
                new SieveMessage.Field("X-Sieve-Filtered", "<kim@job.example.com>"));
        assertThat(h.fields()).hasSize(new MimeMessage[] {MimeMessage.of(MESSAGE.getBytes(StandardCharsets.UTF_8), "", "")}[0].fields().size() + 1);
        String marked = "X-Sieve-Filtered: <kim@job.example.com>\r\n" + MESSAGE;
        assertThat(run(script, marked).actions()).as("the second time round: kept, not redirected").containsExactly(keep());
    }

    /** RFC 5293 4, 5 and 7: :last, :index with value patterns, and the fields never added nor deleted. */
    @Test
    void rfc5293AddheaderLastDeleteheaderIndexAndProtectedFields() throws SieveException {
        String message = "Received: from a by b; Mon, 7 Dec 2026 09:00:00 +0000\r\nAuto-Submitted: auto-generated\r\n"
                + "Delivered-To: bob@example.com\r\nDelivered-To: alice@example.com\r\nDelivered-To: bob@example.com\r\n"
                + "Subject: s\r\n\r\nbody\r\n";
        Outcome o = run("""
                require ["editheader"];
                addheader :last "X-Last" "at the end";
                deleteheader :index 1 :last :is "Delivered-To" "bob@example.com";
                deleteheader "received";
                deleteheader "Auto-Submitted";
                addheader "Received" "forged";
                addheader "AUTO-SUBMITTED" "no";
                """, message);
        Action.EditHeader h = (Action.EditHeader) o.actions().getLast();
        assertThat(h.fields()).extracting(SieveMessage.Field::name, SieveMessage.Field::value).containsExactly(
                org.assertj.core.groups.Tuple.tuple("Received", "from a by b; Mon, 7 Dec 2026 09:00:00 +0000"),
                org.assertj.core.groups.Tuple.tuple("Auto-Submitted", "auto-generated"),
                org.assertj.core.groups.Tuple.tuple("Delivered-To", "bob@example.com"),
                org.assertj.core.groups.Tuple.tuple("Delivered-To", "alice@example.com"),
                org.assertj.core.groups.Tuple.tuple("Subject", "s"),
                org.assertj.core.groups.Tuple.tuple("X-Last", "at the end"));
        assertThat(o.notes()).hasSize(4).allMatch(n -> n.endsWith("ignored: protected field"));
        // an invalid field name is an error (4: "MUST flag an error"): the message is kept
        Outcome bad = run("require \"editheader\"; addheader \"Bad Name\" \"x\";", message);
        assertThat(bad.error()).hasValueSatisfying(e -> assertThat(e).contains("invalid field name"));
        assertThat(bad.actions()).containsExactly(keep());
    }

    @Test
    void includeOnceOptionalReturnAndGlobals() throws SieveException {
        scripts.put("global/spam", "require [\"fileinto\",\"include\",\"variables\"]; global \"box\"; "
                + "if header :contains \"subject\" \"money\" { fileinto \"${box}\"; return; } fileinto \"never\";");
        String script = """
                require ["include", "variables"];
                global "box";
                set "box" "Junk";
                include :global :once "spam";
                include :global :once "spam";
                include :optional "missing";
                """;
        assertThat(run(script, MESSAGE).actions()).containsExactly(into("Junk"));
        Outcome missing = run("require \"include\"; include \"missing\";", MESSAGE);
        assertThat(missing.error()).get().asString().contains("no personal script missing");
        scripts.put("loop", "require \"include\"; include \"loop\";");
        assertThat(run("require \"include\"; include \"loop\";", MESSAGE).error()).get().asString().contains("deeper than 8");
    }

    @Test
    void duplicateAndMailboxes() throws SieveException {
        String script = "require [\"duplicate\", \"fileinto\", \"mailbox\"]; if duplicate { discard; stop; } "
                + "if mailboxexists \"Lists\" { fileinto :create \"Lists/new\"; }";
        assertThat(run(script, MESSAGE).actions()).containsExactly(new Action.FileInto("Lists/new", Set.of(), true));
        assertThat(run(script, MESSAGE).actions()).as("the same Message-ID again").isEmpty();
        clock = Clock.offset(clock, Duration.ofDays(8));
        assertThat(run(script, MESSAGE).actions()).as("after the default week").hasSize(1);
    }

    @Test
    void theCapabilityListsEveryExtension() {
        assertThat(Extensions.capability()).startsWith("fileinto reject ereject envelope").contains("imap4flags", "include", "duplicate");
    }
}
