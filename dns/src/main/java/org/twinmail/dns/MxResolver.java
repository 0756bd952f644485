package org.twinmail.dns;

/** Resolves a mail domain to the hosts that receive its mail. Implementations are thread-safe. */
public interface MxResolver {
    /** @param domain an ASCII (A-label) domain name, without a trailing dot */
    MxLookup lookup(String domain);
}
