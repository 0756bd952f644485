package org.twinmail.mail.address;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 5322 Appendix A, field by field, and messy real-world lists. */
class AddressParserTest {
    private static Mailbox mb(String name, String local, String domain) {
        return new Mailbox(name, name, null, local, domain);
    }

    private static List<Address> clean(String value) {
        AddressList l = AddressParser.parse(value);
        assertThat(l.problems()).as(value).isEmpty();
        return l.addresses();
    }

    @Test
    void a11AddressingExamples() {
        assertThat(clean("John Doe <jdoe@machine.example>")).containsExactly(mb("John Doe", "jdoe", "machine.example"));
        assertThat(clean("Mary Smith <mary@example.net>")).containsExactly(mb("Mary Smith", "mary", "example.net"));
    }

    @Test
    void a12DifferentTypesOfMailboxes() {
        assertThat(clean("\"Joe Q. Public\" <john.q.public@example.com>")).containsExactly(mb("Joe Q. Public", "john.q.public", "example.com"));
        assertThat(clean("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>"))
                .containsExactly(mb("Mary Smith", "mary", "x.test"), mb(null, "jdoe", "example.org"), mb("Who?", "one", "y.test"));
        assertThat(clean("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>"))
                .containsExactly(mb(null, "boss", "nil.test"), mb("Giant; \"Big\" Box", "sysservices", "example.net"));
    }

    @Test
    void a13GroupAddresses() {
        assertThat(clean("Pete <pete@silly.example>")).containsExactly(mb("Pete", "pete", "silly.example"));
        assertThat(clean("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;")).containsExactly(
                new Group("A Group", "A Group", List.of(mb("Ed Jones", "c", "a.test"), mb(null, "joe", "where.test"), mb("John", "jdoe", "one.test"))));
        assertThat(clean("Undisclosed recipients:;")).containsExactly(new Group("Undisclosed recipients", "Undisclosed recipients", List.of()));
        assertThat(clean("undisclosed-recipients:;")).containsExactly(new Group("undisclosed-recipients", "undisclosed-recipients", List.of()));
    }

    @Test
    void a2ReplyAndA4ResentFields() {
        assertThat(clean("\"Mary Smith: Personal Account\" <smith@home.example>"))
                .containsExactly(mb("Mary Smith: Personal Account", "smith", "home.example"));
        assertThat(clean("Jane Brown <j-brown@other.example>")).containsExactly(mb("Jane Brown", "j-brown", "other.example"));
        assertThat(clean("Mary Smith <mary@example.net>")).hasSize(1);
    }

    @Test
    void a5WhiteSpaceCommentsAndOtherOddities() {
        assertThat(clean("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>")).containsExactly(mb("Pete", "pete", "silly.test"));
        assertThat(clean("A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n         joe@example.org,\r\n"
                + "  John <jdoe@one.test> (my dear friend); (the end of the group)")).containsExactly(
                new Group("A Group", "A Group", List.of(mb("Chris Jones", "c", "public.example"), mb(null, "joe", "example.org"), mb("John", "jdoe", "one.test"))));
        assertThat(clean("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;"))
                .containsExactly(new Group("Hidden recipients", "Hidden recipients", List.of()));
    }

    @Test
    void a6ObsoleteForms() {
        // A.6.1: obs-phrase with a dot, a source route, an empty list element, CFWS around dots
        assertThat(clean("Joe Q. Public <john.q.public@example.com>")).containsExactly(mb("Joe Q. Public", "john.q.public", "example.com"));
        assertThat(clean("Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example")).containsExactly(
                new Mailbox("Mary Smith", "Mary Smith", "@node.test", "mary", "example.net"), mb(null, "jdoe", "test.example"));
        // A.6.3: comments inside the domain, a phrase folded over a whitespace-only line
        assertThat(clean("John Doe <jdoe@machine(comment).  example>")).containsExactly(mb("John Doe", "jdoe", "machine.example"));
        assertThat(clean("Mary Smith\r\n  \r\n <mary@example.net>")).containsExactly(mb("Mary Smith", "mary", "example.net"));
        // several routes
        assertThat(clean("<@a.example,@b.example:u@c.example>")).containsExactly(new Mailbox(null, null, "@a.example,@b.example", "u", "c.example"));
    }

