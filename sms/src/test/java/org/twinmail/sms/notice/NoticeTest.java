package org.twinmail.sms.notice;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.twinmail.mail.header.Header;
import org.twinmail.sms.encoding.Alphabet;
import org.twinmail.sms.encoding.SmsText;
import org.twinmail.sms.notice.NoticeText.Language;

class NoticeTest {
    static final Instant AT = Instant.parse("2026-12-07T11:41:00Z");

    static byte[] msg(String s) {
        return s.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anEnglishNoticeHasSenderTimeInTheUsersZoneSubjectAndSummaryInOneGsmMessage() {
        MailNotice n = MailNotice.read(msg("""
                From: "Alice Smith" <alice@example.org>
                To: bob@example.com
                Subject: Lunch tomorrow?
                Message-ID: <m1@example.org>
                Content-Type: text/plain; charset=utf-8

                Hi Bob,
                are we still on for lunch tomorrow? I booked a table at noon.

                On Mon, 7 Dec 2026 at 09:00, Bob <bob@example.com> wrote:
                > Lunch this week?
                > Bob
                --\u0020
                Alice Smith, ACME
                """), AT);
        assertThat(n.sender()).isEqualTo("Alice Smith");
        assertThat(n.senderAddress()).isEqualTo("alice@example.org");
        assertThat(n.messageId()).isEqualTo("m1@example.org");
        assertThat(n.references()).containsExactly("m1@example.org");
        assertThat(n.summary()).isEqualTo("Hi Bob, are we still on for lunch tomorrow? I booked a table at noon.");
        String text = NoticeText.of(n, Language.EN, ZoneId.of("Europe/Paris"), 1, Optional.empty());
        assertThat(text).isEqualTo("Mail from Alice Smith, 7 Dec 12:41\nLunch tomorrow?\n"
                + "Hi Bob, are we still on for lunch tomorrow? I booked a table at noon.");
        SmsText sms = SmsText.of(text, 1);
        assertThat(sms.alphabet()).isEqualTo(Alphabet.GSM7);
        assertThat(sms.parts()).hasSize(1);
    }

    @Test
    void aChineseNoticeFromGb2312MailIsUcs2AndCutToSeventyCharacters() {
        Charset gb = Charset.forName("GB2312");
        String subject = "=?GB2312?B?" + Base64.getEncoder().encodeToString("明天的会议".getBytes(gb)) + "?=";
        String name = "=?GBK?B?" + Base64.getEncoder().encodeToString("张伟".getBytes(Charset.forName("GBK"))) + "?=";
        byte[] body = ("各位同事：\r\n明天上午十点在三楼会议室开会，讨论下季度的工作计划，请准时参加并带上各自的材料。谢谢大家的配合！\r\n"
                + "------------------ 原始邮件 ------------------\r\n发件人: 李娜\r\n").getBytes(gb);
        String head = "From: " + name + " <zhang@example.cn>\r\nSubject: " + subject
                + "\r\nContent-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
        byte[] m = concat(head.getBytes(StandardCharsets.US_ASCII), body);
        MailNotice n = MailNotice.read(m, AT);
        assertThat(n.sender()).isEqualTo("张伟");
        assertThat(n.subject()).isEqualTo("明天的会议");
        assertThat(n.summary()).startsWith("各位同事： 明天上午十点").doesNotContain("原始邮件").doesNotContain("李娜");
        String text = NoticeText.of(n, Language.ZH, ZoneId.of("Asia/Shanghai"), 1, Optional.empty());
        assertThat(text).startsWith("新邮件 张伟 12月7日 19:41\n明天的会议\n各位同事：").endsWith("...");
        SmsText sms = SmsText.of(text, 1);
        assertThat(sms.alphabet()).isEqualTo(Alphabet.UCS2);
        assertThat(sms.parts()).hasSize(1);
        assertThat(SmsText.units(text)).isBetween(60, 70);
    }

    @Test
    void gb18030AndHtmlBodiesAreReadAsText() {
        Charset gb = Charset.forName("GB18030");
        byte[] html = "<html><head><style>p{}</style></head><body><p>你好&nbsp;<b>世界</b></p><blockquote>引用</blockquote></body></html>".getBytes(gb);
        byte[] m = concat(("From: a@example.cn\r\nSubject: x\r\nContent-Type: text/html; charset=GB18030\r\n\r\n").getBytes(StandardCharsets.US_ASCII), html);
        MailNotice n = MailNotice.read(m, AT);
        assertThat(n.summary()).isEqualTo("你好 世界 引用");
        assertThat(n.sender()).isEqualTo("a@example.cn");
    }

    @Test
    void aLongNoticeIsCutToItsPartsWithAnEllipsisAndNeverSplitsAnEmoji() {
        String body = "Quarterly report 😀 ".repeat(40);
        MailNotice n = MailNotice.read(msg("From: Carol <carol@example.org>\nSubject: Report\n\n" + body), AT);
        String three = NoticeText.of(n, Language.EN, ZoneId.of("UTC"), 3, Optional.of("K7"));
        assertThat(SmsText.partsNeeded(three)).isEqualTo(3);
        assertThat(three).contains("...\nReply: start with #K7");
        SmsText sms = SmsText.of(three, 42);
        assertThat(sms.alphabet()).isEqualTo(Alphabet.UCS2);
        for (String part : sms.texts()) {
            assertThat(Character.isHighSurrogate(part.charAt(part.length() - 1))).isFalse();
            assertThat(Character.isLowSurrogate(part.charAt(0))).isFalse();
        }
        // one more unit would need a fourth part: the cut is the longest that fits
        assertThat(SmsText.units(three)).isGreaterThan(2 * 67 + 60);
        String one = NoticeText.of(n, Language.EN, ZoneId.of("UTC"), 1, Optional.empty());
        assertThat(SmsText.partsNeeded(one)).isEqualTo(1);
        assertThat(one).startsWith("Mail from Carol, 7 Dec 11:41\nReport\nQuarterly report");
    }

    @Test
    void extensionCharactersAtThePartBorderOfAGsmNoticeStayWhole() {
        String body = "Costs {a} [b] ~ 10€ | ".repeat(30);
        MailNotice n = MailNotice.read(msg("From: d@example.org\nSubject: Costs\n\n" + body), AT);
        String text = NoticeText.of(n, Language.EN, ZoneId.of("UTC"), 2, Optional.empty());
        SmsText sms = SmsText.of(text, 1);
        assertThat(sms.alphabet()).isEqualTo(Alphabet.GSM7);
        assertThat(sms.parts()).hasSize(2);
        assertThat(sms.parts().get(0)[sms.parts().get(0).length - 1]).isNotEqualTo((byte) 0x1B);
        assertThat(sms.parts().get(0).length - 6).isLessThanOrEqualTo(153);
        assertThat(text.length()).isGreaterThan(200);
    }

    @Test
    void aMessageWithNoSubjectOrFromStillMakesANotice() {
        MailNotice n = MailNotice.read(msg("To: x@example.org\n\nbody"), AT);
        assertThat(NoticeText.of(n, Language.EN, ZoneId.of("UTC"), 1, Optional.empty()))
                .isEqualTo("Mail from ?, 7 Dec 11:41\n(no subject)\nbody");
        assertThat(NoticeText.of(n, Language.ZH, ZoneId.of("UTC"), 1, Optional.empty()))
                .isEqualTo("新邮件 ? 12月7日 11:41\n(无主题)\nbody");
    }

    @Test
    void aReplyKeepsTheChainOfReferences() {
        MailNotice n = MailNotice.read(msg("From: a@example.org\nReply-To: list@example.org\nMessage-ID: <c@x>\n"
                + "In-Reply-To: <b@x>\nReferences: <a@x> <b@x>\nSubject: Re: plan\n\nok"), AT);
        assertThat(n.references()).containsExactly("a@x", "b@x", "c@x");
        assertThat(n.replyTo()).isEqualTo("list@example.org");
    }

    @Test
    void inlineRepliesKeepTheirOwnLinesAndDropTheQuotes() {
        assertThat(Summary.strip("""
                Ann wrote:
                > first question
                yes
                > second
                no, Friday
                """)).isEqualTo("Ann wrote:\nyes\nno, Friday\n");
        assertThat(Summary.strip("Top\n\n在 2026年12月7日 周一 10:00，李娜 写道：\n> 原文\n")).isEqualTo("Top\n\n");
        assertThat(Summary.strip("Hi\n-----Original Message-----\nFrom: x\n")).isEqualTo("Hi\n");
        assertThat(Summary.strip("Hi\n________________________________\nFrom: x\n")).isEqualTo("Hi\n");
    }

    @Test
    void spamVirusAndBulkMailIsUnwanted() {
        assertThat(Unwanted.reason(Header.parse(msg("X-Spam-Flag: YES\n\n")))).contains("spam");
        assertThat(Unwanted.reason(Header.parse(msg("X-Spam-Status: Yes, score=9.1\n\n")))).contains("spam");
        assertThat(Unwanted.reason(Header.parse(msg("X-Spam-Status: No, score=0.1\n\n")))).isEmpty();
        assertThat(Unwanted.reason(Header.parse(msg("X-Virus-Status: Infected; Eicar\n\n")))).contains("virus");
        assertThat(Unwanted.reason(Header.parse(msg("Precedence: bulk\n\n")))).contains("bulk");
        assertThat(Unwanted.reason(Header.parse(msg("List-Id: <l.example.org>\n\n")))).contains("bulk");
        assertThat(Unwanted.reason(Header.parse(msg("Auto-Submitted: auto-replied\n\n")))).contains("bulk");
        assertThat(Unwanted.reason(Header.parse(msg("Auto-Submitted: no\nSubject: hi\n\n")))).isEmpty();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
