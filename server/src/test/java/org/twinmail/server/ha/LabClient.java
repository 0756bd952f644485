package org.twinmail.server.ha;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
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
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab's client, run inside the client namespace (it reaches the pair only through the
 * VIP). {@code send HOST PREFIX OUT STOP}: sends numbered messages over SMTP, one
 * transaction per connection, until the file STOP exists, and writes one line per attempt
 * to OUT: {@code OK n millis host} (host: the name in the server's banner, i.e. which node
 * served), {@code FAIL n millis why} (refused: not stored, retried with the same number;
 * except a 4xx to the final dot, "DATA-END 4..", which a store whose commit failed with an I/O
 * error must give without knowing whether the commit reached the disk, so the harness counts
 * it like a lost reply), {@code LOST n millis why} (the final dot was sent but no
 * reply came: maybe stored; retried with the same number, as a real client does, which
 * may store it twice). {@code count HOST PREFIX USER PASS}: prints {@code subject count} for
 * every message in the mailbox, read over POP3 (TOP n 0); {@code count-imap HOST PREFIX USER PASS}
 * the same over IMAP (FETCH 1:* of the Subject header). {@code read HOST OUT STOP USER PASS}:
 * an IMAP reader, one session after the other until STOP exists (LOGIN, SELECT INBOX, FETCH
 * of the newest message's Subject, LOGOUT), one line per session to OUT: {@code READ millis
 * exists subject} or {@code RFAIL millis why}.
 */
