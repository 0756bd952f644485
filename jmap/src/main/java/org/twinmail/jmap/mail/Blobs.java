package org.twinmail.jmap.mail;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.twinmail.core.mail.MessageData;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.store.MailStore;
import org.twinmail.store.StoreException;

/**
 * Blobs of JMAP (RFC 8620 6): uploads go into the store's content-addressed {@code BlobStore}
 * (the same body a later Email/import or append references, stored once); a blob is visible
 * to the account that uploaded it, and the bodies and parts of the account's messages to that
 * account. Which account uploaded what is kept in memory for {@link #UPLOAD_VISIBLE} (RFC
 * 8620 6.1: unreferenced uploads may go after an hour); the start-up sweep of the store frees
 * an upload nothing references.
 */
public final class Blobs {
    /** How long an upload stays usable by id (RFC 8620 asks for at least an hour). */
    static final Duration UPLOAD_VISIBLE = Duration.ofHours(24);

    private final MailStore store;
    private final Views views;
    private final Map<String, Instant> uploads = new ConcurrentHashMap<>();

    public Blobs(MailStore store, Views views) {
        this.store = store;
        this.views = views;
    }

    /** Stores an upload; returns its content address. */
    public String upload(long accountId, byte[] data) {
        MessageData content = MessageSpool.of(data);
        store.blobs().put(content);
        Instant now = Instant.now();
        uploads.values().removeIf(t -> t.isBefore(now.minus(UPLOAD_VISIBLE)));
        uploads.put(accountId + ":" + content.sha256(), now);
        return content.sha256();
    }

    /** Whether {@code accountId} uploaded {@code sha} lately. */
    public boolean uploaded(long accountId, String sha) {
        Instant t = uploads.get(accountId + ":" + sha);
        return t != null && t.isAfter(Instant.now().minus(UPLOAD_VISIBLE));
    }

    /** The bytes of a blob the account may see, or null. */
    public byte[] download(long accountId, String blobId) {
        return download(new Scope(accountId, accountId, null, store), blobId);
    }

    /**
     * The bytes of a blob the user may see in the scope's account, or null: its own uploads, and the
     * bodies and parts of the account's messages it reads (in a shared account, those of the
     * mailboxes it has {@code l} and {@code r} on).
     */
    public byte[] download(Scope scope, String blobId) {
        String sha = Ids.blobSha(blobId);
        if (sha == null) return null;
        String part = Ids.blobPart(blobId);
        boolean mine = uploaded(scope.user(), sha);
        if (!mine) {
            for (AccountView.Email e : views.view(scope).emails()) {
                if (e.sha().equals(sha)) {
                    mine = true;
                    break;
                }
            }
        }
        if (!mine) return null;
        byte[] whole = bytes(sha);
        if (whole == null || part == null) return whole;
        ParsedMessage.Part p = new ParsedMessage(sha, whole).part(part);
        return p == null ? null : EmailRender.decoded(p.mime());
    }

    /** A blob's bytes from the store (a message body, inline or in a file, or an upload), or null. */
    public byte[] bytes(String sha) {
        try (InputStream in = store.openBlob(sha)) {
            return in.readAllBytes();
        } catch (StoreException.NotFound | IOException e) {
            try (InputStream in = store.blobs().open(sha)) {
                return in.readAllBytes();
            } catch (StoreException.NotFound | IOException e2) {
                return null;
            }
        }
    }
}
