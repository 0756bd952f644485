package org.twinmail.mail.header;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class EncodedWordsTest {

    /** RFC 2047 section 8, the examples table: encoded form, then displayed form. */
    @Test
    void rfc2047Section8Examples() {
        assertThat(EncodedWords.decode("(=?ISO-8859-1?Q?a?=)")).isEqualTo("(a)");
        assertThat(EncodedWords.decode("(=?ISO-8859-1?Q?a?= b)")).isEqualTo("(a b)");
        assertThat(EncodedWords.decode("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)")).isEqualTo("(ab)");
        assertThat(EncodedWords.decode("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)")).isEqualTo("(ab)");
        assertThat(EncodedWords.decode("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)")).isEqualTo("(ab)");
        assertThat(EncodedWords.decode("(=?ISO-8859-1?Q?a_b?=)")).isEqualTo("(a b)");
        assertThat(EncodedWords.decode("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)")).isEqualTo("(a b)");
    }

    /** RFC 2047 section 8, the header examples. */
    @Test
    void rfc2047Section8Headers() {
        assertThat(EncodedWords.decode("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>")).isEqualTo("Keith Moore <moore@cs.utk.edu>");
        assertThat(EncodedWords.decode("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>")).isEqualTo("Keld Jørn Simonsen <keld@dkuug.dk>");
        assertThat(EncodedWords.decode("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>")).isEqualTo("André Pirard <PIRARD@vm1.ulg.ac.be>");
        assertThat(EncodedWords.decode("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?="))
                .isEqualTo("If you can read this you understand the example.");
        assertThat(EncodedWords.decode("Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n    (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)"))
                .isEqualTo("Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n    (םולש ןב ילטפנ)");
        // RFC 2231 5: a language suffix
        assertThat(EncodedWords.decode("=?US-ASCII*EN?Q?Keith_Moore?=")).isEqualTo("Keith Moore");
    }

    @Test
    void chineseCharsetsDecodeAsGb18030() {
        Charset gb = Charset.forName("GB18030");
        String text = "中文邮件测试";
        String b64 = Base64.getEncoder().encodeToString(text.getBytes(gb));
        assertThat(EncodedWords.decode("=?GB2312?B?" + b64 + "?=")).isEqualTo(text);
        assertThat(EncodedWords.decode("=?gbk?B?" + b64 + "?=")).isEqualTo(text);
        assertThat(EncodedWords.decode("=?GB18030?B?" + b64 + "?=")).isEqualTo(text);
        // GBK-only characters (outside GB2312) labelled GB2312, as real mailers send them
        String gbk = "鍖栫煶"; // a run of GBK-range characters
        assertThat(EncodedWords.decode("=?gb2312?B?" + Base64.getEncoder().encodeToString(gbk.getBytes(gb)) + "?=")).isEqualTo(gbk);
        // GB18030 four-byte characters
        String four = "𠀀€";
        assertThat(EncodedWords.decode("=?gb18030?B?" + Base64.getEncoder().encodeToString(four.getBytes(gb)) + "?=")).isEqualTo(four);
        // Q-encoded GB2312
        StringBuilder q = new StringBuilder("=?gb2312?Q?");
        for (byte b : "测试".getBytes(gb)) q.append('=').append(String.format("%02X", b & 0xff));
        assertThat(EncodedWords.decode(q.append("?=").toString())).isEqualTo("测试");
    }

    @Test
    void iso2022jp() {
        Charset jis = Charset.forName("ISO-2022-JP");
        String text = "日本語の件名";
        assertThat(EncodedWords.decode("=?ISO-2022-JP?B?" + Base64.getEncoder().encodeToString(text.getBytes(jis)) + "?="))
                .isEqualTo(text);
    }

    @Test
    void aCharacterSplitBetweenTwoWordsSurvives() {
        byte[] utf8 = "é中".getBytes(java.nio.charset.StandardCharsets.UTF_8); // 2 + 3 octets
        String first = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(utf8, 0, 3));
        String second = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(utf8, 3, 5));
        assertThat(EncodedWords.decode("=?UTF-8?B?" + first + "?= =?UTF-8?B?" + second + "?=")).isEqualTo("é中");
        byte[] gbk = "汉字".getBytes(Charset.forName("GB18030"));
        String a = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(gbk, 0, 1));
        String b = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(gbk, 1, 4));
        assertThat(EncodedWords.decode("=?GBK?B?" + a + "?=\r\n =?GBK?B?" + b + "?=")).isEqualTo("汉字");
    }

    @Test
    void brokenWordsDecodeAsFarAsTheyGo() {
        // no padding, stray characters in base64
        assertThat(EncodedWords.decode("=?utf-8?b?SGVsbG8?=")).isEqualTo("Hello");
        assertThat(EncodedWords.decode("=?utf-8?b?SGVs bG8=?=")).isEqualTo("Hello");
        // bad =XX in Q stays
        assertThat(EncodedWords.decode("=?utf-8?q?100=Z5?=")).isEqualTo("100=Z5");
        // an encoded word glued to text (not RFC, but common) is decoded
        assertThat(EncodedWords.decode("Re:=?utf-8?q?caf=C3=A9?=")).isEqualTo("Re:café");
        // an unknown charset leaves the word as written
        assertThat(EncodedWords.decode("=?x-unknown-cs?q?abc?=")).isEqualTo("=?x-unknown-cs?q?abc?=");
        // not encoded words at all
        assertThat(EncodedWords.decode("a =? b ?= c")).isEqualTo("a =? b ?= c");
        assertThat(EncodedWords.decode("=?utf-8?q?unterminated")).isEqualTo("=?utf-8?q?unterminated");
        assertThat(EncodedWords.decode("=?")).isEqualTo("=?");
        // mixed: words in different charsets, with plain text between
        assertThat(EncodedWords.decode("=?iso-8859-1?q?caf=E9?= and =?utf-8?b?5Lit?= end")).isEqualTo("café and 中 end");
    }

    /**
     * RFC 2047 2: encoded-text is "1*<Any printable ASCII character other than "?" or SPACE>",
     * and 5 (3) narrows a Q word in a phrase further. A word whose text holds anything else is not
     * an encoded word: it stays as written, in either encoding. (The fuzzer's finding: an
     * ISO-8859-1 Q word holding 8-bit characters decoded each one's UTF-8 octets as Latin-1
     * characters, 208 characters out of 93.)
     */
    @Test
    void wordsWhoseTextIsNotPrintableAsciiAreNotEncodedWords() {
        for (String word : new String[] {
                "=?iso-8859-1?q?caf\u00e9?=",            // an 8-bit character in Q
                "=?iso-8859-1?q?x=aww\u00ec\u00ec\u00ff?=", // the shape of the finding
                "=?utf-8?q?\u4e2d\u6587?=",             // CJK in Q, even in a UTF-8 word
                "=?utf-8?b?5Lit\u00e9?=",                // an 8-bit character in B (which skipped it)
                "=?iso-8859-1?q?a\u0000b?=",             // a control character
                "=?iso-8859-1?q?a\u007fb?=",             // DEL is not printable
                "=?utf-8?q?\ud83d\ude00?="}) {          // a supplementary character
            assertThat(EncodedWords.decode(word)).as(word).isEqualTo(word);
            assertThat(EncodedWords.decode("Re: " + word + " x")).as(word).isEqualTo("Re: " + word + " x");
        }
        // a valid word beside one that is not is still decoded; the other is kept as it was
        assertThat(EncodedWords.decode("=?iso-8859-1?q?caf=E9?= =?iso-8859-1?q?caf\u00e9?="))
                .isEqualTo("café =?iso-8859-1?q?caf\u00e9?=");
        // every printable ASCII character but "?" may be in encoded text (RFC 2047 2)
        assertThat(EncodedWords.decode("=?us-ascii?q?!\"#$%&'()*+,-./09:;<>@AZ[\\]^`az{|}~?="))
                .isEqualTo("!\"#$%&'()*+,-./09:;<>@AZ[\\]^`az{|}~");
        // decoding never makes text longer than a character per encoded character, for any
        // charset a Q word may name (the fuzz target's bound is twice the input plus 16)
        String latin = "=?iso-8859-1?q?" + "\u00ec".repeat(40) + "\u00ff".repeat(40) + "?=";
        assertThat(EncodedWords.decode(latin)).hasSameSizeAs(latin);
        String q = "=?iso-8859-1?q?" + "=EC".repeat(40) + "?=";
        assertThat(EncodedWords.decode(q)).isEqualTo("\u00ec".repeat(40));
    }

    @Test
    void encodeRoundTrips() {
        assertThat(EncodedWords.encode("plain")).isEqualTo("plain");
        String long_ = "Grüße aus 中国, ".repeat(10);
        String encoded = EncodedWords.encode(long_);
        for (String w : encoded.split(" ")) assertThat(w.length()).isLessThanOrEqualTo(75);
        assertThat(EncodedWords.decode(encoded)).isEqualTo(long_);
    }
}
