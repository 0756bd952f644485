package org.twinmail.push.delivery;

import java.net.URI;

/**
 * Where one push message goes: a push resource's URL and, when the receiver gave them, its
 * RFC 8291 keys (the 65-octet P-256 point and the 16-octet auth secret). With keys the message is
 * encrypted ({@code aes128gcm}); without (a JMAP PushSubscription may have none, RFC 8620 7.2)
 * it goes as {@code application/json}.
 */
public record PushTarget(URI uri, byte[] p256dh, byte[] auth) {
    public PushTarget {
        if ((p256dh == null) != (auth == null)) throw new IllegalArgumentException("both keys or neither");
    }

    public boolean encrypted() {
        return p256dh != null;
    }
}
