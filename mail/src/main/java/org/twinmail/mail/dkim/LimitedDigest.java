package org.twinmail.mail.dkim;

import java.security.MessageDigest;

/**
 * A digest that takes the first {@code limit} octets given to it and counts the rest: the
 * body hash of a signature with l= (RFC 6376 3.5), fed by the same canonicalizers as any other.
 */
final class LimitedDigest extends MessageDigest {
    private final MessageDigest inner;
    private final long limit;
    private long seen;

    LimitedDigest(MessageDigest inner, long limit) {
        super(inner.getAlgorithm());
        this.inner = inner;
        this.limit = limit;
    }

    /** Octets given so far, taken or not. */
    long seen() {
        return seen;
    }

    @Override
    protected void engineUpdate(byte input) {
        if (seen++ < limit) inner.update(input);
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int len) {
        long take = Math.max(0, Math.min(len, limit - seen));
        if (take > 0) inner.update(input, offset, (int) take);
        seen += len;
    }

    @Override
    protected byte[] engineDigest() {
        return inner.digest();
    }

    @Override
    protected void engineReset() {
        inner.reset();
        seen = 0;
    }
}
