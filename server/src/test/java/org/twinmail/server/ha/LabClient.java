package org.twinmail.server.ha;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The lab's client, run inside the client namespace (it reaches the pair only through the
 * VIP). {@code send HOST PREFIX OUT STOP}: sends numbered messages over SMTP, one
 * transaction per connection, until the file STOP exists, and writes one line per attempt
 * to OUT: {@code OK n millis}, {@code FAIL n millis why} (failed before the final dot: not
 * stored, retried with the same number), {@code LOST n millis why} (the final dot was sent but no
 * reply came: maybe stored; retried with the same number, as a real client does, which
 * may store it twice). {@code count HOST PREFIX USER PASS}: prints {@code subject count} for
 * every message in the mailbox, read over POP3 (TOP n 0).
 */
public final class LabClient {
    private LabClient() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "send" -> send(args[1], args[2], Path.of(args[3]), Path.of(args[4]));
            case "count" -> count(args[1], args[2], args[3], args[4]);
            default -> throw new IllegalArgumentException("send|count");
        }
    }

    private static void send(String host, String prefix, Path out, Path stop) throws IOException, InterruptedException {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out), true)) {
            int n = 0;
            while (!Files.exists(stop)) {
                String result = transaction(host, prefix + "-" + n);
                long now = System.currentTimeMillis();
                if (result.startsWith("OK")) {
                    w.println("OK " + n + " " + now);
                    n++;
                    Thread.sleep(20);
                } else {
                    w.println(result.replace("#", n + " " + now));
                    Thread.sleep(50);
                }
            }
        }
    }

    /** "OK", or "FAIL # why" / "LOST # why" with # to be replaced by number and time. */
    private static String transaction(String host, String subject) {
        boolean dotSent = false;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, 25), 1000);
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream o = s.getOutputStream();
            String r = reply(in);
            if (!r.startsWith("220")) return "FAIL # greeting " + r;
            for (String cmd : List.of("EHLO client.lab.example", "MAIL FROM:<load@remote.example>", "RCPT TO:<vic@lab.example>", "DATA")) {
                o.write((cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
                r = reply(in);
                if (r.charAt(0) != '2' && r.charAt(0) != '3') return "FAIL # " + cmd.split(" ")[0] + " " + r;
            }
            o.write(("Subject: " + subject + "\r\n\r\nnumbered message " + subject + "\r\n.\r\n").getBytes(StandardCharsets.US_ASCII));
            o.flush();
            dotSent = true;
            r = reply(in);
            if (!r.startsWith("250")) return "FAIL # DATA-END " + r;
            try {
                o.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException ignored) {
                // the message is acknowledged; the session's end does not matter
            }
            return "OK";
        } catch (IOException e) {
            return (dotSent ? "LOST # " : "FAIL # ") + e.getClass().getSimpleName() + " " + e.getMessage();
        }
    }

    private static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("connection closed");
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    private static void count(String host, String prefix, String user, String pass) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, 110), 2000);
            s.setSoTimeout(20000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream o = s.getOutputStream();
            in.readLine();
            for (String cmd : List.of("USER " + user, "PASS " + pass)) {
                o.write((cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
                String r = in.readLine();
                if (!r.startsWith("+OK")) throw new IOException(cmd.split(" ")[0] + ": " + r);
            }
            o.write("STAT\r\n".getBytes(StandardCharsets.US_ASCII));
            int messages = Integer.parseInt(in.readLine().split(" ")[1]);
            Map<String, Integer> found = new TreeMap<>();
            for (int i = 1; i <= messages; i++) {
                o.write(("TOP " + i + " 0\r\n").getBytes(StandardCharsets.US_ASCII));
                String r = in.readLine();
                if (!r.startsWith("+OK")) throw new IOException("TOP " + i + ": " + r);
                String line;
                while (!(line = in.readLine()).equals(".")) {
                    if (line.startsWith("Subject: " + prefix + "-")) found.merge(line.substring(9).strip(), 1, Integer::sum);
                }
            }
            o.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            found.forEach((k, v) -> System.out.println(k + " " + v));
        }
    }
}
