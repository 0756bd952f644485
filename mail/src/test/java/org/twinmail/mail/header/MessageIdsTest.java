package org.twinmail.mail.header;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MessageIdsTest {
    @Test
    void rfc5322Identifiers() {
        // A.2 and A.3
        assertThat(MessageIds.parse("<1234@local.machine.example>")).containsExactly("1234@local.machine.example");
        assertThat(MessageIds.parse("<1234@local.machine.example> <3456@example.net>"))
                .containsExactly("1234@local.machine.example", "3456@example.net");
        assertThat(MessageIds.parse("<abcd.1234@local.machine.test>\r\n <3456@example.net>"))
                .containsExactly("abcd.1234@local.machine.test", "3456@example.net");
        // A.6.2: obsolete CFWS inside the brackets
        assertThat(MessageIds.parse("<1234   @   local(blah)  .machine .example>")).containsExactly("1234@local.machine.example");
        // obs-phrase in In-Reply-To, and an address in a comment, are not identifiers
        assertThat(MessageIds.parse("Your message of today <a@b.example> (from <c@d.example>)")).containsExactly("a@b.example");
        // broken ones
        assertThat(MessageIds.parse("<no-at-sign> <@x> <x@> <unclosed@x.example")).isEmpty();
        assertThat(MessageIds.parse("<<a@b.example>")).containsExactly("a@b.example");
        assertThat(MessageIds.parse(null)).isEmpty();
        assertThat(MessageIds.parse("(unterminated <a@b.example>")).isEmpty();
    }
}
