package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.search.IndexUpdater;
import org.twinmail.search.SearchIndex;
import org.twinmail.store.Delivery;

/**
 * The full-text index must not change what SEARCH answers: the same SEARCH on a server with
 * the index and on one without (which parses every message) gives the same result, for every
 * text key and a corpus of English and Chinese mail in several charsets and encodings, whether
 * the index holds none, all or only some of the messages.
 */
class ImapSearchIndexTest {
    @TempDir
    Path dir;

    private static final List<String> KEYS = List.of("SUBJECT", "FROM", "TO", "CC", "BCC", "BODY", "TEXT");
    private static final String[] WORDS = {"report", "meeting", "Quarterly", "budget", "invoice", "travel", "Straße", "STRASSE",
            "İstanbul", "ΣΊΣΥΦΟΣ", "邮件", "系统", "会议", "通知", "项目", "进度", "报告", "北京", "上海", "明天", "请查收", "naïve", "café"};

    @Test
    void searchWithTheIndexAnswersExactlyAsTheFullParse() throws Exception {
        try (ImapFixture f = new ImapFixture(dir)) {
            Account a = f.account();
            Random random = new Random(20261207);
            for (byte[] m : corpus(random, 60)) deliver(f, a, m);
            try (SearchIndex index = SearchIndex.open(dir.resolve("index"), 2_000)) {
                ImapServer plain = f.serverWithIndex(null);
                ImapServer indexed = f.serverWithIndex(index);
                List<String> needles = needles();

                // 1. the index holds nothing yet: every message goes the old way
                int nonEmpty = compare(f, a, plain, indexed, needles);
                assertThat(nonEmpty).as("queries that find something").isGreaterThan(needles.size());

                // 2. the index holds everything (messages over 2,000 characters excepted)
                IndexUpdater updater = IndexUpdater.start(index, f.store, f.store, f.store, 50);
                awaitCaughtUp(f, index);
                assertThat(index.size()).isEqualTo(60);
                compare(f, a, plain, indexed, needles);
                updater.close();

                // 3. messages delivered while the index was not kept up: those are searched on the message
                for (byte[] m : corpus(random, 20)) deliver(f, a, m);
                f.store.expunge(f.store.mailbox(a.id(), "INBOX").orElseThrow().id(), List.of(3L, 5L));
                compare(f, a, plain, indexed, needles);

                // 4. and caught up again
                updater = IndexUpdater.start(index, f.store, f.store, f.store, 50);
                awaitCaughtUp(f, index);
                assertThat(index.size()).isEqualTo(78);
                compare(f, a, plain, indexed, needles);
                updater.close();
            }
        }
    }

    /** Runs every key with every needle on both servers and asserts equal answers; returns how many found something. */
    private static int compare(ImapFixture f, Account a, ImapServer plain, ImapServer indexed, List<String> needles) throws Exception {
        int nonEmpty = 0;
        try (ImapClient p = login(plain, a); ImapClient i = login(indexed, a)) {
            int tag = 0;
            for (String key : KEYS) {
                for (String needle : needles) {
                    String command = "UID SEARCH CHARSET UTF-8 " + key + " " + astring(needle);
                    List<String> expected = p.command("t" + ++tag, command);
                    List<String> actual = i.command("t" + tag, command);
                    assertThat(actual).as(command).isEqualTo(expected);
                    assertThat(expected.getLast()).as(command).contains("OK");
                    if (!expected.getFirst().equals("* SEARCH")) nonEmpty++;
                }
            }
            // keys combined with NOT and OR keep their meaning
            for (String command : List.of("UID SEARCH NOT BODY report", "UID SEARCH OR SUBJECT budget TEXT invoice",
                    "UID SEARCH BODY report NOT FROM zhang", "UID SEARCH UNSEEN TEXT meeting")) {
                assertThat(i.command("c" + ++tag, command)).as(command).isEqualTo(p.command("c" + tag, command));
            }
        }
        return nonEmpty;
    }

    private static ImapClient login(ImapServer server, Account a) throws Exception {
        ImapClient c = new ImapClient(ImapFixture.address(server));
        c.line();
        c.command("l", "LOGIN " + a.address() + " \"" + ImapFixture.PASSWORD + "\"");
        c.command("s", "SELECT INBOX");
        return c;
    }

    private static String astring(String s) {
        boolean plain = s.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\');
        if (plain) return "\"" + s + "\"";
        return "{" + s.getBytes(StandardCharsets.UTF_8).length + "+}\r\n" + s;
    }

    private static List<String> needles() {
        List<String> out = new ArrayList<>(List.of(WORDS));
        out.addAll(List.of("", "a", "e", "re", "ort", "REPORT", "eport meet", "t m", "邮", "件系", "邮件系统的", "zhang", "Zhang Wei", "<bob@",
                "example.org>", "undisclosed", "friends", "subject: ", "content-type", "utf-8", "\u00df", "ss", "i\u0307", "σ",
                "ς", "font-weight", "forwarded", "original subject", "x".repeat(30), "this body is long"));
        return out;
    }

    private static void deliver(ImapFixture f, Account a, byte[] message) {
        f.store.deliver(new Delivery(List.of(a.id()), MessageSpool.of(message), Instant.parse("2026-01-02T03:04:05Z")));
    }

