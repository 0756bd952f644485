package org.twinmail.sms.notice;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToIntFunction;
import org.twinmail.sms.encoding.SmsText;

/**
 * The words of a notice in the user's language, fitted to a number of SMS parts: the sender,
 * the received time in the user's time zone, the subject, the summary and, when the gateway
 * cannot put the notice's reference into the source address, the reference to start a reply
 * with. What does not fit is cut, the summary first, then the subject, then the sender's
 * name; a cut text ends in "...". Pure: no clock, no I/O.
 */
public final class NoticeText {
    private NoticeText() {}

    /** The languages notices are written in; any other falls back to English. */
    public enum Language {
        EN, ZH;

        public static Language of(String tag) {
            return tag != null && tag.toLowerCase(Locale.ROOT).startsWith("zh") ? ZH : EN;
        }
    }

    private static final DateTimeFormatter EN_TIME = DateTimeFormatter.ofPattern("d MMM HH:mm", Locale.ENGLISH);
    private static final DateTimeFormatter ZH_TIME = DateTimeFormatter.ofPattern("M月d日 HH:mm", Locale.CHINESE);
    private static final String CUT = "...";
    /** The longest subject and sender shown before the summary is considered at all. */
    private static final int SUBJECT_MAX = 80;
    private static final int SENDER_MAX = 40;

    /**
     * The notice of {@code n} for a user in {@code zone}, in at most {@code maxParts} SMS parts,
     * with {@code replyCode} (the notice's reference) in the text when present.
     */
    public static String of(MailNotice n, Language lang, ZoneId zone, int maxParts, Optional<String> replyCode) {
        return of(n, lang, zone, maxParts, replyCode, SmsText::partsNeeded);
    }

    /**
     * The notice as above, fitted by {@code partsNeeded} (the parts a text takes in the alphabets
     * of the gateway that sends it: a CMPP gateway sends GSM's non-ASCII letters in UCS-2).
     */
    public static String of(MailNotice n, Language lang, ZoneId zone, int maxParts, Optional<String> replyCode, ToIntFunction<String> partsNeeded) {
        String time = (lang == Language.ZH ? ZH_TIME : EN_TIME).format(n.received().atZone(zone));
        String sender = cut(n.sender().isBlank() ? "?" : n.sender(), SENDER_MAX);
        String subject = cut(n.subject().isBlank() ? (lang == Language.ZH ? "(无主题)" : "(no subject)") : n.subject(), SUBJECT_MAX);
        String summary = n.summary();
        String tail = replyCode.map(c -> lang == Language.ZH ? "\n回复请以#" + c + "开头" : "\nReply: start with #" + c).orElse("");
        String text = compose(lang, sender, time, subject, summary, tail);
        if (partsNeeded.applyAsInt(text) <= maxParts) return text;
        summary = fit(summary, s -> compose(lang, sender, time, subject, s, tail), maxParts, partsNeeded);
        if (summary != null) return compose(lang, sender, time, subject, summary, tail);
        String sub = fit(subject, s -> compose(lang, sender, time, s, "", tail), maxParts, partsNeeded);
        if (sub != null) return compose(lang, sender, time, sub, "", tail);
        String snd = fit(sender, s -> compose(lang, s, time, "", "", tail), maxParts, partsNeeded);
        return compose(lang, snd == null ? "" : snd, time, "", "", tail);
    }

    private static String compose(Language lang, String sender, String time, String subject, String summary, String tail) {
        StringBuilder b = new StringBuilder();
        if (lang == Language.ZH) b.append("新邮件 ").append(sender).append(' ').append(time);
        else b.append("Mail from ").append(sender).append(", ").append(time);
        if (!subject.isEmpty()) b.append('\n').append(subject);
        if (!summary.isEmpty()) b.append('\n').append(summary);
        return b.append(tail).toString();
    }

    /**
     * The longest cut of {@code s} (whole code points, "..." added) whose composition fits in
     * {@code maxParts}; null if not even the empty one does. Binary search: the parts needed
     * grow with the length.
     */
    private static String fit(String s, java.util.function.Function<String, String> compose, int maxParts, ToIntFunction<String> partsNeeded) {
        int[] cps = s.codePoints().toArray();
        if (partsNeeded.applyAsInt(compose.apply("")) > maxParts) return null;
        int lo = 0;
        int hi = cps.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (partsNeeded.applyAsInt(compose.apply(cutAt(cps, mid))) <= maxParts) lo = mid;
            else hi = mid - 1;
        }
        return lo == 0 ? "" : cutAt(cps, lo);
    }

    private static String cutAt(int[] cps, int n) {
        return new String(cps, 0, n).stripTrailing() + CUT;
    }

    private static String cut(String s, int max) {
        int[] cps = s.codePoints().toArray();
        return cps.length <= max ? s : cutAt(cps, max - CUT.length());
    }
}
