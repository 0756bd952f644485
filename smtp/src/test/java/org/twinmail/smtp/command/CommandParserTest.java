package org.twinmail.smtp.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.smtp.command.CommandSyntaxException.Kind;

class CommandParserTest {

    static SmtpCommand parse(String line) throws CommandSyntaxException {
        return parse(line, false);
    }

    static SmtpCommand parse(String line, boolean utf8Recipients) throws CommandSyntaxException {
        return CommandParser.parse(line.getBytes(StandardCharsets.UTF_8), utf8Recipients);
    }

    static CommandSyntaxException error(String line) {
        return error(line.getBytes(StandardCharsets.UTF_8), false);
    }

    static CommandSyntaxException error(byte[] line, boolean utf8Recipients) {
        CommandSyntaxException e = catchThrowableOfType(CommandSyntaxException.class,
                () -> CommandParser.parse(line, utf8Recipients));
        assertThat(e).as("expected a syntax error").isNotNull();
        return e;
    }

    static SmtpCommand.Mail mail(String line) throws CommandSyntaxException {
        return (SmtpCommand.Mail) parse(line);
    }

    @Nested
    class Verbs {
        @Test
        void verbsAreCaseInsensitive() throws Exception {
            assertThat(parse("ehlo client.example")).isEqualTo(new SmtpCommand.Ehlo("client.example"));
            assertThat(parse("HeLo client.example")).isEqualTo(new SmtpCommand.Helo("client.example"));
            assertThat(parse("quit")).isInstanceOf(SmtpCommand.Quit.class);
            assertThat(parse("rSeT")).isInstanceOf(SmtpCommand.Rset.class);
            assertThat(parse("data")).isInstanceOf(SmtpCommand.Data.class);
        }

        @Test
        void unknownVerbIs500WithoutVerb() {
            CommandSyntaxException e = error("FROB something");
            assertThat(e.kind()).isEqualTo(Kind.UNKNOWN_COMMAND);
            assertThat(e.kind().code()).isEqualTo(500);
            assertThat(e.kind().status()).isEqualTo("5.5.1");
            assertThat(e.verb()).isNull();
            assertThat(error("MAILX FROM:<a@b.example>").kind()).isEqualTo(Kind.UNKNOWN_COMMAND);
        }

        @Test
        void recognisedButNotOfferedVerbsParseAsNotOffered() throws Exception {
            assertThat(parse("STARTTLS")).isEqualTo(new SmtpCommand.StartTls());
            assertThat(parse("auth plain AGFsaWNlAHNlY3JldA==")).isEqualTo(new SmtpCommand.Auth("PLAIN", "AGFsaWNlAHNlY3JldA=="));
            assertThat(parse("AUTH LOGIN")).isEqualTo(new SmtpCommand.Auth("LOGIN", null));
            assertThat(parse("AUTH PLAIN =")).isEqualTo(new SmtpCommand.Auth("PLAIN", "="));
            assertThat(error("AUTH").kind()).isEqualTo(Kind.BAD_ARGUMENTS);
            assertThat(error("AUTH PLAIN a b").kind()).isEqualTo(Kind.BAD_ARGUMENTS);
            assertThat(error("AUTH PLAIN not!base64").kind()).isEqualTo(Kind.BAD_SYNTAX);
            assertThat(error("STARTTLS now").kind()).isEqualTo(Kind.BAD_ARGUMENTS);
            assertThat(parse("BDAT 100 LAST")).isEqualTo(new SmtpCommand.NotOffered(Verb.BDAT));
            assertThat(parse("ETRN example.com")).isEqualTo(new SmtpCommand.NotOffered(Verb.ETRN));
            assertThat(parse("TURN")).isEqualTo(new SmtpCommand.NotOffered(Verb.TURN));
        }

