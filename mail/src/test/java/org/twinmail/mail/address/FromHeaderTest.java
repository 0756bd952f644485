package org.twinmail.mail.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.core.mail.EmailAddress;

class FromHeaderTest {

    static List<String> from(String message) throws Exception {
        return FromHeader.addresses(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)))
                .stream().map(EmailAddress::toString).toList();
    }

    @Test
    void displayNamesQuotesCommentsAndFolding() throws Exception {
        assertThat(from("Received: x\r\nFrom: alice@a.example\r\n\r\nFrom: body@x.example\r\n")).containsExactly("alice@a.example");
        assertThat(from("from: \"Bob, <bob@x.example>\" <alice@a.example>\r\n\r\n")).containsExactly("alice@a.example");
        assertThat(from("From: (Bob <bob@x.example>) alice@a.example\r\n\r\n")).containsExactly("alice@a.example");
        assertThat(from("From: Alice <alice@a.example>,\r\n\tCarol <carol@c.example>\r\nSender: alice@a.example\r\n\r\n"))
                .containsExactly("alice@a.example", "carol@c.example");
    }

    @Test
    void missingRepeatedOrBrokenFromIsRefused() {
        assertThatThrownBy(() -> from("Subject: x\r\n\r\nFrom: late@x.example\r\n")).hasMessageContaining("no From");
        assertThatThrownBy(() -> from("From: a@a.example\r\nFrom: b@b.example\r\n\r\n")).hasMessageContaining("more than one");
        assertThatThrownBy(() -> from("From: <a@a.example\r\n\r\n")).isInstanceOf(FromHeader.Malformed.class);
        assertThatThrownBy(() -> from("From: undisclosed: a@a.example;\r\n\r\n")).isInstanceOf(FromHeader.Malformed.class);
        assertThatThrownBy(() -> from("From: nobody\r\n\r\n")).isInstanceOf(FromHeader.Malformed.class);
    }

    @Test
    void whatTheParserHadToGuessAtIsRefused() {
        assertThatThrownBy(() -> from("From: \"Bob <bob@x.example>, alice@a.example\r\n\r\n")).hasMessageContaining("quoted string");
        assertThatThrownBy(() -> from("From: alice@a.example (Alice\r\n\r\n")).hasMessageContaining("comment");
        assertThatThrownBy(() -> from("From: Alice <alice@a.example> junk\r\n\r\n")).isInstanceOf(FromHeader.Malformed.class);
        assertThatThrownBy(() -> from("From: undisclosed-recipients:;\r\n\r\n")).hasMessageContaining("group");
    }

    @Test
    void obsoleteButExactFormsAreRead() throws Exception {
        // RFC 5322 4.4: a source route is read past, comments and folding anywhere
        assertThat(from("From: Alice <@relay.example:alice@a.example>\r\n\r\n")).containsExactly("alice@a.example");
        assertThat(from("From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>\r\n\r\n")).containsExactly("pete@silly.test");
        assertThat(from("From: =?UTF-8?B?5byg5LiJ?= <zhang@example.cn>\r\n\r\n")).containsExactly("zhang@example.cn");
    }

    @Test
    void onlyTheGivenHeaderBytesAreSearched() throws Exception {
        String message = "X-Pad: " + "p".repeat(200) + "\r\nFrom: alice@a.example\r\n\r\n";
        assertThat(FromHeader.addresses(new ByteArrayInputStream(message.getBytes(StandardCharsets.US_ASCII)), 1000)).hasSize(1);
        assertThatThrownBy(() -> FromHeader.addresses(new ByteArrayInputStream(message.getBytes(StandardCharsets.US_ASCII)), 100))
                .hasMessageContaining("no From");
    }
}
