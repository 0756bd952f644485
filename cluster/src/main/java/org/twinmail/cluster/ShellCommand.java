package org.twinmail.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an operator's hook ({@code /bin/sh -c}) with a deadline. The hook learns the
 * situation from the environment ({@code TWINMAIL_NODE}, {@code TWINMAIL_PEER},
 * {@code TWINMAIL_EPOCH}, {@code TWINMAIL_ACTION}); its output goes to the log. A hook that
 * overruns is killed (with its process group's leader; hooks should not daemonise) and
 * counts as failed.
 */
final class ShellCommand {
    private static final Logger log = LoggerFactory.getLogger(ShellCommand.class);
    private static final int MAX_OUTPUT = 4096;

    private ShellCommand() {}

    /** The result: exit code ({@code -1} on timeout or start failure) and the start of the output. */
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        String describe() {
            String out = output.isBlank() ? "" : ": " + output.strip().replace('\n', ' ');
            return (exitCode == -1 ? "did not finish" : "exit code " + exitCode) + out;
        }
    }

    static Result run(String what, String command, Map<String, String> env, Duration timeout) {
        Result r = runQuietly(what, command, env, timeout);
        if (r.ok()) log.info("{} done{}", what, r.output().isBlank() ? "" : ": " + r.output().strip());
        else log.warn("{} ({}) failed: {}", what, command, r.describe());
        return r;
    }

    /** As {@link #run}, without logging the result (a query whose exit code is an answer, not a failure); a timeout is still logged. */
    static Result runQuietly(String what, String command, Map<String, String> env, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(List.of("/bin/sh", "-c", command)).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Result(-1, "cannot start /bin/sh: " + e.getMessage());
        }
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (out) {
                        if (out.length() < MAX_OUTPUT) out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException ignored) {
                // the process went away; what was read is kept
            }
        });
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                log.warn("{} ({}) did not finish within {} ms and was killed", what, command, timeout.toMillis());
                return new Result(-1, text(out));
            }
            reader.join(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
        return new Result(p.exitValue(), text(out));
    }

    private static String text(StringBuilder out) {
        synchronized (out) {
            return out.toString();
        }
    }
}
