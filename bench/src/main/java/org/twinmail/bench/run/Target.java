package org.twinmail.bench.run;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The server under test and its users, as the workload sees them: addresses of its
 * SMTP and POP3 (and optionally IMAP) listeners and how to name a user.
 *
 * @param userPattern     local part of user i, with %d (e.g. "user%d")
 * @param passwordPattern password of user i; %d is replaced by i when present
 * @param timeout         connect and read timeout of every client connection
 */
public record Target(InetSocketAddress smtp, InetSocketAddress pop3, InetSocketAddress imap,
                     String domain, String userPattern, String passwordPattern, Duration timeout) {

    public String address(int user) {
        return String.format(userPattern, user) + "@" + domain;
    }

    public String password(int user) {
        return passwordPattern.contains("%d") ? String.format(passwordPattern, user) : passwordPattern;
    }

    /** Probe mailboxes sit beside the population, so regular checks never take their mail. */
    public String probeAddress(int probe) {
        return "probe" + probe + "@" + domain;
    }

    public String probePassword(int probe) {
        return password(1_000_000_000 + probe);
    }
}
