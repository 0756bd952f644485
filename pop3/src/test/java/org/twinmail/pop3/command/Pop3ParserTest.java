package org.twinmail.pop3.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Pop3ParserTest {

    private static ParseResult auth(String line) {
        return parse(line, State.AUTHORIZATION);
    }

    private static ParseResult tx(String line) {
        return parse(line, State.TRANSACTION);
    }

    private static ParseResult parse(String line, State state) {
        return Pop3Parser.parse(line.getBytes(StandardCharsets.UTF_8), false, state);
    }

    private static ParseError.Kind kind(ParseResult r) {
        assertThat(r).isInstanceOf(ParseError.class);
        return ((ParseError) r).kind();
    }

    @Test
    void keywordsAreCaseInsensitive() {
        assertThat(tx("stat")).isEqualTo(new Command.Stat());
        assertThat(tx("StAt")).isEqualTo(new Command.Stat());
        assertThat(auth("user alice@example.com")).isEqualTo(new Command.User("alice@example.com"));
    }

    @Test
    void transactionCommandsWithTheirArguments() {
        assertThat(tx("LIST")).isEqualTo(new Command.List(OptionalInt.empty()));
        assertThat(tx("LIST 3")).isEqualTo(new Command.List(OptionalInt.of(3)));
        assertThat(tx("UIDL")).isEqualTo(new Command.Uidl(OptionalInt.empty()));
        assertThat(tx("UIDL 12")).isEqualTo(new Command.Uidl(OptionalInt.of(12)));
        assertThat(tx("RETR 1")).isEqualTo(new Command.Retr(1));
        assertThat(tx("DELE 2")).isEqualTo(new Command.Dele(2));
        assertThat(tx("TOP 1 0")).isEqualTo(new Command.Top(1, 0));
        assertThat(tx("TOP 4 10")).isEqualTo(new Command.Top(4, 10));
        assertThat(tx("RSET")).isEqualTo(new Command.Rset());
        assertThat(tx("NOOP")).isEqualTo(new Command.Noop());
        assertThat(tx("QUIT")).isEqualTo(new Command.Quit());
        assertThat(tx("CAPA")).isEqualTo(new Command.Capa());
    }

    @Test
    void extraSpacesBetweenArgumentsAreTolerated() {
        assertThat(tx("TOP  1   5 ")).isEqualTo(new Command.Top(1, 5));
        assertThat(tx("LIST ")).isEqualTo(new Command.List(OptionalInt.empty()));
    }

    @Test
    void passKeepsSpacesAndEverythingAfterTheFirstSpace() {
        ParseResult r = auth("PASS  my secret pass ");
        assertThat(r).isInstanceOf(Command.Pass.class);
        assertThat(new String(((Command.Pass) r).password())).isEqualTo(" my secret pass ");
        assertThat(r.toString()).doesNotContain("secret");
    }

    @Test
    void passAcceptsUtf8() {
        ParseResult r = auth("PASS pässwörd");
        assertThat(new String(((Command.Pass) r).password())).isEqualTo("pässwörd");
    }

    @Test
    void passNeedsAPassword() {
        assertThat(kind(auth("PASS"))).isEqualTo(ParseError.Kind.SYNTAX);
        assertThat(kind(auth("PASS "))).isEqualTo(ParseError.Kind.SYNTAX);
    }

    @Test
    void authForms() {
        assertThat(auth("AUTH")).isEqualTo(new Command.Auth(null, null));
        assertThat(auth("AUTH plain")).isEqualTo(new Command.Auth("PLAIN", null));
        assertThat(auth("AUTH PLAIN AGFsaWNlAHNlY3JldA==")).isEqualTo(new Command.Auth("PLAIN", "AGFsaWNlAHNlY3JldA=="));
        assertThat(auth("AUTH PLAIN =")).isEqualTo(new Command.Auth("PLAIN", ""));
        assertThat(auth("AUTH PLAIN a b")).isEqualTo(new ParseError(ParseError.Kind.SYNTAX, "Too many arguments"));
        assertThat(kind(auth("AUTH PLAIN not*base64"))).isEqualTo(ParseError.Kind.SYNTAX);
        assertThat(kind(auth("AUTH PL@IN"))).isEqualTo(ParseError.Kind.SYNTAX);
        assertThat(kind(auth("AUTH ABCDEFGHIJKLMNOPQRSTU"))).isEqualTo(ParseError.Kind.SYNTAX);
    }

    @Test
    void commandTableDecidesTheState() {
        for (String s : new String[] {"STAT", "LIST", "RETR 1", "TOP 1 1", "UIDL", "DELE 1", "RSET", "NOOP"}) {
            assertThat(kind(auth(s))).as(s).isEqualTo(ParseError.Kind.WRONG_STATE);
        }
        for (String s : new String[] {"USER bob", "PASS x", "AUTH PLAIN"}) {
            assertThat(kind(tx(s))).as(s).isEqualTo(ParseError.Kind.WRONG_STATE);
        }
        assertThat(auth("CAPA")).isEqualTo(new Command.Capa());
        assertThat(auth("QUIT")).isEqualTo(new Command.Quit());
    }

    @Test
    void wrongStateIsReportedBeforeArgumentsAreLookedAt() {
        assertThat(kind(auth("RETR x"))).isEqualTo(ParseError.Kind.WRONG_STATE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"HELO", "APOP bob 1234", "XX", "RETRIEVE 1", "RETR1", " STAT", "EHLO example.com", "ST AT"})
    void unknownCommands(String line) {
        assertThat(kind(tx(line))).isEqualTo(ParseError.Kind.UNKNOWN_COMMAND);
    }

    @ParameterizedTest
    @CsvSource({"RETR x", "RETR -1", "RETR +1", "RETR 1.5", "DELE 0x1", "LIST one", "UIDL -2", "TOP a 1"})
    void malformedMessageNumbers(String line) {
        assertThat(kind(tx(line))).isEqualTo(ParseError.Kind.INVALID_NUMBER);
    }

    @Test
    void numbersBeyondIntNameNoMessageInsteadOfWrappingAround() {
        assertThat(tx("RETR 4294967297")).isEqualTo(new Command.Retr(Integer.MAX_VALUE));
        assertThat(tx("RETR 99999999999999999999999")).isEqualTo(new Command.Retr(Integer.MAX_VALUE));
        assertThat(tx("TOP 1 99999999999999999999999")).isEqualTo(new Command.Top(1, Long.MAX_VALUE));
        assertThat(tx("RETR 0")).isEqualTo(new Command.Retr(0));
    }

    @Test
    void argumentCounts() {
        assertThat(kind(tx("RETR"))).isEqualTo(ParseError.Kind.SYNTAX);
        assertThat(kind(tx("RETR 1 2"))).isEqualTo(ParseError.Kind.SYNTAX);
        assertThat(kind(tx("DELE"))).isEqualTo(ParseError.Kind.SYNTAX);
        assertThat(kind(tx("TOP 1"))).isEqualTo(ParseError.Kind.SYNTAX);
        assertThat(kind(tx("TOP 1 -1"))).isEqualTo(ParseError.Kind.SYNTAX);
        assertThat(kind(tx("TOP 1 2 3"))).isEqualTo(ParseError.Kind.SYNTAX);
        assertThat(kind(tx("LIST 1 2"))).isEqualTo(ParseError.Kind.SYNTAX);
        assertThat(kind(tx("STAT 1"))).isEqualTo(ParseError.Kind.SYNTAX);
        assertThat(kind(tx("QUIT now"))).isEqualTo(ParseError.Kind.SYNTAX);
        assertThat(kind(auth("USER"))).isEqualTo(ParseError.Kind.SYNTAX);
        assertThat(kind(auth("USER a b"))).isEqualTo(ParseError.Kind.SYNTAX);
    }

    @Test
    void emptyLine() {
        assertThat(kind(tx(""))).isEqualTo(ParseError.Kind.EMPTY);
    }

    @Test
    void tooLongWinsOverEverything() {
        assertThat(kind(Pop3Parser.parse("STAT".getBytes(StandardCharsets.US_ASCII), true, State.TRANSACTION)))
                .isEqualTo(ParseError.Kind.LINE_TOO_LONG);
    }

    @ParameterizedTest
    @ValueSource(strings = {"STAT\0", "\0", "US\0ER bob", "PASS se\0cret", "NOOP\r", "RETR\t1", "LIST\u007f"})
    void controlCharactersAreRefused(String line) {
        assertThat(kind(parse(line, line.startsWith("US") || line.startsWith("PASS") ? State.AUTHORIZATION : State.TRANSACTION)))
                .isEqualTo(ParseError.Kind.INVALID_CHARACTERS);
    }

    @Test
    void invalidUtf8IsRefused() {
        byte[] latin1 = {'P', 'A', 'S', 'S', ' ', (byte) 0xe4, 'x'};
        assertThat(kind(Pop3Parser.parse(latin1, false, State.AUTHORIZATION))).isEqualTo(ParseError.Kind.INVALID_CHARACTERS);
        byte[] user = {'U', 'S', 'E', 'R', ' ', (byte) 0xff};
        assertThat(kind(Pop3Parser.parse(user, false, State.AUTHORIZATION))).isEqualTo(ParseError.Kind.INVALID_CHARACTERS);
    }

    @Test
    void errorTextsNeverEchoClientInput() {
        for (String line : new String[] {"BOGUS <script>", "RETR evil", "USER a b", "AUTH PLAIN x y z"}) {
            ParseResult r = parse(line, line.startsWith("RETR") ? State.TRANSACTION : State.AUTHORIZATION);
            assertThat(((ParseError) r).text()).doesNotContain("script", "evil", "x y");
        }
    }

    @Test
    void saslResponses() {
        assertThat(Pop3Parser.parseSaslResponse("*".getBytes(StandardCharsets.US_ASCII), false)).isEqualTo(new SaslResponse.Cancel());
        assertThat(Pop3Parser.parseSaslResponse("AGEAYg==".getBytes(StandardCharsets.US_ASCII), false))
                .isEqualTo(new SaslResponse.Data("AGEAYg=="));
        assertThat(Pop3Parser.parseSaslResponse(new byte[0], false)).isEqualTo(new SaslResponse.Data(""));
        assertThat(Pop3Parser.parseSaslResponse("not base64!".getBytes(StandardCharsets.US_ASCII), false))
                .isInstanceOfSatisfying(ParseError.class, e -> assertThat(e.kind()).isEqualTo(ParseError.Kind.SYNTAX));
        assertThat(Pop3Parser.parseSaslResponse("**".getBytes(StandardCharsets.US_ASCII), false)).isInstanceOf(ParseError.class);
        assertThat(Pop3Parser.parseSaslResponse("AAAA".getBytes(StandardCharsets.US_ASCII), true))
                .isInstanceOfSatisfying(ParseError.class, e -> assertThat(e.kind()).isEqualTo(ParseError.Kind.LINE_TOO_LONG));
    }

    @Test
    void verbLookup() {
        assertThat(Verb.lookup("uidl")).isEqualTo(Verb.UIDL);
        assertThat(Verb.lookup("TO")).isNull();
        assertThat(Verb.lookup("QUITX")).isNull();
        assertThat(Verb.lookup("")).isNull();
    }

    @Test
    void capabilitiesAnnouncedInBothStatesAndExtensible() {
        Capabilities caps = Capabilities.standard();
        assertThat(caps.lines(State.AUTHORIZATION)).containsExactly(
                "TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "SASL PLAIN LOGIN", "IMPLEMENTATION TwinMail");
        assertThat(caps.lines(State.TRANSACTION)).isEqualTo(caps.lines(State.AUTHORIZATION));
        Capabilities withStls = caps.with(new Capabilities.Capability("STLS", java.util.EnumSet.of(State.AUTHORIZATION)));
        assertThat(withStls.lines(State.AUTHORIZATION)).endsWith("STLS");
        assertThat(withStls.lines(State.TRANSACTION)).doesNotContain("STLS");
    }
}