        @Test
        void heloAndEhloNeedExactlyOneArgument() throws Exception {
            for (String bad : new String[] {"HELO", "EHLO", "EHLO two words", "HELO   "}) {
                CommandSyntaxException e = error(bad);
                assertThat(e.kind()).as(bad).isEqualTo(Kind.BAD_ARGUMENTS);
                assertThat(e.kind().code()).isEqualTo(501);
                assertThat(e.kind().status()).isEqualTo("5.5.4");
                assertThat(e.verb()).isIn(Verb.HELO, Verb.EHLO);
            }
            assertThat(parse("EHLO [192.0.2.1]")).isEqualTo(new SmtpCommand.Ehlo("[192.0.2.1]"));
            assertThat(parse("EHLO   spaced.example  ")).isEqualTo(new SmtpCommand.Ehlo("spaced.example"));
        }

        @Test
        void argumentlessCommandsRefuseArguments() {
            for (String bad : new String[] {"DATA now", "RSET x", "QUIT please"}) {
                CommandSyntaxException e = error(bad);
                assertThat(e.kind()).as(bad).isEqualTo(Kind.BAD_ARGUMENTS);
                assertThat(e.getMessage()).startsWith("Syntax: ");
            }
        }

        @Test
        void noopAndHelpTakeOptionalText() throws Exception {
            assertThat(parse("NOOP")).isInstanceOf(SmtpCommand.Noop.class);
            assertThat(parse("NOOP anything at all")).isInstanceOf(SmtpCommand.Noop.class);
            assertThat(parse("HELP")).isEqualTo(new SmtpCommand.Help(""));
            assertThat(parse("help mail")).isEqualTo(new SmtpCommand.Help("mail"));
        }

        @Test
        void vrfyNeedsAnArgumentAndExpnIsNotOffered() throws Exception {
            assertThat(parse("VRFY postmaster")).isEqualTo(new SmtpCommand.Vrfy("postmaster"));
            assertThat(error("VRFY").kind()).isEqualTo(Kind.BAD_ARGUMENTS);
            assertThat(error("VRFY").verb()).isEqualTo(Verb.VRFY);
            assertThat(parse("EXPN staff")).isEqualTo(new SmtpCommand.NotOffered(Verb.EXPN));
            assertThat(parse("expn")).isEqualTo(new SmtpCommand.NotOffered(Verb.EXPN));
        }
    }

    @Nested
    class Characters {
        @Test
        void emptyLineIsBadSyntax() {
            assertThat(error("").kind()).isEqualTo(Kind.BAD_LINE);
            assertThat(error("   ").kind()).isEqualTo(Kind.BAD_LINE);
            assertThat(Kind.BAD_LINE.code()).isEqualTo(500);
            assertThat(Kind.BAD_LINE.status()).isEqualTo("5.5.2");
        }

        @Test
        void nulAnywhereIsRefused() {
            CommandSyntaxException e = error("NOOP a\0b".getBytes(StandardCharsets.ISO_8859_1), false);
            assertThat(e.kind()).isEqualTo(Kind.BAD_LINE);
            assertThat(e.getMessage()).contains("NUL");
            assertThat(error("MAIL FROM:<a\0@b.example>".getBytes(StandardCharsets.ISO_8859_1), true).kind())
                    .isEqualTo(Kind.BAD_LINE);
        }

        @Test
        void controlCharactersAreRefused() {
            assertThat(error("NOOP \u001b[2J").kind()).isEqualTo(Kind.BAD_LINE);
            assertThat(error("MAIL FROM:<a@b.example>\rRCPT TO:<c@d.example>").kind()).isEqualTo(Kind.BAD_LINE);
            assertThat(error("EHLO\tclient.example").kind()).isEqualTo(Kind.BAD_LINE);
        }

        @Test
        void bytesThatAreNotUtf8AreRefused() {
            byte[] latin1 = "MAIL FROM:<j\u00f6rg@example.com> SMTPUTF8".getBytes(StandardCharsets.ISO_8859_1);
            assertThat(error(latin1, true).kind()).isEqualTo(Kind.BAD_LINE);
        }

        @Test
        void nonAsciiOutsideAddressesIsRefused() {
            CommandSyntaxException e = error("HELO m\u00fcller.example");
            assertThat(e.kind()).isEqualTo(Kind.BAD_LINE);
            assertThat(e.verb()).isEqualTo(Verb.HELO);
            assertThat(error("NOOP caf\u00e9").kind()).isEqualTo(Kind.BAD_LINE);
            assertThat(error("MAIL FROM:<a@b.example> SIZE=1\u00e9").kind()).isEqualTo(Kind.BAD_LINE);
            assertThat(error("R\u00c9PT TO:<a@b.example>").kind()).isEqualTo(Kind.UNKNOWN_COMMAND);
        }
    }

