package org.twinmail.sms.notice;

import java.util.regex.Pattern;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.mail.mime.TextPreview;

/**
 * The summary of a message a notice shows: the text a preview is taken from (mail's
 * {@link TextPreview#text}: the first text/plain part, else the first text/html one as text,
 * in its declared charset, GB2312/GBK/GB18030 included), with what the sender did not write
 * for this message removed, white space folded, and cut to a number of characters.
 *
 * <p>Removed: quoted lines ({@code >}), the attribution line that introduces them ("On ...
 * wrote:", "在 ... 写道："), everything from a forwarded or replied-to original on
 * ("-----Original Message-----", Outlook's line of underscores, "原始邮件"), and everything
 * from the signature delimiter ("-- ", RFC 3676 4.3) on. A reply written below the quote
 * (inline) keeps its own lines.
 */
public final class Summary {
    private Summary() {}

    private static final Pattern ATTRIBUTION = Pattern.compile(
            "^(On\\s.{0,200}\\swrote:|.{0,200}\\s(a écrit|schrieb|escribió)\\s?:|在.{0,200}写道[：:]|.{0,100}於.{0,100}寫道[：:])\\s*$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern ORIGINAL = Pattern.compile(
            "^\\s*(-{2,}\\s*(Original Message|Forwarded message|原始邮件|原始郵件|转发邮件)\\s*-{2,}|_{20,}|Begin forwarded message:)\\s*$",
            Pattern.CASE_INSENSITIVE);

    /** The summary of {@code message}, at most {@code max} characters (code points). */
    public static String of(MimePart message, int max) {
        return TextPreview.fold(strip(TextPreview.text(message)), max);
    }

    /** {@code text} without quotes, attributions, originals and the signature (see the class comment). */
    public static String strip(String text) {
        String[] lines = text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (i == lines.length - 1 && line.isEmpty()) break; // the text's last line end
            String trimmed = line.stripTrailing();
            if (line.equals("-- ") || trimmed.equals("--")) break;
            if (ORIGINAL.matcher(trimmed).matches()) break;
            if (line.stripLeading().startsWith(">")) continue;
            if (ATTRIBUTION.matcher(trimmed).matches() && quoteFollows(lines, i + 1)) continue;
            out.append(line).append('\n');
        }
        return out.toString();
    }

    /** Whether the next non-blank line after {@code from} is quoted, or there is none. */
    private static boolean quoteFollows(String[] lines, int from) {
        for (int i = from; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            return lines[i].stripLeading().startsWith(">");
        }
        return true;
    }
}
