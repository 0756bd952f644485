package org.twinmail.jmap.mail;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.search.MessageText;
import org.twinmail.search.SearchIndex;
import org.twinmail.search.TextKey;
import org.twinmail.search.TextMatches;

/**
 * Email/query's text conditions (subject, from, to, cc, bcc, body; text is any of them) with
 * IMAP SEARCH's semantics: a case-insensitive substring of the strings {@link MessageText}
 * defines. The full-text index answers for the messages it holds (one query per mailbox and
 * condition, kept for the request); the others are parsed and compared here, as IMAP does.
 */
final class TextSearch {
    private final SearchIndex index;
    private final MessageCache cache;
    private final Map<String, TextMatches> answers = new HashMap<>();

    TextSearch(SearchIndex index, MessageCache cache) {
        this.index = index;
        this.cache = cache;
    }

    static TextKey key(String condition) {
        return switch (condition) {
            case "subject" -> TextKey.SUBJECT;
            case "from" -> TextKey.FROM;
            case "to" -> TextKey.TO;
            case "cc" -> TextKey.CC;
            case "bcc" -> TextKey.BCC;
            case "body" -> TextKey.BODY;
            default -> throw new IllegalArgumentException(condition);
        };
    }

    /** Whether the Email holds {@code needle} where {@code condition} looks. */
    boolean matches(AccountView.Email e, String condition, String needle) {
        if (condition.equals("text")) {
            for (String c : List.of("subject", "from", "to", "cc", "bcc", "body")) if (matches(e, c, needle)) return true;
            return false;
        }
        TextKey key = key(condition);
        String folded = MessageText.fold(needle);
        if (index != null) {
            for (MessageEntry m : e.entries()) {
                TextMatches t = answers.computeIfAbsent(m.mailboxId() + "\0" + key + "\0" + folded,
                        k -> index.matches(m.mailboxId(), key, needle));
                if (t.decides(m.uid())) return t.matches(m.uid());
            }
        }
        if (key == TextKey.BODY) {
            MimePart root = cache.parsed(e.sha()).root();
            return MessageText.fold(MessageText.body(root)).contains(folded);
        }
        // Subject and addresses: MessageText's strings, kept in the summary (one value per line).
        for (String line : cache.summary(e.sha()).searchText(condition).split("\n", -1)) {
            if (line.contains(folded)) return true;
        }
        return false;
    }
}
