package org.twinmail.bench.wire;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.twinmail.bench.stats.RunStats;

/**
 * An IMAP4rev1/rev2 client (RFC 3501, RFC 9051) that times each command under the name
 * "IMAP &lt;verb&gt;". Responses are read line by line; a line ending in a literal
 * announcement {n} has its n octets read (and counted, not kept) before the line goes on.
 */
public final class ImapClient implements AutoCloseable {
    private static final Pattern LITERAL = Pattern.compile("\\{(\\d+)\\+?}$");
    private static final Pattern CAPABILITY = Pattern.compile("\\[CAPABILITY ([^]]*)]", Pattern.CASE_INSENSITIVE);

    private final Wire wire;
    private final RunStats stats;
    private int tag;
    private String capabilities = "";

    private ImapClient(Wire wire, RunStats stats) {
        this.wire = wire;
        this.stats = stats;
    }

    /** What one command got back: untagged lines (literals replaced by their size) and the tagged status line. */
    public record Response(List<String> untagged, String status, long literalBytes) { }

    public static ImapClient login(InetSocketAddress server, String user, String password, Duration timeout, RunStats stats) throws IOException {
        long t0 = System.nanoTime();
        Wire w = Wire.connect(server, timeout);
        ImapClient c = new ImapClient(w, stats);
        try {
            String greeting = w.readLine();
            stats.command("IMAP CONNECT", (System.nanoTime() - t0) / 1000, 0);
            if (!greeting.startsWith("* OK")) throw new ProtocolException("IMAP greeting", greeting);
            c.noteCapabilities(greeting);
            Response r = c.command("LOGIN", "LOGIN " + quote(user) + " " + quote(password));
            c.noteCapabilities(r.status());
            if (c.capabilities.isEmpty()) {
                for (String l : c.command("CAPABILITY", "CAPABILITY").untagged()) {
                    if (l.toUpperCase(Locale.ROOT).startsWith("* CAPABILITY ")) c.capabilities = " " + l.substring(13).toUpperCase(Locale.ROOT) + " ";
                }
            }
            return c;
        } catch (IOException e) {
            w.close();
            throw e;
        }
    }

    public boolean has(String capability) {
        return capabilities.contains(" " + capability.toUpperCase(Locale.ROOT) + " ");
    }

    /** Sends "tag text", reads to the tagged reply, records the latency; anything but OK is an error. */
    public Response command(String name, String text) throws IOException {
        String t = "a" + (++tag);
        long t0 = System.nanoTime();
        wire.line(t + " " + text);
        Response r = readTo(t);
        stats.command("IMAP " + name, (System.nanoTime() - t0) / 1000, r.literalBytes());
        if (!r.status().regionMatches(true, t.length() + 1, "OK", 0, 2)) throw new ProtocolException("IMAP " + name + " " + word(r.status(), 1), r.status());
        return r;
    }

    /** IDLE (RFC 2177) for {@code idle}, then DONE; the latency recorded is from DONE to the tagged OK. */
    public void idle(Duration idle) throws IOException, InterruptedException {
        String t = "a" + (++tag);
        long t0 = System.nanoTime();
        wire.line(t + " IDLE");
        String cont = wire.readLine();
        while (cont.startsWith("* ")) cont = wire.readLine();
        stats.command("IMAP IDLE", (System.nanoTime() - t0) / 1000, 0);
        if (!cont.startsWith("+")) throw new ProtocolException("IMAP IDLE refused", cont);
        Thread.sleep(idle.toMillis());
        long t1 = System.nanoTime();
        wire.line("DONE");
        Response r = readTo(t);
        stats.command("IMAP DONE", (System.nanoTime() - t1) / 1000, 0);
        if (!r.status().regionMatches(true, t.length() + 1, "OK", 0, 2)) throw new ProtocolException("IMAP DONE " + word(r.status(), 1), r.status());
    }

    public void logout() throws IOException {
        command("LOGOUT", "LOGOUT");
    }

    private Response readTo(String t) throws IOException {
        List<String> untagged = new ArrayList<>();
        long literals = 0;
        while (true) {
            StringBuilder line = new StringBuilder(wire.readLine());
            Matcher m;
            while ((m = LITERAL.matcher(line)).find()) {
                long n = Long.parseLong(m.group(1));
                wire.readBytes(n, null);
                literals += n;
                line.setLength(m.start());
                line.append("{").append(n).append("}").append(wire.readLine());
            }
            String l = line.toString();
            if (l.startsWith(t + " ")) return new Response(untagged, l, literals);
            untagged.add(l);
        }
    }

    private void noteCapabilities(String line) {
        Matcher m = CAPABILITY.matcher(line);
        if (m.find()) capabilities = " " + m.group(1).toUpperCase(Locale.ROOT) + " ";
    }

    /** An IMAP quoted string (RFC 9051 section 4.3): backslash and double quote escaped. */
    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String word(String s, int i) {
        String[] w = s.split(" ");
        return w.length > i ? w[i].toUpperCase(Locale.ROOT) : "malformed";
    }

    @Override
    public void close() {
        wire.close();
    }
}
