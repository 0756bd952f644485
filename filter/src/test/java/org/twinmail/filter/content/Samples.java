package org.twinmail.filter.content;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

/**
 * Messages written for these tests in the shapes real ham and spam take (no real spam is
 * committed): a colleague's note, a newsletter, a report with an attachment; a phishing mail, a
 * malware mail, a hidden-text mail with a shortened link in a far charset.
 */
final class Samples {
    private Samples() {
    }

    static byte[] bytes(String s) {
        return s.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    static final String HAM_COLLEAGUE = """
            Return-Path: <maria.rossi@example.org>
            From: Maria Rossi <maria.rossi@example.org>
            To: Team <team@example.com>
            Subject: Minutes of Tuesday's planning meeting
            Date: Tue, 01 Dec 2026 16:02:11 +0100
            Message-ID: <20261201160211.4711@mail.example.org>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            Hi all,

            the minutes of Tuesday's meeting are below. We agreed to move the release
            of the billing module to the 14th, after the security review. Ahmed will
            send the revised schedule by Friday; please check your tasks in the tracker.

            Open points: the budget for the test machines, and who covers support
            during the holidays. See https://wiki.example.org/planning/2026-12 for details.

            Thanks,
            Maria
            """;

    static final String HAM_NEWSLETTER = """
            From: Example Bookshop <news@mail.examplebooks.co.uk>
            Reply-To: Customer Service <service@examplebooks.co.uk>
            To: reader@example.com
            Subject: =?utf-8?Q?New_this_week:_winter_reading_=E2=9D=84?=
            Date: Wed, 02 Dec 2026 07:30:00 +0000
            Message-ID: <nl-2026-49.reader@mail.examplebooks.co.uk>
            MIME-Version: 1.0
            Content-Type: multipart/alternative; boundary="b1"

            --b1
            Content-Type: text/plain; charset=utf-8

            New this week: winter reading. Our staff picks, the crime novels of the
            season and a poetry anthology. Browse at https://www.examplebooks.co.uk/winter
            Unsubscribe: https://www.examplebooks.co.uk/unsubscribe?u=42
            --b1
            Content-Type: text/html; charset=utf-8

            <html><body><h1>New this week: winter reading</h1>
            <p>Our staff picks, the crime novels of the season and a poetry anthology.</p>
            <p><a href="https://www.examplebooks.co.uk/winter?utm_source=nl">www.examplebooks.co.uk/winter</a></p>
            <p style="font-size:11px;color:#777">You get this because you subscribed.
            <a href="https://www.examplebooks.co.uk/unsubscribe?u=42">Unsubscribe</a></p>
            </body></html>
            --b1--
            """;

    static final String HAM_REPORT = """
            From: Jan de Vries <jan@example.net>
            To: finance@example.com
            Subject: Q3 report attached
            Date: Thu, 03 Dec 2026 09:15:00 +0100
            Message-ID: <a1b2c3@example.net>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="m"

            --m
            Content-Type: text/plain; charset=us-ascii

            Hello, please find the Q3 report attached, as discussed on the phone.
            Regards, Jan
            --m
            Content-Type: application/pdf; name="report-Q3.pdf"
            Content-Disposition: attachment; filename="report-Q3.pdf"
            Content-Transfer-Encoding: base64

            JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK
            --m--
            """;

    static final String SPAM_PHISHING = """
            From: "PayPal service@paypal.com" <noreply@secure-acct-verify.example.net>
            To: victim@example.com
            Subject: URGENT: YOUR ACCOUNT HAS BEEN SUSPENDED
            Date: Fri, 04 Dec 2026 03:12:44 +0000
            MIME-Version: 1.0
            Content-Type: text/html; charset=iso-8859-1

            <html><body><p>Dear Customer,</p>
            <p>We noticed unusual activity and your account has been limited. Verify your
            identity within 24 hours or your account will be closed.</p>
            <p><a href="http://198.51.100.23/paypal/login.php">https://www.paypal.com/signin</a></p>
            </body></html>
            """;

    static final String SPAM_MALWARE = """
            From: Accounts <accounts@billing-dept.example>
            To: victim@example.com
            Subject: Invoice 88231 overdue
            Message-ID: <x88231@billing-dept.example>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="z"

            --z
            Content-Type: text/plain

            Please see the attached invoice and pay today.
            --z
            Content-Type: application/octet-stream; name="invoice-88231.pdf.exe"
            Content-Disposition: attachment; filename="invoice-88231.pdf.exe"
            Content-Transfer-Encoding: base64

            TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
            --z--
            """;

    /** Hidden filler text, a shortened link, a Subject in KOI8-R. */
    static String spamHidden() {
        String subject = "=?koi8-r?B?" + Base64.getEncoder().encodeToString(
                "Лучшее предложение".getBytes(java.nio.charset.Charset.forName("KOI8-R"))) + "?=";
        return """
                From: Best Offers <offers@promo-mailer.example>
                To: someone@example.com
                Subject: %s
                Date: Sat, 05 Dec 2026 11:00:00 +0300
                Message-ID: <p1@promo-mailer.example>
                MIME-Version: 1.0
                Content-Type: text/html; charset=utf-8

                <html><body><p>Limited offer, click now: <a href="https://bit.ly/3xAbCdE">see the offer</a></p>
                <div style="display: none">meeting agenda budget quarterly review project deadline thanks regards</div>
                </body></html>
                """.formatted(subject);
    }

    // ---- corpora for the classifier: messages built from word lists, seeded ----

    static final String[] SPAM_WORDS = ("viagra casino winner lottery crypto bitcoin investment guaranteed profit cheap pills "
            + "offer click unsubscribe million dollars urgent limited bonus free prize claim wealth loan credit approved "
            + "discount replica watches weight loss miracle").split(" ");
    static final String[] HAM_WORDS = ("meeting agenda budget quarterly review project deadline attached thanks regards "
            + "schedule minutes release module tracker support holiday colleague document draft proposal customer "
            + "invoice contract team office lunch tomorrow monday tuesday report").split(" ");
    static final String[] COMMON = "the and you your for with this that have will are our from please".split(" ");

    static String corpusMessage(Random r, boolean spam, int n) {
        String[] words = spam ? SPAM_WORDS : HAM_WORDS;
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            body.append(r.nextInt(3) == 0 ? COMMON[r.nextInt(COMMON.length)] : words[r.nextInt(words.length)]).append(i % 12 == 11 ? "\n" : " ");
        }
        String subject = words[r.nextInt(words.length)] + " " + words[r.nextInt(words.length)];
        return """
                From: sender%d@%s
                To: user@example.com
                Subject: %s
                Date: Mon, 07 Dec 2026 10:00:00 +0000
                Message-ID: <m%d.%b@example.test>
                Content-Type: text/plain; charset=utf-8

                %s
                """.formatted(n, spam ? "offers.example" : "partner.example", subject, n, spam, body);
    }
}
