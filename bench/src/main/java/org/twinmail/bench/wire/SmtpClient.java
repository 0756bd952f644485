package org.twinmail.bench.wire;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.twinmail.bench.stats.RunStats;

/**
 * An SMTP client (RFC 5321) that times each command. No pipelining: SPECmail2001 times
 * every command on its own, and an MTA submitting one message per connection does not
 * gain from it.
 */
public final class SmtpClient implements AutoCloseable {
    private final Wire wire;
    private final RunStats stats;

    private SmtpClient(Wire wire, RunStats stats) {
        this.wire = wire;
        this.stats = stats;
    }

    /** Connects and reads the greeting (timed as "SMTP CONNECT"), then EHLO. */
    public static SmtpClient open(InetSocketAddress server, String helo, Duration timeout, RunStats stats) throws IOException {
        long t0 = System.nanoTime();
        Wire w = Wire.connect(server, timeout);
        SmtpClient c = new SmtpClient(w, stats);
        try {
            c.expect("CONNECT", t0, 0, '2');
            c.command("EHLO " + helo, "EHLO", '2');
            return c;
        } catch (IOException e) {
            w.close();
            throw e;
        }
    }

    /**
     * One transaction: MAIL, RCPT for each recipient, DATA and the message. Every
     * recipient must be accepted; the time returned is when the final 250 arrived.
     */
    public long send(String from, List<String> recipients, byte[] message) throws IOException {
        command("MAIL FROM:<" + from + ">", "MAIL", '2');
        for (String r : recipients) command("RCPT TO:<" + r + ">", "RCPT", '2');
        command("DATA", "DATA-START", '3');
        long t0 = System.nanoTime();
        wire.write(dotStuff(message));
        wire.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        wire.flush();
        expect("DATA", t0, message.length, '2');
        return System.nanoTime();
    }

    public void quit() throws IOException {
        command("QUIT", "QUIT", '2');
    }

    private void command(String line, String name, char ok) throws IOException {
        long t0 = System.nanoTime();
        wire.line(line);
        expect(name, t0, 0, ok);
    }

    private void expect(String name, long t0, long bytes, char ok) throws IOException {
        String last;
        do {
            last = wire.readLine();
        } while (last.length() > 3 && last.charAt(3) == '-');
        stats.command("SMTP " + name, (System.nanoTime() - t0) / 1000, bytes);
        if (last.isEmpty() || last.charAt(0) != ok) throw new ProtocolException("SMTP " + name + " " + code(last), last);
    }

    private static String code(String reply) {
        return reply.length() >= 3 ? reply.substring(0, 3) : "malformed";
    }

    /** Our generated bodies never start a line with '.', but a caller's might (RFC 5321 4.5.2). */
    static byte[] dotStuff(byte[] m) {
        int dots = 0;
        for (int i = 0; i < m.length; i++) if (m[i] == '.' && (i == 0 || m[i - 1] == '\n')) dots++;
        if (dots == 0) return m;
        byte[] out = new byte[m.length + dots];
        int j = 0;
        for (int i = 0; i < m.length; i++) {
            if (m[i] == '.' && (i == 0 || m[i - 1] == '\n')) out[j++] = '.';
            out[j++] = m[i];
        }
        return out;
    }

    @Override
    public void close() {
        wire.close();
    }
}
