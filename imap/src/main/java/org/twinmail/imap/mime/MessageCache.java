package org.twinmail.imap.mime;

import org.twinmail.mail.mime.MimePart;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parsed messages by content address, shared by all sessions: a client that asks for
 * BODYSTRUCTURE, then ENVELOPE, then BODY[1] reads and parses the blob once. Bounded by
 * the bytes it holds; least recently used entries go first. Blobs never change (their
 * id is their SHA-256), so nothing is ever stale.
 */
public final class MessageCache {
    private final long maxBytes;
    private long bytes;
    private final LinkedHashMap<String, MimePart> entries = new LinkedHashMap<>(64, 0.75f, true);

    public MessageCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    public synchronized MimePart get(String blobId) {
        return entries.get(blobId);
    }

    public synchronized void put(String blobId, MimePart message) {
        int size = message.data().length;
        if (size > maxBytes / 4) return; // one huge message would flush everything else
        if (entries.put(blobId, message) == null) bytes += size;
        var it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<String, MimePart> eldest = it.next();
            bytes -= eldest.getValue().data().length;
            it.remove();
        }
    }
}