    private static void awaitCaughtUp(ImapFixture f, SearchIndex index) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (index.position() < f.store.lastChangePosition()) {
            if (System.nanoTime() > deadline) throw new AssertionError("the index did not catch up");
            Thread.sleep(10);
        }
    }

    // ---- the corpus ----

    private static String words(Random r, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append(i == 0 ? "" : r.nextInt(4) == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        return b.toString();
    }

    private static byte[] join(String header, byte[] body) {
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[h.length + body.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(body, 0, out, h.length, body.length);
        return out;
    }

    private static String encodedWord(String text, Charset cs) {
        return "=?" + cs.name() + "?B?" + Base64.getEncoder().encodeToString(text.getBytes(cs)) + "?=";
    }

    /** Messages of many shapes; the same seed gives the same corpus. */
    static List<byte[]> corpus(Random r, int n) {
        Charset gb = Charset.forName("GB2312");
        Charset gbk = Charset.forName("GBK");
        Map<String, String> from = new LinkedHashMap<>();
        from.put("\"Zhang Wei\" <zhang@example.org>", "");
        from.put("=?UTF-8?B?5byg5Lyf?= <wei@example.cn>", "");
        from.put("bob@example.com (Bob Smith)", "");
        from.put("friends: carol@example.net, <@relay.example:dave@example.net>;", "");
        from.put("undisclosed-recipients:;", "");
        List<String> addresses = new ArrayList<>(from.keySet());
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String subjectText = words(r, 1 + r.nextInt(4));
            String header = "From: " + addresses.get(r.nextInt(addresses.size())) + "\r\n"
                    + "To: " + addresses.get(r.nextInt(addresses.size())) + "\r\n"
                    + (r.nextBoolean() ? "Cc: " + addresses.get(r.nextInt(addresses.size())) + "\r\n" : "")
                    + (r.nextInt(5) == 0 ? "Bcc: " + addresses.get(r.nextInt(addresses.size())) + "\r\n" : "")
                    + "Date: Mon, 07 Dec 2026 10:00:00 +0000\r\nMessage-ID: <" + i + "." + r.nextInt() + "@example.org>\r\n";
            String body = words(r, 5 + r.nextInt(40)) + (r.nextInt(6) == 0 ? "\r\nthis body is long " + "x".repeat(2_500) : "");
            switch (i % 8) {
                case 0 -> out.add(join(header + "Subject: " + encodedWord(subjectText, StandardCharsets.UTF_8)
                        + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n", body.getBytes(StandardCharsets.UTF_8)));
                case 1 -> out.add(join(header + "Subject: " + encodedWord(clean(subjectText, gb), gb)
                        + "\r\nContent-Type: text/plain; charset=GB2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n", clean(body, gb).getBytes(gb)));
                case 2 -> out.add(join(header + "Subject: " + encodedWord(clean(subjectText, gbk), gbk)
                        + "\r\nContent-Type: text/plain; charset=gbk\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                        Base64.getMimeEncoder().encode(clean(body, gbk).getBytes(gbk))));
                case 3 -> out.add(join(header + "Subject: " + encodedWord(subjectText, StandardCharsets.UTF_8)
                        + "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n--alt\r\n"
                        + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
                        (qp(body) + "\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p style=\"font-weight:bold\">"
                                + body + "</p>\r\n--alt--\r\n").getBytes(StandardCharsets.UTF_8)));
                case 4 -> out.add(join(header + "Subject: Fwd: " + encodedWord(subjectText, StandardCharsets.UTF_8)
                        + "\r\nContent-Type: multipart/mixed; boundary=mix\r\n\r\n--mix\r\nContent-Type: text/plain\r\n\r\nforwarded below\r\n"
                        + "--mix\r\nContent-Type: message/rfc822\r\n\r\nFrom: inner@example.org\r\nSubject: original subject\r\n"
                        + "Content-Type: text/plain; charset=utf-8\r\n\r\n", (body + "\r\n--mix\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--mix--\r\n").getBytes(StandardCharsets.UTF_8)));
                case 5 -> out.add(join(header + "Subject: " + encodedWord(subjectText, StandardCharsets.UTF_8) + "\r\nSubject: second "
                        + encodedWord(words(r, 2), StandardCharsets.UTF_8) + "\r\n\r\n", body.getBytes(StandardCharsets.UTF_8)));
                case 6 -> out.add(join(header + "Subject: plain ascii report " + i + "\r\n\r\n",
                        ("Report body ASCII only: meeting at " + i + " about the budget.\r\n").getBytes(StandardCharsets.US_ASCII)));
                default -> out.add(join(header + "Subject: =?ISO-8859-1?Q?caf=E9_na=EFve?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n",
                        "Caf\u00e9 and STRASSE, Stra\u00dfe, na\u00efve report".getBytes(StandardCharsets.ISO_8859_1)));
            }
        }
        return out;
    }

    /** The text with characters the charset cannot encode dropped. */
    private static String clean(String s, Charset cs) {
        var enc = cs.newEncoder();
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> {
            String c = new String(Character.toChars(cp));
            if (enc.canEncode(c)) b.append(c);
        });
        return b.toString();
    }

    private static String qp(String s) {
        StringBuilder b = new StringBuilder();
        int line = 0;
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int v = x & 0xff;
            String piece = v >= 33 && v <= 126 && v != '=' ? String.valueOf((char) v) : v == ' ' ? " " : String.format("=%02X", v);
            if (line + piece.length() > 72) {
                b.append("=\r\n");
                line = 0;
            }
            b.append(piece);
            line += piece.length();
        }
        return b.toString();
    }
}