    @Nested
    class Mail {
        @Test
        void plainSender() throws Exception {
            SmtpCommand.Mail m = mail("MAIL FROM:<Alice@Example.COM>");
            assertThat(m.sender()).contains(new EmailAddress("Alice", "example.com"));
            assertThat(m.parameters()).isEqualTo(MailParameters.NONE);
            assertThat(m.parameters().isEmpty()).isTrue();
        }

        @Test
        void nullSender() throws Exception {
            assertThat(mail("MAIL FROM:<>").sender()).isEmpty();
            assertThat(mail("MAIL FROM:<> SIZE=10").parameters().size()).hasValue(10);
        }

        @Test
        void keywordIsCaseInsensitiveAndOneSpaceAfterColonIsTolerated() throws Exception {
            assertThat(mail("mail from:<a@b.example>").sender()).isPresent();
            assertThat(mail("MAIL FROM: <a@b.example>").sender()).isPresent();
            assertThat(mail("MAIL  FROM:<a@b.example>   ").sender()).isPresent();
        }

        @ParameterizedTest
        @ValueSource(strings = {"MAIL", "MAIL FROM", "MAIL FROM:", "MAIL FROM:a@b.example", "MAIL TO:<a@b.example>",
                "MAIL FROM:<a@b.example", "MAIL FROM:<a@b.example>SIZE=10", "MAIL FROM:  <a@b.example>"})
        void malformedMailIsSyntaxError(String line) {
            CommandSyntaxException e = error(line);
            assertThat(e.kind()).isEqualTo(Kind.BAD_SYNTAX);
            assertThat(e.kind().code()).isEqualTo(501);
            assertThat(e.kind().status()).isEqualTo("5.5.2");
            assertThat(e.verb()).isEqualTo(Verb.MAIL);
            assertThat(e.getMessage()).isEqualTo("Syntax: MAIL FROM:<address>");
        }

        @ParameterizedTest
        @ValueSource(strings = {"<a b@example.com>", "<a@>", "<@example.com>", "<a@b..example>", "<.a@b.example>",
                "<a@-b.example>", "<a@[a b]>", "<a@[]>", "<a@b@>"})
        void badSenderAddressIs5_1_7(String path) {
            CommandSyntaxException e = error("MAIL FROM:" + path);
            assertThat(e.kind()).as(path).isEqualTo(Kind.BAD_SENDER);
            assertThat(e.kind().code()).isEqualTo(501);
            assertThat(e.kind().status()).isEqualTo("5.1.7");
        }

        @Test
        void localPartOver64OctetsIsRefused() {
            assertThat(error("MAIL FROM:<" + "a".repeat(65) + "@example.com>").kind()).isEqualTo(Kind.BAD_SENDER);
        }

        @Test
        void pathOver256OctetsIsRefused() throws Exception {
            // 64 + 1 + 189 = 254 inside, 256 with brackets: the longest legal path
            String domain = "d".repeat(62) + "." + "d".repeat(62) + "." + "d".repeat(63);
            String ok = "a".repeat(64) + "@" + domain;
            assertThat(mail("MAIL FROM:<" + ok + ">").sender()).isPresent();
            CommandSyntaxException e = error("MAIL FROM:<" + ok + "x>");
            assertThat(e.kind()).isEqualTo(Kind.BAD_SENDER);
            assertThat(e.getMessage()).contains("too long");
        }

        @Test
        void quotedLocalPartsKeepTheirSpecials() throws Exception {
            assertThat(mail("MAIL FROM:<\"john smith\"@example.com>").sender())
                    .contains(new EmailAddress("\"john smith\"", "example.com"));
            // '>' inside quotes does not end the path
            SmtpCommand.Mail m = mail("MAIL FROM:<\"a>b\"@example.com> SIZE=5");
            assertThat(m.sender().orElseThrow().localPart()).isEqualTo("\"a>b\"");
            assertThat(m.parameters().size()).hasValue(5);
        }

