package org.twinmail.mail.header;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * RFC 2047 encoded words ({@code =?charset?B?...?=} and {@code =?charset?Q?...?=}), decoded
 * leniently, the way mail clients read real mail:
 * <ul>
 *   <li>whitespace between two encoded words is dropped (RFC 2047 6.2), also across folds;</li>
 *   <li>adjacent words in the same charset are joined as octets before decoding, so a
 *       multi-octet character split between two words (common with GBK and UTF-8) survives;</li>
 *   <li>an encoded word inside a word ({@code abc=?utf-8?q?d?=}) is decoded too;</li>
 *   <li>Base64 without padding or with stray characters, and Q with bad {@code =XX}, decode
 *       as far as they go; RFC 2231 language suffixes ({@code =?utf-8*en?q?...?=}) are accepted;</li>
 *   <li>an unknown charset leaves the word as it was written, and so does encoded text that is not
 *       printable ASCII (RFC 2047 2 and 5): such a word is not an encoded word.</li>
 * </ul>
 * Never throws.
 */
public final class EncodedWords {
    /** Longest encoded word read (RFC 2047 says 75 characters; real ones run longer). */
    private static final int MAX_WORD = 4096;

    private EncodedWords() {
    }

    /** The text with every encoded word decoded. */
    public static String decode(String text) {
        if (text == null) return null;
        if (text.indexOf("=?") < 0) return text;
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        int n = text.length();
        Word pending = null;           // the last decoded word, held to join with an adjacent one
        ByteArrayOutputStream pendingBytes = new ByteArrayOutputStream();
        int afterPending = -1;         // where the text after the pending word starts
        int[] closeHint = {-1};
        while (i < n) {
            int start = text.indexOf("=?", i);
            if (start < 0) break;
            Optional<Word> w = Word.at(text, start, closeHint);
            if (w.isEmpty()) {
                // not an encoded word: copy through "=?" and go on
                if (pending != null) {
                    flush(out, pending, pendingBytes);
                    pending = null;
                    out.append(text, afterPending, start + 2);
                } else {
                    out.append(text, i, start + 2);
                }
                i = start + 2;
                continue;
            }
            Word word = w.get();
            if (pending != null) {
                String between = text.substring(afterPending, start);
                if (between.isBlank()) {
                    // RFC 2047 6.2: whitespace between adjacent encoded words is not displayed
                    if (word.charset.equals(pending.charset)) {
                        pendingBytes.writeBytes(word.bytes);
                    } else {
                        flush(out, pending, pendingBytes);
                        pending = word;
                        pendingBytes.writeBytes(word.bytes);
                    }
                    afterPending = word.end;
                    i = word.end;
                    continue;
                }
                flush(out, pending, pendingBytes);
                out.append(between);
            } else {
                out.append(text, i, start);
            }
            pending = word;
            pendingBytes.writeBytes(word.bytes);
            afterPending = word.end;
            i = word.end;
        }
        if (pending != null) {
            flush(out, pending, pendingBytes);
            i = afterPending;
        }
        out.append(text, i, n);
        return out.toString();
    }

    private static void flush(StringBuilder out, Word w, ByteArrayOutputStream bytes) {
        out.append(new String(bytes.toByteArray(), w.charset));
        bytes.reset();
    }

    /** Encodes text as one or more B encoded words in UTF-8 if it is not plain ASCII (for header fields we write). */
    public static String encode(String text) {
        if (text.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) return text;
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            // at most 45 octets per word keeps each word within RFC 2047's 75 characters
            int j = i;
            int octets = 0;
            while (j < text.length()) {
                int cp = text.codePointAt(j);
                int len = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                if (octets + len > 45) break;
                octets += len;
                j += Character.charCount(cp);
            }
            if (!b.isEmpty()) b.append(' ');
            b.append("=?UTF-8?B?").append(java.util.Base64.getEncoder().encodeToString(text.substring(i, j).getBytes(StandardCharsets.UTF_8))).append("?=");
            i = j;
        }
        return b.toString();
    }

    private record Word(Charset charset, byte[] bytes, int end) {
        /** @param closeHint a one-element cache of the position of the next "?=" (-1 before the first call) */
        static Optional<Word> at(String s, int start, int[] closeHint) {
            int q1 = s.indexOf('?', start + 2);
            if (q1 < 0 || q1 == start + 2 || q1 + 2 >= s.length() || s.charAt(q1 + 2) != '?') return Optional.empty();
            String charsetName = s.substring(start + 2, q1);
            for (int k = 0; k < charsetName.length(); k++) {
                char c = charsetName.charAt(k);
                if (c <= ' ' || c == '?' || c == '=' || c > 0x7e) return Optional.empty();
            }
            char enc = Character.toUpperCase(s.charAt(q1 + 1));
            if (enc != 'B' && enc != 'Q') return Optional.empty();
            int textStart = q1 + 3;
            // the next "?=" is remembered across calls (starts only move forward), so text full of
            // "=?" costs one pass; RFC 2047 2 allows 75 characters, broken mailers write longer ones
            if (closeHint[0] < textStart) closeHint[0] = s.indexOf("?=", textStart);
            if (closeHint[0] < 0) closeHint[0] = Integer.MAX_VALUE;
            int close = closeHint[0];
            if (close == Integer.MAX_VALUE || close - start > MAX_WORD) return Optional.empty();
            String encoded = s.substring(textStart, close);
            if (!printableAscii(encoded)) return Optional.empty();
            Optional<Charset> cs = MailCharsets.forName(charsetName);
            if (cs.isEmpty()) return Optional.empty();
            byte[] bytes = enc == 'B' ? base64(encoded) : q(encoded);
            return Optional.of(new Word(cs.get(), bytes, close + 2));
        }
    }

    /**
     * Whether encoded text is what RFC 2047 allows in it: printable ASCII only (2, 5). A word
     * holding anything else (8-bit characters, controls, line breaks) is not an encoded word and
     * stays as it was written, whatever its encoding: decoding it would read characters the
     * charset never named (a non-ASCII character is not an octet) and could make the text longer
     * than it was. Lenient in one way only: a space or tab, which a folder leaves inside a word
     * it split, is let through (the decoders skip it in B and keep it in Q).
     */
    static boolean printableAscii(String encoded) {
        for (int k = 0; k < encoded.length(); k++) {
            char c = encoded.charAt(k);
            if ((c < 0x20 && c != '\t') || c > 0x7e) return false;
        }
        return true;
    }

    /** Lenient Base64: characters outside the alphabet are skipped, missing padding is tolerated. */
    static byte[] base64(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() * 3 / 4);
        int acc = 0;
        int bits = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int v;
            if (c >= 'A' && c <= 'Z') v = c - 'A';
            else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
            else if (c >= '0' && c <= '9') v = c - '0' + 52;
            else if (c == '+' || c == '-') v = 62;
            else if (c == '/' || c == '_') v = 63;
            else if (c == '=') break;
            else continue;
            acc = (acc << 6) | v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out.write((acc >> bits) & 0xff);
            }
        }
        return out.toByteArray();
    }

    /** RFC 2047 4.2 Q: "_" is a space, "=XX" an octet; a bad "=" stays as it is. */
    static byte[] q(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '_') out.write(' ');
            else if (c == '=' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
                out.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
                i += 2;
            } else out.write(c);   // ASCII: Word.at lets nothing else through
        }
        return out.toByteArray();
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }
}
