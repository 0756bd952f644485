package org.twinmail.sieve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.twinmail.sieve.SieveTest.MESSAGE;
import static org.twinmail.sieve.SieveTest.into;
import static org.twinmail.sieve.SieveTest.keep;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.sieve.run.Action;
import org.twinmail.sieve.run.Outcome;

/**
 * The example scripts of the extension RFCs (issue 17: "the RFCs' examples as tests"), as printed
 * there (a missing {@code fileinto} in a require added where the RFC's example omits it), on
 * {@link SieveTest}'s environment and message. RFC 5228 and RFC 5293 examples are in SieveTest.
 */
class RfcExamplesTest {
    final SieveTest t = new SieveTest();

    Outcome run(String script, String message) throws SieveException {
        return t.run(script, message);
    }

    Outcome run(String script, String message, String to) throws SieveException {
        return t.run(script, message, "alice@example.org", to);
    }

    /** RFC 5233 section 5 (subaddress): :user and :detail of the envelope recipient. */
    @Test
    void rfc5233Example() throws SieveException {
        String script = """
                require ["envelope", "subaddress", "fileinto"];

                # In this example the same user account receives mail for both
                # "ken@example.com" and "postmaster@example.com"

                # File all messages to postmaster into a single mailbox,
                # ignoring the :detail part.
                if envelope :user "to" "postmaster" {
                    fileinto "inbox.postmaster";
                    stop;
                }

                # File mailing list messages (subscribed as "ken+mta-filters").
                if envelope :detail "to" "mta-filters" {
                    fileinto "inbox.ietf-mta-filters";
                }

                # Redirect all mail sent to "ken+foo".
                if envelope :detail "to" "foo" {
                    redirect "ken@example.net";
                }
                """;
        assertThat(run(script, MESSAGE, "postmaster+x@example.com").actions()).containsExactly(into("inbox.postmaster"));
        assertThat(run(script, MESSAGE, "ken+mta-filters@example.com").actions()).containsExactly(into("inbox.ietf-mta-filters"));
        assertThat(run(script, MESSAGE, "ken+foo@example.com").actions()).containsExactly(new Action.Redirect("ken@example.net"));
        assertThat(run(script, MESSAGE, "ken@example.com").actions()).containsExactly(keep());
    }

    /** RFC 5173 section 7 (body): a text part's words; an audio part matched by :content "". */
    @Test
    void rfc5173Example() throws SieveException {
        String script = """
                require ["body", "fileinto"];

                # Save any message with any text MIME part that contains the
                # words "missile" or "coordinates" in the "secrets" folder.

                if body :content "text" :contains ["missile", "coordinates"] {
                        fileinto "secrets";
                }

                # Save any message with an audio/mp3 MIME part in
                # the "jukebox" folder.

                if body :content "audio/mp3" :contains "" {
                        fileinto "jukebox";
                }
                """;
        assertThat(run(script, MESSAGE).actions()).containsExactly(keep());
        assertThat(run(script, MESSAGE.replace("secret plan", "missile plan")).actions()).containsExactly(into("secrets"));
        String mp3 = MESSAGE.replace("Content-Type: text/plain; charset=utf-8\r\n\r\nThis is the secret plan.\r\n", """
                Content-Type: multipart/mixed; boundary=b\r
                \r
                --b\r
                Content-Type: text/plain\r
                \r
                Listen.\r
                --b\r
                Content-Type: audio/mp3\r
                Content-Transfer-Encoding: base64\r
                \r
                AAAA\r
                --b--\r
                """);
        assertThat(run(script, mp3).actions()).containsExactly(into("jukebox"));
    }

    /** RFC 7352 section 3 (duplicate): the second copy of a message id, and :uniqueid from a variable with :seconds. */
    @Test
    void rfc7352Examples() throws SieveException {
        String first = """
                require ["duplicate", "fileinto", "mailbox"];

                if duplicate {
                  fileinto :create "Trash/Duplicate";
                }
                """;
        assertThat(run(first, MESSAGE).actions()).containsExactly(keep());
        assertThat(run(first, MESSAGE).actions()).containsExactly(new Action.FileInto("Trash/Duplicate", java.util.Set.of(), true));

        String alerts = """
                require ["duplicate", "variables", "imap4flags", "fileinto"];

                if header :matches "subject" "ALERT: *" {
                  if duplicate :seconds 60 :uniqueid "${1}" {
                    setflag "\\\\seen";
                  }
                  fileinto "Alerts";
                }
                """;
        String alert = MESSAGE.replace("=?UTF-8?B?5L2g5aW9?= make money fast", "ALERT: disk full");
        assertThat(run(alerts, alert).actions()).containsExactly(into("Alerts"));
        assertThat(run(alerts, alert.replace("<m1@", "<m2@")).actions()).as("another message, same alert")
                .containsExactly(into("Alerts", "\\Seen")); // system flags are matched without case and kept in their canonical form
        t.clock = java.time.Clock.offset(t.clock, Duration.ofSeconds(61));
        assertThat(run(alerts, alert.replace("<m1@", "<m3@")).actions()).as("after :seconds 60").containsExactly(into("Alerts"));
    }

