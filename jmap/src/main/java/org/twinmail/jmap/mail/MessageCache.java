package org.twinmail.jmap.mail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.twinmail.store.Mailboxes;

/**
 * Parsed messages and their summaries by content address, shared by every account (a body
 * never changes, so nothing here goes stale). Summaries are small and many are kept
 * ({@code maxSummaries}); whole parses few (the messages being read right now).
 */
public final class MessageCache {
    private final Mailboxes store;
    private final Map<String, EmailSummary> summaries;
    private final Map<String, ParsedMessage> parsed;

    public MessageCache(Mailboxes store, int maxSummaries, int maxParsed) {
        this.store = store;
        this.summaries = lru(maxSummaries);
        this.parsed = lru(maxParsed);
    }

    private static <V> Map<String, V> lru(int max) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > max;
            }
        };
    }

    public EmailSummary summary(String sha) {
        synchronized (summaries) {
            EmailSummary s = summaries.get(sha);
            if (s != null) return s;
        }
        EmailSummary s = parsed(sha).summary();
        synchronized (summaries) {
            summaries.put(sha, s);
        }
        return s;
    }

    public ParsedMessage parsed(String sha) {
        synchronized (parsed) {
            ParsedMessage p = parsed.get(sha);
            if (p != null) return p;
        }
        ParsedMessage p = new ParsedMessage(sha, bytes(sha));
        synchronized (parsed) {
            parsed.put(sha, p);
        }
        return p;
    }

    public byte[] bytes(String sha) {
        try (InputStream in = store.openBlob(sha)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
