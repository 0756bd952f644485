package org.twinmail.mail.url;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImapUrlTest {
    @Test
    void absoluteUrlWithSectionPartialAndUrlauth() {
        // RFC 4467 section 9's example, with a PARTIAL (RFC 5092 3.2).
        ImapUrl u = ImapUrl.parse("imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=anonymous:internal:91354a473744909de610943775f92038").orElseThrow();
        assertThat(u.user()).isEqualTo("joe");
        assertThat(u.host()).isEqualTo("example.com");
        assertThat(u.mailbox()).isEqualTo("INBOX");
        assertThat(u.uid()).isEqualTo(20);
        assertThat(u.section()).isEqualTo("1.2");
        assertThat(u.access()).isEqualTo("anonymous");
        assertThat(u.mechanism()).isEqualTo("INTERNAL");
        assertThat(u.token()).isEqualTo("91354a473744909de610943775f92038");
        assertThat(ImapUrl.withoutToken("imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=anonymous:internal:9135"))
                .isEqualTo("imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=anonymous");
        ImapUrl p = ImapUrl.parse("imap://a;AUTH=*@h:143/Sent%20Items;UIDVALIDITY=385759045/;UID=7/;PARTIAL=10.20").orElseThrow();
        assertThat(p.user()).isEqualTo("a");
        assertThat(p.mailbox()).isEqualTo("Sent Items");
        assertThat(p.uidValidity()).isEqualTo(385759045L);
        assertThat(p.partialStart()).isEqualTo(10);
        assertThat(p.partialLength()).isEqualTo(20);
    }

    @Test
    void pathOnlyAndRelativeUrls() {
        ImapUrl u = ImapUrl.parse("/%E6%94%B6%E4%BB%B6%E7%AE%B1/;UID=3").orElseThrow();
        assertThat(u.host()).isNull();
        assertThat(u.mailbox()).isEqualTo("收件箱");
        ImapUrl r = ImapUrl.parse(";UID=5/;SECTION=TEXT").orElseThrow();
        assertThat(r.mailbox()).isNull();
        assertThat(r.uid()).isEqualTo(5);
        assertThat(r.section()).isEqualTo("TEXT");
    }

    @Test
    void refusesWhatNamesNoMessage() {
        assertThat(ImapUrl.parse("imap://h/INBOX")).isEmpty();
        assertThat(ImapUrl.parse("/INBOX/;UID=0")).isEmpty();
        assertThat(ImapUrl.parse("/INBOX/;UID=x")).isEmpty();
        assertThat(ImapUrl.parse("/%zz/;UID=1")).isEmpty();
        assertThat(ImapUrl.parse("/%C3/;UID=1")).isEmpty();
        assertThat(ImapUrl.parse("/INBOX/;UID=1/;FOO=2")).isEmpty();
        assertThat(ImapUrl.parse("/INBOX/;UID=99999999999")).isEmpty();
    }
}
