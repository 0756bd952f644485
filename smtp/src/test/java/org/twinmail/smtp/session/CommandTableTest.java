package org.twinmail.smtp.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.twinmail.smtp.command.Verb;

class CommandTableTest {
    private static final CommandTable MX = CommandTable.of(SmtpMode.MX);
    private static final CommandTable SUBMISSION = CommandTable.of(SmtpMode.SUBMISSION);

    @Test
    void everyVerbHasARow() {
        for (Verb v : Verb.values()) assertThat(MX.entry(v)).as(v.name()).isNotNull();
    }

    @Test
    void transactionCommandsFollowRfc5321Sequence() {
        assertThat(MX.entry(Verb.MAIL).allowedIn()).containsExactly(SessionState.GREETED);
        assertThat(MX.entry(Verb.RCPT).allowedIn()).containsExactlyInAnyOrder(SessionState.MAIL, SessionState.RCPT);
        assertThat(MX.entry(Verb.DATA).allowedIn()).containsExactlyInAnyOrder(SessionState.MAIL, SessionState.RCPT);
        for (Verb v : EnumSet.of(Verb.HELO, Verb.EHLO, Verb.RSET, Verb.NOOP, Verb.QUIT, Verb.VRFY, Verb.HELP)) {
            assertThat(MX.entry(v).allowedIn()).as(v.name()).isEqualTo(EnumSet.allOf(SessionState.class));
        }
        assertThat(MX.entry(Verb.RCPT).outOfSequence(SessionState.CONNECTED)).contains("HELO/EHLO first");
        assertThat(MX.entry(Verb.MAIL).outOfSequence(SessionState.RCPT)).contains("nested MAIL");
    }

    @Test
    void junkAndOfferedVerbs() {
        assertThat(Arrays.stream(Verb.values()).filter(v -> MX.entry(v).junk()))
                .containsExactlyInAnyOrder(Verb.RSET, Verb.NOOP, Verb.VRFY, Verb.HELP, Verb.EXPN);
        assertThat(MX.offered()).containsExactly(Verb.HELO, Verb.EHLO, Verb.MAIL, Verb.RCPT, Verb.DATA,
                Verb.RSET, Verb.NOOP, Verb.QUIT, Verb.VRFY, Verb.HELP, Verb.STARTTLS);
    }

    @Test
    void onlySubmissionOffersAuthAndNeitherDuringATransaction() {
        assertThat(MX.entry(Verb.AUTH).offered()).isFalse();
        assertThat(SUBMISSION.entry(Verb.AUTH).offered()).isTrue();
        assertThat(SUBMISSION.entry(Verb.AUTH).allowedIn()).containsExactly(SessionState.GREETED);
        assertThat(SUBMISSION.entry(Verb.STARTTLS).allowedIn()).containsExactly(SessionState.GREETED);
        // RFC 4468: BURL takes a user's IMAP URL, so only submission offers it, within a transaction.
        assertThat(MX.entry(Verb.BURL).offered()).isFalse();
        assertThat(SUBMISSION.entry(Verb.BURL).offered()).isTrue();
        assertThat(SUBMISSION.entry(Verb.BURL).allowedIn()).containsExactlyInAnyOrder(SessionState.MAIL, SessionState.RCPT);
        for (Verb v : Verb.values()) {
            if (v != Verb.AUTH && v != Verb.BURL) assertThat(SUBMISSION.entry(v)).as(v.name()).isEqualTo(MX.entry(v));
        }
    }
}
