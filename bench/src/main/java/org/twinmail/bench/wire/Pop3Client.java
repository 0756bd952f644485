package org.twinmail.bench.wire;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.bench.stats.RunStats;

/** A POP3 client (RFC 1939) that times each command under the name "POP3 &lt;verb&gt;". */
public final class Pop3Client implements AutoCloseable {
    private final Wire wire;
    private final RunStats stats;

    private Pop3Client(Wire wire, RunStats stats) {
        this.wire = wire;
        this.stats = stats;
    }

    /** Connects, reads the greeting, and logs in with USER/PASS. */
    public static Pop3Client login(InetSocketAddress server, String user, String password, Duration timeout, RunStats stats) throws IOException {
        long t0 = System.nanoTime();
        Wire w = Wire.connect(server, timeout);
        Pop3Client c = new Pop3Client(w, stats);
        try {
            c.status("CONNECT", t0);
            c.command("USER " + user, "USER");
            c.command("PASS " + password, "PASS");
            return c;
        } catch (IOException e) {
            w.close();
            throw e;
        }
    }

    /** The number of messages in the maildrop. */
    public int stat() throws IOException {
        String ok = command("STAT", "STAT");
        String[] f = ok.split(" ");
        if (f.length < 2) throw new ProtocolException("POP3 STAT malformed", ok);
        try {
            return Integer.parseInt(f[1]);
        } catch (NumberFormatException e) {
            throw new ProtocolException("POP3 STAT malformed", ok);
        }
    }

    /** Sizes of the messages, by message number - 1. */
    public List<Long> list() throws IOException {
        long t0 = System.nanoTime();
        wire.line("LIST");
        String first = wire.readLine();
        if (!first.startsWith("+OK")) throw new ProtocolException("POP3 LIST -ERR", first);
        List<Long> sizes = new ArrayList<>();
        for (String l; !(l = wire.readLine()).equals("."); ) {
            String[] f = l.split(" ");
            sizes.add(f.length > 1 ? Long.parseLong(f[1]) : 0);
        }
        stats.command("POP3 LIST", (System.nanoTime() - t0) / 1000, 0);
        return sizes;
    }

    /** Retrieves a message and returns its header section (the body is read and dropped). */
    public Retrieved retr(int n) throws IOException {
        long t0 = System.nanoTime();
        wire.line("RETR " + n);
        String first = wire.readLine();
        if (!first.startsWith("+OK")) {
            stats.command("POP3 RETR", (System.nanoTime() - t0) / 1000, 0);
            throw new ProtocolException("POP3 RETR -ERR", first);
        }
        StringBuilder headers = new StringBuilder();
        long bytes = wire.readDotTerminated(headers);
        stats.command("POP3 RETR", (System.nanoTime() - t0) / 1000, bytes);
        return new Retrieved(headers.toString(), bytes);
    }

    public record Retrieved(String headers, long bytes) {
        /** The value of the first header field of that name, or null. */
        public String header(String name) {
            for (String l : headers.split("\n")) {
                if (l.regionMatches(true, 0, name + ":", 0, name.length() + 1)) return l.substring(name.length() + 1).trim();
            }
            return null;
        }
    }

    public void dele(int n) throws IOException {
        command("DELE " + n, "DELE");
    }

    /** QUIT: the server applies the deletions (RFC 1939 UPDATE state). */
    public void quit() throws IOException {
        command("QUIT", "QUIT");
    }

    private String command(String line, String name) throws IOException {
        long t0 = System.nanoTime();
        wire.line(line);
        return status(name, t0);
    }

    private String status(String name, long t0) throws IOException {
        String reply = wire.readLine();
        stats.command("POP3 " + name, (System.nanoTime() - t0) / 1000, 0);
        if (!reply.startsWith("+OK")) throw new ProtocolException("POP3 " + name + " -ERR", reply);
        return reply;
    }

    @Override
    public void close() {
        wire.close();
    }
}