    @Test
    void commentsQuotedLocalPartsLiteralsAndEncodedNames() {
        assertThat(clean("jdoe@one.test (John Doe)")).containsExactly(mb("John Doe", "jdoe", "one.test"));
        assertThat(clean("\"john doe\"@example.com")).containsExactly(mb(null, "\"john doe\"", "example.com"));
        assertThat(clean("\"a,b@c\"@example.com, x@[192.0.2.1]"))
                .containsExactly(mb(null, "\"a,b@c\"", "example.com"), mb(null, "x", "[192.0.2.1]"));
        assertThat(clean("=?UTF-8?B?5byg5LiJ?= <zhang@example.cn>"))
                .containsExactly(new Mailbox("张三", "=?UTF-8?B?5byg5LiJ?=", null, "zhang", "example.cn"));
        assertThat(clean("\"=?gb2312?B?1dTA2g==?=\" <z@example.cn>"))
                .containsExactly(new Mailbox("赵磊", "=?gb2312?B?1dTA2g==?=", null, "z", "example.cn"));
        assertThat(clean("z@example.cn (=?UTF-8?Q?J=C3=B6rg?=)")).containsExactly(new Mailbox("Jörg", "=?UTF-8?Q?J=C3=B6rg?=", null, "z", "example.cn"));
        // RFC 6532: UTF-8 everywhere
        assertThat(clean("Jörg Müller <jörg@bücher.example>")).containsExactly(mb("Jörg Müller", "jörg", "bücher.example"));
        assertThat(AddressParser.parse("<>").addresses()).containsExactly(new Mailbox(null, null, null, null, null));
    }

    @Test
    void garbageGivesWhatCouldBeReadAndProblems() {
        AddressList unterminatedQuote = AddressParser.parse("\"Bob <bob@x.example>, alice@a.example");
        assertThat(unterminatedQuote.clean()).isFalse();
        AddressList unterminatedComment = AddressParser.parse("alice@a.example (Alice, bob@b.example");
        assertThat(unterminatedComment.mailboxes()).extracting(Mailbox::address).containsExactly("alice@a.example");
        assertThat(unterminatedComment.problems()).anyMatch(p -> p.contains("comment"));
        AddressList noClose = AddressParser.parse("Bob <bob@x.example, carol@c.example");
        assertThat(noClose.clean()).isFalse();
        assertThat(noClose.mailboxes()).extracting(Mailbox::address).contains("bob@x.example");
        AddressList bare = AddressParser.parse("nobody, root@localhost");
        assertThat(bare.mailboxes()).extracting(Mailbox::address).containsExactly("nobody", "root@localhost");
        assertThat(bare.problems()).hasSize(1);
        AddressList openGroup = AddressParser.parse("team: a@b.example, c@d.example");
        assertThat(openGroup.mailboxes()).extracting(Mailbox::address).containsExactly("a@b.example", "c@d.example");
        assertThat(openGroup.clean()).isFalse();
        assertThat(AddressParser.parse("").addresses()).isEmpty();
        assertThat(AddressParser.parse(null).addresses()).isEmpty();
        assertThat(AddressParser.parse(">>>,;;:<<@@").clean()).isFalse();
    }

    @Test
    void firstMailbox() {
        assertThat(AddressParser.firstMailbox("\"Bob <b@x.example>\" <a@y.example>")).map(Mailbox::domain).contains("y.example");
        assertThat(AddressParser.firstMailbox("undisclosed")).isEmpty();
        assertThat(AddressParser.firstMailbox("team: m@g.example;")).map(Mailbox::address).contains("m@g.example");
    }
}
