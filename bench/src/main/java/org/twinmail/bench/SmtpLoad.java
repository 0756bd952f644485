package org.twinmail.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop SMTP load: N connections, each sending messages back to back over one
 * session (EHLO once, then MAIL/RCPT/DATA per message, as an MTA with connection
 * caching does) for a fixed duration. Speaks plain SMTP, so it measures any server.
 *
 * <pre>
 * java -cp bench/target/twinmail-bench-*.jar org.twinmail.bench.SmtpLoad \
 *     --host 127.0.0.1 --port 2525 --connections 20 --size 5120 --duration 30 \
 *     --rcpt 'user%d@bench.test' --users 100
 * </pre>
 * Prints accepted messages/s and reply latency percentiles of the final "250" after DATA.
 */
public final class SmtpLoad {

    record Options(String host, int port, int connections, int size, Duration duration, String rcptPattern, int users, Duration warmup) { }

    record Result(long accepted, long failed, double seconds, long[] latenciesMicros) {
        double perSecond() {
            return accepted / seconds;
        }

        long percentile(double p) {
            if (latenciesMicros.length == 0) return 0;
            int i = (int) Math.min(latenciesMicros.length - 1, Math.ceil(p / 100.0 * latenciesMicros.length) - 1);
            return latenciesMicros[Math.max(0, i)];
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        Result r = run(o);
        System.out.printf("smtp-load: %d connections, %d-byte messages, %.1f s: %d accepted, %d failed, %.1f msg/s;"
                        + " DATA reply latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms%n",
                o.connections, o.size, r.seconds, r.accepted, r.failed, r.perSecond(),
                r.percentile(50) / 1000.0, r.percentile(95) / 1000.0, r.percentile(99) / 1000.0);
        if (r.accepted == 0) System.exit(1);
    }

    static Options parse(String[] args) {
        String host = "127.0.0.1", rcpt = "user%d@bench.test";
        int port = 2525, connections = 20, size = 5120, users = 100;
        long seconds = 30, warmup = 5;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--host" -> { host = v; i++; }
                case "--port" -> { port = Integer.parseInt(v); i++; }
                case "--connections" -> { connections = Integer.parseInt(v); i++; }
                case "--size" -> { size = Integer.parseInt(v); i++; }
                case "--duration" -> { seconds = Long.parseLong(v); i++; }
                case "--warmup" -> { warmup = Long.parseLong(v); i++; }
                case "--rcpt" -> { rcpt = v; i++; }
                case "--users" -> { users = Integer.parseInt(v); i++; }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        return new Options(host, port, connections, size, Duration.ofSeconds(seconds), rcpt, users, Duration.ofSeconds(warmup));
    }

    static Result run(Options o) throws InterruptedException {
        long warmupEnd = System.nanoTime() + o.warmup.toNanos();
        long end = warmupEnd + o.duration.toNanos();
        AtomicLong accepted = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<long[]> perThread = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        byte[] body = body(o.size);
        for (int c = 0; c < o.connections; c++) {
            long[] lat = new long[1 << 20];
            perThread.add(lat);
            int id = c;
            threads.add(Thread.ofPlatform().name("smtp-load-" + c).start(() -> {
                int n = 0;
                while (System.nanoTime() < end) {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(o.host, o.port), 10_000);
                        s.setSoTimeout(60_000);
                        s.setTcpNoDelay(true);
                        InputStream in = new BufferedInputStream(s.getInputStream());
                        OutputStream out = new BufferedOutputStream(s.getOutputStream(), 65536);
                        expect(in, "220");
                        send(out, "EHLO bench.test\r\n");
                        expect(in, "250");
                        while (System.nanoTime() < end) {
                            String rcpt = String.format(o.rcptPattern, ThreadLocalRandom.current().nextInt(o.users));
                            long t0 = System.nanoTime();
                            // RFC 2920 pipelining: MAIL, RCPT and DATA in one packet.
                            send(out, "MAIL FROM:<load" + id + "@bench.remote>\r\nRCPT TO:<" + rcpt + ">\r\nDATA\r\n");
                            String mail = reply(in), rc = reply(in), data = reply(in);
                            if (!mail.startsWith("250") || !rc.startsWith("250") || !data.startsWith("354")) {
                                failed.incrementAndGet();
                                send(out, "RSET\r\n");
                                reply(in);
                                continue;
                            }
                            out.write(("Message-ID: <" + id + "." + n + "@bench.test>\r\n").getBytes(StandardCharsets.US_ASCII));
                            out.write(body);
                            send(out, ".\r\n");
                            String done = reply(in);
                            long t1 = System.nanoTime();
                            if (done.startsWith("250")) {
                                if (t0 >= warmupEnd) {
                                    accepted.incrementAndGet();
                                    if (n < lat.length) lat[n++] = (t1 - t0) / 1000;
                                }
                            } else {
                                failed.incrementAndGet();
                            }
                        }
                        send(out, "QUIT\r\n");
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    }
                }
                lat[lat.length - 1] = n; // remember how many slots were used
            }));
        }
        for (Thread t : threads) t.join();
        long total = 0;
        for (long[] l : perThread) total += l[l.length - 1];
        long[] all = new long[(int) total];
        int k = 0;
        for (long[] l : perThread) {
            int used = (int) l[l.length - 1];
            System.arraycopy(l, 0, all, k, used);
            k += used;
        }
        Arrays.sort(all);
        return new Result(accepted.get(), failed.get(), o.duration.toNanos() / 1e9, all);
    }

    /** Headers and a body of printable lines, so the message is exactly {@code size} bytes plus the Message-ID line. */
    static byte[] body(int size) {
        StringBuilder b = new StringBuilder("From: load@bench.remote\r\nTo: bench@bench.test\r\nSubject: load test\r\n\r\n");
        String line = "The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuv\r\n";
        while (b.length() + line.length() <= size) b.append(line);
        while (b.length() < size - 2) b.append('x');
        b.append("\r\n");
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void send(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void expect(InputStream in, String code) throws IOException {
        String r = reply(in);
        if (!r.startsWith(code)) throw new IOException("expected " + code + ", got " + r);
    }

    /** Reads one (possibly multi-line) reply and returns its last line. */
    static String reply(InputStream in) throws IOException {
        while (true) {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') if (c != '\r') b.append((char) c);
            if (c == -1) throw new IOException("connection closed");
            if (b.length() < 4 || b.charAt(3) != '-') return b.toString();
        }
    }
}