        @Test
        void addressLiterals() throws Exception {
            assertThat(mail("MAIL FROM:<u@[192.0.2.1]>").sender().orElseThrow().domain()).isEqualTo("[192.0.2.1]");
            assertThat(mail("MAIL FROM:<u@[IPv6:2001:db8::1]>").sender().orElseThrow().domain()).isEqualTo("[ipv6:2001:db8::1]");
        }

        @Test
        void sourceRoutesAreCheckedAndStripped() throws Exception {
            assertThat(mail("MAIL FROM:<@relay.example:user@d.example>").sender())
                    .contains(new EmailAddress("user", "d.example"));
            assertThat(mail("MAIL FROM:<@a.example,@[192.0.2.7],@b.example:user@d.example>").sender())
                    .contains(new EmailAddress("user", "d.example"));
            for (String bad : new String[] {"<@a.example,user@d.example>", "<@:user@d.example>", "<@a..b:user@d.example>",
                    "<@a.example;@b.example:user@d.example>", "<@a.example:>"}) {
                assertThat(error("MAIL FROM:" + bad).kind()).as(bad).isEqualTo(Kind.BAD_SENDER);
            }
        }

        @Test
        void parameters() throws Exception {
            MailParameters p = mail("MAIL FROM:<a@b.example> SIZE=1000 BODY=8BITMIME SMTPUTF8").parameters();
            assertThat(p.size()).hasValue(1000);
            assertThat(p.body()).isEqualTo(MailParameters.Body.EIGHT_BIT_MIME);
            assertThat(p.smtputf8()).isTrue();
            assertThat(p.isEmpty()).isFalse();
            MailParameters lower = mail("MAIL FROM:<a@b.example>   size=7  body=7bit").parameters();
            assertThat(lower.size()).hasValue(7);
            assertThat(lower.body()).isEqualTo(MailParameters.Body.SEVEN_BIT);
            assertThat(lower.smtputf8()).isFalse();
        }

        @Test
        void hugeSizeSaturates() throws Exception {
            assertThat(mail("MAIL FROM:<a@b.example> SIZE=99999999999999999999").parameters().size())
                    .hasValue(Long.MAX_VALUE);
            assertThat(error("MAIL FROM:<a@b.example> SIZE=999999999999999999999").kind()).isEqualTo(Kind.BAD_ARGUMENTS);
        }

        @ParameterizedTest
        @ValueSource(strings = {"SIZE", "SIZE=", "SIZE=abc", "SIZE=-1", "SIZE=1 SIZE=2", "BODY", "BODY=BINARYMIME",
                "BODY=7BIT BODY=7BIT", "SMTPUTF8=yes", "SMTPUTF8 SMTPUTF8", "=x", "-X=1", "X=a=b"})
        void badParameterValuesAre501_5_5_4(String params) {
            CommandSyntaxException e = error("MAIL FROM:<a@b.example> " + params);
            assertThat(e.kind()).as(params).isEqualTo(Kind.BAD_ARGUMENTS);
            assertThat(e.kind().code()).isEqualTo(501);
            assertThat(e.kind().status()).isEqualTo("5.5.4");
        }

        @Test
        void unknownParameterIs555() {
            CommandSyntaxException e = error("MAIL FROM:<a@b.example> RET=FULL");
            assertThat(e.kind()).isEqualTo(Kind.UNKNOWN_PARAMETER);
            assertThat(e.kind().code()).isEqualTo(555);
            assertThat(e.kind().status()).isEqualTo("5.5.4");
            assertThat(e.getMessage()).contains("RET");
            assertThat(error("MAIL FROM:<a@b.example> ENVID=x").kind()).isEqualTo(Kind.UNKNOWN_PARAMETER);
        }

        @Test
        void authParameterIsParsedForSubmissionToDecide() throws Exception {
            SmtpCommand.Mail m = (SmtpCommand.Mail) parse("MAIL FROM:<a@b.example> AUTH=<>");
            assertThat(m.parameters().auth()).isTrue();
            assertThat(m.parameters().isEmpty()).isFalse();
            assertThat(error("MAIL FROM:<a@b.example> AUTH=").kind()).isEqualTo(Kind.BAD_ARGUMENTS);
            assertThat(error("MAIL FROM:<a@b.example> AUTH=<> AUTH=<>").kind()).isEqualTo(Kind.BAD_ARGUMENTS);
        }