public final class LabClient {
    private LabClient() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "send" -> send(args[1], args[2], Path.of(args[3]), Path.of(args[4]));
            case "count" -> count(args[1], args[2], args[3], args[4]);
            case "count-imap" -> countImap(args[1], args[2], args[3], args[4]);
            case "read" -> read(args[1], Path.of(args[2]), Path.of(args[3]), args[4], args[5]);
            case "probe" -> probe(args[1], Path.of(args[2]), Path.of(args[3]));
            default -> throw new IllegalArgumentException("send|count|count-imap|read|probe");
        }
    }

    private static void send(String host, String prefix, Path out, Path stop) throws IOException, InterruptedException {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out), true)) {
            int n = 0;
            while (!Files.exists(stop)) {
                String result = transaction(host, prefix + "-" + n);
                long now = System.currentTimeMillis();
                if (result.startsWith("OK")) {
                    w.println("OK " + n + " " + now + result.substring(2));
                    n++;
                    Thread.sleep(20);
                } else {
                    w.println(result.replace("#", n + " " + now));
                    Thread.sleep(50);
                }
            }
        }
    }

    /** "OK host", or "FAIL # why" / "LOST # why" with # to be replaced by number and time. */
    private static String transaction(String host, String subject) {
        boolean dotSent = false;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, 25), 1000);
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream o = s.getOutputStream();
            String r = reply(in);
            if (!r.startsWith("220")) return "FAIL # greeting " + r;
            String[] banner = r.split(" ");
            String served = banner.length > 1 ? banner[1] : "?";
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
            return "OK " + served;
        } catch (IOException e) {
            return (dotSent ? "LOST # " : "FAIL # ") + e.getClass().getSimpleName() + " " + e.getMessage();
        }
    }

    /**
     * {@code probe HOST OUT STOP}: a client with short timeouts (1 s to connect, 1 s for each reply) that opens a
     * new connection every 100 ms until STOP exists and asks for an envelope: EHLO, MAIL FROM, RCPT TO (its 250
     * needs the store: the recipient is looked up), RSET, QUIT. It stores nothing. One line per attempt to OUT:
     * {@code UP start end host} (end: the 250 to RCPT TO) or {@code DOWN start end why}. Unlike the sender, whose
     * connection may be stuck on a node that stopped (it waits out its 5 s read timeout), it shows when a client
     * that connects after the fault is served.
     */
    private static void probe(String host, Path out, Path stop) throws IOException, InterruptedException {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out), true)) {
            while (!Files.exists(stop)) {
                long start = System.currentTimeMillis();
                String result;
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(host, 25), 1000);
                    s.setSoTimeout(1000);
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    OutputStream o = s.getOutputStream();
                    String r = reply(in);
                    String[] banner = r.split(" ");
                    String served = banner.length > 1 ? banner[1] : "?";
                    result = r.startsWith("220") ? null : "greeting " + r;
                    for (String cmd : List.of("EHLO probe.lab.example", "MAIL FROM:<probe@remote.example>", "RCPT TO:<vic@lab.example>")) {
                        if (result != null) break;
                        o.write((cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        r = reply(in);
                        if (!r.startsWith("250")) result = cmd.split(" ")[0] + " " + r;
                    }
                    long end = System.currentTimeMillis();
                    if (result == null) {
                        result = "UP " + start + " " + end + " " + served;
                        try {
                            o.write("RSET\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                        } catch (IOException ignored) {
                            // answered: how the session ends does not matter
                        }
                    } else {
                        result = "DOWN " + start + " " + end + " " + result;
                    }
                } catch (IOException e) {
                    result = "DOWN " + start + " " + System.currentTimeMillis() + " " + e.getClass().getSimpleName() + " " + e.getMessage();
                }
                w.println(result);
                Thread.sleep(Math.max(10, 100 - (System.currentTimeMillis() - start)));
            }
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

    private static final int IMAP_PORT = 2143;
    private static final Pattern LITERAL = Pattern.compile("\\{(\\d+)\\}$");

    private static void read(String host, Path out, Path stop, String user, String pass) throws IOException, InterruptedException {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out), true)) {
            while (!Files.exists(stop)) {
                long start = System.currentTimeMillis();
                try (Imap imap = new Imap(host, 5000)) {
                    imap.login(user, pass);
                    int exists = imap.select();
                    String subject = "-";
                    if (exists > 0) {
                        Map<Integer, String> last = imap.subjects("*");
                        subject = last.isEmpty() ? "?" : last.values().iterator().next();
                    }
                    imap.logout();
                    w.println("READ " + start + " " + exists + " " + subject);
                } catch (IOException e) {
                    w.println("RFAIL " + start + " " + e.getClass().getSimpleName() + " " + e.getMessage());
                }
                Thread.sleep(200);
            }
        }
    }

    private static void countImap(String host, String prefix, String user, String pass) throws IOException {
        try (Imap imap = new Imap(host, 20000)) {
            imap.login(user, pass);
            int exists = imap.select();
            Map<String, Integer> found = new TreeMap<>();
            if (exists > 0) {
                Map<Integer, String> subjects = imap.subjects("1:*");
                if (subjects.size() != exists) throw new IOException("FETCH 1:* returned " + subjects.size() + " of " + exists + " messages");
                for (String subj : subjects.values()) if (subj.startsWith(prefix + "-")) found.merge(subj, 1, Integer::sum);
            }
            imap.logout();
            found.forEach((k, v) -> System.out.println(k + " " + v));
        }
    }

    /** Just enough IMAP4rev1 for the lab: tagged commands, untagged lines, literals in FETCH responses. */
    private static final class Imap implements AutoCloseable {
        private final Socket s = new Socket();
        private final BufferedInputStream in;
        private final OutputStream o;
        private int tag;

        Imap(String host, int timeoutMillis) throws IOException {
            s.connect(new InetSocketAddress(host, IMAP_PORT), 1000);
            s.setSoTimeout(timeoutMillis);
            in = new BufferedInputStream(s.getInputStream());
            o = s.getOutputStream();
            String greeting = line();
            if (!greeting.startsWith("* OK")) throw new IOException("greeting " + greeting);
        }

        void login(String user, String pass) throws IOException {
            command("LOGIN \"" + user + "\" \"" + pass + "\"", null);
        }

        int select() throws IOException {
            int[] exists = {-1};
            command("SELECT INBOX", l -> {
                String[] f = l.split(" ");
                if (f.length >= 3 && f[2].equalsIgnoreCase("EXISTS")) exists[0] = Integer.parseInt(f[1]);
            });
            if (exists[0] < 0) throw new IOException("SELECT INBOX without EXISTS");
            return exists[0];
        }

        /** Sequence number to Subject for the messages in {@code set}. */
        Map<Integer, String> subjects(String set) throws IOException {
            Map<Integer, String> result = new TreeMap<>();
            int[] current = {-1};
            command("FETCH " + set + " (BODY.PEEK[HEADER.FIELDS (SUBJECT)])", l -> {
                String[] f = l.split(" ");
                if (l.startsWith("* ") && f.length >= 3 && f[2].equalsIgnoreCase("FETCH")) current[0] = Integer.parseInt(f[1]);
                else if (l.regionMatches(true, 0, "Subject:", 0, 8) && current[0] > 0) result.put(current[0], l.substring(8).strip());
            });
            return result;
        }

        void logout() throws IOException {
            command("LOGOUT", null);
        }

        /** Sends one command and passes every line up to its tagged OK to {@code untagged}; literals are split into their lines. */
        private void command(String cmd, Consumer<String> untagged) throws IOException {
            String t = "a" + (++tag);
            o.write((t + " " + cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
            o.flush();
            while (true) {
                String l = line();
                if (l.startsWith(t + " ")) {
                    if (!l.startsWith(t + " OK")) throw new IOException(cmd.split(" ")[0] + ": " + l);
                    return;
                }
                if (untagged != null) untagged.accept(l);
                Matcher m = LITERAL.matcher(l);
                if (m.find()) {
                    byte[] literal = in.readNBytes(Integer.parseInt(m.group(1)));
                    for (String part : new String(literal, StandardCharsets.US_ASCII).split("\r\n")) {
                        if (untagged != null) untagged.accept(part);
                    }
                }
            }
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) throw new IOException("connection closed");
                if (c != '\r') b.write(c);
            }
            return b.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
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