    /** RFC 3894 section 3 (copy): a redirect and a fileinto that keep the implicit keep. */
    @Test
    void rfc3894Example() throws SieveException {
        String script = """
                require ["copy", "fileinto"];
                if header :contains "to" "me@example.com" {
                    redirect :copy "sieve-admin@example.com";
                    fileinto :copy "incoming";
                }
                """;
        assertThat(run(script, MESSAGE).actions())
                .containsExactlyInAnyOrder(new Action.Redirect("sieve-admin@example.com"), into("incoming"), keep());
    }

    /** RFC 5230 section 4.x (vacation): the reason chosen by a test, and :subject built from the original. */
    @Test
    void rfc5230Examples() throws SieveException {
        String script = """
                require "vacation";
                if header :contains "subject" "cyrus" {
                    vacation "I'm out -- send mail to cyrus-bugs";
                } else {
                    vacation "I'm out -- call me at +1 304 555 0123";
                }
                """;
        List<Action> actions = run(script, MESSAGE).actions();
        assertThat(actions).contains(keep());
        Action.Vacation v = (Action.Vacation) actions.stream().filter(a -> a instanceof Action.Vacation).findFirst().orElseThrow();
        assertThat(v.reason()).isEqualTo("I'm out -- call me at +1 304 555 0123");
        assertThat(v.to()).isEqualTo("alice@example.org");
        assertThat(v.period()).isEqualTo(Duration.ofDays(7));

        String subject = """
                require ["vacation", "variables"];
                if header :matches "subject" "*" {
                    vacation :subject "Automatic response to: ${1}"
                             "I'm away";
                }
                """;
        Action.Vacation s = (Action.Vacation) run(subject, MESSAGE.replace("=?UTF-8?B?5L2g5aW9?= make money fast", "cyrus"))
                .actions().stream().filter(a -> a instanceof Action.Vacation).findFirst().orElseThrow();
        assertThat(s.subject()).isEqualTo("Automatic response to: cyrus");
        assertThat(s.reason()).isEqualTo("I'm away");
    }

    /** RFC 5229 section 3 (variables): match variables of :matches, non-greedy from the left, cleared by a failed match. */
    @Test
    void rfc5229Example() throws SieveException {
        String script = """
                require ["fileinto", "variables"];

                if header :matches "List-ID" "*<*@*" {
                    fileinto "INBOX.lists.${2}"; stop;
                }

                # Imagine the header
                # Subject: [acme-users] [fwd] version 1.0 is out
                if header :matches "Subject" "[*] *" {
                    # ${1} will hold "acme-users",
                    # ${2} will hold "[fwd] version 1.0 is out"
                    fileinto "INBOX.lists.${1}"; stop;
                }

                # Imagine the header
                # To: coyote@ACME.Example.COM
                if address :matches ["To", "Cc"] ["coyote@**.com",
                        "wile@**.com"] {
                    # ${0} is the matching address
                    # ${1} is always the empty string
                    # ${2} is part of the domain name ("ACME.Example")
                    fileinto "INBOX.business.${2}"; stop;
                } else {
                    # Control wouldn't reach this block if any match was
                    # successful, so no match variables are set at this
                    # point.
                }

                if anyof (true, address :domain :matches "To" "*.com") {
                    # The second test is never evaluated, so there are
                    # still no match variables set.
                    stop;
                }
                """;
        assertThat(run(script, MESSAGE.replace("X-Spam-Score", "List-ID: Acme <acme-users@lists.example.com>\r\nX-Spam-Score")).actions())
                .containsExactly(into("INBOX.lists.acme-users"));
        assertThat(run(script, MESSAGE.replace("=?UTF-8?B?5L2g5aW9?= make money fast", "[acme-users] [fwd] version 1.0 is out")).actions())
                .containsExactly(into("INBOX.lists.acme-users"));
        assertThat(run(script, MESSAGE.replace("To: me@example.com,", "To: coyote@ACME.Example.COM,")).actions())
                .containsExactly(into("INBOX.business.ACME.Example"));
        assertThat(run(script, MESSAGE).actions()).as("stop keeps the implicit keep").containsExactly(keep());
    }

    /** RFC 5260 section 7 (date): the boss's mail in working hours by the sender's own zone. */
    @Test
    void rfc5260Example() throws SieveException {
        String script = """
                require ["date", "relational", "fileinto"];
                if allof(header :is "from" "boss@example.com",
                         date :value "ge" :originalzone "date" "hour" "09",
                         date :value "lt" :originalzone "date" "hour" "17")
                { fileinto "urgent"; }
                """;
        String boss = MESSAGE.replace("From: Alice <alice@example.org>", "From: boss@example.com");
        assertThat(run(script, boss).actions()).as("11:30 +0100").containsExactly(into("urgent"));
        assertThat(run(script, boss.replace("11:30:00 +0100", "18:30:00 +0100")).actions()).containsExactly(keep());
        assertThat(run(script, boss.replace("11:30:00 +0100", "16:59:00 -0800")).actions()).as("the original zone, not UTC")
                .containsExactly(into("urgent"));
        assertThat(run(script, MESSAGE).actions()).containsExactly(keep());
    }
}
