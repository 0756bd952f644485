package org.twinmail.smtp.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.twinmail.smtp.command.Verb;

class CommandTableTest {

    @Test
    void everyVerbHasARow() {
        for (Verb v : Verb.values()) assertThat(CommandTable.entry(v)).as(v.name()).isNotNull();
    }

    @Test
    void transactionCommandsFollowRfc5321Sequence() {
        assertThat(CommandTable.entry(Verb.MAIL).allowedIn()).containsExactly(SessionState.GREETED);
        assertThat(CommandTable.entry(Verb.RCPT).allowedIn()).containsExactlyInAnyOrder(SessionState.MAIL, SessionState.RCPT);
        assertThat(CommandTable.entry(Verb.DATA).allowedIn()).containsExactlyInAnyOrder(SessionState.MAIL, SessionState.RCPT);
        for (Verb v : EnumSet.of(Verb.HELO, Verb.EHLO, Verb.RSET, Verb.NOOP, Verb.QUIT, Verb.VRFY, Verb.HELP)) {
            assertThat(CommandTable.entry(v).allowedIn()).as(v.name()).isEqualTo(EnumSet.allOf(SessionState.class));
        }
        assertThat(CommandTable.entry(Verb.RCPT).outOfSequence(SessionState.CONNECTED)).contains("HELO/EHLO first");
        assertThat(CommandTable.entry(Verb.MAIL).outOfSequence(SessionState.RCPT)).contains("nested MAIL");
    }

    @Test
    void junkAndOfferedVerbs() {
        assertThat(Arrays.stream(Verb.values()).filter(v -> CommandTable.entry(v).junk()))
                .containsExactlyInAnyOrder(Verb.RSET, Verb.NOOP, Verb.VRFY, Verb.HELP, Verb.EXPN);
        assertThat(CommandTable.offered()).containsExactly(Verb.HELO, Verb.EHLO, Verb.MAIL, Verb.RCPT, Verb.DATA,
                Verb.RSET, Verb.NOOP, Verb.QUIT, Verb.VRFY, Verb.HELP);
    }
}