        @Test
        void utf8SenderNeedsSmtputf8() throws Exception {
            SmtpCommand.Mail m = mail("MAIL FROM:<j\u00f6rg@b\u00fccher.example> SMTPUTF8");
            assertThat(m.sender()).contains(new EmailAddress("j\u00f6rg", "b\u00fccher.example"));
            CommandSyntaxException e = error("MAIL FROM:<j\u00f6rg@example.com>");
            assertThat(e.kind()).isEqualTo(Kind.NON_ASCII_ADDRESS);
            assertThat(e.kind().code()).isEqualTo(553);
            assertThat(e.kind().status()).isEqualTo("5.6.7");
        }
    }

    @Nested
    class Rcpt {
        @Test
        void mailbox() throws Exception {
            assertThat(parse("RCPT TO:<Bob@Example.com>"))
                    .isEqualTo(new SmtpCommand.Rcpt(new ForwardPath.Mailbox(new EmailAddress("Bob", "example.com"))));
            assertThat(parse("rcpt to: <bob@example.com>")).isInstanceOf(SmtpCommand.Rcpt.class);
        }

        @Test
        void barePostmasterInAnyCase() throws Exception {
            assertThat(parse("RCPT TO:<postmaster>")).isEqualTo(new SmtpCommand.Rcpt(new ForwardPath.Postmaster()));
            assertThat(parse("RCPT TO:<PostMaster>")).isEqualTo(new SmtpCommand.Rcpt(new ForwardPath.Postmaster()));
            assertThat(((SmtpCommand.Rcpt) parse("RCPT TO:<POSTMASTER@Example.COM>")).recipient())
                    .isEqualTo(new ForwardPath.Mailbox(new EmailAddress("POSTMASTER", "example.com")));
        }

        @Test
        void sourceRouteIsStripped() throws Exception {
            assertThat(parse("RCPT TO:<@hop1.example,@hop2.example:bob@example.com>"))
                    .isEqualTo(new SmtpCommand.Rcpt(new ForwardPath.Mailbox(new EmailAddress("bob", "example.com"))));
        }

        @Test
        void badRecipients() {
            for (String bad : new String[] {"RCPT TO:<>", "RCPT TO:<bob>", "RCPT TO:<bob@@example.com>", "RCPT TO:<a b@example.com>"}) {
                CommandSyntaxException e = error(bad);
                assertThat(e.kind()).as(bad).isEqualTo(Kind.BAD_RECIPIENT);
                assertThat(e.kind().status()).isEqualTo("5.1.3");
                assertThat(e.verb()).isEqualTo(Verb.RCPT);
            }
            assertThat(error("RCPT FROM:<bob@example.com>").kind()).isEqualTo(Kind.BAD_SYNTAX);
            assertThat(error("RCPT TO:bob@example.com").kind()).isEqualTo(Kind.BAD_SYNTAX);
        }

        @Test
        void rcptParametersAreNotOffered() {
            assertThat(error("RCPT TO:<bob@example.com> NOTIFY=NEVER").kind()).isEqualTo(Kind.UNKNOWN_PARAMETER);
            assertThat(error("RCPT TO:<bob@example.com> =bad").kind()).isEqualTo(Kind.BAD_ARGUMENTS);
        }

        @Test
        void utf8RecipientOnlyInAnSmtputf8Transaction() throws Exception {
            String line = "RCPT TO:<\u7528\u6237@\u4f8b\u5b50.example>";
            assertThat(error(line.getBytes(StandardCharsets.UTF_8), false).kind()).isEqualTo(Kind.NON_ASCII_ADDRESS);
            assertThat(((SmtpCommand.Rcpt) parse(line, true)).recipient())
                    .isEqualTo(new ForwardPath.Mailbox(new EmailAddress("\u7528\u6237", "\u4f8b\u5b50.example")));
        }
    }
}
