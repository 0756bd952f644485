package org.twinmail.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Health probes that speak the protocols. A connect alone proves nothing: the kernel
 * completes TCP handshakes into the listen queue of a server that is stopped or wedged,
 * so a probe reads the greeting (and for SMTP answers a NOOP) within a deadline.
 */
public final class ServiceProbes {
    private ServiceProbes() {}

    /** SMTP: 220 banner, NOOP answered with 250, QUIT. Returns the failure, or empty. */
    public static Optional<String> smtp(InetSocketAddress address, Duration timeout) {
        return converse("SMTP", address, timeout, List.of(new Step(null, "220"), new Step("NOOP", "250"), new Step("QUIT", null)));
    }

    /** POP3: +OK greeting, QUIT. */
    public static Optional<String> pop3(InetSocketAddress address, Duration timeout) {
        return converse("POP3", address, timeout, List.of(new Step(null, "+OK"), new Step("QUIT", null)));
    }

    /** IMAP: * OK greeting, LOGOUT. */
    public static Optional<String> imap(InetSocketAddress address, Duration timeout) {
        return converse("IMAP", address, timeout, List.of(new Step(null, "* OK"), new Step("a LOGOUT", null)));
    }

    /** A probe reaches a wildcard-bound service through loopback. */
    public static InetSocketAddress reachable(InetSocketAddress bound) {
        if (!bound.getAddress().isAnyLocalAddress()) return bound;
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort());
    }

    private record Step(String send, String expect) {}

    private static Optional<String> converse(String proto, InetSocketAddress address, Duration timeout, List<Step> steps) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Socket s = new Socket()) {
            s.connect(address, (int) Math.max(1, timeout.toMillis()));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            for (Step step : steps) {
                if (step.send() != null) {
                    out.write((step.send() + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                if (step.expect() == null) continue;
                String line;
                do { // multi-line SMTP replies: "250-..." continues, "250 ..." ends
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) return Optional.of(proto + " " + address + ": no answer within " + timeout.toMillis() + " ms");
                    s.setSoTimeout((int) left);
                    line = in.readLine();
                    if (line == null) return Optional.of(proto + " " + address + ": connection closed before \"" + step.expect() + "\"");
                } while (line.length() > 3 && line.charAt(3) == '-' && Character.isDigit(line.charAt(0)));
                if (!line.startsWith(step.expect())) return Optional.of(proto + " " + address + ": expected " + step.expect() + ", got \"" + line + "\"");
            }
            return Optional.empty();
        } catch (java.net.SocketTimeoutException e) {
            return Optional.of(proto + " " + address + ": no answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            return Optional.of(proto + " " + address + ": " + e.getMessage());
        }
    }
}
