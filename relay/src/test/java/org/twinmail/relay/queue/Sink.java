package org.twinmail.relay.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The remote MTA of the relay's tests: Python aiosmtpd ({@code sink.py} beside this class, a
 * test resource) on a loopback port, writing what it receives into a directory and replying as
 * {@code rules.json} there says. Public for the server's end-to-end tests (relay's test-jar).
 */
public final class Sink implements AutoCloseable {
    /** Debian's python3 (where python3-aiosmtpd lives), not whatever python3 comes first on the PATH. */
    static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    public final int port;
    public final Path dir;
    private final Process process;

    private Sink(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    /** A sink on a free port. */
    public static Sink start(Path dir, String... options) throws IOException {
        return start(dir, freePort(), options);
    }

    /** A sink on {@code port} (a test that configured the port before the sink could run). */
    public static Sink start(Path dir, int port, String... options) throws IOException {
        Files.createDirectories(dir);
        Path script = dir.resolve("sink.py");
        try (java.io.InputStream in = Sink.class.getResourceAsStream("sink.py")) {
            if (in == null) throw new IOException("sink.py is missing from the test classpath");
            Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString(), String.valueOf(port), dir.toString()));
        cmd.addAll(List.of(options));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null && !line.equals("READY")) seen.append(line).append('\n');
        if (line == null) {
            p.destroyForcibly();
            throw new IOException("the aiosmtpd sink did not start (is python3-aiosmtpd installed?):\n" + seen);
        }
        Thread.ofVirtual().start(() -> out.lines().forEach(l -> { })); // keep its output pipe drained
        return new Sink(port, dir, p);
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public void rules(String json) {
        try {
            Path tmp = dir.resolve("rules.tmp");
            Files.writeString(tmp, json);
            Files.move(tmp, dir.resolve("rules.json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A received message: its envelope as JSON text and its content. */
    public record Received(String envelope, String content) { }

    public List<Received> received() {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> metas = s.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().equals("rules.json")
                            && Files.exists(Path.of(p.toString().replaceAll("\\.json$", ".eml"))))
                    .sorted().toList();
            List<Received> out = new ArrayList<>();
            for (Path m : metas) {
                String base = m.toString().substring(0, m.toString().length() - ".json".length());
                out.add(new Received(Files.readString(m), Files.readString(Path.of(base + ".eml"))));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<String> rcptLog() {
        try {
            Path log = dir.resolve("rcpt.log");
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits (bounded) until {@code n} messages have arrived. */
    public List<Received> await(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (received().size() < n) {
            assertThat(System.nanoTime()).as("%s messages at the sink in time", n).isLessThan(deadline);
            Thread.sleep(50);
        }
        return received();
    }

    @Override
    public void close() throws Exception {
        process.getOutputStream().close(); // sink.py stops when its stdin ends
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }
}
