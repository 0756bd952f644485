package org.twinmail.smtp;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real scanners from their Debian packages, each started by a test in its own directory
 * on a unix socket and stopped by it: clamd ({@code clamav-daemon}) with a signature file
 * for the EICAR test string and nothing else, and spamd ({@code spamd}) offline. A daemon
 * that is not installed fails the test with what to install ({@code .ci/run} installs both).
 * The EICAR and GTUBE strings are built here at run time from pieces, never written whole
 * into the sources.
 */
final class ScanDaemons {
    private ScanDaemons() {
    }

    /** The EICAR anti-virus test file (68 bytes), assembled at run time. */
    static String eicar() {
        return "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-" + "ANTIVIRUS-TEST-FILE!$H+H*";
    }

    /** SpamAssassin's GTUBE line, assembled at run time. */
    static String gtube() {
        return "XJS*C4JDBQADN1.NSBN3*2IDNEN*" + "GTUBE-STANDARD-" + "ANTI-UBE-TEST-EMAIL*C.34X";
    }

    /** The name our signature file gives the EICAR string. */
    static final String EICAR_SIGNATURE = "TwinMail.Test.EICAR";

    static Path binary(String name, String debianPackage) {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p;
        }
        throw new AssertionError(name + " is not installed: this test runs the real daemon; install the Debian package "
                + debianPackage + " (.ci/run does)");
    }

    /** A started daemon; {@link #close()} stops it and waits for it to end. */
    static final class Daemon implements AutoCloseable {
        final Path socket;
        final Path log;
        private final Process process;

        Daemon(Process process, Path socket, Path log) {
            this.process = process;
            this.socket = socket;
            this.log = log;
        }

        /** {@code unix:<socket>}, as {@code filter.*.address} takes it. */
        String address() {
            return "unix:" + socket;
        }

        boolean alive() {
            return process.isAlive();
        }

        @Override
        public void close() throws InterruptedException {
            process.toHandle().descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** clamd on {@code dir}/clamd.sock with only our EICAR signature and the given StreamMaxLength. */
    static Daemon clamd(Path dir, String streamMaxLength) throws Exception {
        Path clamd = binary("clamd", "clamav-daemon");
        Path db = Files.createDirectories(dir.resolve("db"));
        // an .ndb body signature: any file type, any offset, the hex of the string's middle part
        String middle = "EICAR-STANDARD-" + "ANTIVIRUS-TEST-FILE";
        Files.writeString(db.resolve("twinmail-test.ndb"),
                EICAR_SIGNATURE + ":0:*:" + HexFormat.of().formatHex(middle.getBytes(StandardCharsets.US_ASCII)) + "\n");
        Path socket = dir.resolve("clamd.sock");
        Path log = dir.resolve("clamd.log");
        Path conf = dir.resolve("clamd.conf");
        Files.writeString(conf, String.join("\n",
                "LocalSocket " + socket,
                "DatabaseDirectory " + db,
                "TemporaryDirectory " + Files.createDirectories(dir.resolve("tmp")),
                "LogFile " + log,
                "PidFile " + dir.resolve("clamd.pid"),
                "Foreground yes",
                "StreamMaxLength " + streamMaxLength,
                "SelfCheck 3600",
                "") );
        Process p = new ProcessBuilder(clamd.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("clamd.out").toFile()).start();
        Daemon d = new Daemon(p, socket, log);
        awaitAnswer(d, "zPING\0", "PONG", dir.resolve("clamd.out"));
        return d;
    }

    /** spamd on {@code dir}/spamd.sock: no user preferences (-x), local rules only (-L, nothing asked of the network). */
    static Daemon spamd(Path dir) throws Exception {
        Path spamd = binary("spamd", "spamd");
        Path socket = dir.resolve("spamd.sock");
        Path log = dir.resolve("spamd.log");
        Process p = new ProcessBuilder(spamd.toString(), "-x", "-L", "--socketpath=" + socket, "--socketmode=0666",
                "--max-children=2", "--min-children=1", "--syslog=" + log, "--pidfile=" + dir.resolve("spamd.pid"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("spamd.out").toFile()).start();
        Daemon d = new Daemon(p, socket, log);
        awaitAnswer(d, "PING SPAMC/1.5\r\n\r\n", "PONG", dir.resolve("spamd.out"));
        return d;
    }

    /**
     * rspamd's normal worker alone on {@code dir}/rspamd.sock, with the package's configuration and
     * our overrides (no controller, proxy or fuzzy worker; DNS to a closed port so nothing waits
     * on the network; no hyperscan compilation at start), its databases and run files in {@code dir}.
     */
    static Daemon rspamd(Path dir) throws Exception {
        Path rspamd = binary("rspamd", "rspamd");
        Path local = Files.createDirectories(dir.resolve("conf"));
        Path override = Files.createDirectories(local.resolve("override.d"));
        Path localD = Files.createDirectories(local.resolve("local.d"));
        Path run = Files.createDirectories(dir.resolve("run"));
        Path db = Files.createDirectories(dir.resolve("db"));
        Path socket = run.resolve("rspamd.sock");
        Files.writeString(override.resolve("worker-normal.inc"), "bind_socket = \"" + socket + " mode=0666\";\ncount = 1;\n");
        for (String w : List.of("worker-controller.inc", "worker-proxy.inc", "worker-fuzzy.inc")) {
            Files.writeString(override.resolve(w), "enabled = false;\n");
        }
        Path log = dir.resolve("rspamd.log");
        Files.writeString(override.resolve("logging.inc"), "type = \"file\";\nfilename = \"" + log + "\";\nlevel = \"warning\";\n");
        Files.writeString(localD.resolve("options.inc"),
                "disable_hyperscan = true;\ndns { nameserver = [\"127.0.0.1:1\"]; timeout = 0.1s; retransmits = 1; }\n");
        List<String> command = List.of(rspamd.toString(), "-f", "-c", "/etc/rspamd/rspamd.conf",
                "--var=LOCAL_CONFDIR=" + local, "--var=DBDIR=" + db, "--var=RUNDIR=" + run, "--var=LOGDIR=" + dir);
        List<String> asRoot = new java.util.ArrayList<>(command);
        if ("root".equals(System.getProperty("user.name"))) asRoot.addAll(List.of("-u", "root", "-g", "root"));
        Process p = new ProcessBuilder(asRoot).redirectErrorStream(true).redirectOutput(dir.resolve("rspamd.out").toFile()).start();
        Daemon d = new Daemon(p, socket, log);
        awaitAnswer(d, "GET /ping HTTP/1.0\r\n\r\n", "pong", dir.resolve("rspamd.out"));
        return d;
    }

    /** Waits (at most 180 s: rspamd alone takes 15 s to load its rules on a busy two-core machine) until the daemon answers {@code request} on its socket with {@code expected} in its reply. */
    private static void awaitAnswer(Daemon d, String request, String expected, Path output) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        String last = "no socket yet";
        while (System.nanoTime() < deadline) {
            if (!d.alive()) throw new AssertionError("the daemon exited at start: " + tail(output) + tail(d.log));
            if (Files.exists(d.socket)) {
                try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ch.connect(UnixDomainSocketAddress.of(d.socket));
                    ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
                    ch.shutdownOutput();
                    String reply = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.US_ASCII);
                    if (reply.contains(expected)) return;
                    last = reply;
                } catch (IOException e) {
                    last = e.toString();
                }
            }
            Thread.sleep(50);
        }
        d.close();
        throw new AssertionError("the daemon did not answer within 180 s (" + last + "): " + tail(output) + tail(d.log));
    }

    private static String tail(Path file) {
        try {
            String s = Files.readString(file);
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "";
        }
    }

    /** A message with an attachment of {@code name}, base64 as a mail client sends it. */
    static String withAttachment(String subject, String name, byte[] content) {
        String b64 = java.util.Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(content);
        return "From: sender@remote.example\r\nTo: someone@test.example\r\nSubject: " + subject + "\r\n"
                + "Date: Mon, 7 Dec 2026 12:00:00 +0000\r\nMessage-ID: <" + System.nanoTime() + "@remote.example>\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                + "--b1\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n"
                + "--b1\r\nContent-Type: application/octet-stream; name=\"" + name + "\"\r\n"
                + "Content-Disposition: attachment; filename=\"" + name + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + b64 + "\r\n--b1--\r\n";
    }

    /** {@code content} as one entry of a zip file built in memory. */
    static byte[] zip(String entry, byte[] content) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(out)) {
            z.putNextEntry(new java.util.zip.ZipEntry(entry));
            z.write(content);
            z.closeEntry();
        }
        return out.toByteArray();
    }
}
